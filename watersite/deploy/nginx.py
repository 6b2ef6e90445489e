"""Deploy to an nginx origin: releases side by side, switched atomically.

    <root>/releases/<id>/   one complete copy of the site per release
    <root>/current          a symlink to the live release (nginx serves it)

A release is copied and precompressed (`.gz`, and `.br` for nginx's brotli
module, next to each text file) before the symlink is switched with a single
rename, so readers see the old site or the new one, never half of each.
Rollback switches back; older releases beyond `keep` are removed.
"""

from __future__ import annotations

import gzip
import os
import shutil
import time
from pathlib import Path

import brotli

from watersite.deploy.manifest import build_manifest
from watersite.deploy.plan import DeployError

COMPRESSED = (".html", ".css", ".js", ".json", ".xml", ".ics", ".txt", ".csv", ".svg")
KEEP_RELEASES = 5


def precompress(folder: Path) -> int:
    """Write .gz and .br beside every text file; return how many files."""
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSED:
            data = path.read_bytes()
            path.with_name(path.name + ".gz").write_bytes(
                gzip.compress(data, compresslevel=9, mtime=0)
            )
            path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11))
            count += 1
    return count


def releases(root: Path) -> list[Path]:
    """Release folders, oldest first."""
    folder = root / "releases"
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def live(root: Path) -> Path | None:
    """The release `current` points at."""
    link = root / "current"
    return link.resolve() if link.is_symlink() else None


def switch(root: Path, release: Path) -> None:
    """Point `current` at `release` in one atomic rename."""
    temporary = root / f".current-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(release.relative_to(root))
    os.replace(temporary, root / "current")


def _new_release_folder(root: Path) -> Path:
    """releases/<UTC time>, with -01, -02... for more than one a second (names sort by age)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    names = [stamp] + [f"{stamp}-{n:02d}" for n in range(1, 100)]
    return next(
        root / "releases" / name for name in names if not (root / "releases" / name).exists()
    )


def publish(output: Path, root: Path, keep: int = KEEP_RELEASES) -> Path:
    """Copy the build into a new release, precompress it and make it live."""
    if not any(output.iterdir()):
        raise DeployError("构建结果为空，未部署 / the build is empty; nothing deployed")
    release = _new_release_folder(root)
    shutil.copytree(output, release)
    precompress(release)
    switch(root, release)
    for old in releases(root)[:-keep]:
        if old != live(root):
            shutil.rmtree(old)
    return release


def changes(output: Path, root: Path) -> tuple[list[str], list[str]]:
    """(changed or new, removed) files of the build against the live release."""
    new = build_manifest(output).files
    current = live(root)
    old = {} if current is None else build_manifest(current).files
    old = {key: entry for key, entry in old.items() if not key.endswith((".gz", ".br"))}
    changed = [key for key, entry in new.items() if old.get(key) != entry]
    return changed, sorted(set(old) - set(new))


def roll_back(root: Path, dry_run: bool = False) -> Path:
    """Make the release before the live one live again (or only name it)."""
    history = releases(root)
    current = live(root)
    earlier = [r for r in history if current is not None and r.name < current.name]
    if not earlier:
        raise DeployError("没有更早的版本可以恢复 / there is no earlier release to roll back to")
    if not dry_run:
        switch(root, earlier[-1])
    return earlier[-1]
