"""Screenshots of the real demo site for the editors' guide (docs/images/).

`invoke screenshots` builds the demo content in preview mode at a fixed clock
(an outage under way, tenders open and closed, a draft to show the preview
mark), serves it on 127.0.0.1 and photographs each page the guide shows in
Debian's Chromium at a phone's width, as most readers see the site. The PNGs
are reduced to 256 colours to keep the repository small.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from watersite.bench.pageweight import CHROMIUM, serve
from watersite.build import ROOT, build, load_settings
from watersite.clock import SITE_TIMEZONE
from watersite.plugins.contract import catalog_of

GUIDE_IMAGES = ROOT / "docs" / "images"
#: The demo's clock for the pictures: statuses as the guide describes them.
SHOT_TIME = datetime(2026, 11, 26, 12, 0, tzinfo=SITE_TIMEZONE)
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    """One picture: the file it is saved as and the page, by content file or URL."""

    name: str
    source: str  # a content file (its page) or a site URL starting with "/"
    scroll_to: str = ""  # a CSS selector to bring into view first


SHOTS = (
    Shot("article.png", "news/group/2026/2026-10-east-lake-advanced-treatment.md"),
    Shot("figure.png", "news/group/2026/2026-10-east-lake-advanced-treatment.md", "figure"),
    Shot("attachments.png", "news/group/2026/2026-10-q3-water-quality.md", ".sw-downloads"),
    Shot("listing-pinned.png", "/news/group/"),
    Shot("outage.png", "notices/outages/2026/2026-11-linlan-burst-temporary.md"),
    Shot("tender.png", "tenders/works/2026/2026-08-linlan-pipe-phase2.md"),
    Shot("job.png", "jobs/2026/2026-11-campus-recruitment-2027.md"),
    Shot("document.png", "library/laws/2022/2022-06-water-supply-regulation-2016.md"),
    Shot("withdrawn.png", "news/group/2026/2026-11-service-hours-adjustment.md"),
    Shot("topic.png", "news/topics/water-saving-week.md"),
    Shot("prices.png", "/service/prices/"),
    Shot("preview-draft.png", "jobs/2026/2026-11-hotline-staff.md"),
)


def take(target: Path = GUIDE_IMAGES) -> list[Path]:
    """Build the demo, photograph every shot into `target`; return the files."""
    target.mkdir(parents=True, exist_ok=True)
    content = ROOT / "content"
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "site"
        settings = load_settings(content=content, output=output, now=SHOT_TIME)
        settings["WATERSITE_PREVIEW"] = True
        build(settings)
        catalog = catalog_of(settings)
        with serve(output) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
            page.clock.set_fixed_time(SHOT_TIME)  # statuses the script keeps true
            files = []
            for shot in SHOTS:
                url = (
                    shot.source
                    if shot.source.startswith("/")
                    else "/" + catalog.entries[shot.source].url
                )
                page.goto(base_url + url)
                if shot.scroll_to:
                    page.locator(shot.scroll_to).first.evaluate("node => node.scrollIntoView()")
                path = target / shot.name
                page.screenshot(path=str(path))
                _shrink(path)
                files.append(path)
            browser.close()
    return files


def _shrink(path: Path) -> None:
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(256)
    small.save(path, optimize=True)
