"""Search index: run Pagefind over the built pages, from scratch, every build.

Pagefind's *extended* binary (the `pagefind[extended]` wheel) segments Chinese;
the plain one does not. Only elements marked `data-pagefind-body` (item and
page bodies) are indexed, so navigation and footers never match. Pagefind
never cleans its output folder, so the old index is deleted first: stale
fragments never pile up.

Pagefind writes the values of each filter in hash-map order, which changes
from run to run (https://github.com/Pagefind/pagefind/issues/638: fragments
became stable in 1.3.0, filter indexes did not). We sort them and rename the
files by their content, so the same pages always give the same index bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import cbor2
from pelican import signals

from watersite.errors import ContentError, ContentErrors

INDEX_DIR = "pagefind"
_SIGNATURE = b"pagefind_dcd"  # what Pagefind puts before each CBOR payload


def build_index(output: Path) -> None:
    """Index `output` into `output/pagefind`; raise ContentErrors if Pagefind fails."""
    index = output / INDEX_DIR
    shutil.rmtree(index, ignore_errors=True)
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(output), "--output-subdir", INDEX_DIR],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip()
        raise ContentErrors(
            [
                ContentError(
                    "(search)", 0, "", f"生成搜索索引失败：{message}", f"Pagefind failed: {message}"
                )
            ]
        )
    # Pagefind also writes its stock UIs; our search page has its own.
    for unused in [*index.glob("pagefind-*ui.*"), index / "pagefind-highlight.js"]:
        unused.unlink(missing_ok=True)
    make_filters_reproducible(index)


def _read(path: Path) -> Any:
    return cbor2.loads(gzip.decompress(path.read_bytes())[len(_SIGNATURE) :])


def _write(folder: Path, stem: str, suffix: str, digits: int, payload: Any) -> str:
    data = _SIGNATURE + cbor2.dumps(payload)
    name = f"{stem}_{hashlib.sha256(data).hexdigest()[:digits]}"
    (folder / f"{name}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return name


def make_filters_reproducible(index: Path) -> None:
    """Sort filters and their values; rename filter and meta files by content."""
    entry_file = index / "pagefind-entry.json"
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    for language, info in entry["languages"].items():
        meta_file = index / f"pagefind.{info['hash']}.pf_meta"
        meta = _read(meta_file)
        filters = meta[3]  # [[filter name, file hash], ...]
        for pair in filters:
            filter_file = index / "filter" / f"{pair[1]}.pf_filter"
            name, values = _read(filter_file)
            filter_file.unlink()
            pair[1] = _write(index / "filter", language, ".pf_filter", 7, [name, sorted(values)])
        filters.sort()  # the list of filters is in hash-map order too
        meta_file.unlink()
        info["hash"] = _write(index, f"pagefind.{language}", ".pf_meta", 13, meta).removeprefix(
            "pagefind."
        )
    entry_file.write_text(
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


def index_site(pelican: Any) -> None:
    """Build the search index unless the settings turn it off."""
    if pelican.settings.get("WATERSITE_SEARCH_INDEX", True):
        build_index(Path(pelican.settings["OUTPUT_PATH"]))


def register() -> None:
    """Connect to Pelican's signals."""
    signals.finalized.connect(index_site)
