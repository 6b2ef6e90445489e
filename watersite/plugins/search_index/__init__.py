"""Search index: run Pagefind over the searchable part of the built pages.

Pagefind's *extended* binary (the `pagefind[extended]` wheel) segments Chinese;
the plain one does not. Only elements marked `data-pagefind-body` (item and
page bodies) are indexed, so navigation and footers never match.

Pagefind is the costliest step of a build at archive scale, so it gets less to
do: each page with a body is cut down to its title and that body element (a
*search document*, in a temporary folder with the site's paths), which gives
the same index a third faster, as Pagefind ignores the rest of a page anyway
(tests/test_build_speed.py compares them). The index is kept in the build cache
under the digest of all search documents: when no searchable text changed,
the cached index is used again. The index folder in the output is always
replaced whole: stale fragments never pile up.

Pagefind writes the values of each filter in hash-map order, which changes
from run to run (https://github.com/Pagefind/pagefind/issues/638: fragments
became stable in 1.3.0, filter indexes did not). We sort them and rename the
files by their content, so the same pages always give the same index bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cbor2
from pelican import signals

from watersite.errors import ContentError, ContentErrors
from watersite.workers import map_items

INDEX_DIR = "pagefind"
_SIGNATURE = b"pagefind_dcd"  # what Pagefind puts before each CBOR payload
#: Part of the cache key: change it when the post-processing below changes.
_INDEX_FORMAT = "2"
_BODY = re.compile(r"<(article|div|main|section)\b[^>]*\sdata-pagefind-body\b[^>]*>")
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_LANG = re.compile(r'<html lang="([^"]+)"')
# Search documents are written once and read once: in memory where Linux offers
# it and has room (Docker gives containers only 64 MB there by default).
_MEMORY_DIR = Path("/dev/shm")
_ROOM_PER_PAGE = 16 * 1024  # a search document is a few KB


def build_index(output: Path, cache: Path | None = None, workers: int = 0) -> None:
    """Index `output` into `output/pagefind`; raise ContentErrors if Pagefind fails.

    With `cache`, an index built from the same search documents is used again.
    """
    index = output / INDEX_DIR
    shutil.rmtree(index, ignore_errors=True)
    pages = sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))
    with tempfile.TemporaryDirectory(prefix="search-documents-", dir=_scratch(pages)) as folder:
        digest = write_search_documents(output, pages, Path(folder), workers)
        cached = cache / "search-index" / digest if cache else None
        if cached is not None and cached.is_dir():
            _link_tree(cached, index)
            return
        _run_pagefind(Path(folder), index)
    if cached is not None:  # one index is enough; renamed into place whole
        shutil.rmtree(cached.parent, ignore_errors=True)
        _link_tree(index, cached.with_name("new"))
        cached.with_name("new").rename(cached)


def _scratch(pages: list[str]) -> Path | None:
    """Memory if it has room for the search documents, else the usual temporary folder
    (where the index is complete too, but its bytes may follow the disk's order)."""
    room = os.access(_MEMORY_DIR, os.W_OK) and shutil.disk_usage(_MEMORY_DIR).free
    return _MEMORY_DIR if room and room > _ROOM_PER_PAGE * len(pages) else None


def write_search_documents(output: Path, pages: list[str], folder: Path, workers: int = 0) -> str:
    """Write each page's search document under `folder`; return the digest of them all.

    Pagefind numbers pages in the order the file system lists them, which on
    ext4 follows a per-disk hash: the same site indexed on another machine gave
    other bytes. Workers cut the documents into a flat staging folder; here they
    are linked into place one by one in path order, in an in-memory folder that
    lists files in the order they were made, so the index is the same wherever
    it is built. `pages` are the output's HTML files, sorted.
    """
    staging = folder / ".staging"
    staging.mkdir()

    def cut(position: int) -> str | None:
        page = pages[position]
        document = search_document((output / page).read_text(encoding="utf-8"), page)
        if document is None:
            return None
        (staging / str(position)).write_text(document, encoding="utf-8")
        return hashlib.sha256(document.encode()).hexdigest()

    digests = map_items(cut, range(len(pages)), workers)
    key = hashlib.sha256(f"{version('pagefind')} {_INDEX_FORMAT}\n".encode())
    for position, digest in enumerate(digests):
        if digest is None:
            continue
        target = folder / pages[position]
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(staging / str(position), target)
        key.update(f"{pages[position]} {digest}\n".encode())
    shutil.rmtree(staging)
    return key.hexdigest()


def search_document(html: str, page: str) -> str | None:
    """The page cut down to what Pagefind reads: language, title and the body element;
    None for a page without a body to index."""
    start = _BODY.search(html)
    if start is None:
        return None
    name = start.group(1)
    depth = 0
    for tag in re.finditer(rf"<(/?){name}\b[^>]*>", html[start.start() :]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = start.start() + tag.end()
            break
    else:  # our templates always close it: a broken page must not drop out of search
        raise ValueError(f"{page}: data-pagefind-body element is never closed")
    title = _TITLE.search(html)
    lang = _LANG.search(html)
    return (
        f'<!DOCTYPE html><html lang="{lang.group(1) if lang else "zh-CN"}"><head>'
        f'<meta charset="utf-8">{title.group(0) if title else ""}</head>'
        f"<body>{html[start.start() : end]}</body></html>"
    )


def _link_tree(source: Path, target: Path) -> None:
    """Copy a folder as hard links (the files are never changed in place)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:  # another file system
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


def _run_pagefind(site: Path, index: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(index)],
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
    settings = pelican.settings
    if settings.get("WATERSITE_SEARCH_INDEX", True):
        build_index(
            Path(settings["OUTPUT_PATH"]),
            Path(settings["WATERSITE_CACHE_DIR"]),
            settings.get("WATERSITE_RENDER_WORKERS", 0),
        )


def register() -> None:
    """Connect to Pelican's signals."""
    signals.finalized.connect(index_site)
