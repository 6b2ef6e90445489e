"""Listings are numbered from the oldest, so a new item changes few files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bs4 import BeautifulSoup

from tests.conftest import build_into, tree_digests
from watersite.clock import SITE_TIMEZONE
from watersite.listing import newest_first, paginate


@dataclass(frozen=True)
class Item:
    date: datetime
    source_path: str


def items(count: int) -> list[Item]:
    start = datetime(2020, 1, 1, tzinfo=SITE_TIMEZONE)
    return newest_first(Item(start + timedelta(days=i), f"{i:03}.md") for i in range(count))


def test_items_of_the_same_minute_are_ordered_by_path() -> None:
    when = datetime(2024, 1, 1, tzinfo=SITE_TIMEZONE)
    ordered = newest_first(
        [Item(when, "b.md"), Item(when, "a.md"), Item(when + timedelta(1), "c.md")]
    )
    assert [i.source_path for i in ordered] == ["c.md", "a.md", "b.md"]


def test_small_listing_has_only_an_index_page() -> None:
    pages = paginate("/news/group/", items(10), per_page=15)
    assert len(pages) == 1
    assert pages[0].older_url is None and len(pages[0].items) == 10


def test_page_one_holds_the_oldest_items() -> None:
    listing = items(40)
    _, *numbered = paginate("/news/group/", listing, per_page=15)
    assert [p.number for p in numbered] == [1, 2, 3]
    assert numbered[0].items == tuple(listing[-15:]), "page 1 = the 15 oldest, newest first"
    assert numbered[2].items == tuple(listing[:10])
    assert numbered[0].url == "/news/group/page/1/"
    assert numbered[0].older_url is None and numbered[0].newer_url == "/news/group/page/2/"
    assert numbered[2].newer_url == "/news/group/"


def test_index_shows_the_newest_chunk_and_the_one_before_while_not_full() -> None:
    listing = items(40)  # chunks of 15, 15, 10
    index = paginate("/news/group/", listing, per_page=15)[0]
    assert index.items == tuple(listing[:25])
    assert index.older_url == "/news/group/page/1/", "no item is shown twice on the way back"
    full = paginate("/news/group/", items(45), per_page=15)[0]
    assert len(full.items) == 15 and full.older_url == "/news/group/page/2/"


def test_a_new_item_changes_only_the_index_and_the_newest_page() -> None:
    before = paginate("/s/", items(40), per_page=15)
    after = paginate("/s/", items(41), per_page=15)
    changed = {p.url for p in after} - {p.url for p in before} | {
        a.url for a, b in zip(after, before, strict=False) if a != b
    }
    assert changed == {"/s/", "/s/page/3/"}


def test_pinned_items_lead_the_index_once() -> None:
    listing = items(5)
    pinned = [listing[3]]
    index = paginate("/s/", listing, per_page=15, pinned=pinned)[0]
    assert index.pinned == (listing[3],)
    assert listing[3] not in index.items


def _write_articles(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for day in range(count):
        (folder / f"item-{day:03}.md").write_text(
            f"---\ntitle: 第 {day} 条动态\ndate: {date(2022, 1, 1) + timedelta(days=day)}\n---\n正文 {day}。\n",
            encoding="utf-8",
        )


def test_publishing_one_item_rewrites_only_pages_that_show_it(
    content_copy: Path, tmp_path: Path
) -> None:
    _write_articles(content_copy / "news/group/2022", 40)
    before = tree_digests(build_into(content_copy, tmp_path / "before"))
    (content_copy / "news/group/2024/item-new.md").write_text(
        "---\ntitle: 新的一条\ndate: 2024-05-01\n---\n新正文。\n", encoding="utf-8"
    )
    after = tree_digests(build_into(content_copy, tmp_path / "after"))
    changed = {name for name in after if before.get(name) != after[name]}
    assert {name for name in changed if not name.startswith("pagefind/")} == {
        "news/group/2024/item-new/index.html",  # the item
        "news/group/2024/second-article/index.html",  # the previous newest: its "next" link
        "index.html",  # the home page's newest news
        "news/group/index.html",  # the section's newest items
        "news/group/page/3/index.html",  # the section's newest numbered page
        "news/index.html",  # the landing page's newest items
        "news/all/index.html",  # all news, newest
        "news/all/page/3/index.html",  # all news, newest numbered page
        "news/group/atom.xml",  # the section feed
        "news/atom.xml",  # the all-news feed
        "sitemap.xml",
    }
    # The search index changes in parts: the new page's fragment and the index
    # chunks, filters and meta that list it; other pages' fragments stay.
    fragments = {name for name in changed if name.startswith("pagefind/fragment/")}
    assert len(fragments) == 1
    assert len({name for name in changed if name.startswith("pagefind/")}) < 15
    assert {name for name in set(before) - set(after) if not name.startswith("pagefind/")} == set()


def test_listing_pages_link_back_and_forth(content_copy: Path, tmp_path: Path) -> None:
    _write_articles(content_copy / "news/group/2022", 40)
    output = build_into(content_copy, tmp_path / "out")
    index = BeautifulSoup(
        (output / "news/group/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert index.find("a", rel="next")["href"] == "/news/group/page/1/"
    page1 = BeautifulSoup(
        (output / "news/group/page/1/index.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert page1.h1.text == "集团动态（第 1 页）"
    assert page1.find("a", rel="prev")["href"] == "/news/group/page/2/"
    assert not page1.find("a", rel="next")
    assert page1.select_one(".sw-items__title").text == "第 14 条动态"
