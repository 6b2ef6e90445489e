"""A rebuild renders only the pages whose inputs changed and keeps the other
pages' files from the last build: after every kind of change the output equals
a clean build's byte for byte, an edit renders only the pages that show what
changed, and a rebuild with nothing changed renders no page, in another
process too (where Python orders sets differently)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jinja2.exceptions import UndefinedError
from pelican import signals
from pelican.contents import Article

from tests.conftest import FIXED_NOW, FIXTURE_CONTENT, tree_digests
from watersite import workers
from watersite.build import ROOT, build, load_settings
from watersite.plugins.contract import kept_articles
from watersite.plugins.parallel_render import DeferredWriter
from watersite.plugins.parallel_render.keys import PageKeys

ARTICLE = "news/group/2024/second-article.md"
ARTICLE_PAGE = "news/group/2024/second-article/index.html"
OUTAGE = "notices/outages/2024/east-pipe.md"
UNRELATED_PAGE = "library/laws/2023/water-law/index.html"


class Site:
    """A copy of the fixture content, built again and again into one output."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.content = folder / "content"
        shutil.copytree(FIXTURE_CONTENT, self.content)
        self.now = FIXED_NOW
        self.overrides: dict[str, Any] = {}

    def build(self, output: Path | None = None, cache: Path | None = None) -> dict[str, str]:
        output = output or self.folder / "output"
        settings = load_settings(content=self.content, output=output, now=self.now)
        settings["WATERSITE_CACHE_DIR"] = str(cache or self.folder / "cache")
        settings.update(self.overrides)
        build(settings)
        return tree_digests(output)

    def clean_build(self) -> dict[str, str]:
        """The same content and settings built from nothing."""
        clean = self.folder / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        return self.build(clean / "output", clean / "cache")

    def edit(self, source: str, old: str, new: str) -> None:
        path = self.content / source
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def files(self) -> dict[str, tuple[int, int]]:
        """Each page's inode and modification time: a kept page is the last build's
        very file, as it was."""
        output = self.folder / "output"
        return {p.relative_to(output).as_posix(): _written(p) for p in output.rglob("*.html")}


def _written(file: Path) -> tuple[int, int]:
    found = file.stat()
    return found.st_ino, found.st_mtime_ns


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def change_body(site: Site) -> None:
    site.edit(ARTICLE, "今日开工", "今天开工")


def change_title(site: Site) -> None:
    site.edit(ARTICLE, "title: 城东水厂二期工程开工", "title: 城东水厂二期工程正式开工")


def add_item(site: Site) -> None:
    (site.content / "news/group/2024/third-article.md").write_text(
        "---\ntitle: 城东水厂二期工程进展顺利\ndate: 2024-05-20 09:00\ntags:\n  - 水厂建设\n---\n"
        "二期工程主体结构已完成过半。\n",
        encoding="utf-8",
    )


def delete_item(site: Site) -> None:
    (site.content / ARTICLE).unlink()
    site.edit("news/group/2024/plant-upgrade.md", "cover: plant.png\n", "")  # image still used


def change_an_outage(site: Site) -> None:
    """Its pages, the banner on every page and the outage calendar change."""
    site.edit(OUTAGE, "end: 2024-06-04 06:00", "end: 2024-06-04 08:00")


def change_data(site: Site) -> None:
    site.edit("data/prices.yml", 'supply: "2.10"', 'supply: "2.20"')


def move_the_clock(site: Site) -> None:
    """The outage starts and ends; the pinned article is no longer pinned."""
    site.now = datetime(2024, 7, 2, 12, 0, tzinfo=FIXED_NOW.tzinfo)


def change_a_template(site: Site) -> None:
    theme = site.folder / "theme"
    shutil.copytree(ROOT / "theme", theme)
    item = theme / "templates/item.html"
    item.write_text(item.read_text(encoding="utf-8").replace("相关阅读", "延伸阅读"), "utf-8")
    site.overrides["THEME"] = str(theme)


def change_the_organisation(site: Site) -> None:
    organisation = load_settings()["ORGANISATION"]
    site.overrides["ORGANISATION"] = organisation.model_copy(update={"hotline": "0571-88880000"})


CHANGES: dict[str, Callable[[Site], None]] = {
    "body": change_body,
    "title": change_title,
    "new item": add_item,
    "deleted item": delete_item,
    "outage": change_an_outage,
    "data table": change_data,
    "clock": move_the_clock,
    "template": change_a_template,
    "organisation": change_the_organisation,
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_rebuild_after_a_change_equals_a_clean_build(site: Site, change: str) -> None:
    site.build()
    CHANGES[change](site)
    assert site.build() == site.clean_build()


def test_an_edit_renders_only_the_pages_that_show_what_changed(site: Site) -> None:
    site.build()
    before = site.files()
    change_body(site)
    site.build()
    after = site.files()
    assert after.keys() == before.keys()
    rendered = {page for page in after if after[page] != before[page]}
    assert ARTICLE_PAGE in rendered
    assert "news/group/index.html" in rendered  # lists the article with its summary
    assert UNRELATED_PAGE not in rendered
    assert len(rendered) < len(after) / 4


def test_a_rebuild_makes_pelican_articles_only_for_what_changed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pelican's articles are kept (the contract plugin's kept_articles) while what
    our reader hands Pelican for them is the same."""
    made: list[str] = []
    make = Article.__init__

    def counting(self: Article, *args: Any, **kwargs: Any) -> None:
        make(self, *args, **kwargs)
        made.append(self.relative_source_path)

    monkeypatch.setattr(Article, "__init__", counting)
    site.build()
    every = sorted(made)
    assert ARTICLE in every
    made.clear()
    assert site.build() == site.clean_build()
    assert sorted(made) == every, "the clean build makes them all"
    made.clear()
    site.build()
    assert made == [], "nothing changed: every article kept"
    change_title(site)
    site.build()
    assert made == [ARTICLE]
    made.clear()
    signals.content_object_init.connect(_listening)
    try:
        site.build()
    finally:
        signals.content_object_init.disconnect(_listening)
    assert sorted(made) == every, "a plugin listening as articles are made gets every one"


def build_twice_with(site: Site, signal: Any, receiver: Callable[[Any], None]) -> None:
    """Build the site twice (its articles made, then kept) with `receiver` on `signal`."""
    signal.connect(receiver)
    try:
        site.build()
        site.build()
    finally:
        signal.disconnect(receiver)


def test_kept_articles_are_found_by_the_paths_of_made_ones(site: Site) -> None:
    """Pelican finds each article by its path (links between items, static files):
    a kept article is known by the same path as the article Pelican makes."""
    found: list[dict[str, str]] = []

    def note(generators: list[Any]) -> None:
        known = generators[0].context["generated_content"]
        found.append({path: content.source_path for path, content in known.items()})

    build_twice_with(site, signals.all_generators_finalized, note)
    made, kept = found
    assert ARTICLE in made
    assert kept == made


def test_kept_articles_bring_the_static_links_pelican_found(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pelican copies the files an article's HTML links to ({static}, {attach}): a
    kept article brings the links Pelican found when it made it."""
    monkeypatch.setattr(Article, "get_static_links", lambda self: {f"linked/{self.slug}"})
    found: list[set[str]] = []

    def note(generator: Any) -> None:
        links = generator.context["static_links"]
        found.append({link for link in links if link.startswith("linked/")})
        links -= found[-1]  # no such files: not for Pelican to look for

    build_twice_with(site, signals.article_generator_finalized, note)
    made, kept = found
    assert "linked/second-article" in made
    assert kept == made


def test_each_article_key_is_made_once_a_build(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key digests the article's HTML: made when Pelican asks for a kept article,
    not again when it notes the article it made instead."""
    made: Counter[str] = Counter()
    make = kept_articles.article_key

    def counting(path: str, entry: Any) -> str:
        made[path] += 1
        return make(path, entry)

    monkeypatch.setattr(kept_articles, "article_key", counting)
    site.build()
    assert made and set(made.values()) == {1}
    made.clear()
    change_title(site)
    site.build()
    assert made and set(made.values()) == {1}


def test_a_link_whose_target_moved_equals_a_clean_build(site: Site) -> None:
    """The linking item's file is the same, only its HTML is not (the link's URL)."""
    site.build()
    site.edit("news/industry/standard-news.md", "title:", "slug: new-standard\ntitle:")
    assert site.build() == site.clean_build()


def test_the_items_are_digested_once_a_build_before_any_page_is_written(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page keys' item digests start once the items are final, while the
    generators write; the pages' writer does not wait to start them."""
    events: list[str] = []
    learn, make_writer = PageKeys.learn_items, DeferredWriter.__init__

    def learning(self: PageKeys, items: list[Any], workers: int | None) -> Callable[[], None]:
        events.append(f"learn {len(items)}")
        return learn(self, items, workers)

    def making(self: DeferredWriter, *args: Any, **kwargs: Any) -> None:
        events.append("writer")
        make_writer(self, *args, **kwargs)

    monkeypatch.setattr(PageKeys, "learn_items", learning)
    monkeypatch.setattr(DeferredWriter, "__init__", making)
    site.build()
    assert len(events) == 2 and events[0].startswith("learn ") and events[1] == "writer"
    assert int(events[0].split()[1]) > 20


def _listening(content: Any) -> None:
    """A plugin's receiver of content_object_init."""


def test_a_page_changed_by_hand_in_the_output_is_rendered_again(site: Site) -> None:
    first = site.build()
    page = site.folder / "output" / UNRELATED_PAGE
    page.write_text("改过的页面", encoding="utf-8")
    assert site.build() == first


def test_a_rebuild_after_a_failed_one_equals_a_clean_build(site: Site) -> None:
    """A build that fails while writing leaves the output half written; the next
    one deletes what it did not write."""
    site.build()
    change_a_template(site)
    item = site.folder / "theme/templates/item.html"
    working = item.read_text(encoding="utf-8")
    broken = '<h1 class="sw-item__title">{{ no_such.value }}'
    item.write_text(working.replace('<h1 class="sw-item__title">', broken), encoding="utf-8")
    delete_item(site)
    with pytest.raises((UndefinedError, RuntimeError), match="no_such"):  # here or in a worker
        site.build()
    item.write_text(working, encoding="utf-8")
    assert site.build() == site.clean_build()


def test_an_unchanged_rebuild_in_another_process_renders_no_page(tmp_path: Path) -> None:
    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(FIXTURE_CONTENT, content)
    script = (
        "import sys; from pathlib import Path; from tests.conftest import FIXED_NOW;"
        "from watersite.build import build, load_settings;"
        "s = load_settings(content=Path(sys.argv[1]), output=Path(sys.argv[2]), now=FIXED_NOW);"
        "s['WATERSITE_CACHE_DIR'] = sys.argv[3]; build(s)"
    )
    inodes = []
    for seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", script, str(content), str(output), str(tmp_path / "cache")],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
        )
        inodes.append({p: _written(p) for p in output.rglob("*.html")})
    assert inodes[0] == inodes[1]
    assert len(inodes[1]) > 50


def test_pages_kept_in_render_workers_leave_the_memo_of_pages_as_it_was(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers send back only the keys of the pages they kept: the memo's files are
    written again only for pages rendered."""
    monkeypatch.setattr(workers, "MIN_JOBS_PER_WORKER", 1)
    site.overrides["WATERSITE_RENDER_WORKERS"] = 2
    site.build()
    memo = site.folder / "cache" / "pages"
    before = {path.name: _written(path) for path in memo.iterdir()}
    site.build()
    assert {path.name: _written(path) for path in memo.iterdir()} == before
    change_body(site)
    site.build()
    assert {path.name: _written(path) for path in memo.iterdir()} != before


def test_files_our_generators_write_with_the_same_bytes_are_not_written_again(
    site: Site,
) -> None:
    """Feeds, calendars, the sitemap, robots.txt, asset bundles, theme files, search
    hints, data downloads and QR codes: a rebuild reads each back instead of writing
    the same bytes again."""
    output = site.folder / "output"

    def made() -> dict[str, tuple[int, int]]:
        return {
            path.relative_to(output).as_posix(): _written(path)
            for path in output.rglob("*")
            if path.is_file()
            and "pagefind" not in path.parts
            and (
                path.suffix not in {".html", ".pdf", ".webp", ".jpg", ".png"}
                or path.name == "qr.png"
            )
        }  # not pages, the search index, images (the images plugin) or attachments (Pelican)

    site.build()
    first = made()
    assert {"sitemap.xml", "robots.txt", "news/group/atom.xml", "favicon.ico"} <= first.keys()
    for kind in (".ics", ".css", ".js", "hints.json", "qr.png", ".csv"):
        assert any(name.endswith(kind) for name in first), kind
    site.build()
    assert made() == first
    change_title(site)
    site.build()
    changed = {name for name, written in made().items() if written != first[name]}
    assert "news/group/atom.xml" in changed and "robots.txt" not in changed


def test_a_later_clock_renders_pages_again_only_when_a_state_changes(site: Site) -> None:
    site.build()
    before = site.files()
    site.now += timedelta(hours=1)  # nothing starts or ends
    site.build()
    assert site.files() == before
    site.now = datetime(2024, 6, 3, 23, 0, tzinfo=FIXED_NOW.tzinfo)  # the outage is under way
    site.build()
    after = site.files()
    assert after.keys() == before.keys()
    # Its banner is on every page.
    assert after[UNRELATED_PAGE] != before[UNRELATED_PAGE]
    outage_page = "notices/outages/2024/east-pipe/index.html"
    assert after[outage_page] != before[outage_page]
