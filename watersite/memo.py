"""What a build keeps for the next one: a rebuild redoes only what changed.

Reading the content (entries, bodies), the output guard, page keys, search
documents, the merged index's state and calendars keep their results here. An
edit changes one file, and most results stay the same. Results are kept in the
build cache under a *salt* made of our code, the interpreter, the pinned libraries
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

import functools
import hashlib
import os
import pickle
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from watersite.markdown import LinkProblem
from watersite.workers import map_items

_PACKAGE = Path(__file__).resolve().parent
_REQUIREMENTS = _PACKAGE.parent / "requirements.txt"

T = TypeVar("T")
#: A lookup the body renderer made: (kind, argument, answer).
Lookup = tuple[str, Any, Any]


@functools.cache  # the code this process runs: read once, not for each of a build's memos
def code_digest() -> str:
    """Digest of our code, the pinned libraries and the interpreter's version: any
    change redoes everything."""
    digest = hashlib.sha256(sys.version.encode())
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
        self._saved = self.last  # what the shard files hold, by key

    def save(self, results: dict[str, T]) -> None:
        """Keep exactly this build's results (one memo per name: the newest salt)."""
        if self.folder is None:
            return
        # The last shards with what changed: bucketing every key again was most
        # of saving a memo of 10,000 results after an edit.
        shards = [dict(shard) for shard in self.shards]
        changed: set[int] = set()
        for key in self._saved.keys() - results.keys():
            changed.add(_shard(key))
            del shards[_shard(key)][key]
        for key, result in results.items():
            if self._saved.get(key, _NONE) is not result:  # the very object kept: unchanged
                changed.add(_shard(key))
                shards[_shard(key)][key] = result
        files = self._files()
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path not in files:  # another salt's, or a partial write
                    path.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)
        for number, (path, shard) in enumerate(zip(files, shards, strict=True)):
            if number not in changed and not self.damaged and (path.is_file() or not shard):
                continue
            partial = path.with_suffix(".new")
            partial.write_bytes(pickle.dumps(shard, protocol=pickle.HIGHEST_PROTOCOL))
            partial.rename(path)
        self.shards = shards
        self._saved = dict(results)
        self.damaged = False

    def _files(self) -> list[Path]:
        assert self.folder is not None
        return [self.folder / f"{self.salt}.{number:02d}.pickle" for number in range(self.SHARDS)]


#: (inode, size, modification time in ns) of a file: the same means the same bytes
#: (how the parallel_render plugin keeps unchanged pages, too).
Signature = tuple[int, int, int]


def signature(path: str | Path) -> Signature | None:
    """The file's signature, or None if it is not a file."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def file_digests(
    root: Path, names: list[str], memo_name: str, cache: Path | None, workers: int | None = 0
) -> list[str]:
    """The SHA-256 (hex) of each file `root/name`, in order; read in forked workers
    (`workers` as in watersite.workers). With `cache`, a file with the signature it
    had when the last build digested it is not read again (memo `memo_name`)."""
    return inspect_files(root, names, memo_name, cache, workers)[0]


def inspect_files(
    root: Path,
    names: list[str],
    memo_name: str,
    cache: Path | None,
    workers: int | None = 0,
    *,
    inspect: Callable[[str, bytes, str], T] | None = None,
) -> tuple[list[str], dict[int, T]]:
    """`file_digests`, and `inspect(name, bytes, digest)` of each file read (by
    index in `names`), in the same workers: one read of each file for both."""
    memo: Memo[tuple[Signature, str]] = Memo(cache, memo_name, "")
    signatures = [signature(os.path.join(root, name)) for name in names]
    digests: list[str | None] = []
    for name, now in zip(names, signatures, strict=True):
        last = memo.last.get(name)
        digests.append(last[1] if last is not None and last[0] == now else None)
    unknown = [index for index, digest in enumerate(digests) if digest is None]

    def read(index: int) -> tuple[str, T | None]:
        data = (root / names[index]).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        return digest, inspect(names[index], data, digest) if inspect is not None else None

    inspected: dict[int, T] = {}
    for index, (found, result) in zip(unknown, map_items(read, unknown, workers), strict=True):
        digests[index] = found
        if inspect is not None:
            inspected[index] = result  # type: ignore[assignment]
    complete = [digest for digest in digests if digest is not None]
    remembered = {}
    for name, now, found in zip(names, signatures, complete, strict=True):
        last = memo.last.get(name)  # the same object, so its memo file is not rewritten
        if now is not None:
            remembered[name] = last if last == (now, found) else (now, found)
    memo.save(remembered)
    return complete, inspected


_NONE = object()  # no result: what no result is


def _shard(key: str) -> int:
    return zlib.crc32(key.encode()) % Memo.SHARDS


@dataclass
class Rendered:
    """One body's HTML, its start as plain text (the summary unless one is written),
    its link problems, the lookups that shaped them, and the HTML's digest (made
    once: digesting 10,000 bodies' HTML again in each build took 0.1 s)."""

    html: str
    plain: str
    problems: list[LinkProblem]
    lookups: list[Lookup]
    digest: str

    def still_valid(self, answer: Callable[[str, Any], Any]) -> bool:
        """True if every lookup gets the same answer now."""
        return all(answer(kind, argument) == result for kind, argument, result in self.lookups)
