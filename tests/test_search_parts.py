"""The search index is built in parts and merged: the merged index holds exactly
what Pagefind indexes in one run over all pages, does not depend on how the
pages were split or on the order the disk lists them, and an edit re-indexes
only the part that holds the edited page."""

from __future__ import annotations

import json
import shutil
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pagefind.service
import pytest

from tests.conftest import FIXED_NOW, run, tree_digests
from watersite import workers
from watersite.build import build, load_settings
from watersite.errors import ContentErrors
from watersite.plugins import search_index
from watersite.plugins.search_index import Document, merge, split_into_parts
from watersite.plugins.search_index.merge import read_cbor, read_payload
from watersite.plugins.search_index.service import PagefindService


def canonical(index: Path) -> dict[str, Any]:
    """What a search can see in an index, keyed by URL instead of page numbers and
    file names: pages and word counts, words with each page's positions (meta
    field ids as names), filters, chunk bounds, and each sort's values in order."""
    entry = json.loads((index / "pagefind-entry.json").read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for language, info in entry["languages"].items():
        version, pages, chunks, filters, sorts, fields = read_cbor(
            index / f"pagefind.{info['hash']}.pf_meta"
        )
        fragments = [
            json.loads(read_payload(index / "fragment" / f"{name}.pf_fragment"))
            for name, _ in pages
        ]
        urls = [fragment["url"] for fragment in fragments]

        def by_url(postings: list[list[Any]]) -> dict[str, Any]:
            number, decoded = 0, {}
            for delta, positions, meta in postings:
                number += delta
                names = [fields[-p - 1] if p < 0 else p for p in meta]  # noqa: B023
                decoded[urls[number]] = (positions, names)  # noqa: B023
            return decoded

        words = {}
        for _, _, name in chunks:
            for word, postings, variants in read_cbor(index / "index" / f"{name}.pf_index")[0]:
                assert word not in words, "a word in two chunks"
                words[word] = (by_url(postings), {f: by_url(p) for f, p in variants})
        values = {}
        for filter_name, file in filters:
            _, listed = read_cbor(index / "filter" / f"{file}.pf_filter")
            values[filter_name] = {v: sorted(urls[p] for p in ps) for v, ps in listed}
        found[language] = {
            "version": version,
            "pages": sorted((u, count) for u, (_, count) in zip(urls, pages, strict=True)),
            "page_count": info["page_count"],
            "bounds": [(first, last) for first, last, _ in chunks],
            "fields": fields,
            "words": words,
            "filters": values,
            # Pagefind breaks ties by its own page numbers: compare the values' order.
            "sorts": {key: [fragments[p]["meta"].get(key) for p in ps] for key, ps in sorts},
        }
    return found


def pagefind_in_one_run(site: Path, target: Path) -> Path:
    result = run(
        sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(target)
    )
    assert result.returncode == 0, result.stderr
    return target


def spy_on_merges(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The target folder of each merge of parts the search index runs from now on."""
    merged: list[Path] = []
    merge_indexes = search_index.merge_indexes

    def spy(parts: list[Path], target: Path, *args: Any) -> Any:
        merged.append(target)
        return merge_indexes(parts, target, *args)

    monkeypatch.setattr(search_index, "merge_indexes", spy)
    return merged


def spy_on_splices(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each splice of edited pages tried from now on: was it done?"""
    done: list[bool] = []
    splice_pages = search_index.splice_pages

    def spy(*args: Any) -> Any:
        state = splice_pages(*args)
        done.append(state is not None)
        return state

    monkeypatch.setattr(search_index, "splice_pages", spy)
    return done


def edit_pages(site: Path, *edits: tuple[str, str, str]) -> None:
    """Edit built pages: (page, old text, new text)."""
    for page, old, new in edits:
        html = (site / page).read_text(encoding="utf-8")
        assert old in html, (page, old)
        (site / page).write_text(html.replace(old, new, 1), encoding="utf-8")


def assert_as_clean_build(site: Path, scratch: Path) -> None:
    """The site's index has the bytes of one built without a cache."""
    clean = copy_site(site, scratch)
    search_index.build_index(clean, None)
    assert tree_digests(site / "pagefind") == tree_digests(clean / "pagefind")
    shutil.rmtree(clean)


def copy_site(fixture_site: Path, target: Path) -> Path:
    shutil.copytree(fixture_site, target, ignore=shutil.ignore_patterns("pagefind"))
    return target


def test_the_merged_index_holds_what_pagefind_indexes_in_one_run(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "PART_BYTES", 4000)  # many parts
    site = copy_site(fixture_site, tmp_path / "site")
    search_index.build_index(site, None)
    whole = pagefind_in_one_run(site, tmp_path / "whole")
    assert canonical(site / "pagefind") == canonical(whole)


def test_the_index_is_the_same_however_the_pages_are_split(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(fixture_site, tmp_path / "site")
    for part_bytes in (4000, 9000):
        monkeypatch.setattr(search_index, "PART_BYTES", part_bytes)
        search_index.build_index(site, None)
        assert tree_digests(site / "pagefind") == tree_digests(fixture_site / "pagefind")


def test_parts_numbered_in_another_order_by_pagefind_merge_to_the_same_bytes(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On disk (no room in memory) Pagefind numbers pages in the disk's order:
    the merge renumbers them."""
    monkeypatch.setattr(search_index, "_ROOM_PER_PAGE", 1 << 60)
    monkeypatch.setattr(search_index, "PART_BYTES", 6000)
    site = copy_site(fixture_site, tmp_path / "site")
    search_index.build_index(site, None)
    assert tree_digests(site / "pagefind") == tree_digests(fixture_site / "pagefind")


def test_an_edit_indexes_only_the_edited_page_and_gives_a_clean_builds_bytes(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "PART_BYTES", 4000)
    site = copy_site(fixture_site, tmp_path / "site")
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    parts_before = {p.name for p in (cache / "search-index/parts").iterdir()}
    item = sorted(site.glob("news/group/2024/*/index.html"))[0]
    edit_pages(site, (item.relative_to(site).as_posix(), "</h1>", "（更正）</h1>"))
    indexed: list[list[str]] = []  # the pages of each index Pagefind makes
    index_with_pagefind = PagefindService.index

    def spy(self: PagefindService, pages: Path, *args: Any) -> dict[str, bytes]:
        indexed.append(sorted(p.relative_to(pages).as_posix() for p in pages.rglob("*.html")))
        return index_with_pagefind(self, pages, *args)

    monkeypatch.setattr(PagefindService, "index", spy)
    search_index.build_index(site, cache)
    assert indexed == [[item.relative_to(site).as_posix()]], "the edited page alone"
    assert {p.name for p in (cache / "search-index/parts").iterdir()} == parts_before
    assert len(list((cache / "search-index/pages").iterdir())) == 1
    assert not (cache / "search-index/site").exists(), "the whole index is kept in the output"
    assert_as_clean_build(site, tmp_path / "clean")


def test_a_rebuild_takes_the_last_outputs_index_and_updates_it(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole index is kept in the output only (a copy in the cache cost 10,000
    hard links per build): a rebuild moves the last output's index into the cache
    before the last output is deleted, moves it back if no searchable text
    changed, and splices an edit into it."""
    output, cache = tmp_path / "output", tmp_path / "cache"

    def build_site(target: Path, cache: Path) -> dict[str, str]:
        settings = load_settings(content=content_copy, output=target, now=FIXED_NOW)
        settings["WATERSITE_CACHE_DIR"] = str(cache)
        build(settings)
        return tree_digests(target / "pagefind")

    first = build_site(output, cache)
    assert not (cache / "search-index/site").exists(), "no copy of the whole index in the cache"
    entry = (output / "pagefind/pagefind-entry.json").stat().st_ino
    merged = spy_on_merges(monkeypatch)
    assert build_site(output, cache) == first
    assert merged == [], "no searchable text changed: the last index is used as it is"
    assert (output / "pagefind/pagefind-entry.json").stat().st_ino == entry, "moved, not copied"

    article = content_copy / "news/group/2024/plant-upgrade.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n鸬鹚回到了水库。\n", "utf-8")

    def must_not_run(*args: object) -> None:
        raise AssertionError("every part merged again: the last index was not found")

    linked: list[str] = []
    link_or_copy = merge.link_or_copy

    def link_spy(source: str | Path, target: str | Path) -> None:
        linked.append(str(target))
        link_or_copy(source, target)

    monkeypatch.setattr(merge, "_write_chunks", must_not_run)
    monkeypatch.setattr(merge, "link_or_copy", link_spy)
    spliced = spy_on_splices(monkeypatch)
    edited = build_site(output, cache)
    assert merged == [] and spliced == [True] and edited != first
    fragments = sorted(Path(t).name for t in linked if "/fragment/" in t)
    new = sorted(Path(f).name for f in edited.keys() - first.keys() if f.startswith("fragment/"))
    assert fragments == new, "the last index's fragments are moved, changed ones linked"
    assert len(first) > 20
    monkeypatch.undo()
    assert build_site(tmp_path / "clean", tmp_path / "clean-cache") == edited


def test_parts_written_in_memory_are_copied_into_a_new_cache_whole(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a last index (a cold build), Pagefind writes each part in the scratch
    folder; across file systems the part is copied by `cp`, which needs the cache's
    parts folder made first."""

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a part copied file by file: cp failed")

    site = copy_site(fixture_site, tmp_path / "site")
    monkeypatch.setattr(search_index, "PART_BYTES", 4000)
    monkeypatch.setattr(search_index.shutil, "copytree", must_not_run)
    search_index.build_index(site, tmp_path / "cache")
    monkeypatch.undo()
    assert len(list((tmp_path / "cache/search-index/parts").iterdir())) > 1
    assert tree_digests(site / "pagefind") == tree_digests(fixture_site / "pagefind")


def test_an_edited_parts_files_the_same_as_the_last_indexs_are_links_to_them(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part indexed again after an edit is written into the cache, and each of its
    files that the last whole index has with the same bytes (every fragment but the
    edited page's, Pagefind's scripts) is a link to that file, not a new one."""
    monkeypatch.setattr(search_index, "MAX_SPLICED_PAGES", 0)  # its part indexed again
    output = tmp_path / "output"
    settings = load_settings(content=content_copy, output=output, now=FIXED_NOW)
    settings["WATERSITE_CACHE_DIR"] = str(tmp_path / "cache")
    build(settings)
    last = {
        path.relative_to(output / "pagefind").as_posix(): (path.stat().st_ino, path.read_bytes())
        for path in (output / "pagefind").rglob("*")
        if path.is_file()
    }
    parts = tmp_path / "cache/search-index/parts"
    before = set(parts.iterdir())
    article = content_copy / "news/group/2024/plant-upgrade.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n鸬鹚回到了水库。\n", "utf-8")
    build(settings)
    [part] = set(parts.iterdir()) - before
    linked, new = [], []
    for path in part.rglob("*"):
        name = path.relative_to(part).as_posix()
        if path.is_file() and name in last:
            inode, data = last[name]
            (linked if path.stat().st_ino == inode else new).append(name)
            assert (path.stat().st_ino == inode) == (path.read_bytes() == data), name
    assert sum(name.startswith("fragment/") for name in linked) > 10
    assert "pagefind.js" in linked
    assert not [name for name in new if name.startswith("fragment/")], "new: not in the last"


def test_a_last_index_changed_by_hand_is_not_used(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(fixture_site, tmp_path / "site")
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    fragment = next((site / "pagefind/fragment").iterdir())
    replaced = fragment.read_bytes()[:-1] + b"\x00"
    fragment.unlink()
    fragment.write_bytes(replaced)
    merged = spy_on_merges(monkeypatch)
    search_index.build_index(site, cache)
    assert merged == [site / "pagefind"], "merged again from the parts"
    assert tree_digests(site / "pagefind") == tree_digests(fixture_site / "pagefind")


SECOND = "news/group/2024/second-article/index.html"
LAW = "library/laws/2023/water-law/index.html"
#: Edits to built pages: (page, old text, new text).
INDEX_EDITS = {
    "a title": [(SECOND, "</h1>", "（更正）</h1>")],
    "words gone and new": [
        (SECOND, "<p>城东水厂二期工程今日开工，设计规模为", "<p>鳄鱼与鸬鹚栖息于")
    ],
    "text before every word": [
        (SECOND, '<div class="sw-prose">', '<div class="sw-prose"><p>先说一句。</p>')
    ],
    "pages of two parts": [
        (SECOND, "</h1>", "（更正）</h1>"),
        (LAW, "<p>条例正文摘要", "<p>条例全文摘要"),
    ],
}


@pytest.mark.parametrize("way", ["pages spliced", "parts indexed again"])
@pytest.mark.parametrize("edit", INDEX_EDITS)
def test_an_edit_updates_the_last_index_into_a_clean_builds_bytes(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str, way: str
) -> None:
    """After an edit the last merged index is updated, not merged again from every
    part, with the edited pages indexed alone or their parts indexed again: the
    same bytes as a clean build. Small chunks, so bounds move."""
    monkeypatch.setattr(search_index, "PART_BYTES", 4000)
    monkeypatch.setattr(merge, "CHUNK_SIZE", 60)
    if way == "parts indexed again":
        monkeypatch.setattr(search_index, "MAX_SPLICED_PAGES", 0)
    site = copy_site(fixture_site, tmp_path / "site")
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    edit_pages(site, *INDEX_EDITS[edit])
    spliced = spy_on_splices(monkeypatch)
    write_chunks, rewrite_chunks = merge._write_chunks, merge._rewrite_chunks
    updates: list[str] = []

    def must_not_run(*args: object) -> None:
        raise AssertionError("every part merged again")

    def spy(language: str, *args: Any) -> Any:
        updates.append(language)
        return rewrite_chunks(language, *args)

    monkeypatch.setattr(merge, "_write_chunks", must_not_run)
    monkeypatch.setattr(merge, "_rewrite_chunks", spy)
    search_index.build_index(site, cache)
    assert updates == ["zh-cn"], "the last merged index was updated"
    assert spliced == ([True] if way == "pages spliced" else [])
    monkeypatch.setattr(merge, "_write_chunks", write_chunks)
    assert_as_clean_build(site, tmp_path / "clean")
    assert len(canonical(site / "pagefind")["zh-cn"]["bounds"]) > 20


def test_pages_spliced_again_and_again_give_a_clean_builds_bytes(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page edited twice (its last version read from the index it was spliced
    from), then another page of its part (read from the part), then more pages
    than are spliced (every part holding a page spliced in indexed again, the
    spliced indexes dropped), then a page back as it was: each time a clean
    build's bytes."""
    monkeypatch.setattr(search_index, "PART_BYTES", 4000)
    monkeypatch.setattr(merge, "CHUNK_SIZE", 60)
    monkeypatch.setattr(search_index, "MAX_SPLICED_PAGES", 2)
    site = copy_site(fixture_site, tmp_path / "site")
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    original = (site / SECOND).read_text(encoding="utf-8")
    first_paragraph = "<p>城东水厂二期工程今日开工，设计规模为"
    steps = [
        ("twice, first", [(SECOND, "</h1>", "（更正）</h1>")], [True]),
        (
            "twice, again",  # the word only the first edit brought is gone
            [(SECOND, "（更正）</h1>", "</h1>"), (SECOND, first_paragraph, "<p>鳄鱼与鸬鹚栖息于")],
            [True],
        ),
        ("another", [(LAW, "<p>条例正文摘要", "<p>条例全文摘要")], [True]),
        (
            "more than spliced",
            [
                (SECOND, "鳄鱼", "白鹭"),
                (LAW, "条例全文摘要", "条例摘要"),
                ("news/group/2024/plant-upgrade/index.html", "</h1>", "（二）</h1>"),
            ],
            [],
        ),
    ]
    for name, edits, done in steps:
        edit_pages(site, *edits)
        spliced, merged = spy_on_splices(monkeypatch), spy_on_merges(monkeypatch)
        search_index.build_index(site, cache)
        assert (spliced, len(merged)) == (done, 0 if done else 1), name
        assert_as_clean_build(site, tmp_path / "clean")
        monkeypatch.setattr(search_index, "splice_pages", merge.splice_pages)
        monkeypatch.setattr(search_index, "merge_indexes", merge.merge_indexes)
    assert not list((cache / "search-index/pages").iterdir()), "merged: none spliced"
    (site / SECOND).write_text(original, encoding="utf-8")
    spliced = spy_on_splices(monkeypatch)
    search_index.build_index(site, cache)
    assert spliced == [True]
    assert_as_clean_build(site, tmp_path / "clean")


#: A meta field on the edited page only: (its page before the edit, after).
TITLE = '<h1 class="sw-item__title">'
AUTHOR = '<h1 class="sw-item__title" data-pagefind-meta="author:李">'
META_FIELD_EDITS = {"gone": (AUTHOR, TITLE), "new": (TITLE, AUTHOR)}


@pytest.mark.parametrize("change", META_FIELD_EDITS)
def test_an_edit_that_changes_the_meta_fields_merges_the_parts(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The index lists the meta fields of all its pages: a field that only the
    edited page had, or has now, changes that list, and with it the ids in every
    word's postings. Such an edit is not spliced in: the same bytes as a clean build."""
    site = copy_site(fixture_site, tmp_path / "site")
    before, after = META_FIELD_EDITS[change]
    html = (site / SECOND).read_text(encoding="utf-8")
    (site / SECOND).write_text(html.replace(TITLE, before, 1), encoding="utf-8")
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    edit_pages(site, (SECOND, before, after))
    spliced = spy_on_splices(monkeypatch)
    search_index.build_index(site, cache)
    assert spliced == [False]
    assert_as_clean_build(site, tmp_path / "clean")
    assert ("author" in canonical(site / "pagefind")["zh-cn"]["fields"]) == (change == "new")


def test_an_edit_decodes_only_the_chunks_of_its_part_that_changed(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind names a chunk by its bytes: the chunks both versions of an edited
    part have hold the same words, and only the others are decoded to find the
    words that changed. The same bytes as a clean build."""
    site = copy_site(fixture_site, tmp_path / "site")
    for number in range(200):  # enough words for a part of several chunks
        words = " ".join(f"w{(number * 7 + word) % 3000}" for word in range(300))
        page = site / f"extra/{number}/index.html"
        page.parent.mkdir(parents=True)
        page.write_text(
            f'<html lang="zh-cn"><head><title>页 {number}</title></head>'
            f"<body><main data-pagefind-body><p>{words}</p></main></body></html>",
            encoding="utf-8",
        )
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    monkeypatch.setattr(search_index, "MAX_SPLICED_PAGES", 0)  # its part indexed again
    edited = site / "extra/60/index.html"
    edited.write_text(edited.read_text(encoding="utf-8").replace("w427 ", ""), "utf-8")
    parts = cache / "search-index/parts"
    chunks = {part: len(list((part / "index").iterdir())) for part in parts.iterdir()}
    decoded: list[Path] = []  # the parts' chunks read
    read_payload = merge.read_payload

    def spy(path: Path) -> bytes:
        if path.parent.parent.parent == parts:
            decoded.append(path)
        return read_payload(path)

    monkeypatch.setattr(merge, "read_payload", spy)
    search_index.build_index(site, cache)
    [last] = chunks.keys() - set(parts.iterdir())
    [now] = set(parts.iterdir()) - chunks.keys()
    chunks[now] = len(list((now / "index").iterdir()))
    for part in (last, now):
        read = [path for path in decoded if path.parent.parent == part]
        assert 0 < len(read) < chunks[part] and chunks[part] > 3, (len(read), chunks[part])
    monkeypatch.undo()
    clean = copy_site(site, tmp_path / "clean")
    search_index.build_index(clean, None)
    assert tree_digests(site / "pagefind") == tree_digests(clean / "pagefind")


def test_a_damaged_last_index_is_merged_again_from_every_part(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_index, "PART_BYTES", 4000)
    monkeypatch.setattr(merge, "CHUNK_SIZE", 60)
    site = copy_site(fixture_site, tmp_path / "site")
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    for chunk in (site / "pagefind/index").glob("*.pf_index"):
        damaged = merge.read_payload(chunk) + b"\x00"  # its words still where they were
        # Written in place, as its folder's signature would tell a replaced file.
        merge.write_file(chunk, damaged)
    page, old, new = INDEX_EDITS["words gone and new"][0]
    html = (site / page).read_text(encoding="utf-8")
    (site / page).write_text(html.replace(old, new, 1), encoding="utf-8")
    calls: list[str] = []
    merge_indexes, write_chunks = search_index.merge_indexes, merge._write_chunks

    def merge_spy(*args: Any) -> Any:
        calls.append("previous" if args[4] is not None else "none")
        return merge_indexes(*args)

    def write_spy(*args: Any) -> Any:
        calls.append("all words")
        return write_chunks(*args)

    monkeypatch.setattr(search_index, "merge_indexes", merge_spy)
    monkeypatch.setattr(merge, "_write_chunks", write_spy)
    search_index.build_index(site, cache)
    assert calls == ["previous", "all words"], "the last index found, its chunks refused"
    clean = copy_site(site, tmp_path / "clean")
    search_index.build_index(clean, None)
    assert tree_digests(site / "pagefind") == tree_digests(clean / "pagefind")


def test_parts_hold_a_bounded_amount_of_text_and_a_new_page_changes_few_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_index, "PART_BYTES", 40_000)
    monkeypatch.setattr(search_index, "MAX_PART_PAGES", 100)
    monkeypatch.setattr(search_index, "MAX_PART_BYTES", 60_000)
    documents = [
        Document(f"news/{n:05d}/index.html", "", 30_000 if n % 97 == 0 else 500, {})
        for n in range(0, 6000, 2)
    ]
    parts = split_into_parts(documents)
    assert [d for part in parts for d in part] == documents, "every page once, in URL order"
    assert all(len(p) <= 100 and sum(d.size for d in p) <= 60_000 for p in parts)
    assert 20 < len(parts) < 100
    added = Document("news/03001/index.html", "", 500, {})
    after = split_into_parts([*documents, added])
    changed = [p for p in after if p not in parts]
    # The part it joins, and the ones up to the next natural end if runs were cut early.
    assert any(added in p for p in changed) and len(changed) <= 3
    assert len(after) - len(changed) >= len(parts) - 3, "every other part is kept"


def test_an_edited_pages_part_holds_about_an_average_parts_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parts stay close to PART_BYTES, so the part an edit indexes again (that of a
    page picked at random, likelier in a large part) is not much larger than the
    average part: with cuts equally likely everywhere it held twice as much."""
    monkeypatch.setattr(search_index, "PART_BYTES", 40_000)
    documents = [
        Document(f"news/{n:05d}/index.html", "", 400 + n % 7 * 100, {}) for n in range(40_000)
    ]
    sizes = [sum(d.size for d in part) for part in split_into_parts(documents)]
    average = sum(sizes) / len(sizes)
    edited = sum(size * size for size in sizes) / sum(sizes)  # weighted by its pages' text
    assert 40_000 <= average <= 60_000
    assert edited < 1.25 * average
    assert max(sizes) < 3.5 * average


SORTED_PAGES = {
    "a/index.html": ("9", "", "水厂 九号"),
    "b/index.html": ("10", "", "水厂 十号"),
    "c/index.html": ("-2.5", '<img src="/x.png" alt="图">', "水厂 负数"),
    "d/index.html": ("100", "", "水表 一百"),
}


def test_numeric_sorts_and_parts_with_other_meta_fields_merge_like_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sort values that are all numbers sort as numbers; a part whose pages have
    an image (so an extra meta field) merges with parts that have none."""
    site = tmp_path / "site"
    for page, (number, image, text) in SORTED_PAGES.items():
        path = site / page
        path.parent.mkdir(parents=True)
        path.write_text(
            f'<html lang="zh-CN"><head><title>{text}</title></head><body>'
            f'<main data-pagefind-body><h1 data-pagefind-sort="n:{number}"'
            f' data-pagefind-meta="n:{number}">{text}</h1>{image}<p>{text}</p></main>'
            "</body></html>",
            encoding="utf-8",
        )
    monkeypatch.setattr(search_index, "PART_BYTES", 1)  # a part per page
    search_index.build_index(site, None)
    whole = pagefind_in_one_run(site, tmp_path / "whole")
    assert canonical(site / "pagefind") == canonical(whole)
    assert canonical(whole)["zh-cn"]["sorts"]["n"] == ["-2.5", "9", "10", "100"]


def test_a_sort_without_a_value_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"x/index\.html"):
        search_index.sort_values('<h1 data-pagefind-sort="date">标题</h1>'.encode(), "x/index.html")
    assert search_index.sort_values(b'<p data-pagefind-sort="date:2024-05-01">', "p") == {
        "date": "2024-05-01"
    }
    assert search_index.sort_values(
        b'<p\tdata-pagefind-sort="n:1" x-data-pagefind-sort="n:2">', "p"
    ) == {"n": "1"}, "after any white space, and not within another attribute's name"


def test_words_merged_in_parallel_by_ranges_give_pagefinds_index(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small chunks (Pagefind's own setting, and the merge's) give many ranges of
    words to merge in two workers."""
    monkeypatch.setenv("PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE", "300")
    monkeypatch.setattr(merge, "CHUNK_SIZE", 300)
    monkeypatch.setattr(workers, "MIN_JOBS_PER_WORKER", 1)
    monkeypatch.setattr(search_index, "PART_BYTES", 8000)
    site = copy_site(fixture_site, tmp_path / "site")
    search_index.build_index(site, None, workers=2)
    parallel = tree_digests(site / "pagefind")
    search_index.build_index(site, None, workers=1)
    assert tree_digests(site / "pagefind") == parallel
    whole = pagefind_in_one_run(site, tmp_path / "whole")
    assert canonical(site / "pagefind") == canonical(whole)
    assert len(canonical(whole)["zh-cn"]["bounds"]) > 10


def test_the_merge_knows_the_format_of_the_pinned_pagefind() -> None:
    """Upgrading Pagefind means checking its index format against merge.py first."""
    assert version("pagefind") == merge.FORMAT_VERSION


def test_parts_indexed_again_from_remembered_documents_give_the_same_bytes(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged pages are described from the documents memo, without writing
    their documents: a part indexed again cuts them from the output then."""
    monkeypatch.setattr(search_index, "PART_BYTES", 4000)
    site = copy_site(fixture_site, tmp_path / "site")
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    shutil.rmtree(cache / "search-index/parts")
    shutil.rmtree(site / "pagefind")  # the last whole index
    search_index.build_index(site, cache)
    assert (cache / "search-index/documents").is_dir()
    assert tree_digests(site / "pagefind") == tree_digests(fixture_site / "pagefind")


def test_a_missing_pagefind_binary_fails_the_build_saying_how_to_install_it(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = copy_site(fixture_site, tmp_path / "site")
    monkeypatch.setattr(pagefind.service, "get_executable", lambda: None)
    with pytest.raises(ContentErrors) as raised:
        search_index.build_index(site, None)
    [error] = raised.value.errors
    assert "找不到 Pagefind 程序" in error.zh
    assert "./run" in error.en


def test_a_pagefind_that_dies_fails_the_build_with_what_it_said(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's last words reach the editor; the build does not wait forever."""
    dying = tmp_path / "pagefind"
    dying.write_text("#!/bin/sh\necho 'memory allocation failed' >&2\nexit 3\n")
    dying.chmod(0o755)
    monkeypatch.setattr(pagefind.service, "get_executable", lambda: dying)
    site = copy_site(fixture_site, tmp_path / "site")
    with pytest.raises(ContentErrors) as raised:
        search_index.build_index(site, None)
    [error] = raised.value.errors
    assert error.zh == "生成搜索索引失败：memory allocation failed"
    assert error.en == "Pagefind failed: memory allocation failed"


def test_a_site_without_searchable_pages_gets_an_empty_index(tmp_path: Path) -> None:
    """A new site with no items yet builds (Pagefind's command refused an empty site)."""
    page = tmp_path / "site/about/index.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '<html lang="zh-CN"><head><title>关于</title></head><body><p>关于</p></body></html>'
    )
    search_index.build_index(tmp_path / "site", tmp_path / "cache")
    entry = json.loads((tmp_path / "site/pagefind/pagefind-entry.json").read_text())
    assert entry["languages"] == {}


def test_a_rebuild_indexes_an_edit_with_the_service_made_ready_as_it_started(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind gets ready to segment Chinese (0.2 s) while the build reads the
    content, not when the edited part is indexed; every service ends with the build."""
    asked: dict[PagefindService, list[str]] = {}
    ask = PagefindService._ask_now

    def spy(self: PagefindService, payload: dict[str, Any]) -> dict[str, Any]:
        asked.setdefault(self, []).append(payload["type"])
        return ask(self, payload)

    monkeypatch.setattr(PagefindService, "_ask_now", spy)
    settings = load_settings(content=content_copy, output=tmp_path / "output", now=FIXED_NOW)
    settings["WATERSITE_CACHE_DIR"] = str(tmp_path / "cache")
    build(settings)
    article = content_copy / "news/group/2024/plant-upgrade.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n鸬鹚回到了水库。\n", "utf-8")
    asked.clear()
    build(settings)
    [(service, messages)] = asked.items()
    assert messages[:3] == ["NewIndex", "AddFile", "DeleteIndex"], "made ready first"
    assert messages[3:] == ["NewIndex", "AddDir", "GetFiles", "DeleteIndex"]
    assert service._process is None, "ended with the build"


def test_a_part_is_whole_when_the_service_has_indexed_it(
    fixture_site: Path, tmp_path: Path
) -> None:
    """Pagefind's own `WriteFiles` answered before its last writes reached the files
    (an empty pagefind-entry.json, once in CI): every file must be whole at once."""
    service = PagefindService()
    try:
        for number in range(5):
            target = tmp_path / f"index-{number}"
            service.index(fixture_site, target)
            json.loads((target / "pagefind-entry.json").read_text(encoding="utf-8"))
            for path in target.rglob("*.pf_*"):
                read_payload(path)  # a whole gzip stream, Pagefind's signature first
    finally:
        service.close()
