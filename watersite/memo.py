"""What a build keeps for the next one: a rebuild redoes only what changed.

Reading the content (entries, bodies), the output guard, page keys, search
documents, the merged index's state and calendars keep their results here. An
edit changes one file, and most results stay the same. Results are kept in the
build cache under a *salt* made of our code, the pinned libraries
(requirements.txt) and everything else the results depend on for all keys alike
(the safety policy; for reading, the list of files under content/, as
validation checks that linked files exist), and under each result's own key.

A body's HTML also depends on what the renderer looked up while rendering:
other items' URLs and states (links), processed images, whether linked files
exist. Those lookups are recorded with their answers (`Rendered.lookups`), and
a kept body is used only if every lookup still gets the same answer.

Each memo is a folder (`<cache>/<name>/`) of a few files (`<salt>.<shard>.pickle`),
holding this build's results only; a file whose results did not change is not
written again; a damaged memo is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
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
    """The results of the last build by key, and saving this build's.

    Kept in SHARDS files by key, so that saving after an edit rewrites only the
    files whose results changed (a result kept is the very object loaded).
    """

    SHARDS = 16

    def __init__(self, cache_dir: Path | None, name: str, salt: str):
        self.salt = key_of(code_digest(), salt)
        self.folder = cache_dir / name if cache_dir else None
        self.shards: list[dict[str, T]] = [{} for _ in range(self.SHARDS)]
        self.damaged = False
        if self.folder is not None and self.folder.is_dir():
            try:
                for number, path in enumerate(self._files()):
                    if path.is_file():
                        self.shards[number] = pickle.loads(path.read_bytes())
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
                self.shards = [{} for _ in range(self.SHARDS)]
                self.damaged = True
        self.last: dict[str, T] = {k: v for shard in self.shards for k, v in shard.items()}

    def save(self, results: dict[str, T]) -> None:
        """Keep exactly this build's results (one memo per name: the newest salt)."""
        if self.folder is None:
            return
        shards: list[dict[str, T]] = [{} for _ in range(self.SHARDS)]
        for key, result in results.items():
            shards[_shard(key)][key] = result
        files = self._files()
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path not in files:  # another salt's, or a partial write
                    path.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)
        for path, shard, last in zip(files, shards, self.shards, strict=True):
            kept = shard.keys() == last.keys() and all(shard[k] is last[k] for k in shard)
            if kept and not self.damaged and (path.is_file() or not shard):
                continue
            partial = path.with_suffix(".new")
            partial.write_bytes(pickle.dumps(shard, protocol=pickle.HIGHEST_PROTOCOL))
            partial.rename(path)
        self.shards = shards
        self.damaged = False

    def _files(self) -> list[Path]:
        assert self.folder is not None
        return [self.folder / f"{self.salt}.{number:02d}.pickle" for number in range(self.SHARDS)]


def _shard(key: str) -> int:
    return zlib.crc32(key.encode()) % Memo.SHARDS


@dataclass
class Rendered:
    """One body's HTML, its link problems, and the lookups that shaped them."""

    html: str
    problems: list[LinkProblem]
    lookups: list[Lookup]

    def still_valid(self, answer: Callable[[str, Any], Any]) -> bool:
        """True if every lookup gets the same answer now."""
        return all(answer(kind, argument) == result for kind, argument, result in self.lookups)
