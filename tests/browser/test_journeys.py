"""What readers do, in a real browser at a phone and a desktop viewport."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Device
from tests.sitemap_contract import TOP_LEVEL


def test_home_to_an_item_to_its_section_to_older_news(page: Page, viewport: Device) -> None:
    page.goto("/")
    news = (
        page.locator("section", has=page.get_by_role("heading", name="集团动态"))
        .get_by_role("listitem")
        .first
    )
    title = news.get_by_role("link").inner_text()
    news.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("link", name="返回集团动态").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("集团动态")
    page.get_by_role("link", name="更早的内容").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("集团动态（第")
    expect(page.locator(".sw-items__item").first).to_be_visible()
    page.get_by_role("link", name="较新的内容").click()
    expect(page).to_have_url(re.compile(r"/news/group/(page/\d+/)?$"))


def test_phone_menu_reaches_every_top_level_section(page: Page) -> None:
    page.set_viewport_size({"width": PHONE.width, "height": PHONE.height})
    for path in TOP_LEVEL:
        page.goto("/")
        menu = page.get_by_role("navigation", name="网站导航")
        expect(menu).to_be_hidden()
        toggle = page.get_by_role("button", name="菜单")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        link = menu.locator(f'a.sw-nav__link[href="{path}"]')
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_phone_menu_opens_without_javascript(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 375, "height": 812}, base_url=base_url
    )
    page = context.new_page()
    page.goto("/")
    menu = page.locator("#sw-nav")
    expect(menu).to_be_hidden()
    page.get_by_role("link", name="菜单").click()
    expect(menu).to_be_visible()
    menu.locator('a.sw-nav__link[href="/tenders/"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("招标信息")
    context.close()


def test_find_a_tender_and_see_its_status(page: Page, viewport: Device) -> None:
    page.goto("/")
    page.get_by_role("link", name="更多招标信息").click()
    open_tender = page.locator(".sw-items__item", has=page.locator(".sw-badge--open")).first
    expect(open_tender).to_be_visible()
    open_tender.locator(".sw-items__title").click()
    expect(page.locator("main .sw-badge").first).to_have_text("报名中")
    expect(page.locator(".sw-notice-facts")).to_contain_text("投标截止时间")


def test_outage_banner_shows_during_the_outage_window(page: Page, viewport: Device) -> None:
    for path in ("/", "/about/profile/", "/service/pay/"):
        page.goto(path)
        banner = page.get_by_role("complementary", name="停水提醒")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("停水中")
    banner.get_by_role("link").first.click()
    expect(page.locator(".sw-notice-facts")).to_contain_text("影响范围")


def test_elder_mode_stays_on_across_pages(page: Page, viewport: Device) -> None:
    page.goto("/")
    size_before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    toggle = page.get_by_role("button", name="长者模式")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name="便民服务", exact=True).first.click()
    expect(page.get_by_role("button", name="长者模式")).to_have_attribute("aria-pressed", "true")
    size_after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size_after >= size_before * 1.2
    page.get_by_role("button", name="长者模式").click()
    page.reload()
    expect(page.get_by_role("button", name="长者模式")).to_have_attribute("aria-pressed", "false")


def test_search_finds_an_outage_notice(page: Page, viewport: Device) -> None:
    page.goto("/about/profile/")
    page.get_by_label("搜索本站").fill("停水")
    page.get_by_label("搜索本站").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=%E5%81%9C%E6%B0%B4$"))
    status = page.get_by_role("status").filter(has_text="找到")
    expect(status).to_contain_text("找到")
    expect(page.locator(".sw-search__result").first).to_be_visible()
    page.get_by_label("类型").select_option("停水通知")
    expect(status).to_contain_text("找到")
    titles = page.locator(".sw-search__title").all_inner_texts()
    assert titles and all("停水" in t or "供水" in t for t in titles)
    page.locator(".sw-search__title").first.click()
    expect(page.locator(".sw-notice-facts")).to_contain_text("停水类型")
