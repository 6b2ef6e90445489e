"""Public services in a real browser: the bill calculator against hand-computed
bills, the materials search, and keyboard use with visible focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, Device


@pytest.mark.parametrize(
    ("volume", "persons", "total"),
    [
        # Demo tiers: 216 m³ at 3.85, 300 m³ at 5.05, above at 8.65; +43 m³ a person above 4.
        ("180", "4", "693.00"),  # 180 x 3.85
        ("260", "4", "1,053.80"),  # 216 x 3.85 + 44 x 5.05
        ("350", "4", "1,688.30"),  # 831.60 + 84 x 5.05 + 50 x 8.65
        ("100.5", "4", "386.93"),  # 386.925 rounds half up
        ("300", "6", "1,155.00"),  # limits 302 / 386: all in the first tier
    ],
)
def test_bill_calculator_matches_hand_computed_bills(
    page: Page, viewport: Device, volume: str, persons: str, total: str
) -> None:
    page.goto("/service/prices/")
    page.get_by_label("年用水量（立方米）").fill(volume)
    page.get_by_label("家庭户籍人口").select_option(persons)
    page.get_by_role("button", name="计算").click()
    expect(page.locator(".sw-calculator__result")).to_contain_text(f"全年水费合计 {total} 元")


def test_bill_calculator_explains_a_bad_entry(page: Page) -> None:
    page.goto("/service/prices/")
    page.get_by_label("年用水量（立方米）").fill("两百")
    page.get_by_role("button", name="计算").click()
    expect(page.get_by_role("status").filter(has_text="请输入用水量")).to_be_visible()


def test_materials_search_narrows_the_table(page: Page) -> None:
    page.goto("/service/materials/")
    rows = page.locator("tbody tr")
    total = rows.count()
    page.get_by_label("查找材料：输入名称或规格，如 水表、DN20").fill("DN20")
    visible = page.locator("tbody tr:visible")
    expect(visible.first).to_be_visible()
    assert 0 < visible.count() < total
    for text in visible.all_inner_texts():
        assert "DN20" in text


def test_skip_link_is_first_and_visible_on_focus(page: Page) -> None:
    page.goto("/news/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["width"] > 0, "visible when focused"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_keyboard_reaches_sub_menus_with_a_visible_focus(page: Page) -> None:
    page.set_viewport_size({"width": DESKTOP.width, "height": DESKTOP.height})
    page.goto("/")
    news = page.locator("#sw-nav a.sw-nav__link[href='/news/']")
    news.focus()
    page.keyboard.press("Tab")
    first_sub = page.locator("#sw-nav a[href='/news/group/']")
    expect(first_sub).to_be_focused()
    expect(first_sub).to_be_visible()
    outline = first_sub.evaluate("el => getComputedStyle(el).outlineStyle")
    shadow = first_sub.evaluate("el => getComputedStyle(el).boxShadow")
    assert outline != "none" and shadow != "none", "focus is visible"


def test_user_font_size_is_respected(page: Page) -> None:
    page.goto("/")
    base = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.add_style_tag(content="html { font-size: 24px; }")  # a reader who set large text
    larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger >= base * 1.4
