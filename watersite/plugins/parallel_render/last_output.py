"""The last build's output, updated where it is: its unchanged pages kept.

Pelican deletes the output folder file by file before a build (3 s for 40,000
files) and renders every page again. Instead the output is left where it is: a
page whose key (keys.py) is the same as last time is kept, the very file the
last build wrote; every other file is written over the last one; and once all
is written, the files of the last output this build did not write are deleted
(watersite/output.py). Nothing there changes before the content checks have
passed, so a build that fails them leaves the last output as it was.

A page is kept only if the file the last build wrote is still there as it was
written (same inode, size and modification time), so a file changed by hand in
the output folder is rendered again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watersite.memo import Memo, Signature, signature
from watersite.output import update_in_place
from watersite.plugins.parallel_render.keys import UnkeyableError, shared_inputs


def take_over_cleaning(pelican: Any) -> None:
    """Update the output in place where Pelican would delete it first (it then
    leaves it alone): not where Pelican keeps some of its files (OUTPUT_RETENTION)
    or would not delete it (the content is inside it)."""
    output = Path(pelican.output_path)
    content = Path(pelican.path).resolve()
    in_place = (
        # The setting, not Pelican's copy of it, which this sets for the build.
        pelican.settings["DELETE_OUTPUT_DIRECTORY"]
        and not pelican.output_retention
        and not content.is_relative_to(output.resolve())
    )
    if in_place:
        pelican.delete_outputdir = False
    update_in_place(output, in_place)


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

    def keep(self, key: str, name: str) -> bool:
        """True if the last build's page `name` of `key` is still in the output as
        written (it is then kept)."""
        last = self.memo.last.get(key)
        if last is None or last.name != name:
            return False
        return signature(os.path.join(self.output, name)) == last.signature

    def written(self, key: str, name: str) -> Written | None:
        """The page this build wrote for `key`, to be kept next time."""
        found = signature(os.path.join(self.output, name))
        return Written(name, found) if found is not None else None

    def save(self, kept: list[str], written: dict[str, Written]) -> None:
        """Remember this build's pages (and only them) for the next build: those kept,
        by key (the very objects loaded: their memo files are not written again),
        and those written."""
        self.memo.save({**{key: self.memo.last[key] for key in kept}, **written})

    def names(self, kept: list[str]) -> list[str]:
        """The files of the pages kept, by key."""
        return [self.memo.last[key].name for key in kept]
