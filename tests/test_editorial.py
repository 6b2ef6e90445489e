"""News and editorial features on the fixture site: pinning, scheduling,
withdrawing, updating, item-page navigation and sharing, topics, newspaper
archive, group listings, feeds, sitemap and robots.txt."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import FIXED_NOW, FIXTURE_CONTENT, build_into
from watersite.build import PUBLISH_SETTINGS, build, load_settings
from watersite.clock import SITE_TIMEZONE

HtmlPage = Callable[[str], BeautifulSoup]
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
WITHDRAWN = "/news/industry/2024/withdrawn-notice/"


def soup_of(output: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup(
        (output / url.lstrip("/") / "index.html").read_text(encoding="utf-8"), "html.parser"
    )


# --- pinning ---------------------------------------------------------------------------


def test_pinned_item_leads_its_listing_until_the_pin_lapses(
    html_page: HtmlPage, tmp_path: Path
) -> None:
    pinned = html_page("/news/group/").select("main .sw-badge--pinned")
    assert len(pinned) == 1
    assert pinned[0].find_parent("li").a["href"] == "/news/group/2024/second-article/"
    later = build_into(
        FIXTURE_CONTENT, tmp_path / "later", now=datetime(2024, 7, 2, tzinfo=SITE_TIMEZONE)
    )
    assert not soup_of(later, "/news/group/").select("main .sw-badge--pinned"), (
        "pinned_until has passed"
    )


# --- withdrawn and updated items -----------------------------------------------------------


def test_withdrawn_item_keeps_its_url_with_a_notice(html_page: HtmlPage) -> None:
    soup = html_page(WITHDRAWN)
    notice = soup.find(class_="sw-notice--withdrawn")
    assert "本文已撤回" in notice.get_text() and "通报中的数据有误，已撤回。" in notice.get_text()
    assert "这段正文已经撤回" not in soup.get_text(), "the withdrawn body is not shown"
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert not soup.find(attrs={"data-pagefind-body": True}), "not in the search index"


def test_withdrawn_item_leaves_listings_feeds_and_sitemap(fixture_site: Path) -> None:
    for path in fixture_site.rglob("*"):
        if (
            path.is_file()
            and path.suffix in (".html", ".xml")
            and "withdrawn-notice" not in str(path)
        ):
            assert "withdrawn-notice" not in path.read_text(encoding="utf-8"), path


def test_updated_item_shows_when_and_what(html_page: HtmlPage) -> None:
    soup = html_page("/news/group/2024/second-article/")
    meta = soup.find(class_="sw-item__meta").get_text()
    assert "更新于 2024年4月12日 16:00" in meta
    assert "更正了二期工程的设计规模。" in soup.find(class_="sw-notice").get_text()
    assert (
        soup.find("meta", property="article:modified_time")["content"] == "2024-04-12T16:00+08:00"
    )


# --- item pages ----------------------------------------------------------------------------


def test_item_page_links_neighbours_related_items_and_topics(html_page: HtmlPage) -> None:
    newer = html_page("/news/group/2024/second-article/")
    assert newer.select_one(".sw-item__older a")["href"] == "/news/group/2024/plant-upgrade/"
    assert not newer.select_one(".sw-item__newer")
    assert [a["href"] for a in newer.select(".sw-related__list a")] == [
        "/news/group/2024/plant-upgrade/"
    ]
    assert newer.select_one(".sw-tag--topic")["href"] == "/news/topics/plant-build/"
    older = html_page("/news/group/2024/plant-upgrade/")
    assert older.select_one(".sw-item__newer a")["href"] == "/news/group/2024/second-article/"
    assert not older.select(".sw-related__list a"), "related items are only ever older"


def test_share_metadata_uses_absolute_urls_and_the_cover(html_page: HtmlPage) -> None:
    soup = html_page("/news/group/2024/plant-upgrade/")
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
    assert og["og:type"] == "article" and og["og:title"] == "城东水厂完成提标改造"
    assert og["og:url"] == "http://127.0.0.1:8000/news/group/2024/plant-upgrade/"
    assert og["og:image"] == "http://127.0.0.1:8000/news/group/2024/plant.png"
    assert og["og:image:width"] == "60" and og["article:published_time"] == "2024-03-15T09:30+08:00"
    assert soup.find("link", rel="canonical")["href"] == og["og:url"]


def test_images_with_a_title_become_captioned_figures(html_page: HtmlPage) -> None:
    figure = html_page("/news/group/2024/second-article/").select_one(".sw-prose figure")
    assert figure.figcaption.text == "开工仪式现场"
    assert (
        figure.img["alt"] == "开工现场" and figure.img["srcset"] and figure.img["loading"] == "lazy"
    )
    assert not figure.img.get("title")


def test_print_style_sheet_shows_only_the_article(fixture_site: Path) -> None:
    css = next((fixture_site / "theme").glob("site.*.css")).read_text(encoding="utf-8")
    print_rules = css[css.index("@media print") :]
    for hidden in (".sw-header", ".sw-nav", ".sw-footer", ".sw-related", ".sw-item__nav"):
        assert hidden in print_rules


# --- topics, newspaper, listings, home --------------------------------------------------------


def test_topic_shows_its_dates(html_page: HtmlPage) -> None:
    assert (
        "专题时间：2024年1月1日 至 2024年12月31日"
        in html_page("/news/topics/plant-build/").get_text()
    )


def test_newspaper_archive_by_year_with_permit_notice(html_page: HtmlPage) -> None:
    index = html_page("/news/paper/")
    assert (
        "澜内资准字（2026）第 018 号" in index.get_text()
        and "内部资料 免费交流" in index.get_text()
    )
    assert [a["href"] for a in index.select(".sw-years__link")] == ["/news/paper/2024/"]
    year = html_page("/news/paper/2024/")
    assert year.h1.text == "水报（2024 年）"
    assert year.select_one(".sw-cards__title a")["href"] == "/news/paper/2024/issue-128/"
    issue = html_page("/news/paper/2024/issue-128/").find(class_="sw-notice-facts").get_text()
    assert "青澜水务报" in issue and "准印证号" in issue and "第 128 期" in issue


def test_group_listing_shows_all_items_of_the_group_with_sections(html_page: HtmlPage) -> None:
    soup = html_page("/news/all/")
    assert soup.h1.text == "全部水务新闻"
    sections = {span.text for span in soup.select(".sw-items__section")}
    assert {"集团动态", "行业新闻", "水报"} <= sections
    assert html_page("/news/").find("a", href="/news/all/")


def test_home_blocks_each_link_to_their_full_listing(html_page: HtmlPage) -> None:
    main = html_page("/").find("main")
    for block in main.select("section.sw-block, section.sw-photos"):
        assert block.select_one(".sw-block__more a")["href"].startswith("/"), block.h2.text
    photos = main.select(".sw-photos__image")
    assert photos[0]["loading"] == "eager" and photos[0]["width"] and photos[0]["srcset"]


# --- feeds, sitemap, robots ------------------------------------------------------------------


def _check_atom(path: Path, base: str) -> ET.Element:
    """RFC 4287's required elements, with absolute IRIs."""
    feed = ET.parse(path).getroot()
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").startswith(base)
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith(base + "/")
        content = entry.find(f"{ATOM}content").text or ""
        assert 'href="/' not in content and 'src="/' not in content, "content links are absolute"
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    return feed


def test_feeds_per_section_and_for_all_news_validate(fixture_site: Path) -> None:
    news = _check_atom(fixture_site / "news/atom.xml", "http://127.0.0.1:8000")
    titles = [e.find(f"{ATOM}title").text for e in news.findall(f"{ATOM}entry")]
    assert "城东水厂完成提标改造" in titles and "新版生活饮用水卫生标准实施一周年" in titles
    assert "尚未定稿的讲话稿" not in titles and "已撤回的行业通报" not in titles
    for section in ("news/group", "notices/outages", "tenders/works", "jobs", "library/laws"):
        _check_atom(fixture_site / section / "atom.xml", "http://127.0.0.1:8000")
    empty = _check_atom(fixture_site / "culture/union/atom.xml", "http://127.0.0.1:8000")
    assert empty.find(f"{ATOM}updated").text.startswith("2020-01-01"), (
        "an empty feed does not change by itself"
    )


def test_publish_settings_give_feeds_the_public_base_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_BASE_URL", "https://www.example.gov.cn")
    settings = load_settings(
        PUBLISH_SETTINGS, content=FIXTURE_CONTENT, output=tmp_path / "out", now=FIXED_NOW
    )
    build(settings)
    _check_atom(tmp_path / "out/news/group/atom.xml", "https://www.example.gov.cn")
    assert "https://www.example.gov.cn/sitemap.xml" in (tmp_path / "out/robots.txt").read_text(
        encoding="utf-8"
    )


def test_sitemap_lists_reachable_pages_only(fixture_site: Path) -> None:
    root = ET.parse(fixture_site / "sitemap.xml").getroot()
    locs = {
        u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod")
        for u in root.findall(f"{SITEMAP}url")
    }
    base = "http://127.0.0.1:8000"
    for url in (
        "/",
        "/news/group/",
        "/news/group/2024/plant-upgrade/",
        "/about/profile/",
        "/news/all/",
        "/service/prices/",
    ):
        assert base + url in locs
    assert locs[base + "/news/group/2024/second-article/"].text == "2024-04-12", (
        "lastmod is the update"
    )
    for absent in ("draft-speech", "main-pipe-result", "withdrawn-notice", "/search/"):
        assert not any(absent in loc for loc in locs), absent
    for section in ("/", "/news/", "/news/group/"):  # its newest item's, however deep
        under = [
            m.text for loc, m in locs.items() if loc.startswith(base + section) and m is not None
        ]
        assert locs[base + section].text == max(under), section


def test_robots_txt_allows_all_and_names_the_sitemap(fixture_site: Path) -> None:
    robots = (fixture_site / "robots.txt").read_text(encoding="utf-8")
    assert (
        "User-agent: *\nAllow: /" in robots
        and "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots
    )


def test_search_index_holds_exactly_the_listed_pages(fixture_site: Path) -> None:
    entry = json.loads((fixture_site / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    indexed = entry["languages"]["zh-cn"]["page_count"]
    bodies = sum(
        "data-pagefind-body" in p.read_text(encoding="utf-8")
        for p in fixture_site.rglob("index.html")
    )
    assert indexed == bodies
    drafts_and_withdrawn = ["culture/integrity/2024/draft-speech", WITHDRAWN.strip("/")]
    for path in drafts_and_withdrawn:
        page = fixture_site / path / "index.html"
        assert not page.exists() or "data-pagefind-body" not in page.read_text(encoding="utf-8")
