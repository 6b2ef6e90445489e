"""Every page type, as readers meet it: fits a 375 px phone without sideways
scrolling, logs no console error, passes axe-core's WCAG 2.0/2.1 A and AA rules
in normal and elder mode, and leaves a screenshot as a test artefact."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Device
from watersite.build import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGE_TYPES = [
    "home", "landing", "listing", "listing-archive", "article", "paper", "topics", "topic",
    "outage", "tender", "job", "document", "guide", "page", "service", "channels",
    "prices", "materials", "outlets", "water-quality", "search", "not-found",
]  # fmt: skip
MODES = ["normal", "elder"]


def open_page(page: Page, url: str, mode: str, console_errors: list[str]) -> None:
    if mode == "elder":
        page.add_init_script("window.localStorage.setItem('sw-elder', '1')")
    response = page.goto(url)
    assert response is not None
    if url.startswith("/no/"):
        assert response.status == 404
        console_errors.clear()  # the browser logs the 404 status itself
    else:
        assert response.status == 200
    if "/search/" in url:
        page.wait_for_selector(".sw-search__result")  # results arrive after the index loads
    if mode == "elder":
        assert page.evaluate("document.documentElement.classList.contains('sw-elder')")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_page_type_fits_the_screen(
    name: str,
    mode: str,
    viewport: Device,
    page: Page,
    page_types: dict[str, str],
    console_errors: list[str],
    save_screenshot: Any,
) -> None:
    open_page(page, page_types[name], mode, console_errors)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport.width}px"
    save_screenshot(f"{name}-{viewport.name}-{mode}")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return result["violations"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_page_type_has_no_accessibility_violations(
    name: str, mode: str, page: Page, page_types: dict[str, str], console_errors: list[str]
) -> None:
    open_page(page, page_types[name], mode, console_errors)
    violations = axe_violations(page)
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    ]
    assert not violations, "\n".join(summary)
