"""Every internal link, anchor, image and attachment of the demo site resolves,
checked against the served site (file-mode link checks pass root-relative links
falsely), including `srcset` candidates and `#fragment` targets."""

from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

URL_ATTRIBUTES = {"href", "src"}


class _Collector(HTMLParser):
    """Link targets and element ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in URL_ATTRIBUTES and not (tag == "link" and value.startswith("http")):
                self.targets.append(value)
            elif name == "srcset":
                self.targets.extend(part.split()[0] for part in value.split(",") if part.strip())


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_internal_link_and_anchor_resolves(demo_site: Path, site_url: str) -> None:
    pages = {
        "/" + str(path.relative_to(demo_site)).removesuffix("index.html"): _parse(
            path.read_text(encoding="utf-8")
        )
        for path in sorted(demo_site.rglob("*.html"))
    }
    wanted: dict[str, set[str]] = {}  # target URL path -> pages that link to it
    anchors: list[tuple[str, str, str]] = []  # (page, target path, fragment)
    for page, parsed in pages.items():
        for target in parsed.targets:
            absolute = urljoin(site_url + page, target)
            if urlsplit(absolute).netloc != urlsplit(site_url).netloc:
                continue  # outbound links are the safety guard's business
            path, fragment = urldefrag(urlsplit(absolute)._replace(query="").geturl())
            wanted.setdefault(path, set()).add(page)
            if fragment:
                anchors.append((page, path.removeprefix(site_url), fragment))
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = dict(zip(wanted, pool.map(_status, wanted), strict=True))
    broken = [
        f"{url} ({code}) linked from {sorted(wanted[url])[:3]}"
        for url, code in statuses.items()
        if code != 200
    ]
    assert not broken, "\n".join(broken)
    missing = [
        f"{page} -> {path}#{fragment}"
        for page, path, fragment in anchors
        if path in pages and fragment not in pages[path].ids
    ]
    assert not missing, "\n".join(missing)
    assert len(wanted) > 150, "the crawl saw the whole site"


def test_every_image_and_attachment_referenced_exists(demo_site: Path, site_url: str) -> None:
    files = {
        target
        for path in demo_site.rglob("*.html")
        for target in _parse(path.read_text(encoding="utf-8")).targets
        if target.startswith("/")
        and Path(urlsplit(target).path).suffix
        in (".jpg", ".png", ".webp", ".pdf", ".zip", ".docx", ".xlsx")
    }
    assert len(files) >= 20
    missing = [url for url in sorted(files) if _status(site_url + url) != 200]
    assert not missing
