"""What reading the content keeps between builds: a rebuild redoes only what changed.

Reading, validating and rendering every Markdown file is the costliest part of
reading the content at archive scale, and an edit changes one file. Results are
kept in the build cache under a *salt* made of our code, the pinned libraries
(requirements.txt) and everything else the results depend on for all files
alike (the safety policy; for reading, the list of files under content/, as
validation checks that linked files exist), and under each file's own key.

A body's HTML also depends on what the renderer looked up while rendering:
other items' URLs and states (links), processed images, whether linked files
exist. Those lookups are recorded with their answers (`Rendered.lookups`), and
a kept body is used only if every lookup still gets the same answer.

Each memo is one file (`<cache>/<name>/<salt>.pickle`), rewritten with this
build's results only; a damaged one is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from watersite.markdown import LinkProblem

_PACKAGE = Path(__file__).resolve().parent
_REQUIREMENTS = _PACKAGE.parent / "requirements.txt"

T = TypeVar("T")
#: A lookup the body renderer made: (kind, argument, answer).
Lookup = tuple[str, Any, Any]


def code_digest() -> str:
    """Digest of our code and the pinned libraries: any change redoes everything."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    if _REQUIREMENTS.is_file():
        digest.update(_REQUIREMENTS.read_bytes())
    return digest.hexdigest()


def key_of(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class Memo(Generic[T]):
    """The results of the last build by key, and saving this build's."""

    def __init__(self, cache_dir: Path | None, name: str, salt: str):
        salt = key_of(code_digest(), salt)
        self.file = cache_dir / name / f"{salt}.pickle" if cache_dir else None
        self.last: dict[str, T] = {}
        if self.file is not None and self.file.is_file():
            try:
                self.last = pickle.loads(self.file.read_bytes())
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
                self.last = {}

    def save(self, results: dict[str, T]) -> None:
        """Keep exactly this build's results (one memo per name: the newest)."""
        if self.file is None:
            return
        shutil.rmtree(self.file.parent, ignore_errors=True)
        self.file.parent.mkdir(parents=True)
        partial = self.file.with_suffix(".new")
        partial.write_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
        partial.rename(self.file)


@dataclass
class Rendered:
    """One body's HTML, its link problems, and the lookups that shaped them."""

    html: str
    problems: list[LinkProblem]
    lookups: list[Lookup]

    def still_valid(self, answer: Callable[[str, Any], Any]) -> bool:
        """True if every lookup gets the same answer now."""
        return all(answer(kind, argument) == result for kind, argument, result in self.lookups)
