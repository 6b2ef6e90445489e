"""Realistic queries readers type, and the pages each must find near the top.

Each row: the query, a regular expression one of the first `TOP` results' URLs
must match, and optional filters or sort. Used by the browser test
(tests/browser/test_search_queries.py) and measured by `invoke bench`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

TOP = 3


@dataclass(frozen=True)
class Query:
    """A query and where its answer lives."""

    text: str
    expect: str  # regular expression for a result URL
    filters: dict[str, str] = field(default_factory=dict)
    newest: bool = False


DEMO_QUERIES = [
    Query("停水", r"/notices/outages/"),
    Query("停水通知", r"/notices/outages/"),
    Query("断水", r"/notices/outages/"),  # synonym of 停水
    Query("水费", r"/service/(prices|bill|pay)/"),
    Query("查水费", r"/service/bill/"),
    Query("交水费", r"/service/pay/"),
    Query("水价", r"/service/prices/"),
    Query("阶梯水价", r"/service/prices/|/service/tips/.*tiered"),
    Query("过户", r"/service/guides/.*ownership-transfer"),
    Query("销户", r"/service/guides/.*account-closure"),
    Query("报装", r"/service/guides/.*connection"),
    Query("新装接水", r"/service/guides/.*new-connection"),
    Query("水表", r"/service/guides/.*meter|/service/tips/.*meter|/news/.*meter"),
    Query("报修", r"/service/guides/.*repair"),
    Query("营业厅", r"/service/outlets/"),
    Query("营业网点", r"/service/outlets/"),
    Query("发票", r"/service/invoice/"),
    Query("水质", r"/service/water-quality/|/news/.*quality"),
    Query("管网改造", r"/news/.*(pipe|renewal|network)"),
    Query("二次供水", r"secondary"),
    Query("自来水公司", r"/about/profile/|/contact/"),
    Query("招聘", r"/jobs/"),
    Query("招标", r"/tenders/"),
    Query("投诉", r"/service/feedback/"),
    Query("停水", r"/notices/outages/2026/", newest=True),
    Query("水", r"/tenders/", filters={"类型": "招标公告"}),
    Query("管道", r"/notices/outages/", filters={"栏目": "公告通知"}),
]

FIXTURE_QUERIES = [
    Query("停水", r"/notices/outages/2024/east-pipe/"),
    Query("水厂", r"/news/group/2024/(plant-upgrade|second-article)/"),
    Query("招聘", r"/jobs/2024/2024-spring/"),
    Query("供水条例", r"/library/laws/2023/water-law/"),
    Query("新装", r"/service/guides/2024/new-connection/"),
    Query("工程", r"/tenders/works/2024/main-pipe/", filters={"类型": "招标公告"}),
    Query("水厂", r"/news/group/2024/second-article/", newest=True),
]


def settled(page: Page) -> None:
    """Wait until the search page has shown the results of its latest search."""
    expect(page.locator("[data-search-results]")).to_have_attribute("aria-busy", "false")


def first_results(page: Page, base: str, query: Query) -> list[str]:
    """What the search page shows first: recommended pages, then the first TOP hits."""
    page.goto(f"{base}/search/?q={query.text}")
    settled(page)
    for label, value in query.filters.items():
        page.get_by_label(label, exact=True).select_option(value)
        settled(page)
    if query.newest:
        page.get_by_label("排序").select_option("newest")
        settled(page)
    recommended = page.locator(".sw-search__recommended a").evaluate_all(
        "links => links.map(a => a.pathname)"
    )
    hits = page.locator(".sw-search__title").evaluate_all("links => links.map(a => a.pathname)")
    return recommended + hits[:TOP]
