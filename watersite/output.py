"""What a build wrote: the files in an output folder, the pages among them, the
digests of their bytes, and what the page checks found on them.

A rebuild updates the last output where it is (parallel_render/last_output.py):
every file the build writes is noted (`wrote`), and before anything reads the
output at `finalized`, every other file there is deleted (`files_of_build`), so
the folder holds what a clean build would. A writer that did not note its files
would lose them at every rebuild (tests/test_pages_are_kept.py compares
rebuilds with clean builds after every kind of change).

The plugins that read every page at `finalized` (the output guard, the search
index) register *page checks* (`add_page_check`): each page read to be digested
is handed to every check in the same forked worker, so that a page is read
once, not once per plugin, and one round of workers does all of it. A page not
read (the same file as when the last build digested it) is not checked: its
plugins know it by its digest, or read it themselves.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from watersite.deleting import delete_in_background
from watersite.folders import walk
from watersite.memo import inspect_files

#: Settings key: the page checks of this build, by name.
PAGE_CHECKS = "WATERSITE_PAGE_CHECKS"


@dataclass
class _Update:
    """An output folder the build under way updates in place."""

    written: set[str] = field(default_factory=set)  # relative, with '/'
    # Listing the files the folder held as the build started, into a file (a pipe
    # would stop it until read), and what it found (None if it failed).
    listing: tuple[subprocess.Popen[bytes], IO[bytes]] | None = None
    listed: list[str] | None = None

    def wait_for_listing(self) -> None:
        """Take in what the listing found, once it is done."""
        if self.listing is not None:
            process, found = self.listing
            self.listing = None
            with found:
                if process.wait() == 0:
                    found.seek(0)
                    self.listed = [os.fsdecode(n) for n in found.read().split(b"\0") if n]


#: Every file but folders, relative, each ended by a NUL.
_LIST_FILES = ["find", ".", "-mindepth", "1", "!", "-type", "d", "-printf", "%P\\0"]
#: Output folder -> its update by the build under way.
_updates: dict[str, _Update] = {}


class PageCheck(Protocol):
    """What a plugin wants of each page read; run in forked workers, so what it
    returns is pickled back."""

    def start(self, pages: int) -> None:
        """Called in the build process before `pages` pages are listed for checking."""

    def __call__(self, page: str, data: bytes, digest: str) -> Any: ...


def add_page_check(settings: dict[str, Any], name: str, check: PageCheck) -> None:
    """Have `check` run on every page read to be digested (before `finalized`)."""
    settings.setdefault(PAGE_CHECKS, {})[name] = check


def update_in_place(output: Path, in_place: bool = True) -> None:
    """Whether this build updates `output` in place (called as it starts): if so,
    it notes what it writes there (`wrote`), and the files there now that it
    does not write are deleted once all is written (`files_of_build`). A `find`
    process lists them meanwhile, on the other core (11,000 page folders take
    0.2 s to list): what moves files out of the output before the build writes
    there waits for it (`wait_for_listing`)."""
    left = _updates.pop(str(output), None)
    if left is not None:  # by a build that failed
        left.wait_for_listing()
    if in_place:
        update = _updates[str(output)] = _Update()
        if not output.is_dir():
            update.listed = []
        else:
            found = tempfile.TemporaryFile()  # noqa: SIM115 (closed when taken in)
            try:
                process = subprocess.Popen(
                    _LIST_FILES, cwd=output, stdout=found, stderr=subprocess.DEVNULL
                )
            except OSError:  # no `find` here: listed when all is written
                found.close()
            else:
                update.listing = (process, found)


def wait_for_listing(output: Path) -> None:
    """Return once the files of `output` are listed, if it is updated in place:
    a folder moved away while `find` lists it would make the listing fail."""
    update = _updates.get(str(output))
    if update is not None:
        update.wait_for_listing()


def wrote(output: str | Path, files: Iterable[str | Path]) -> None:
    """Note `files` (absolute, or relative to `output`) as written by this build."""
    update = _updates.get(str(output))
    if update is not None:
        root = os.path.join(str(output), "")
        for file in files:
            path = os.path.normpath(os.fspath(file))
            path = path.removeprefix(root) if os.path.isabs(path) else path
            update.written.add(path.replace(os.sep, "/"))


def write_unless_same(output: str | Path, file: str | Path, data: bytes) -> None:
    """Write `data` as `file` (absolute, or relative to `output`) unless it holds
    them already, and note it as written (`wrote`): a rebuild's feeds, calendars and
    sitemap are mostly as they were, and rewriting a file costs the disk a write
    all the same (28 files: 0.03 s), where reading it back costs a read."""
    path = Path(output, file)
    try:
        same = path.read_bytes() == data
    except OSError:  # not there yet
        same = False
    if not same:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    wrote(output, [path])


def files_of_build(pelican: Any) -> list[str]:
    """The files of this build's output (sorted, relative, with '/'), once all is
    written; in an output updated in place, the files this build wrote, the others
    there deleted."""
    found: list[str] | None = getattr(pelican, "watersite_files", None)
    if found is None:
        output = Path(pelican.settings["OUTPUT_PATH"])
        update = _updates.pop(str(output), None)
        if update is None:
            found = output_files(output)
        else:
            update.wait_for_listing()
            listed = update.listed if update.listed is not None else output_files(output)
            _delete_unwritten(output, listed, update.written)
            found = sorted(update.written)
        pelican.watersite_files = found
    return found


def output_files(output: Path) -> list[str]:
    """Every file under `output`, as sorted POSIX paths relative to it."""
    return sorted(prefix + entry.name for prefix, _, entries in walk(output) for entry in entries)


def _delete_unwritten(output: Path, files: list[str], written: set[str]) -> None:
    """Delete `files` not in `written`, each with the highest folder above it that
    holds nothing written (whole, in the background: the last search index when
    search is turned off, say), else alone."""
    unwritten = sorted(file for file in files if file not in written)
    if not unwritten:
        return
    holding: set[str] = set()  # folders with something written in them
    for file in written:
        folder = file.rpartition("/")[0]
        while folder and folder not in holding:
            holding.add(folder)
            folder = folder.rpartition("/")[0]
    doomed = "\0"  # the folder last deleted whole, and "/"
    for file in unwritten:
        if file.startswith(doomed):
            continue
        parts = file.split("/")[:-1]
        above = ("/".join(parts[: depth + 1]) for depth in range(len(parts)))
        folder = next((f for f in above if f not in holding), None)
        if folder is None:
            (output / file).unlink(missing_ok=True)  # moved away by the build, say
        else:
            delete_in_background(output / folder)
            doomed = folder + "/"


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
    files: list[str] | None = None,
) -> BuiltPages:
    """List and digest the pages under `output` (`workers` as in watersite.workers),
    running `checks` on each page read; `files`: the output's files, if listed.

    With `cache`, a page whose file is as when the last build digested it is not
    read again: after an edit most pages are kept from the last output, the very
    files (11,000 pages are 200 MB at 10,000 items).
    """
    files = output_files(output) if files is None else files
    pages = [file for file in files if file.endswith(".html")]
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
            files_of_build(pelican),
        )
        pelican.watersite_built_pages = found
    return found
