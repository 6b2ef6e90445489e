"""Build, check and preview the site from Python (used by tasks.py and tests).

The plain Pelican command line works too (`pelican content -s pelicanconf.py`);
these functions add clean bilingual reports instead of Pelican's log output.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from pelican import Pelican
from pelican.settings import read_settings

from watersite.catalog import DRAFT, PUBLISHED, SCHEDULED, WITHDRAWN, Catalog, build_catalog
from watersite.clock import build_now
from watersite.errors import ContentErrors
from watersite.safety import load_policy
from watersite.workers import collection_paused

ROOT = Path(__file__).resolve().parent.parent
DEV_SETTINGS = ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = ROOT / "publishconf.py"
CACHE_DIR = ROOT / ".cache"

log = logging.getLogger(__name__)


def load_settings(
    settings_file: Path = DEV_SETTINGS,
    content: Path | None = None,
    output: Path | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Pelican settings from `settings_file`, with content, output and clock overridden."""
    override: dict[str, Any] = {}
    if content is not None:
        override["PATH"] = str(Path(content).resolve())
    if output is not None:
        override["OUTPUT_PATH"] = str(Path(output).resolve())
    if now is not None:
        override["BUILD_NOW"] = now
    return read_settings(str(settings_file), override=override)


def build(settings: dict[str, Any]) -> None:
    """Run one full Pelican build; raises ContentErrors on any content problem."""
    with collection_paused():
        Pelican(settings).run()


def check(content: Path, now: datetime | None = None) -> Catalog:
    """Read and validate all content without building; raises ContentErrors."""
    policy = load_policy(ROOT / "safety.yml")
    catalog = build_catalog(Path(content), now or build_now(), policy, CACHE_DIR)
    if catalog.errors:
        raise ContentErrors(catalog.errors)
    return catalog


def check_summary(catalog: Catalog) -> str:
    """One line telling editors what the check found, in Chinese and English."""
    states = [entry.state for entry in catalog.entries.values()]
    published, drafts, scheduled, withdrawn = (
        states.count(s) for s in (PUBLISHED, DRAFT, SCHEDULED, WITHDRAWN)
    )
    files = (
        len(catalog.entries) + len(catalog.data) + len(catalog.static_files) + len(catalog.images)
    )
    return (
        f"检查通过：{files} 个文件；已发布 {published} 篇，草稿 {drafts} 篇，定时发布 {scheduled} 篇，"
        f"已撤回 {withdrawn} 篇。 / Check passed: {files} files; {published} published, "
        f"{drafts} drafts, {scheduled} scheduled, {withdrawn} withdrawn."
    )
