"""Browser test harness: the demo site built at a pinned time, served on
127.0.0.1 by the tests themselves, driven by pytest-playwright with Debian's
Chromium (`playwright install` cannot download browsers here).

To add a browser test: use the `page` fixture (already pointed at the served
site through `base_url`), the `viewport` fixture (phone and desktop),
`page_types` (one URL per page type) and `save_screenshot`. Console errors
fail any test that uses `page`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page

from tests.conftest import DEMO_CONTENT, DEMO_NOW
from watersite.build import ROOT, check
from watersite.sections import Kind

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"


@dataclass(frozen=True)
class Device:
    """A viewport readers use."""

    name: str
    width: int
    height: int


PHONE = Device("phone", 375, 812)
DESKTOP = Device("desktop", 1280, 900)


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves the output folder like the origin does: 404.html for missing paths."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests report what matters."""


def _serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_SiteHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def site_url(demo_site: Path) -> Iterator[str]:
    """The demo site served on 127.0.0.1 for the whole session."""
    yield from _serve(demo_site)


@pytest.fixture(scope="session")
def fixture_site_url(fixture_site: Path) -> Iterator[str]:
    """The fixture site (tests/fixtures/site) served on 127.0.0.1."""
    yield from _serve(fixture_site)


@pytest.fixture(scope="session")
def base_url(site_url: str) -> str:
    """pytest-base-url: relative page.goto() paths go to the served site."""
    return site_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium with the flags this closed network needs."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(params=[PHONE, DESKTOP], ids=lambda d: d.name)
def viewport(request: pytest.FixtureRequest) -> Device:
    """Each test that asks for it runs at a phone and a desktop viewport."""
    return request.param


@pytest.fixture
def browser_context_args(
    browser_context_args: dict[str, Any], request: pytest.FixtureRequest
) -> dict[str, Any]:
    """Viewport from `viewport` when the test uses it (else the phone), Chinese locale."""
    device = request.getfixturevalue("viewport") if "viewport" in request.fixturenames else PHONE
    return {
        **browser_context_args,
        "viewport": {"width": device.width, "height": device.height},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Errors the page logs; every test using `page` must end with none.

    It also pins the browser's clock to the time the demo was built at: the
    status script keeps clock-dependent labels true, so on the real clock they
    would drift from what the build rendered. Tests move it with page.clock."""
    page.clock.set_fixed_time(DEMO_NOW)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors


@pytest.fixture(autouse=True)
def _no_console_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    if "page" not in request.fixturenames:
        yield
        return
    errors = request.getfixturevalue("console_errors")
    yield
    assert not errors, f"console errors: {errors}"


@pytest.fixture
def save_screenshot(page: Page) -> Any:
    """Save a full-page screenshot as a test artefact (test-artifacts/screenshots/)."""

    def save(name: str) -> Path:
        path = ARTIFACTS / "screenshots" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def _first_url(catalog: Any, kind: Kind) -> str:
    entry = next(e for e in catalog.published() if e.section.kind is kind)
    return "/" + entry.url


@pytest.fixture(scope="session")
def page_types() -> dict[str, str]:
    """One URL of the demo site per page type."""
    catalog = check(DEMO_CONTENT, DEMO_NOW)
    return {
        "home": "/",
        "landing": "/news/",
        "listing": "/news/group/",
        "listing-archive": "/news/group/page/1/",
        "article": _first_url(catalog, Kind.ARTICLES),
        "paper": _first_url(catalog, Kind.PAPER),
        "topics": "/news/topics/",
        "topic": _first_url(catalog, Kind.TOPICS),
        "outage": _first_url(catalog, Kind.OUTAGES),
        "tender": _first_url(catalog, Kind.TENDERS),
        "job": _first_url(catalog, Kind.JOBS),
        "document": _first_url(catalog, Kind.DOCUMENTS),
        "guide": _first_url(catalog, Kind.GUIDES),
        "page": "/about/profile/",
        "service": "/service/pay/",
        "channels": "/service/feedback/",
        "prices": "/service/prices/",
        "materials": "/service/materials/",
        "outlets": "/service/outlets/",
        "water-quality": "/service/water-quality/",
        "search": "/search/?q=停水",
        "not-found": "/no/such/page/",
    }
