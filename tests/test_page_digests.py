"""The output's pages and their digests, read again only where a file changed, and
each page read once per build for its digest, the guard and the search index."""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from pathlib import Path

import pytest

import watersite.memo
from tests.conftest import FIXED_NOW
from watersite.build import build, load_settings
from watersite.output import built_pages


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The pages each call of built_pages read (by index)."""
    calls: list[list[int]] = []
    real = watersite.memo.map_items

    def recording(function, items, workers):  # type: ignore[no-untyped-def]
        calls.append(list(items))
        return real(function, items, workers)

    monkeypatch.setattr(watersite.memo, "map_items", recording)
    return calls


def test_pages_are_listed_sorted_with_the_digest_of_their_bytes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for name in ("news/b/index.html", "index.html", "news/a/index.html", "theme/site.css"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(f"<p>{name}</p>", encoding="utf-8")
    built = built_pages(site, 1)
    assert built.pages == ["index.html", "news/a/index.html", "news/b/index.html"]
    assert built.digests == [_digest(site / page) for page in built.pages]


def test_a_page_is_read_again_only_when_its_file_changed(
    tmp_path: Path, reads: list[list[int]]
) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    pages = [site / f"p{number}/index.html" for number in range(3)]
    for page in pages:
        page.parent.mkdir(parents=True)
        page.write_text("<p>一</p>", encoding="utf-8")
    built_pages(site, 1, cache)
    assert built_pages(site, 1, cache).digests == [_digest(page) for page in pages]
    assert reads[-1] == [], "unchanged files are not read again"

    time.sleep(0.05)  # a later edit: the clock the file system stamps files with moves on
    pages[0].write_text("<p>二</p>", encoding="utf-8")  # same size, same inode
    replacement = tmp_path / "new.html"
    replacement.write_text("<p>三</p>", encoding="utf-8")
    os.utime(replacement, ns=(0, pages[1].stat().st_mtime_ns))  # same size and time
    replacement.replace(pages[1])  # another inode
    built = built_pages(site, 1, cache)
    assert reads[-1] == [0, 1]
    assert built.digests == [_digest(page) for page in pages]


def test_a_damaged_digest_memo_is_not_trusted(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    (site / "index.html").parent.mkdir(parents=True)
    (site / "index.html").write_text("<p>一</p>", encoding="utf-8")
    built_pages(site, 1, cache)
    for memo_file in (cache / "page-digests").iterdir():
        memo_file.write_bytes(b"damaged")
    assert built_pages(site, 1, cache).digests == [_digest(site / "index.html")]


class _Recording:
    """A page check that notes what it was given."""

    def __init__(self) -> None:
        self.started: list[int] = []

    def start(self, pages: int) -> None:
        self.started.append(pages)

    def __call__(self, page: str, data: bytes, digest: str) -> tuple[str, bytes, str]:
        return page, data, digest


def test_page_checks_see_each_page_read_with_its_digest_and_no_other(tmp_path: Path) -> None:
    """What the guard and the search index want of a page is done as it is read
    for its digest: one read, one round of workers."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    pages = [site / f"p{number}/index.html" for number in range(3)]
    for number, page in enumerate(pages):
        page.parent.mkdir(parents=True)
        page.write_text(f"<p>第{number}页</p>", encoding="utf-8")
    check = _Recording()
    built = built_pages(site, 1, cache, {"recording": check})
    assert check.started == [3], "started before any page, told how many"
    assert built.found == {
        "recording": {
            f"p{n}/index.html": (f"p{n}/index.html", f"<p>第{n}页</p>".encode(), _digest(pages[n]))
            for n in range(3)
        }
    }
    time.sleep(0.05)
    pages[2].write_text("<p>改了</p>", encoding="utf-8")
    again = built_pages(site, 1, cache, {"recording": check})
    assert again.found == {
        "recording": {"p2/index.html": ("p2/index.html", "<p>改了</p>".encode(), _digest(pages[2]))}
    }, "pages not read again are not checked again"


def test_a_build_reads_each_page_it_wrote_once(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its digest, the guard's scan and its search document come from one read."""
    output = tmp_path / "output"
    reads: Counter[str] = Counter()
    for method in ("read_bytes", "read_text"):
        real = getattr(Path, method)

        def counting(path: Path, *args: object, _real=real, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
            if path.suffix == ".html" and path.is_relative_to(output):
                reads[path.relative_to(output).as_posix()] += 1
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(Path, method, counting)
    settings = load_settings(content=content_copy, output=output, now=FIXED_NOW)
    settings["WATERSITE_RENDER_WORKERS"] = 1  # every read in this process
    settings["WATERSITE_CACHE_DIR"] = str(tmp_path / "cache")
    build(settings)
    pages = {p.relative_to(output).as_posix() for p in output.rglob("*.html")}
    assert len(pages) > 20
    assert reads == Counter(dict.fromkeys(pages, 1))
