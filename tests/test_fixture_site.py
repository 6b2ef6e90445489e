"""The fixture site, built at a pinned time, checked page by page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from tests.conftest import FIXTURE_CONTENT, build_into
from tests.sitemap_contract import SITEMAP_URLS, TOP_LEVEL
from watersite.build import check
from watersite.clock import SITE_TIMEZONE

HtmlPage = Callable[[str], BeautifulSoup]

PUBLISHED_ITEMS = [
    "/news/group/2024/plant-upgrade/",
    "/news/group/2024/second-article/",
    "/news/industry/2024/standard-news/",
    "/news/industry/2024/withdrawn-notice/",  # keeps its page, leaves listings
    "/news/paper/2024/issue-128/",
    "/news/topics/plant-build/",
    "/culture/integrity/2023/clean-talk/",
    "/notices/outages/2024/east-pipe/",
    "/service/guides/2024/new-connection/",
    "/service/tips/2023/save-water/",
    "/library/laws/2023/water-law/",
    "/tenders/works/2024/main-pipe/",
    "/jobs/2024/2024-spring/",
]


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


@pytest.mark.parametrize("url", SITEMAP_URLS)
def test_every_site_map_url_serves_a_real_page(url: str, html_page: HtmlPage) -> None:
    soup = html_page(url)
    assert soup.html["lang"] == "zh-CN"
    assert soup.title.string.strip()
    assert len(soup.find_all("h1")) == 1
    assert soup.find("main", id="main").get_text(strip=True)


@pytest.mark.parametrize("url", SITEMAP_URLS + PUBLISHED_ITEMS)
def test_page_shell_has_skip_link_navigation_and_footer(url: str, html_page: HtmlPage) -> None:
    soup = html_page(url)
    first_link = soup.body.find("a")
    assert first_link["href"] == "#main" and "跳到主要内容" in first_link.text
    nav_links = [a["href"] for a in soup.find("nav", id="sw-nav").find_all("a")]
    for top in TOP_LEVEL:
        assert top in nav_links
    footer = soup.find("footer")
    text = footer.get_text()
    assert "青澜市水务集团有限公司" in text and "青澜市滨江区临澜大道 188 号" in text
    hrefs = [a["href"] for a in footer.find_all("a")]
    assert "tel:012396889" in hrefs, "hotline as a tel: link"
    assert "tel:012388886666" in hrefs, "24-hour repair line as a tel: link"
    assert "https://beian.miit.gov.cn/" in hrefs
    assert "https://beian.mps.gov.cn/#/query/webSearch?code=01230202000188" in hrefs
    if url != "/":
        assert soup.find("nav", attrs={"aria-label": "当前位置"}), "breadcrumbs"


def test_no_inline_style_or_script_anywhere(fixture_site: Path) -> None:
    for path in html_files(fixture_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        assert not soup.find_all("style"), path
        assert not soup.find_all(style=True), path
        for script in soup.find_all("script"):
            assert re.fullmatch(
                r"/theme/(site|head|search)\.[0-9a-f]{12}\.js", script.get("src", "")
            ), path
            assert not script.string, path


def test_exactly_the_published_items_are_built(fixture_site: Path) -> None:
    catalog = check(FIXTURE_CONTENT, datetime(2024, 6, 2, 12, 0, tzinfo=SITE_TIMEZONE))
    published = sorted("/" + e.url for e in catalog.published() if not e.section.kind.has_page_file)
    assert published == sorted(PUBLISHED_ITEMS)
    for url in PUBLISHED_ITEMS:
        assert (fixture_site / url.lstrip("/") / "index.html").is_file()
    assert not list(fixture_site.rglob("*.md")), "Markdown sources must never be published"


def test_drafts_and_scheduled_items_appear_nowhere(fixture_site: Path) -> None:
    assert not (fixture_site / "culture/integrity/2024/draft-speech").exists()
    assert not (fixture_site / "tenders/works/2024/main-pipe-result").exists()
    for path in html_files(fixture_site):
        text = path.read_text(encoding="utf-8")
        assert "尚未定稿的讲话稿" not in text, path
        assert "中标结果公告" not in text or "tender" not in path.parts, path
        assert "draft-speech" not in text and "main-pipe-result" not in text, path


def test_item_page_shows_fields_body_and_downloads(html_page: HtmlPage) -> None:
    soup = html_page("/news/group/2024/plant-upgrade/")
    assert soup.h1.text == "城东水厂完成提标改造"
    meta = soup.find(class_="sw-item__meta").get_text()
    assert "2024年3月15日 09:30" in meta and "来源：集团办公室" in meta and "作者：李明" in meta
    assert soup.find(class_="sw-item__meta").find("time")["datetime"] == "2024-03-15T09:30+08:00"
    body = soup.find(class_="sw-prose")
    # A line break between Chinese characters in Markdown adds no space.
    assert "城东水厂提标改造工程于近日完成。" in body.get_text()
    links = {a.text: a["href"] for a in body.find_all("a")}
    assert links["工程简报"] == "/news/group/2024/report.pdf"
    assert links["另一篇"] == "/news/industry/2024/standard-news/"
    download = soup.find(class_="sw-downloads__list").li
    assert download.a["href"] == "/news/group/2024/report.pdf"
    assert "PDF" in download.get_text() and "KB" in download.get_text()
    breadcrumb = [
        li.get_text(strip=True) for li in soup.find(class_="sw-breadcrumbs__list").find_all("li")
    ]
    assert breadcrumb == ["首页", "水务新闻", "集团动态", "城东水厂完成提标改造"]


def test_attachments_are_copied_and_images_processed(fixture_site: Path) -> None:
    for name in ("news/group/2024/report.pdf", "news/paper/2024/issue-128.pdf"):
        assert (fixture_site / name).read_bytes() == (FIXTURE_CONTENT / name).read_bytes()
    with Image.open(fixture_site / "news/group/2024/plant.png") as image:
        assert image.size == (60, 40)
    assert (fixture_site / "news/group/2024/plant.w60.webp").is_file()


def test_listing_shows_items_with_date_and_status(html_page: HtmlPage) -> None:
    main = html_page("/tenders/works/").find("main")
    assert [a.text for a in main.select(".sw-items__title")] == ["城东主干管改造工程招标公告"]
    assert "共 1 条" in main.get_text()
    assert main.find(class_="sw-badge").text == "已截止"
    assert main.find("time").text == "2024-05-06"


def test_landing_page_lists_every_subsection(html_page: HtmlPage) -> None:
    soup = html_page("/news/")
    hrefs = [a["href"] for a in soup.find("main").find_all("a")]
    for sub in ("/news/group/", "/news/paper/", "/news/industry/", "/news/topics/"):
        assert sub in hrefs


def test_home_page_has_services_outages_photos_news_and_tenders(html_page: HtmlPage) -> None:
    soup = html_page("/")
    main = soup.find("main")
    hrefs = [a["href"] for a in main.find_all("a")]
    for url in (
        "/service/bill/",
        "/service/pay/",
        "/notices/outages/",
        "/service/guides/",
        "tel:012396889",
    ):
        assert url in hrefs
    assert "/notices/outages/2024/east-pipe/" in hrefs, "active outage on the home page"
    photo = main.find(class_="sw-photos__item")
    assert photo.a["href"] == "/news/group/2024/plant-upgrade/"
    assert photo.img["src"] == "/news/group/2024/plant.png"
    assert "/tenders/works/2024/main-pipe/" in hrefs


def test_outage_banner_on_every_page_while_outage_is_near(fixture_site: Path) -> None:
    for path in html_files(fixture_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        banner = soup.find("aside", class_="sw-banner")
        assert banner, path
        assert banner.a["href"] == "/notices/outages/2024/east-pipe/"


def test_outage_banner_disappears_after_the_window(tmp_path: Path) -> None:
    later = datetime(2024, 6, 4, 7, 0, tzinfo=SITE_TIMEZONE)
    output = build_into(FIXTURE_CONTENT, tmp_path / "out", now=later)
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "sw-banner" not in home
    notice = BeautifulSoup(
        (output / "notices/outages/2024/east-pipe/index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    assert notice.find(class_="sw-badge").text == "已恢复供水"


def test_scheduled_item_publishes_on_the_first_build_after_its_date(tmp_path: Path) -> None:
    later = datetime(2024, 6, 10, 9, 0, tzinfo=SITE_TIMEZONE)
    output = build_into(FIXTURE_CONTENT, tmp_path / "out", now=later)
    result = output / "tenders/works/2024/main-pipe-result/index.html"
    assert result.is_file()
    notice = BeautifulSoup(
        (output / "tenders/works/2024/main-pipe/index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    assert notice.find(class_="sw-badge").text == "已结束"
    timeline = notice.find(class_="sw-timeline__list")
    assert [a["href"] for a in timeline.find_all("a")] == ["/tenders/works/2024/main-pipe-result/"]


def test_topic_page_lists_items_with_its_tag(html_page: HtmlPage) -> None:
    soup = html_page("/news/topics/plant-build/")
    assert [a["href"] for a in soup.select(".sw-items__title")] == [
        "/news/group/2024/second-article/",
        "/news/group/2024/plant-upgrade/",
    ]
    index = html_page("/news/topics/")
    assert index.select_one(".sw-cards__title a")["href"] == "/news/topics/plant-build/"


def test_service_and_channel_pages_use_configured_links(html_page: HtmlPage) -> None:
    pay = html_page("/service/pay/")
    assert pay.select_one(".sw-service-card a")["href"] == "https://pay.qinglan-water.example/pay"
    feedback = html_page("/service/feedback/")
    channels = feedback.select(".sw-channels__item")
    assert len(channels) == 4
    assert any(a["href"] == "tel:12345" for a in feedback.select(".sw-channels a"))
    assert not feedback.find("main").find("form"), "never a form that posts nowhere"


def test_data_pages_render_tables_with_headers(html_page: HtmlPage) -> None:
    prices = html_page("/service/prices/")
    rows = prices.select("table")[0].select("tbody tr")
    assert [row.th.text for row in rows] == ["第一阶梯", "第二阶梯"]
    cells = [td.text for td in rows[0].find_all("td")]
    assert cells == ["216 及以下", "2.10", "0.40", "0.95", "3.45"]
    assert all(th.get("scope") for th in prices.select("th"))
    outlets = html_page("/service/outlets/")
    assert outlets.select_one('.sw-cards a[href^="tel:"]')["href"] == "tel:012396889"


def test_typed_items_show_their_facts(html_page: HtmlPage) -> None:
    outage = html_page("/notices/outages/2024/east-pipe/").find(class_="sw-notice-facts").get_text()
    assert "计划停水" in outage and "2024-06-03 22:00 至 2024-06-04 06:00" in outage
    assert "滨江花园小区" in outage and "管道维修" in outage
    tender = html_page("/tenders/works/2024/main-pipe/").find(class_="sw-notice-facts").get_text()
    assert "QLSW-2024-GC-001" in tender and "3,860,000.00 元" in tender and "公开招标" in tender
    job = html_page("/jobs/2024/2024-spring/")
    assert job.select_one("table th[scope=row]").text == "给排水工程师"
    document = html_page("/library/laws/2023/water-law/").find(class_="sw-notice-facts").get_text()
    assert (
        "国务院令第 158 号" in document and "1994年10月1日" in document and "现行有效" in document
    )
    guide = html_page("/service/guides/2024/new-connection/")
    assert [li.text for li in guide.select(".sw-steps li")] == ["提交申请", "现场勘查"]


def test_not_found_page_and_favicons(fixture_site: Path) -> None:
    soup = BeautifulSoup((fixture_site / "404.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.h1.text == "页面未找到"
    assert all(
        a["href"].startswith(("/", "#", "tel:", "https:", "mailto:")) for a in soup.find_all("a")
    )
    for name in ("favicon.ico", "favicon.svg", "apple-touch-icon.png"):
        assert (fixture_site / name).stat().st_size > 100


def test_assets_are_hashed_bundles(fixture_site: Path, html_page: HtmlPage) -> None:
    soup = html_page("/")
    css = soup.find("link", rel="stylesheet")["href"]
    js = soup.find("script")["src"]
    for url in (css, js):
        assert (fixture_site / url.lstrip("/")).is_file()
    bundles = sorted(
        p.name.split(".")[0] + "." + p.suffix[1:] for p in (fixture_site / "theme").iterdir()
    )
    assert bundles == ["head.js", "search.js", "site.css", "site.js"]


def test_text_fields_are_escaped(content_copy: Path, tmp_path: Path) -> None:
    article = content_copy / "news/group/2024/plant-upgrade.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text.replace("title: 城东水厂完成提标改造", 'title: "<b>粗体</b> & \\"引号\\""'),
        encoding="utf-8",
    )
    output = build_into(content_copy, tmp_path / "out")
    html = (output / "news/group/2024/plant-upgrade/index.html").read_text(encoding="utf-8")
    assert "<b>粗体</b>" not in html
    assert "&lt;b&gt;粗体&lt;/b&gt; &amp; &#34;引号&#34;" in html


def test_raw_html_in_markdown_is_shown_as_text(content_copy: Path, tmp_path: Path) -> None:
    article = content_copy / "news/group/2024/plant-upgrade.md"
    article.write_text(
        article.read_text(encoding="utf-8")
        + '\n<div style="display:none">隐藏</div>\n\n行内 <span>标签</span>\n',
        encoding="utf-8",
    )
    output = build_into(content_copy, tmp_path / "out")
    soup = BeautifulSoup(
        (output / "news/group/2024/plant-upgrade/index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    body = soup.find(class_="sw-prose")
    assert not body.find("div") and not body.find("span")
    assert '<div style="display:none">' in body.get_text()


def test_a_page_with_a_future_update_date_is_still_published(
    content_copy: Path, tmp_path: Path
) -> None:
    page = content_copy / "about" / "profile.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "title: 集团简介", "title: 集团简介\ndate: 2030-01-01"
        ),
        encoding="utf-8",
    )
    output = build_into(content_copy, tmp_path / "out")
    assert "集团简介的正文" in (output / "about/profile/index.html").read_text(encoding="utf-8")
