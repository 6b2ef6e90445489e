"""Search in a real browser: each query of the table must show its page among
the first results (the recommended pages and the first three hits), with the
filter or sort the row asks for — on the demo site and on the fixture site."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.search_queries import DEMO_QUERIES, FIXTURE_QUERIES, Query, first_results, settled


@pytest.mark.parametrize(
    "query",
    DEMO_QUERIES,
    ids=lambda q: f"{q.text}{'-newest' if q.newest else ''}{'-filtered' if q.filters else ''}",
)
def test_demo_query_finds_its_page(page: Page, site_url: str, query: Query) -> None:
    urls = first_results(page, site_url, query)
    assert any(re.search(query.expect, url) for url in urls), urls


@pytest.mark.parametrize(
    "query",
    FIXTURE_QUERIES,
    ids=lambda q: f"{q.text}{'-newest' if q.newest else ''}{'-filtered' if q.filters else ''}",
)
def test_fixture_query_finds_its_page(page: Page, fixture_site_url: str, query: Query) -> None:
    urls = first_results(page, fixture_site_url, query)
    assert any(re.search(query.expect, url) for url in urls), urls


def test_newest_first_sorts_by_date(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}/search/?q=停水")
    settled(page)
    page.get_by_label("排序").select_option("newest")
    settled(page)
    dates = [m.split(" · ")[-1] for m in page.locator(".sw-search__meta").all_inner_texts()]
    assert dates == sorted(dates, reverse=True)


def test_recommended_pages_come_first_for_service_words(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}/search/?q=交水费")
    recommended = page.get_by_role("region", name="推荐")
    expect(recommended.get_by_role("link").first).to_have_text("网上缴费")


def test_results_are_announced_and_keyboard_reachable(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}/search/")
    box = page.get_by_label("搜索本站的新闻、通知、公告和办事指南")
    box.fill("水质")
    box.press("Enter")
    expect(page.get_by_role("status").filter(has_text="找到")).to_contain_text("条结果")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("BUTTON", "SELECT", "A")
