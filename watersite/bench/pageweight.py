"""Page weight and speed budget, measured on the built demo site.

For the home page, an item page and a listing page: the bytes a reader's
browser transfers for HTML, CSS and JS (gzip, as the origin serves them), the
number of requests the page makes (measured in Chromium), and Lighthouse's
four scores. The site is served on 127.0.0.1 with gzip, as the origin does.
"""

from __future__ import annotations

import functools
import gzip
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import sync_playwright

from watersite.build import ROOT

LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
#: Budget for HTML+CSS+JS of an item page, gzip (issue: under 30 KB).
ITEM_BUDGET = 30 * 1024
TEXT_TYPES = (".html", ".css", ".js", ".json", ".xml", ".txt", ".svg")


class _GzipHandler(SimpleHTTPRequestHandler):
    """Static files with gzip for text and cache headers, like the origin."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (
            not path.is_file()
            or path.suffix not in TEXT_TYPES
            or "gzip" not in self.headers.get("Accept-Encoding", "")
        ):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "public, max-age=300")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` with gzip on 127.0.0.1; yield the base URL."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_GzipHandler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageWeight:
    """What one page costs a reader."""

    name: str
    url: str
    html: int = 0  # gzip bytes
    css: int = 0
    js: int = 0
    other: int = 0  # images, fonts: bytes as stored
    requests: int = 0
    third_party: int = 0  # requests to other hosts
    fonts: int = 0  # web font requests
    scores: dict[str, int] | None = None

    @property
    def text_total(self) -> int:
        """HTML + CSS + JS, gzip."""
        return self.html + self.css + self.js


def measure_requests(base_url: str, pages: dict[str, str], output: Path) -> list[PageWeight]:
    """Load each page in Chromium at a phone viewport and weigh what it requested."""
    weights = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for name, path in pages.items():
            page = browser.new_page(viewport={"width": 375, "height": 812})
            requested: list[str] = []
            page.on("request", lambda request, into=requested: into.append(request.url))
            page.goto(base_url + path, wait_until="networkidle")
            if "?q=" in path:  # the first query: wait until its results are on screen
                page.locator("[data-search-results][aria-busy=false]").wait_for()
            weight = PageWeight(name, path, requests=len(requested))
            for url in requested:
                if urlsplit(url).netloc != urlsplit(base_url).netloc:
                    weight.third_party += 1
                    continue
                file = output / unquote(urlsplit(url).path).lstrip("/")
                if file.suffix in (".woff", ".woff2", ".ttf", ".otf"):
                    weight.fonts += 1
                if file.is_dir() or not file.suffix:
                    file = file / "index.html"
                data = file.read_bytes()
                kind = {".html": "html", ".css": "css", ".js": "js"}.get(file.suffix, "other")
                size = len(gzip.compress(data, compresslevel=9)) if kind != "other" else len(data)
                setattr(weight, kind, getattr(weight, kind) + size)
            weights.append(weight)
            page.close()
        browser.close()
    return weights


def lighthouse_scores(url: str) -> dict[str, int]:
    """Lighthouse's four category scores (0-100) for `url`, mobile profile."""
    result = subprocess.run(
        [
            "node", str(LIGHTHOUSE), url,
            "--output=json", "--output-path=stdout", "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--only-categories={','.join(CATEGORIES)}",
        ],
        capture_output=True, text=True, check=True, env={"CHROME_PATH": CHROMIUM, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    report = json.loads(result.stdout)
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def table(weights: list[PageWeight]) -> str:
    """The budget table as Markdown."""
    rows = [
        "| page | HTML gz | CSS gz | JS gz | HTML+CSS+JS gz | images | requests | 3rd-party | fonts "
        "| perf | a11y | best pr. | SEO |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for w in weights:
        scores = w.scores or {}
        rows.append(
            f"| {w.name} (`{w.url}`) | {w.html / 1024:.1f} KB | {w.css / 1024:.1f} KB | {w.js / 1024:.1f} KB "
            f"| **{w.text_total / 1024:.1f} KB** | {w.other / 1024:.1f} KB | {w.requests} "
            f"| {w.third_party} | {w.fonts} | "
            + " | ".join(str(scores.get(c, "–")) for c in CATEGORIES)
            + " |"
        )
    return "\n".join(rows)
