"""Search index: run Pagefind over the searchable part of the built pages.

Pagefind's *extended* binary (the `pagefind[extended]` wheel) segments Chinese;
the plain one does not. Only elements marked `data-pagefind-body` (item and
page bodies) are indexed, so navigation and footers never match.

Pagefind is the costliest step of a build at archive scale, in time and memory
(about 200 KB per page, all at once), so it gets less to do:

- each page with a body is cut down to its title and that body element (a
  *search document*): the same index a third faster, as Pagefind ignores the
  rest of a page anyway (tests/test_build_speed.py compares them). Each page
  read to be digested is cut in the same worker (a page check,
  watersite/output.py); a page kept from the last build with the same bytes
  is described from a memo;
- the documents are split into parts of about `PART_BYTES` of text (at most
  `MAX_PART_BYTES`, since Pagefind's memory grows with the text too),
  each indexed on its own by one of two Pagefind services (processes that index
  part after part: Pagefind's 0.2 s start is paid once per process, `service.py`),
  and kept in the build cache under the digest of its documents: Pagefind's
  memory is that of two parts;
- the parts are merged into the single index Pagefind would write for all
  pages (`merge.py`), so the browser loads and ranks as before; what merging
  again needs is remembered under the digest of all documents (`merges` memo);
- after an edit of a few pages (up to `MAX_SPLICED_PAGES`, none added or
  removed), Pagefind indexes those pages alone and they are spliced into the
  last merged index (`merge.splice_pages`); after more, only their parts are
  indexed again and their words merged.

The merged index is kept in the output only (a copy in the cache cost 10,000
hard links per build): the next build moves the last output's index into the
cache (`adopt_last_index`) if it is the one this cache wrote, and moves it back
if no document changed, or updates it after an edit. The index folder in the
output is always replaced whole: stale fragments never pile up.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import re
import shutil
import subprocess
import tempfile
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pelican import signals

from watersite.deleting import delete_in_background, wait_for_deletions
from watersite.memo import Memo, Signature, key_of, signature
from watersite.output import (
    BuiltPages,
    add_page_check,
    built_pages,
    pages_of_build,
    wait_for_listing,
)
from watersite.plugins.search_index.merge import (
    ENTRY,
    MAX_SPLICED_PAGES,
    MergeState,
    Previous,
    describe_pages,
    link_or_copy,
    merge_indexes,
    splice_pages,
)
from watersite.plugins.search_index.service import PagefindServices
from watersite.workers import map_by_item

INDEX_DIR = "pagefind"
#: Part of every cache key: change it when the indexing or merging here changes.
_INDEX_FORMAT = "4"
#: Text per index part, about (a part holds 1.3 MB on average at 10,000 items,
#: an edited page's part 1.35 MB: see `split_into_parts`): Pagefind's time
#: grows with the text it indexes (about 0.37 s per MB), an edit of many pages
#: re-indexes their parts, and each part costs files and steps of its own
#: (Pagefind's 0.06 s, its index written, described, copied, merged).
PART_BYTES = 1_000_000
#: Pages per index part at most.
MAX_PART_PAGES = 1000
#: Text per index part at most: Pagefind 1.5.2 needs about 60 MB plus ten to
#: twenty times the text it indexes (measured; a service keeps what its largest
#: part took), so two services stay under 400 MB each.
MAX_PART_BYTES = 6_000_000
#: Where in the cache the last whole index waits, while a build uses it.
_LAST_WHOLE = "site"
#: Parts indexed at once, each by its own Pagefind service (each uses about
#: 1.5 cores while it indexes).
PARALLEL_PARTS = 2
# Pages are cut as bytes, never decoded: they are UTF-8, and the markup ASCII.
_BODY = re.compile(rb"<(article|div|main|section)\b[^>]*\sdata-pagefind-body\b[^>]*>")
_ENDS = {
    name: re.compile(rb"<(/?)" + name + rb"\b[^>]*>")
    for name in (b"article", b"div", b"main", b"section")
}
_TITLE = re.compile(rb"<title>.*?</title>", re.DOTALL)
_LANG = re.compile(rb'<html lang="([^"]+)"')
# Found by its name, then checked for the space before it: a pattern that starts
# with a literal is searched for ten times faster.
_SORT = re.compile(rb'data-pagefind-sort="([^"]*)"')
_SPACES = b" \t\n\r\f\v"
# Search documents are written once and read once: in memory where Linux offers
# it and has room (Docker gives containers only 64 MB there by default).
_MEMORY_DIR = Path("/dev/shm")
_ROOM_PER_PAGE = 16 * 1024  # a search document is a few KB


@dataclass(frozen=True)
class Document:
    """One page's search document, written under the scratch folder."""

    page: str  # its path in the output, with '/'
    digest: str  # of the document's text
    size: int  # the document's bytes
    sorts: dict[str, str]  # its data-pagefind-sort values by key

    @property
    def url(self) -> str:
        """The URL Pagefind gives the page."""
        return "/" + self.page.removesuffix("index.html")


def build_index(
    output: Path,
    cache: Path | None = None,
    workers: int = 0,
    built: BuiltPages | None = None,
    run: SearchRun | None = None,
) -> None:
    """Index `output` into `output/pagefind`; raise ContentErrors if Pagefind fails.

    With `cache`, index parts and the last whole index built from the same search
    documents are used again. `built`: the output's pages and digests, if known.
    `run`: the build's Pagefind services (ended once the parts are indexed) and
    its search documents' folder.
    """
    index = output / INDEX_DIR
    store = cache / "search-index" if cache else None
    # Listed before the last index is deleted: its folder is renamed next to it
    # while `rm` empties it, and a listing meeting it there would fail.
    built = built or built_pages(output, workers)
    if store is not None:  # not adopted before the build wrote (a build of the index alone)
        adopt_last_index(index, store)
    delete_in_background(index)
    merges: Memo[MergeState] = Memo(store, "merges", _INDEX_FORMAT)
    # The search documents (10,000 files at archive scale: 0.4 s to delete) are
    # deleted in the background, while the parts are merged where they are cached.
    scratch = run.documents.scratch if run is not None else None
    scratch = scratch or _new_scratch(len(built.pages))
    try:
        merged = _index_and_merge(
            built,
            scratch,
            index,
            workers,
            store=store,
            merges=merges,
            services=run.services if run is not None else PagefindServices(),
        )
    finally:
        delete_in_background(scratch)
    if merged is not None:
        # Pagefind also writes its stock UIs; our search page has its own.
        for unused in [*index.glob("pagefind-*ui.*"), index / "pagefind-highlight.js"]:
            unused.unlink(missing_ok=True)
    if merged is not None and store is not None:
        digest, state = merged
        # The last whole index (merged again, or not the latest) and unused parts
        # (10,000 files each) are deleted while this build ends.
        for folder in [store / _LAST_WHOLE, *store.glob(f"{_LAST_WHOLE}.deleting-*")]:
            delete_in_background(folder)
        _prune(store / "parts", {n for s in state.languages.values() for n in s.layout.parts})
        _prune(store / "pages", {name for name, _ in state.spliced.values()})
        merges.save({digest: state})
        _written_indexes(store).save({digest: _as_written(index)})
    wait_for_deletions()


def adopt_last_index(folder: Path, store: Path) -> None:
    """Move `folder`, the last build's index in the output, into the cache as
    `store/site/<digest of its documents>`, if it is the one this cache wrote, as
    it was written. Else it is left where it is."""
    try:
        found = _as_written(folder)
    except OSError:  # no index there
        return
    for digest, written in _written_indexes(store).last.items():
        target = store / _LAST_WHOLE / digest
        if written == found and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):  # the cache on another file system: merged again
                folder.rename(target)
            return


@dataclass(frozen=True)
class WrittenIndex:
    """A whole index as a build left it in the output: its entry file (which
    names its meta by hash) and its folders' signatures (adding, removing or
    replacing a file in a folder changes the folder's)."""

    entry: str
    folders: tuple[Signature | None, ...]


def _as_written(index: Path) -> WrittenIndex:
    return WrittenIndex(
        (index / ENTRY).read_text(encoding="utf-8"),
        tuple(signature(index / name) for name in (".", "index", "filter", "fragment")),
    )


def _written_indexes(store: Path | None) -> Memo[WrittenIndex]:
    """The whole index last written, by the digest of its documents."""
    return Memo(store, "whole-index", _INDEX_FORMAT)


def _index_and_merge(
    built: BuiltPages,
    scratch: Path,
    index: Path,
    workers: int,
    *,
    store: Path | None,
    merges: Memo[MergeState],
    services: PagefindServices,
) -> tuple[str, MergeState] | None:
    """Write `index`: the last whole index if its documents are the same (None),
    else the last one with the few pages edited since spliced in, or the parts,
    each cached or indexed now, merged (the digest of all documents and what a
    later merge needs)."""
    documents = write_search_documents(built, scratch, workers, store)
    digest = _digest(documents)
    if store is not None and (store / _LAST_WHOLE / digest).is_dir():
        _move_tree(store / _LAST_WHOLE / digest, index)
        return None
    previous = _last_merge(store, merges)
    state = None
    try:
        if previous is not None:
            state = _splice_edited_pages(
                built.output, scratch, documents, index, previous=previous, services=services
            )
        if state is None:
            state = _merge_parts(
                built,
                scratch,
                documents,
                index,
                workers=workers,
                store=store,
                previous=previous,
                services=services,
            )
    finally:
        services.close()
    state.documents = {d.url: d.digest for d in documents}
    return digest, state


def _merge_parts(
    built: BuiltPages,
    scratch: Path,
    documents: list[Document],
    index: Path,
    *,
    workers: int,
    store: Path | None,
    previous: Previous | None,
    services: PagefindServices,
) -> MergeState:
    """Index each part of the documents not cached, and merge them all into `index`."""
    split = split_into_parts(documents)
    # The largest parts first, so that the last one indexed is small: one core
    # waits for it alone.
    order = sorted(range(len(split)), key=lambda n: -sum(d.size for d in split[n]))
    try:
        with ThreadPoolExecutor(PARALLEL_PARTS) as pool:
            indexed = pool.map(
                lambda n: _index_part(
                    built.output,
                    scratch,
                    n,
                    split[n],
                    store=store,
                    services=services,
                    earlier=previous.index if previous is not None else None,
                ),
                order,
            )
            parts = [folder for _, folder in sorted(zip(order, indexed, strict=True))]
    finally:
        services.close()  # their memory (up to 280 MB each) freed before merging
    if store is not None:  # the parts are in the cache
        delete_in_background(scratch)
    sorts = {d.url: d.sorts for d in documents}
    return merge_indexes(parts, index, sorts, workers, previous)


def _last_merge(store: Path | None, merges: Memo[MergeState]) -> Previous | None:
    """The cached whole index and what merging again needs of it, if both are there."""
    if store is None:
        return None
    for name, state in merges.last.items():
        if (store / _LAST_WHOLE / name).is_dir():
            return Previous(state, store / _LAST_WHOLE / name, store / "parts", store / "pages")
    return None


def _splice_edited_pages(
    output: Path,
    scratch: Path,
    documents: list[Document],
    index: Path,
    *,
    previous: Previous,
    services: PagefindServices,
) -> MergeState | None:
    """Index only the pages whose documents changed since the last merged index
    and splice them into it (merge.splice_pages), if they are few and no page
    was added or removed; None if not done."""
    indexed = previous.state.documents
    if len(indexed) != len(documents) or any(d.url not in indexed for d in documents):
        return None
    edited = [d for d in documents if indexed[d.url] != d.digest]
    if not 0 < len(edited) <= MAX_SPLICED_PAGES:
        return None
    folder = previous.pages / _digest(edited)
    if not folder.is_dir():
        partial = folder.with_name(folder.name + ".new")  # renamed into place whole
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        site = _link_documents(output, scratch, edited, scratch / "edited")
        with services.borrow() as pagefind:
            files = pagefind.index(site, partial, previous.index)
        describe_pages(partial, files)
        partial.rename(folder)
    state = splice_pages(previous, folder, index, {d.url: d.sorts for d in documents})
    if state is None:
        shutil.rmtree(index, ignore_errors=True)
    return state


def split_into_parts(documents: list[Document]) -> list[list[Document]]:
    """The documents in URL order, cut into runs of about PART_BYTES of text.

    A run ends after a page whose path hashes to a multiple of PART_BYTES over
    its document's size (rounded down to a power of two, which an edit seldom
    changes), so that the runs hold about PART_BYTES however large their pages
    are, and a new or edited page changes one part only (or the few up to the
    next such page, where a run had to end otherwise: not before a fifth of
    PART_BYTES, as each part costs steps of its own, and at MAX_PART_PAGES
    or MAX_PART_BYTES). Each part is a run of the merged index's page numbers.

    The multiple is four times larger until a run holds PART_BYTES, and four
    times smaller after (FastCDC's "normalized chunking"): runs stay close to
    PART_BYTES. With one multiple, their sizes spread as widely as chance
    makes them, and the part of a page picked at random (the one an edit
    indexes again) held 1.6 to 1.8 times as much as the average part; now
    about 1.1 times.
    """
    parts: list[list[Document]] = [[]]
    size = 0
    for document in sorted(documents, key=lambda d: d.url):
        if parts[-1] and (
            size + document.size > MAX_PART_BYTES or len(parts[-1]) >= MAX_PART_PAGES
        ):
            parts.append([])
            size = 0
        parts[-1].append(document)
        size += document.size
        weight = 1 << max(0, document.size.bit_length() - 1)
        mark = int.from_bytes(hashlib.sha256(document.page.encode()).digest()[:8], "big")
        multiple = PART_BYTES // weight * 4 if size < PART_BYTES else PART_BYTES // weight // 4
        if mark % max(1, multiple) == 0 and size * 5 >= PART_BYTES:
            parts.append([])
            size = 0
    return [part for part in parts if part] or [[]]


def _digest(documents: list[Document]) -> str:
    key = hashlib.sha256(f"{version('pagefind')} {_INDEX_FORMAT}\n".encode())
    for document in documents:
        key.update(f"{document.page} {document.digest}\n".encode())
    return key.hexdigest()


def _index_part(
    output: Path,
    scratch: Path,
    number: int,
    documents: list[Document],
    *,
    store: Path | None,
    services: PagefindServices,
    earlier: Path | None = None,
) -> Path:
    """The Pagefind index of one part: from the cache, or made now (and cached).
    `earlier`: the last whole index, whose files this part's may be (`index`)."""
    cached = store / "parts" / _digest(documents) if store else None
    if cached is not None and cached.is_dir():
        return cached
    site = _link_documents(output, scratch, documents, scratch / f"part-{number}")
    if cached is None:
        with services.borrow() as pagefind:
            pagefind.index(site, scratch / f"index-{number}")
        return scratch / f"index-{number}"
    partial = cached.with_name(cached.name + ".new")  # renamed into place whole
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    # With the last whole index (a rebuild), written straight into the cache, its
    # files that are the same linked from it: after an edit, all but a few of the
    # part's. Else written in the scratch folder (memory) and copied into the cache
    # whole by `cp`, outside Python: a cold build writes 10,000 fragments.
    written = partial if earlier is not None else scratch / f"index-{number}"
    with services.borrow() as pagefind:
        files = pagefind.index(site, written, earlier)
    describe_pages(written, files)
    if written != partial:
        _move_tree(written, partial)
    partial.rename(cached)
    return cached


def _link_documents(output: Path, scratch: Path, documents: list[Document], site: Path) -> Path:
    """Link the documents' files into the new folder `site` for Pagefind to index."""
    site.mkdir()
    # Linked in reverse URL order: tmpfs lists the newest entry first, so Pagefind
    # numbers the pages in URL order, and merging needs no renumbering (it would
    # renumber correctly otherwise, only slower).
    for document in reversed(documents):
        written = scratch / "documents" / document.page
        if not written.is_file():  # described from the memo: cut it now
            _write_document(scratch, document.page, (output / document.page).read_bytes())
        target = site / document.page
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(written, target)
    return site


def _prune(folder: Path, used: set[str]) -> None:
    """Drop cached indexes (of parts, of spliced pages) this build did not use."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name not in used:
                delete_in_background(path)


def _new_scratch(pages: int) -> Path:
    """A new folder for the search documents of `pages` pages: in memory if it has
    room, else in the usual temporary folder."""
    room = os.access(_MEMORY_DIR, os.W_OK) and shutil.disk_usage(_MEMORY_DIR).free
    memory = room and room > _ROOM_PER_PAGE * pages
    return Path(tempfile.mkdtemp(prefix="search-documents-", dir=_MEMORY_DIR if memory else None))


def write_search_documents(
    built: BuiltPages, scratch: Path, workers: int = 0, store: Path | None = None
) -> list[Document]:
    """Describe each page's search document, in forked workers, and write it under
    `scratch/documents`. Returns the documents in page order.

    Pages `SearchDocuments` cut as they were read for their digests (into
    `scratch`) are described already. With `store` (the index cache), pages
    the last build cut with the same bytes are described from its memo; their
    documents are written only if their part is indexed again (`_index_part`).
    """
    memo: Memo[Document | None] = Memo(store, "documents", _INDEX_FORMAT)
    output, pages = built.output, built.pages
    keys = [key_of(page, digest) for page, digest in zip(pages, built.digests, strict=True)]
    checked = built.found.get(SearchDocuments.NAME, {})
    # Only pages not described are cut (and only their documents pickled back).
    unknown = [
        index
        for index, key in enumerate(keys)
        if key not in memo.last and pages[index] not in checked
    ]

    def cut(index: int) -> Document | None:
        return _write_document(scratch, pages[index], (output / pages[index]).read_bytes())

    cut_now = map_by_item(cut, unknown, workers)
    described: dict[str, Document | None] = {}
    for index, (page, key) in enumerate(zip(pages, keys, strict=True)):
        if page in checked:
            described[key] = checked[page]
        elif index in cut_now:
            described[key] = cut_now[index]
        else:
            described[key] = memo.last[key]
    memo.save(described)
    return [document for document in described.values() if document is not None]


class SearchDocuments:
    """Search documents as a page check (watersite/output.py): each page read to
    be digested cut down and written under `scratch`, in the same worker."""

    NAME = "search"

    def __init__(self) -> None:
        self.scratch: Path | None = None

    def start(self, pages: int) -> None:
        self.scratch = _new_scratch(pages)

    def __call__(self, page: str, data: bytes, digest: str) -> Document | None:
        assert self.scratch is not None
        return _write_document(self.scratch, page, data)


def _write_document(scratch: Path, page: str, data: bytes) -> Document | None:
    """Cut `page` (its bytes) down to its search document and write it; None if it
    has no body."""
    document = search_document(data, page)
    if document is None:
        return None
    target = scratch / "documents" / page
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(document)
    return Document(
        page, hashlib.sha256(document).hexdigest(), len(document), sort_values(document, page)
    )


def sort_values(document: bytes, page: str) -> dict[str, str]:
    """The `data-pagefind-sort="key:value"` values of a document, by key."""
    values = {}
    for found in _SORT.finditer(document):
        if found.start() == 0 or document[found.start() - 1] not in _SPACES:
            continue  # part of another attribute's name
        written = found.group(1).decode()
        key, colon, value = html.unescape(written).partition(":")
        if not colon:  # Pagefind would read the value from the element's text: we never do
            raise ValueError(f'{page}: data-pagefind-sort="{written}" has no value')
        values[key] = value
    return values


def search_document(data: bytes, page: str) -> bytes | None:
    """The page (its bytes) cut down to what Pagefind reads: language, title and the
    body element; None for a page without a body to index."""
    start = _BODY.search(data)
    if start is None:
        return None
    depth = 0
    for tag in _ENDS[start.group(1)].finditer(data, start.start()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            end = tag.end()
            break
    else:  # our templates always close it: a broken page must not drop out of search
        raise ValueError(f"{page}: data-pagefind-body element is never closed")
    title = _TITLE.search(data)
    lang = _LANG.search(data)
    return b"".join(
        (
            b'<!DOCTYPE html><html lang="',
            lang.group(1) if lang else b"zh-CN",
            b'"><head><meta charset="utf-8">',
            title.group(0) if title else b"",
            b"</head><body>",
            data[start.start() : end],
            b"</body></html>",
        )
    )


def _move_tree(source: Path, target: Path) -> None:
    """Move a folder; across file systems, copy it and delete the source (`cp`:
    faster than shutil.copytree, and it never waits for the GIL)."""
    try:
        source.rename(target)
        return
    except OSError:
        pass
    try:
        copied = subprocess.run(
            ["cp", "-R", "--", str(source), str(target)], capture_output=True, check=False
        )
    except OSError:  # no `cp` here
        copied = None
    if copied is None or copied.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, copy_function=link_or_copy)
    delete_in_background(source)


class SearchRun:
    """What indexing holds for a whole build: the Pagefind services (one started
    and made ready as the build starts: most of a rebuild runs on one core, and
    the 0.2 s Pagefind takes to get ready to segment Chinese is then off its
    path) and the search documents, cut as the pages are read for their digests
    (a page check). The services end and the documents are deleted with the
    build, also a failed one."""

    def __init__(self) -> None:
        self.services = PagefindServices()
        self.services.get_ready()
        self.documents = SearchDocuments()
        self._pid = os.getpid()  # forked workers inherit the run, never end it

    def close(self) -> None:
        """End the services and delete the documents (again: nothing more)."""
        if os.getpid() != self._pid:
            return
        self.services.close()
        if self.documents.scratch is not None:
            shutil.rmtree(self.documents.scratch, ignore_errors=True)


def start_search_run(pelican: Any) -> None:
    """Start the build's SearchRun (as it starts: see SearchRun)."""
    settings = pelican.settings
    if settings.get("WATERSITE_SEARCH_INDEX", True):
        run = pelican.watersite_search = SearchRun()
        add_page_check(settings, SearchDocuments.NAME, run.documents)
        weakref.finalize(pelican, run.close)  # a build that fails before indexing


def adopt_index_before_writing(generators: list[Any]) -> None:
    """Move the last output's index into the cache once all content is read,
    before anything is written: the output's files this build does not write are
    deleted when all is written (watersite/output.py)."""
    settings = generators[0].settings
    cache = settings.get("WATERSITE_CACHE_DIR")
    if settings.get("WATERSITE_SEARCH_INDEX", True) and cache:
        output = Path(generators[0].output_path)
        wait_for_listing(output)
        adopt_last_index(output / INDEX_DIR, Path(cache) / "search-index")


def index_site(pelican: Any) -> None:
    """Build the search index unless the settings turn it off."""
    settings = pelican.settings
    if settings.get("WATERSITE_SEARCH_INDEX", True):
        run = getattr(pelican, "watersite_search", None)
        try:
            build_index(
                Path(settings["OUTPUT_PATH"]),
                Path(settings["WATERSITE_CACHE_DIR"]),
                settings.get("WATERSITE_RENDER_WORKERS", 0),
                pages_of_build(pelican),
                run,
            )
        finally:
            if run is not None:  # its services unused if no part was indexed
                run.close()


def register() -> None:
    """Connect to Pelican's signals."""
    signals.initialized.connect(start_search_run)
    signals.all_generators_finalized.connect(adopt_index_before_writing)
    signals.finalized.connect(index_site)
