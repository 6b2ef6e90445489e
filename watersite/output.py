"""What a build wrote: the pages in an output folder and the digests of their bytes."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watersite.memo import Memo
from watersite.workers import map_items

#: (inode, size, modification time in ns) of a file: the same means the same bytes,
#: as the build wrote them (how the parallel_render plugin keeps unchanged pages too).
Signature = tuple[int, int, int]


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


def signature(path: str | Path) -> Signature | None:
    """The file's signature, or None if it is not a file."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


@dataclass(frozen=True)
class BuiltPages:
    """The HTML pages of an output folder (sorted) and the SHA-256 of each one's bytes."""

    output: Path
    pages: list[str]
    digests: list[str]


def built_pages(output: Path, workers: int = 0, cache: Path | None = None) -> BuiltPages:
    """List and digest the pages under `output` (`workers` as in watersite.workers).

    With `cache`, a page whose file has the signature it had when the last build
    digested it is not read again: after an edit most pages are kept from the
    last output, the very files (11,000 pages are 200 MB at 10,000 items).
    """
    pages = html_pages(output)
    memo: Memo[tuple[Signature, str]] = Memo(cache, "page-digests", "")
    signatures = [signature(os.path.join(output, page)) for page in pages]
    digests: list[str | None] = []
    for page, now in zip(pages, signatures, strict=True):
        last = memo.last.get(page)
        digests.append(last[1] if last is not None and last[0] == now else None)
    unknown = [index for index, digest in enumerate(digests) if digest is None]

    def digest(index: int) -> str:
        return hashlib.sha256((output / pages[index]).read_bytes()).hexdigest()

    for index, found in zip(unknown, map_items(digest, unknown, workers), strict=True):
        digests[index] = found
    known = [d for d in digests if d is not None]
    remembered = {}
    for page, now, found in zip(pages, signatures, known, strict=True):
        last = memo.last.get(page)  # the same object, so its memo file is not rewritten
        if now is not None:
            remembered[page] = last if last == (now, found) else (now, found)
    memo.save(remembered)
    return BuiltPages(output, pages, known)


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
