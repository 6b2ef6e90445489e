"""Build speed work keeps the bytes: pages rendered in worker processes and rebuilds
with warm caches give exactly a clean serial build's output; the search index
built from search documents holds the same text as one built from whole pages,
does not depend on the file system's order, and is reused only while no
searchable text changed; the benchmark's synthetic archive passes the same
checks as the demo content."""

from __future__ import annotations

import copy
import gc
import logging
import multiprocessing
import re
import shutil
import sys
import time
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import DictLoader, Environment, Template
from pelican import signals

from tests.conftest import (
    DEMO_CONTENT,
    DEMO_NOW,
    FIXED_NOW,
    FIXTURE_CONTENT,
    build_into,
    run,
    tree_digests,
)
from watersite import output as output_module
from watersite import workers
from watersite.bench import buildspeed
from watersite.bench.corpus import edit_one_item, templates, write_baseline, write_corpus
from watersite.build import ROOT, build, check, load_settings
from watersite.errors import ContentError, ContentErrors
from watersite.plugins import search_index
from watersite.plugins.parallel_render import (
    DeferredWriter,
    import_macros_quickly,
    learn_items_early,
)
from watersite.plugins.parallel_render.keys import PageKeys
from watersite.plugins.search_index.merge import read_cbor
from watersite.plugins.search_index.service import PagefindService


def build_demo(
    output: Path, render_workers: int, cache: Path, content: Path = DEMO_CONTENT
) -> dict[str, str]:
    settings = load_settings(content=content, output=output, now=DEMO_NOW)
    settings["WATERSITE_RENDER_WORKERS"] = render_workers
    settings["WATERSITE_CACHE_DIR"] = str(cache)
    build(settings)
    return tree_digests(output)


@pytest.mark.slow
def test_parallel_and_incremental_builds_equal_a_clean_serial_build(tmp_path: Path) -> None:
    serial = build_demo(tmp_path / "serial", render_workers=1, cache=tmp_path / "cache-serial")
    parallel = build_demo(tmp_path / "parallel", render_workers=2, cache=tmp_path / "cache")
    assert parallel == serial
    again = build_demo(tmp_path / "parallel", render_workers=2, cache=tmp_path / "cache")
    assert again == serial, "a rebuild over the last output with warm caches"
    assert len(serial) > 300


@pytest.mark.parametrize(
    "lister",
    [output_module._LIST_FILES, ["false"], ["no-such-lister"]],
    ids=["find", "a failing listing", "no lister"],
)
def test_a_rebuild_deletes_every_file_it_did_not_write(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lister: list[str]
) -> None:
    """Files of the last output this build did not write are deleted, and folders
    left with nothing: the output is what a clean build makes. Listed as the build
    starts, or at its end if that fails."""
    monkeypatch.setattr(output_module, "_LIST_FILES", lister)
    output = tmp_path / "output"
    shutil.copytree(fixture_site, output)
    (output / "news/old-page/old").mkdir(parents=True)
    (output / "news/old-page/old/index.html").write_text("旧页面", encoding="utf-8")
    (output / "news/old-page/old.png").write_bytes(b"png")
    (output / "news/old.txt").write_text("旧文件", encoding="utf-8")
    (output / "old.html").write_text("旧页面", encoding="utf-8")
    build_into(FIXTURE_CONTENT, output)
    assert tree_digests(output) == tree_digests(fixture_site)
    folders = sorted(p.relative_to(output) for p in output.rglob("*") if p.is_dir())
    assert folders == sorted(
        p.relative_to(fixture_site) for p in fixture_site.rglob("*") if p.is_dir()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_a_build_that_fails_its_content_checks_leaves_the_last_output(
    fixture_site: Path, tmp_path: Path
) -> None:
    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(FIXTURE_CONTENT, content)
    shutil.copytree(fixture_site, output)
    article = content / "news/group/2024/plant-upgrade.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8"
    )
    with pytest.raises(ContentErrors):
        build_into(content, output)
    assert tree_digests(output) == tree_digests(fixture_site)


def test_menus_rendered_once_follow_the_templates_of_each_build(
    fixture_site: Path, tmp_path: Path
) -> None:
    """Menus are rendered once per section and build: another theme in the same
    process gets its own menus."""
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    nav = theme / "templates/components/nav.html"
    nav.write_text(nav.read_text(encoding="utf-8").replace("关闭菜单", "收起菜单"), "utf-8")
    assert "关闭菜单" in (fixture_site / "news/group/index.html").read_text(encoding="utf-8")
    settings = load_settings(content=FIXTURE_CONTENT, output=tmp_path / "out", now=FIXED_NOW)
    settings["THEME"] = str(theme)
    build(settings)
    page = (tmp_path / "out/news/group/index.html").read_text(encoding="utf-8")
    assert "收起菜单" in page and "关闭菜单" not in page


def deferred_writer(tmp_path: Path, pages: dict[str, str]) -> DeferredWriter:
    writer = DeferredWriter(
        str(tmp_path),
        settings={
            "WATERSITE_RENDER_WORKERS": 2,
            "RELATIVE_URLS": False,
            "PAGINATED_TEMPLATES": {},
            "DEFAULT_PAGINATION": False,
            "OUTPUT_PATH": str(tmp_path),
        },
    )
    for name, source in pages.items():
        writer.write_file(name, Template(source), {"who": "水务"})
    return writer


def test_worker_renders_write_every_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_JOBS_PER_WORKER", 1)
    pages = {f"p{i}/index.html": f"第 {i} 页 {{{{ who }}}}" for i in range(7)}
    deferred_writer(tmp_path, pages).render_deferred()
    for i in range(7):
        assert (tmp_path / f"p{i}/index.html").read_text(encoding="utf-8") == f"第 {i} 页 水务"


def test_items_digested_early_count_only_if_they_are_the_items_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Digests learnt when the generators were done are used only for the very
    items the pages are rendered with; other items are digested again."""
    learnt: list[list[str]] = []
    learn = PageKeys.learn_items

    def learning(self: PageKeys, items: list[Any], workers: int | None) -> Callable[[], None]:
        learnt.append([item.title for item in items])
        return learn(self, items, workers)

    monkeypatch.setattr(PageKeys, "learn_items", learning)
    final = [SimpleNamespace(title=t, url=f"{t}/", save_as=f"{t}/index.html") for t in "ab"]
    for rendered, expected in ((final, ["ab"]), ([final[0], copy.copy(final[1])], ["ab", "ab"])):
        learnt.clear()
        writer = deferred_writer(tmp_path, {"p/index.html": "{{ who }}"})
        generator = SimpleNamespace(settings=writer.settings, context={"articles": final})
        learn_items_early([generator])  # type: ignore[list-item]
        writer.requests[0][0][2]["articles"] = rendered
        writer.render_deferred()
        assert ["".join(titles) for titles in learnt] == expected


def _double(number: int) -> int:
    return 2 * number


def test_background_workers_end_once_their_shares_are_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not when asked for the results: a build that fails before asking leaves
    no process waiting."""
    monkeypatch.setattr(workers, "MIN_JOBS_PER_WORKER", 1)
    results = workers.map_in_background(_double, range(7), 2)
    deadline = time.monotonic() + 60
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
    assert results() == [0, 2, 4, 6, 8, 10, 12]


def _collecting(_: int) -> bool:
    return gc.isenabled()


def test_the_cycle_collector_pauses_for_the_build_and_workers_collect_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers, "MIN_JOBS_PER_WORKER", 1)
    assert gc.isenabled()
    with workers.collection_paused():
        assert not gc.isenabled()
        assert workers.map_items(_collecting, range(4), 2) == [True] * 4
        with workers.collection_paused(workers_collect=False):  # the index merge's way
            assert workers.map_items(_collecting, range(4), 2) == [False] * 4
        assert not gc.isenabled(), "an inner pause does not end the build's"
    assert gc.isenabled()
    with pytest.raises(ContentErrors), workers.collection_paused():
        raise ContentErrors([])
    assert gc.isenabled(), "a failed build collects again"


def test_what_a_build_leaves_is_collected_as_the_next_one_starts(tmp_path: Path) -> None:
    """The collector does not walk the build's objects once more as it starts again
    (they are frozen); the next build collects them as it begins."""
    left: list[weakref.ref[Any]] = []

    def leave_a_cycle(_: Any) -> None:
        cycle = _Cycle()
        cycle.itself = cycle
        left.append(weakref.ref(cycle))

    signals.finalized.connect(leave_a_cycle)
    try:
        build_into(FIXTURE_CONTENT, tmp_path / "first")
        assert gc.isenabled() and gc.get_freeze_count() > 0
        gc.collect()
        assert left[0]() is not None, "set aside from the collector"
        build_into(FIXTURE_CONTENT, tmp_path / "second")
        assert left[0]() is None, "collected as the next build began"
    finally:
        signals.finalized.disconnect(leave_a_cycle)


class _Cycle:
    itself: Any = None


def test_content_errors_in_a_worker_stop_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "MIN_JOBS_PER_WORKER", 1)
    problem = ContentError("content/news/x.md", 3, "title", "标题有误。", "Bad title.")

    def fail() -> str:
        raise ContentErrors([problem])

    writer = deferred_writer(tmp_path, {"a.html": "a", "b.html": "{{ fail() }}"})
    writer.requests[1][0][2]["fail"] = fail
    with pytest.raises(ContentErrors) as raised:
        writer.render_deferred()
    assert raised.value.errors == [problem]


def test_worker_log_records_reach_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(workers, "MIN_JOBS_PER_WORKER", 1)

    def warn() -> str:
        logging.getLogger("pelican.contents").error("无法解析链接 / Unable to find x.md")
        return ""

    writer = deferred_writer(tmp_path, {"a.html": "a", "b.html": "{{ warn() }}"})
    writer.requests[1][0][2]["warn"] = warn
    with caplog.at_level(logging.WARNING):
        writer.render_deferred()
    assert [r.getMessage() for r in caplog.records if r.name == "pelican.contents"] == [
        "无法解析链接 / Unable to find x.md"
    ]


def test_a_page_written_twice_is_refused_before_rendering(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="overwritten"):
        deferred_writer(tmp_path, {"a.html": "a"}).write_file("a.html", Template("b"), {})


def test_imported_macros_see_the_jinja_globals_as_plain_dicts() -> None:
    """Templates get their globals as a dict (imports compare them in C), the same map."""
    env = Environment(
        loader=DictLoader(
            {
                "macros.html": "{% macro unit() %}{{ UNIT }}{% endmacro %}",
                "page.html": '{% from "macros.html" import unit %}{{ unit() }}',
            }
        )
    )
    env.globals["UNIT"] = "吨"  # as Pelican adds JINJA_GLOBALS, before loading templates
    import_macros_quickly(SimpleNamespace(env=env))  # type: ignore[arg-type]
    page = env.get_template("page.html")
    assert page.render() == "吨"
    assert type(page.globals) is dict and page.globals == env.globals


def test_synthetic_archive_passes_the_demo_checks(tmp_path: Path) -> None:
    items = write_corpus(DEMO_CONTENT, tmp_path / "content", 400)
    assert len(items) == 400
    catalog = check(tmp_path / "content", now=buildspeed.BENCH_NOW)
    sections = {entry.section.path for entry in catalog.entries.values()}
    assert {"notices/outages", "tenders/works", "jobs", "news/paper"} <= sections
    assert len({entry.url for entry in catalog.entries.values()}) == len(catalog.entries)


def test_clones_of_a_tender_project_form_projects_of_their_own(tmp_path: Path) -> None:
    """Real projects have a few notices each, not one per clone of the demo's."""

    def projects(content: Path) -> Counter[str]:
        numbers = (
            re.search(r"^project_no: (.*)$", path.read_text(encoding="utf-8"), re.MULTILINE)
            for path in content.rglob("*.md")
        )
        return Counter(found.group(1) for found in numbers if found)

    write_corpus(DEMO_CONTENT, tmp_path / "content", 1000)
    largest = max(projects(DEMO_CONTENT).values())
    assert max(projects(tmp_path / "content").values()) == largest
    assert len(projects(tmp_path / "content")) > 3 * len(projects(DEMO_CONTENT))


def test_baseline_corpus_has_the_same_bodies_with_pelican_metadata(tmp_path: Path) -> None:
    items = write_corpus(DEMO_CONTENT, tmp_path / "ours", 200)
    write_baseline(tmp_path / "ours", items, tmp_path / "pelican")
    edited = buildspeed.EDITED_ITEM
    ours = (tmp_path / "ours" / edited).read_text(encoding="utf-8")
    theirs = (tmp_path / "pelican" / edited).read_text(encoding="utf-8")
    assert theirs.startswith("Title: 节水宣传周")
    assert ours.split("\n---\n", 1)[1] == theirs.split("\n\n", 1)[1]
    assert "Tags: 节水宣传周" in theirs


def test_one_edit_changes_one_file_in_the_corpus(tmp_path: Path) -> None:
    shutil.copytree(DEMO_CONTENT, tmp_path / "content")
    before = tree_digests(tmp_path / "content")
    edit_one_item(tmp_path / "content", buildspeed.EDITED_ITEM)
    after = tree_digests(tmp_path / "content")
    assert [name for name in after if after[name] != before[name]] == [
        buildspeed.EDITED_ITEM.as_posix()
    ]
    assert any(t.path == buildspeed.EDITED_ITEM for t in templates(DEMO_CONTENT))


@pytest.mark.slow
def test_benchmark_measures_both_builds_and_counts_changed_files(tmp_path: Path) -> None:
    rows = buildspeed.run(DEMO_CONTENT, tmp_path / "bench", [250])
    ours, pelican = rows
    assert (ours.system, pelican.system, ours.items) == ("ours", "pelican", 250)
    assert ours.changed_unchanged == 0, "a rebuild with nothing changed rewrites no bytes"
    assert 0 < ours.changed_edited < ours.output_files / 10
    assert pelican.changed_edited >= 1
    assert ours.child_peak_mb > 0 and pelican.child_peak_mb == 0
    assert "| 250 | ours |" in buildspeed.table(rows)


def test_every_cold_build_comes_before_any_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuilds delete many files, which slows making files on this disk for
    minutes after: no cold build may follow them."""
    builds: list[bool] = []  # cold or not, in order

    def recorded(
        workspace: buildspeed.Workspace, output: Path | None = None, cache: Path | None = None
    ) -> buildspeed.Build:
        cold = output is not None or not workspace.output.exists()
        (output or workspace.output).mkdir(parents=True, exist_ok=True)
        builds.append(cold)
        return buildspeed.Build(1.0, 100, 50)

    monkeypatch.setattr(buildspeed.Workspace, "build", recorded)
    rows = buildspeed.run(DEMO_CONTENT, tmp_path, [60, 70])
    assert [(row.system, row.items) for row in rows] == [
        ("ours", 60),
        ("pelican", 60),
        ("ours", 70),
        ("pelican", 70),
    ]
    assert builds == sorted(builds, reverse=True), "cold builds first"
    assert builds.count(True) == 2 * 2 * buildspeed.REBUILDS


def test_rebuilds_are_reported_by_their_median_time_and_highest_memory() -> None:
    builds = [buildspeed.Build(5.0, 200, 90), buildspeed.Build(3.0, 260, 80)]
    builds.append(buildspeed.Build(4.0, 210, 120))
    assert buildspeed._median(builds) == buildspeed.Build(4.0, 260, 120)


def index_whole_pages(site: Path, target: Path) -> Path:
    """Pagefind over the whole built pages, as the plugin did before search documents."""
    shutil.copytree(site, target, ignore=shutil.ignore_patterns("pagefind"))
    result = run(
        sys.executable, "-m", "pagefind", "--site", str(target), "--output-subdir", "pagefind"
    )
    assert result.returncode == 0, result.stderr
    return target / "pagefind"


def filter_values(index: Path) -> dict[str, list[str]]:
    filters = (read_cbor(path) for path in (index / "filter").glob("*.pf_filter"))
    return {name: sorted(value for value, _ in values) for name, values in filters}


def test_search_documents_index_the_same_text_as_whole_pages(
    fixture_site: Path, tmp_path: Path
) -> None:
    whole = index_whole_pages(fixture_site, tmp_path / "whole")
    ours = fixture_site / "pagefind"
    # Fragments (each page's text, title, meta and filters) are named by content.
    assert sorted(p.name for p in (whole / "fragment").iterdir()) == sorted(
        p.name for p in (ours / "fragment").iterdir()
    )
    assert filter_values(whole) == filter_values(ours)


def test_the_index_does_not_depend_on_the_order_files_are_listed(
    fixture_site: Path, tmp_path: Path
) -> None:
    site = tmp_path / "reversed"
    for path in sorted(fixture_site.rglob("*"), reverse=True):  # made in the other order
        target = site / path.relative_to(fixture_site)
        if path.is_file() and "pagefind" not in path.parts:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    search_index.build_index(site, None, workers=1)
    assert tree_digests(site / "pagefind") == tree_digests(fixture_site / "pagefind")


def test_an_unchanged_site_reuses_the_cached_index(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    shutil.copytree(fixture_site, site)
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    first = tree_digests(site / "pagefind")

    def must_not_run(*args: object) -> None:
        raise AssertionError("Pagefind ran although no searchable text changed")

    monkeypatch.setattr(PagefindService, "index", must_not_run)
    footer = site / "news/group/index.html"  # a listing: not searchable text
    footer.write_text(footer.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    search_index.build_index(site, cache)
    assert tree_digests(site / "pagefind") == first == tree_digests(fixture_site / "pagefind")


def test_changed_searchable_text_rebuilds_the_index(fixture_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(fixture_site, site)
    cache = tmp_path / "cache"
    search_index.build_index(site, cache)
    first = tree_digests(site / "pagefind")
    item = next(
        p
        for p in sorted(site.rglob("index.html"))
        if "data-pagefind-body" in p.read_text(encoding="utf-8")
    )
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("</h1>", "（更正）</h1>", 1), encoding="utf-8")
    search_index.build_index(site, cache)
    assert tree_digests(site / "pagefind") != first
    assert not (cache / "search-index/site").exists(), "the whole index is kept in the output"


def test_a_body_that_is_never_closed_is_an_error_not_a_page_missing_from_search() -> None:
    page = (
        '<html lang="zh-CN"><title>x</title><article data-pagefind-body><p>正文</p></html>'.encode()
    )
    with pytest.raises(ValueError, match=r"news/x/index\.html"):
        search_index.search_document(page, "news/x/index.html")
    assert (
        search_index.search_document("<html><p>列表</p></html>".encode(), "news/index.html") is None
    )
