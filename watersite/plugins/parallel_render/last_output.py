"""The last build's output: set aside, its unchanged pages kept, then deleted.

Pelican deletes the output folder file by file before a build (3 s for 40,000
files). Instead it is moved aside when the build starts writing (after the
content checks passed, so a failed check leaves the last output in place);
pages whose key (keys.py) is the same as last time are moved from it into
the new output (their folder, if the page is all it holds, else hard-linked)
instead of being rendered; then it is deleted in the background while the
build goes on.

A page is kept only if the file the last build wrote is still there as it
was written (same inode, size and modification time), so a file changed by
hand in the output folder is rendered again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watersite.deleting import delete_in_background, wait_for_deletions
from watersite.memo import Memo, Signature, signature
from watersite.plugins.parallel_render.keys import UnkeyableError, shared_inputs

_SET_ASIDE = ".old-output-"  # prefix of the folder the last output is moved to
#: Output folder -> where its last build's output was moved for this build.
_set_aside: dict[Path, Path] = {}


def set_aside(pelican: Any) -> None:
    """Move the last output aside, where Pelican would delete it file by file
    (it then finds no output folder to clean)."""
    output = Path(pelican.output_path)
    content = Path(pelican.path).resolve()
    if (
        not pelican.delete_outputdir
        or pelican.output_retention
        or not output.is_dir()
        or content.is_relative_to(output.resolve())  # Pelican refuses to clean that too
    ):
        return
    for left in output.parent.glob(f"{_SET_ASIDE}{output.name}-*"):  # by killed builds
        delete_in_background(left)
    try:
        moved = output.with_name(f"{_SET_ASIDE}{output.name}-{os.getpid()}")
        output.rename(moved)
    except OSError:  # a mount point, say: Pelican cleans it as usual
        return
    _set_aside[output] = moved


def set_aside_of(output: Path) -> Path | None:
    """Where the last output of `output` was moved for this build, until its
    deletion starts (once the pages are written)."""
    return _set_aside.get(output)


def delete_set_aside(output: Path) -> None:
    """Start deleting the last output of `output`, if it was set aside."""
    moved = _set_aside.pop(output, None)
    if moved is not None:
        delete_in_background(moved)


def finish_deleting(pelican: Any) -> None:
    """Wait for the last output to be gone before the build ends."""
    delete_set_aside(Path(pelican.output_path))  # if the build wrote no pages
    wait_for_deletions()


@dataclass(frozen=True)
class Written:
    """A page file as the build left it."""

    name: str  # relative to the output folder
    signature: Signature


class KeptPages:
    """The pages of the last build by key; keeping them in this build's output."""

    def __init__(self, settings: dict[str, Any], output: Path):
        cache = settings.get("WATERSITE_CACHE_DIR")
        try:
            salt = shared_inputs(settings)
        except UnkeyableError:  # settings no key can cover: every page is rendered
            cache = salt = None
        self.memo: Memo[Written] = Memo(Path(cache) if cache else None, "pages", salt or "")
        # Paths as strings: pathlib's joins cost a third of the keeping at 10,000 items.
        self.output = str(output)
        self.last_output = str(_set_aside.get(output, output))
        self._folders: set[str] = set()

    def keep(self, key: str, name: str) -> Written | None:
        """Put the last build's page of `key` in the output; None if there is none."""
        last = self.memo.last.get(key)
        if last is None or last.name != name:
            return None
        old = os.path.join(self.last_output, name)
        if signature(old) != last.signature:
            return None
        new = os.path.join(self.output, name)
        if new != old and not self._move_folder(old, new):
            self._make_folder(os.path.dirname(new))
            try:
                os.link(old, new)
            except OSError:  # a file system without hard links: render it
                return None
        return last

    def _move_folder(self, old: str, new: str) -> bool:
        """Move the page's folder whole if the page is all it holds (a page at
        `x/index.html`, most of them): one rename instead of making a folder,
        linking the page and deleting both from the last output."""
        old_folder, new_folder = os.path.dirname(old), os.path.dirname(new)
        if old_folder == self.last_output:
            return False
        try:
            if os.listdir(old_folder) != [os.path.basename(old)]:
                return False
            self._make_folder(os.path.dirname(new_folder))
            # Fails where the new output has the folder with something in it already
            # (asking first would cost a fifth of the keeping: a system call a page).
            os.rename(old_folder, new_folder)
        except OSError:
            return False
        return True

    def _make_folder(self, folder: str) -> None:
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def written(self, key: str, name: str) -> Written | None:
        """The page this build wrote for `key`, to be kept next time."""
        found = signature(os.path.join(self.output, name))
        return Written(name, found) if found is not None else None

    def save(self, written: dict[str, Written]) -> None:
        """Remember this build's pages (and only them) for the next build."""
        self.memo.save(written)
