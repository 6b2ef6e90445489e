"""Clock-dependent statuses stay true in the browser after the build, and the
listing filters narrow notices as readers choose or type. The demo site is
built at 2026-11-26 12:00; the browser's clock is moved past its windows."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import Page, expect

from watersite.clock import SITE_TIMEZONE


def clock(page: Page, *when: int) -> None:
    page.clock.set_fixed_time(datetime(*when, tzinfo=SITE_TIMEZONE))


def test_banner_drops_an_outage_once_its_window_ends(page: Page) -> None:
    page.goto("/")
    banner = page.get_by_role("complementary", name="停水提醒")
    expect(banner.get_by_role("listitem")).to_have_count(2)
    clock(page, 2026, 11, 27, 0, 0)  # the 临澜大道 repair ended at 23:00
    page.goto("/about/profile/")
    expect(banner.get_by_role("listitem")).to_have_count(1)
    expect(banner).to_contain_text("望江路")
    clock(page, 2026, 11, 29, 7, 0)  # after the 望江路 window too
    page.goto("/about/profile/")
    expect(page.locator("[data-outage-banner]")).to_have_count(0)


def test_outage_status_moves_from_upcoming_to_ongoing(page: Page) -> None:
    page.goto("/notices/outages/")
    notice = page.locator(".sw-outages li", has_text="关于滨江区望江路片区计划停水的通知")
    expect(notice.locator(".sw-badge")).to_have_text("即将停水")
    clock(page, 2026, 11, 28, 23, 0)
    page.goto("/notices/outages/")
    expect(notice.locator(".sw-badge")).to_have_text("停水中")


def test_tender_closes_in_the_browser_after_its_deadline(page: Page) -> None:
    page.goto("/tenders/all/")
    open_now = page.locator("main .sw-badge--open")
    expect(open_now.first).to_be_visible()
    clock(page, 2027, 2, 1, 9, 0)
    page.goto("/tenders/all/")
    expect(page.locator("main .sw-badge--open")).to_have_count(0)
    expect(page.locator("main .sw-badge--closed").first).to_have_text("已截止")


def test_outage_filter_narrows_by_street_as_the_reader_types(page: Page) -> None:
    page.goto("/notices/outages/")
    field = page.get_by_label("查一查是否影响您：输入街道或小区名称")
    items = page.locator("main li[data-filter-areas]")
    total = items.count()
    field.press_sequentially("望江路")
    visible = page.locator("main li[data-filter-areas]:visible")
    expect(visible.first).to_be_visible()
    assert 0 < visible.count() < total
    for text in visible.all_inner_texts():
        assert "望江路" in text
    expect(page.get_by_role("status").filter(has_text="显示")).to_contain_text("显示")
    field.fill("")
    expect(page.locator("main li[data-filter-areas]:visible")).to_have_count(total)


def test_tender_filters_by_type_and_status(page: Page) -> None:
    page.goto("/tenders/all/")
    page.get_by_label("类型").select_option("工程")
    for row in page.locator("main li[data-filter-type]:visible").all():
        assert row.get_attribute("data-filter-type") == "工程"
    page.get_by_label("状态").select_option("报名中")
    visible = page.locator("main li[data-filter-type]:visible")
    expect(visible.first).to_be_visible()
    for row in visible.all():
        assert row.get_attribute("data-filter-status") == "报名中"


def test_documents_filter_by_validity(page: Page) -> None:
    page.goto("/library/all/")
    page.get_by_label("效力").select_option("已废止")
    visible = page.locator("main li[data-filter-validity]:visible")
    expect(visible.first).to_be_visible()
    for row in visible.all():
        assert row.get_attribute("data-filter-validity") == "已废止"
