"""What a build wrote: the pages in an output folder, the digests of their bytes,
and what the page checks found on them.

The plugins that read every page at `finalized` (the output guard, the search
index) register *page checks* (`add_page_check`): each page read to be digested
is handed to every check in the same forked worker, so that a page is read
once, not once per plugin, and one round of workers does all of it. A page not
read (the same file as when the last build digested it) is not checked: its
plugins know it by its digest, or read it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from watersite.folders import walk
from watersite.memo import inspect_files

#: Settings key: the page checks of this build, by name.
PAGE_CHECKS = "WATERSITE_PAGE_CHECKS"


class PageCheck(Protocol):
    """What a plugin wants of each page read; run in forked workers, so what it
    returns is pickled back."""

    def start(self, pages: int) -> None:
        """Called in the build process before `pages` pages are listed for checking."""

    def __call__(self, page: str, data: bytes, digest: str) -> Any: ...


def add_page_check(settings: dict[str, Any], name: str, check: PageCheck) -> None:
    """Have `check` run on every page read to be digested (before `finalized`)."""
    settings.setdefault(PAGE_CHECKS, {})[name] = check


def html_pages(output: Path) -> list[str]:
    """Every HTML file under `output`, as sorted POSIX paths relative to it."""
    return sorted(
        prefix + entry.name
        for prefix, _, entries in walk(output)
        for entry in entries
        if entry.name.endswith(".html")
    )


@dataclass(frozen=True)
class BuiltPages:
    """The HTML pages of an output folder (sorted), the SHA-256 of each one's
    bytes, and what each page check found on the pages read, by check name and page."""

    output: Path
    pages: list[str]
    digests: list[str]
    found: dict[str, dict[str, Any]] = field(default_factory=dict)


def built_pages(
    output: Path,
    workers: int = 0,
    cache: Path | None = None,
    checks: dict[str, PageCheck] | None = None,
) -> BuiltPages:
    """List and digest the pages under `output` (`workers` as in watersite.workers),
    running `checks` on each page read.

    With `cache`, a page whose file is as when the last build digested it is not
    read again: after an edit most pages are kept from the last output, the very
    files (11,000 pages are 200 MB at 10,000 items).
    """
    pages = html_pages(output)
    checks = checks or {}
    for check in checks.values():
        check.start(len(pages))

    def inspect(page: str, data: bytes, digest: str) -> dict[str, Any]:
        return {name: check(page, data, digest) for name, check in checks.items()}

    digests, inspected = inspect_files(
        output, pages, "page-digests", cache, workers, inspect=inspect if checks else None
    )
    found: dict[str, dict[str, Any]] = {name: {} for name in checks}
    for index, results in inspected.items():
        for name, result in results.items():
            found[name][pages[index]] = result
    return BuiltPages(output, pages, digests, found)


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
            settings.pop(PAGE_CHECKS, None),  # checks never outlive their build
        )
        pelican.watersite_built_pages = found
    return found
