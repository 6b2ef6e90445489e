"""What a build wrote: the pages in an output folder and the digests of their bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watersite.memo import file_digests


def html_pages(output: Path) -> list[str]:
    """Every HTML file under `output`, as sorted POSIX paths relative to it."""
    # os.walk, not Path.rglob, and no os.path.relpath: each a third of a second
    # over 11,000 page folders.
    pages = []
    top = os.path.join(output, "")
    for folder, _, names in os.walk(top):
        prefix = os.path.join(folder[len(top) :], "").replace(os.sep, "/")
        pages.extend(prefix + name for name in names if name.endswith(".html"))
    return sorted(pages)


@dataclass(frozen=True)
class BuiltPages:
    """The HTML pages of an output folder (sorted) and the SHA-256 of each one's bytes."""

    output: Path
    pages: list[str]
    digests: list[str]


def built_pages(output: Path, workers: int = 0, cache: Path | None = None) -> BuiltPages:
    """List and digest the pages under `output` (`workers` as in watersite.workers).

    With `cache`, a page whose file is as when the last build digested it is not
    read again: after an edit most pages are kept from the last output, the very
    files (11,000 pages are 200 MB at 10,000 items).
    """
    pages = html_pages(output)
    return BuiltPages(output, pages, file_digests(output, pages, "page-digests", cache, workers))


def pages_of_build(pelican: Any) -> BuiltPages:
    """This build's pages, listed and digested once for all the plugins that read
    them at `finalized` (nothing writes pages after the page writers)."""
    found = getattr(pelican, "watersite_built_pages", None)
    if found is None:
        settings = pelican.settings
        found = built_pages(
            Path(settings["OUTPUT_PATH"]),
            settings.get("WATERSITE_RENDER_WORKERS", 0),
            Path(settings["WATERSITE_CACHE_DIR"]),
        )
        pelican.watersite_built_pages = found
    return found
