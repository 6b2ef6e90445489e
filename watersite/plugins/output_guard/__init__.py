"""Output guard: after writing, scan every built page against safety.yml.

Runs at `finalized`, reading the output folder itself, so it judges what will
actually be published: each page read to be digested is scanned in the same
worker (a page check, watersite/output.py), any other page not known clean by
its digest is read again. Findings name the page and the content file it came
from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pelican import signals

from watersite.errors import ContentError, ContentErrors
from watersite.guard import PageGuard, scan_site
from watersite.output import add_page_check, pages_of_build
from watersite.plugins.contract import catalog_of
from watersite.safety import SafetyPolicy


def _policy(settings: dict[str, Any]) -> SafetyPolicy:
    """safety.yml's policy, with the site's own host allowed."""
    policy: SafetyPolicy = settings["SAFETY"]
    own_host = urlsplit(settings["SITE_BASE_URL"]).hostname
    if own_host:  # canonical and share links point to the site itself
        policy = policy.model_copy(update={"allowed_hosts": [*policy.allowed_hosts, own_host]})
    return policy


def guard_pages_as_read(pelican: Any) -> None:
    """Have each page read to be digested scanned in the same worker."""
    settings = pelican.settings
    check = PageGuard(_policy(settings), Path(settings["WATERSITE_CACHE_DIR"]))
    add_page_check(settings, PageGuard.NAME, check)


def guard_output(pelican: Any) -> None:
    """Fail the build if any page carries a script, hidden text or unknown link."""
    settings = pelican.settings
    findings = scan_site(
        Path(settings["OUTPUT_PATH"]),
        _policy(settings),
        settings.get("WATERSITE_RENDER_WORKERS", 0),
        Path(settings["WATERSITE_CACHE_DIR"]),
        pages_of_build(pelican),
    )
    if not findings:
        return
    catalog = catalog_of(settings)
    source_of = {entry.save_as: f"content/{entry.source}" for entry in catalog.published()}
    raise ContentErrors(
        [
            ContentError(
                source_of.get(f.page, f"output/{f.page}"),
                0,
                "",
                f"生成的页面 /{f.page} 未通过安全检查：{f.zh}",
                f"The built page /{f.page} fails the safety check: {f.en}",
            )
            for f in findings
        ]
    )


def register() -> None:
    """Connect to Pelican's signals."""
    signals.initialized.connect(guard_pages_as_read)
    signals.finalized.connect(guard_output)
