"""Merge Pagefind indexes of disjoint sets of pages into one index of them all.

Why by hand: Pagefind 1.5 only builds an index from scratch, in one run whose
memory grows by about 200 KB per page (2 GB at 10,000 pages), and it merges
indexes only in the browser (`mergeIndex`: every part costs each search more
requests). So the site is indexed in parts, each part cached by its content,
and the parts are merged here into the index Pagefind writes for all pages:
the same words, postings, filters, sorts, chunk boundaries and file naming
(Pagefind 1.5.2: pagefind/src/index/mod.rs, index_metadata.rs, index_filter.rs,
utils.rs), so the browser searches and ranks exactly as over a single index.

Pages are numbered in URL order, so the merged index does not depend on how
the pages were split into parts, nor on the order the disk lists files
(tests/test_search_parts.py builds the same bytes from 1 part and from many).
After an edit, the last merged index is updated instead of merging every part
again, from the parts indexed again ("merging again after an edit" below) or
from an index of only the edited pages ("splicing in edited pages"): the same
bytes.

The format, as Pagefind writes it: every `.pf_*` file is gzip of `pagefind_dcd`
and a payload, CBOR except fragments (JSON). Files are named by an unpadded
hex SHA-1 of the payload, cut to 7 digits and lengthened one digit at a time
on a clash. The meta file lists `[version, pages [fragment, word count],
chunks [from, to, file], filters [name, file], sorts [key, page numbers],
meta fields]`. An index chunk holds words in code-point order, each
`[word, pages, variants]`, a page being `[number (delta per word), positions,
meta positions (field ids into the meta fields)]`; chunks close once their
postings reach 20,000 numbers.
"""

from __future__ import annotations

import bisect
import collections
import gzip
import hashlib
import heapq
import io
import itertools
import json
import operator
import os
import re
import shutil
import struct
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2

from watersite.workers import collection_paused, map_items, run_shares, worker_count

FORMAT_VERSION = "1.5.2"  # the Pagefind whose index format this merge writes
SIGNATURE = b"pagefind_dcd"  # what Pagefind puts before each payload
CHUNK_SIZE = 20_000  # numbers of postings per index chunk (PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE)
ENTRY = "pagefind-entry.json"
PAGES = "watersite-pages.json"  # ours, next to an index: its pages' URLs, digests, meta fields
_POSITIONS = operator.itemgetter(1)  # of a page in a word's postings
_META = operator.itemgetter(2)
_DELTA = operator.itemgetter(0)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def read_payload(path: Path) -> bytes:
    return _payload(path.read_bytes(), path)


def _payload(written: bytes, path: Path) -> bytes:
    """The payload of a Pagefind index file's bytes (`path`: where it is, for errors)."""
    data = gzip.decompress(written)
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind index file")
    return data[len(SIGNATURE) :]


def read_cbor(path: Path) -> Any:
    return cbor2.loads(read_payload(path))


def pagefind_hash(payload: bytes) -> str:
    """Pagefind's `full_hash`: SHA-1 in hex, each byte without a leading zero."""
    return "".join(format(byte, "x") for byte in hashlib.sha1(payload).digest())


class Names:
    """Short file names as Pagefind gives them: 7 hex digits, longer on a clash."""

    def __init__(self, language: str):
        self.language = language
        self.taken: set[str] = set()

    def name(self, payload_hash: str) -> str:
        full = f"{self.language}_{payload_hash}"
        short = full[: len(self.language) + 8]
        while short in self.taken and len(short) < len(full):
            short = full[: len(short) + 1]
        self.taken.add(short)
        return short


def write_file(path: Path, payload: bytes) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + payload, compresslevel=9, mtime=0))


@dataclass
class Page:
    """One page of one part: where its fragment is and where it goes."""

    url: str
    fragment: str  # its file (a string: 10,000 pathlib joins cost a tenth of a second)
    payload_hash: str
    word_count: int
    fields: list[str]  # the names of its meta fields


@dataclass
class Part:
    """One Pagefind index (one language of it) to be merged."""

    folder: Path
    meta: list[Any]
    numbers: list[int] = field(default_factory=list)  # local page number -> merged number
    fields: list[int] = field(default_factory=list)  # local meta field id -> merged id
    offset: int | None = None  # merged number - local number, if the same for all pages
    same_fields: bool = False

    @property
    def meta_fields(self) -> list[str]:
        return self.meta[5]

    def renumber(self, numbers: list[int], meta_fields: list[str]) -> None:
        """Set where the part's pages and meta fields go in the merged index."""
        self.numbers = numbers
        self.fields = [meta_fields.index(name) for name in self.meta_fields]
        start = numbers[0] if numbers else 0
        # If a part's pages are a run of merged numbers and its fields are the
        # merged ones, its postings need no renumbering.
        self.offset = start if numbers == list(range(start, start + len(numbers))) else None
        self.same_fields = self.fields == list(range(len(self.fields)))

    def merged_fields(self, meta_positions: list[int]) -> list[int]:
        """A page's positions in meta fields, with the merged index's field ids."""
        if self.same_fields:
            return meta_positions
        return [-self.fields[-p - 1] - 1 if p < 0 else p for p in meta_positions]


@dataclass(frozen=True)
class Chunk:
    """One written index chunk: how many words, its payload's hash, its file name."""

    words: int
    payload_hash: str
    name: str


@dataclass
class Words:
    """A merged index's words in order: what merging again after an edit needs."""

    texts: list[str]
    sizes: list[int]  # numbers in each word's postings, as Pagefind counts them
    lengths: list[int] = field(default_factory=list)  # bytes of each word's entry
    chunks: list[Chunk] = field(default_factory=list)


@dataclass(frozen=True)
class Layout:
    """Which parts (cache folder names) a merged index was made of, and its pages."""

    parts: list[str]
    urls: list[str]  # in merged page number order
    sizes: list[int]  # pages of each part


@dataclass(frozen=True)
class LanguageState:
    """One language's merged index, as a later merge needs it."""

    layout: Layout
    words: Words
    fragments: dict[str, str]  # file name -> hash of the payload, of each page's fragment
    fields: dict[str, int]  # meta field -> pages that have it


@dataclass
class MergeState:
    """What merging again after an edit needs to know of a merged index: each
    language's, the digest of each page's search document (by URL), and the
    pages spliced in since the parts were last merged (`splice_pages`), each
    by URL with the folder of the index it was spliced from and its number there."""

    languages: dict[str, LanguageState]
    documents: dict[str, str] = field(default_factory=dict)
    spliced: dict[str, tuple[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Previous:
    """The last merged index: its state, its folder, and where its parts and the
    indexes of pages spliced in are kept."""

    state: MergeState
    index: Path
    parts: Path
    pages: Path


def merge_indexes(
    parts: list[Path],
    target: Path,
    sorts: dict[str, dict[str, str]],
    workers: int | None = 0,
    previous: Previous | None = None,
) -> MergeState:
    """Merge the Pagefind indexes in `parts` into `target`; each part indexes a run
    of pages in URL order, the parts in that order too. Returns what a later merge
    needs to merge again after an edit (`previous`).

    `sorts` holds each page's `data-pagefind-sort` values by URL: the index keeps
    only the order they give, so merging needs them again. `workers` as in
    `watersite.workers.worker_count`.
    """
    with collection_paused(workers_collect=False):  # millions of small lists, no cycles
        return _merge(parts, target, sorts, workers, previous)


def _merge(
    parts: list[Path],
    target: Path,
    sorts: dict[str, dict[str, str]],
    workers: int | None,
    previous: Previous | None,
) -> MergeState:
    entries = [json.loads((folder / ENTRY).read_text(encoding="utf-8")) for folder in parts]
    target.mkdir(parents=True)
    for name in ("index", "filter"):
        (target / name).mkdir()
    reused = _reuse_fragments(previous, target / "fragment")
    for path in sorted(parts[0].iterdir()):  # the search scripts and WebAssembly
        if path.is_file() and path.name not in (ENTRY, PAGES) and path.suffix != ".pf_meta":
            shutil.copyfile(path, target / path.name)
    entry = dict(entries[0])  # keeps Pagefind's key order
    entry["languages"] = {}
    state = MergeState({})
    for language in sorted({language for e in entries for language in e["languages"]}):
        found = [
            (folder, e["languages"][language])
            for folder, e in zip(parts, entries, strict=True)
            if language in e["languages"]
        ]
        members = [Part(f, read_cbor(f / f"pagefind.{info['hash']}.pf_meta")) for f, info in found]
        info = dict(found[0][1])
        info["hash"], info["page_count"], state.languages[language] = _merge_language(
            language, members, target, sorts, workers, previous=previous, reused=reused
        )
        entry["languages"][language] = info
    kept = {name for language in state.languages.values() for name in language.fragments}
    for name in reused.keys() - kept:  # the last index's fragments of pages gone or changed
        (target / "fragment" / f"{name}.pf_fragment").unlink(missing_ok=True)
    (target / ENTRY).write_text(
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    return state


def _merge_language(
    language: str,
    parts: list[Part],
    target: Path,
    sorts: dict[str, dict[str, str]],
    workers: int | None,
    *,
    previous: Previous | None,
    reused: dict[str, str],
) -> tuple[str, int, LanguageState]:
    """Write the merged meta, chunks, filters and fragments of one language;
    `reused`: the fragments already in the target (`_reuse_fragments`)."""
    versions = {part.meta[0] for part in parts}
    if versions != {FORMAT_VERSION}:
        raise ValueError(
            f"search index parts from Pagefind {', '.join(sorted(versions))}: this merge knows"
            f" the index format of Pagefind {FORMAT_VERSION} (check the format, then this pin)"
        )
    pages, numbers = _number_pages(language, parts)
    meta_fields = sorted({name for part in parts for name in part.meta_fields})
    for part, part_numbers in zip(parts, numbers, strict=True):
        part.renumber(part_numbers, meta_fields)
    fragments, meta_pages = _write_fragments(language, pages, reused, target / "fragment")
    layout = Layout(
        parts=[part.folder.name for part in parts],
        urls=[p.url for p in pages],
        sizes=[len(part.meta[1]) for part in parts],
    )
    updated = _update_chunks(language, parts, layout, previous, target / "index")
    chunks, words = updated or _write_chunks(language, parts, target / "index", workers)
    meta = [
        versions.pop(),
        meta_pages,
        chunks,
        _write_filters(language, _filters_of(parts), target / "filter"),
        _sorts(_sorted_by(parts), pages, sorts),
        meta_fields,
    ]
    meta_hash = _write_meta(language, meta, target)
    fields = collections.Counter(name for page in pages for name in page.fields)
    return meta_hash, len(pages), LanguageState(layout, words, fragments, dict(fields))


def _write_meta(language: str, meta: list[Any], target: Path) -> str:
    """Write a language's meta file; returns its hash as the entry names it."""
    payload = cbor2.dumps(meta)
    meta_hash = f"{language}_{pagefind_hash(payload)[: len(language) + 8]}"
    write_file(target / f"pagefind.{meta_hash}.pf_meta", payload)
    return meta_hash


def _write_fragments(
    language: str, pages: list[Page], reused: dict[str, str], folder: Path
) -> tuple[dict[str, str], list[list[Any]]]:
    """Name each page's fragment as Pagefind would and put it in `folder`, unless
    the same fragment is there under that name (`reused`); returns the fragments
    (file name -> payload hash) and the meta's pages ([file name, word count])."""
    names = Names(language)
    fragments: dict[str, str] = {}
    meta_pages = []
    fragment_folder = str(folder)
    for page in pages:
        name = names.name(page.payload_hash)
        fragments[name] = page.payload_hash
        meta_pages.append([name, page.word_count])
        if reused.get(name) == page.payload_hash:
            continue
        path = os.path.join(fragment_folder, f"{name}.pf_fragment")
        if name in reused:  # the last index gave the name to another fragment
            Path(path).unlink(missing_ok=True)
        link_or_copy(page.fragment, path)
    return fragments, meta_pages


def _reuse_fragments(previous: Previous | None, folder: Path) -> dict[str, str]:
    """Move the last merged index's fragment folder to `folder` (one rename instead
    of linking 10,000 files again); returns its fragments, by file name with the
    hash of their payload ({} if there is none: `folder` is made empty)."""
    known: dict[str, str] = {}
    if previous is not None:
        known = {
            name: payload_hash
            for language in previous.state.languages.values()
            for name, payload_hash in language.fragments.items()
        }
        try:
            (previous.index / "fragment").rename(folder)
        except OSError:  # gone: the fragments are linked from the parts
            known = {}
    if not known:
        folder.mkdir(exist_ok=True)
    return known


def describe_pages(folder: Path, files: Mapping[str, bytes]) -> None:
    """Note each page's URL, fragment digest and meta fields next to an index
    (PAGES), so merging need not read every fragment of every part again. `files`: the
    index's files as just written there, by path in `folder`."""

    def payload(name: str) -> bytes:
        return _payload(files[name], folder / name)

    described = {}
    for language, info in json.loads(files[ENTRY])["languages"].items():
        meta = cbor2.loads(payload(f"pagefind.{info['hash']}.pf_meta"))
        described[language] = [
            _describe(payload(f"fragment/{fragment}.pf_fragment")) for fragment, _ in meta[1]
        ]
    (folder / PAGES).write_text(json.dumps(described, ensure_ascii=False), encoding="utf-8")


def _describe(fragment: bytes) -> tuple[str, str, list[str]]:
    """A page's URL, the digest of its fragment and its meta fields (whose names
    the index's meta lists: those of all its pages)."""
    data = json.loads(fragment)
    return data["url"], pagefind_hash(fragment), sorted(data.get("meta", {}))


def _number_pages(language: str, parts: list[Part]) -> tuple[list[Page], list[list[int]]]:
    """Every page of every part in URL order, and each part's merged page numbers."""
    located = []
    for index, part in enumerate(parts):
        fragment_folder = os.path.join(part.folder, "fragment")
        noted = part.folder / PAGES
        described = (
            json.loads(noted.read_text(encoding="utf-8"))[language]
            if noted.is_file()
            else [
                _describe(read_payload(part.folder / "fragment" / f"{name}.pf_fragment"))
                for name, _ in part.meta[1]
            ]
        )
        for number, ((name, word_count), (url, digest, fields)) in enumerate(
            zip(part.meta[1], described, strict=True)
        ):
            fragment = os.path.join(fragment_folder, f"{name}.pf_fragment")
            page = Page(url, fragment, digest, word_count, fields)
            located.append((url, index, number, page))
    located.sort(key=lambda found: found[0])
    numbers = [[0] * len(part.meta[1]) for part in parts]
    for merged, (url, index, number, _) in enumerate(located):
        if merged and located[merged - 1][0] == url:
            raise ValueError(f"search index parts both hold the page {url}")
        numbers[index][number] = merged
    return [page for *_, page in located], numbers


@dataclass
class Word:
    """One word of one part's index: decoded, and the bytes it was decoded from."""

    text: str
    part: int
    entry: list[Any]  # [word, pages, variants]
    raw: bytes

    @property
    def key(self) -> tuple[str, int]:
        return self.text, self.part

    def later_pages(self) -> bytes | None:
        """The bytes of every page but the first, if the word has no variants.

        CBOR as Pagefind writes it is in its shortest form, so the lengths of
        what comes before can be recomputed from the decoded entry.
        """
        word, pages, variants = self.entry
        if variants:
            return None
        start = 1 + len(cbor2.dumps(word)) + len(_array_header(len(pages)))
        return self.raw[start + len(cbor2.dumps(pages[0])) : -1]  # -1: the empty variants


def _part_words(
    index: int, part: Part, low: str | None, high: str | None, skip: Set[str] = frozenset()
) -> Iterator[Word]:
    """The part's words from `low` (inclusive) to `high` (exclusive), in order, but
    those of the chunks named in `skip`.

    A chunk's `from` bound is greater than every word of the chunks before it, so
    decoding starts at the last chunk whose bound is not above `low`.
    """
    chunks = part.meta[2]
    start = 0
    if low is not None:
        start = max((i for i, (bound, _, _) in enumerate(chunks) if bound <= low), default=0)
    for _, _, name in chunks[start:]:
        if name in skip:
            continue
        payload = read_payload(part.folder / "index" / f"{name}.pf_index")
        stream = io.BytesIO(payload)
        decoder = cbor2.CBORDecoder(stream)
        _read_array_header(stream)  # the chunk: [words]
        for _ in range(_read_array_header(stream)):
            begin = stream.tell()
            entry = decoder.decode()
            if high is not None and entry[0] >= high:
                return
            if low is None or entry[0] >= low:
                yield Word(entry[0], index, entry, payload[begin : stream.tell()])


#: A merged word: its text, its size as Pagefind counts it for chunking, its CBOR.
Merged = tuple[str, int, bytes]


def _write_chunks(
    language: str, parts: list[Part], folder: Path, workers: int | None
) -> tuple[list[list[str]], Words]:
    """Merge the parts' words and cut them into chunks as Pagefind does; returns
    the meta's chunk list and the merged words. Ranges of words are merged in
    forked workers."""
    largest = max(parts, key=lambda part: len(part.meta[2]))
    count = worker_count(workers, sum(len(part.meta[2]) for part in parts))
    count = min(count, len(largest.meta[2]))  # its chunk bounds split the words
    bounds = [largest.meta[2][len(largest.meta[2]) * i // count][0] for i in range(1, count)]
    ranges = list(itertools.pairwise([None, *bounds, None]))
    shares = run_shares(lambda index, _: _merge_words(parts, *ranges[index]), count)
    merged = list(itertools.chain.from_iterable(shares))
    words = Words([text for text, _, _ in merged], [size for _, size, _ in merged])
    words.lengths = [len(entry) for _, _, entry in merged]
    names = Names(language)
    chunks = []
    files: list[tuple[Path, bytes]] = []
    for start, end in _cut(words.sizes):
        entries = [entry for _, _, entry in merged[start:end]]
        chunks.append(
            _write_chunk(
                words, (start, end), entries, names, folder, write=lambda *f: files.append(f)
            )
        )
    # Compressing them (gzip at level 9, as Pagefind) is 0.4 s of one core at 10,000 items.
    map_items(lambda file: write_file(*file), files, workers)
    _shorten_bounds(chunks)
    return chunks, words


def _cut(sizes: list[int]) -> list[tuple[int, int]]:
    """Where Pagefind ends its chunks: once their postings reach CHUNK_SIZE numbers."""
    ranges = []
    start = size = 0
    for index, word_size in enumerate(sizes):
        size += word_size
        if size >= CHUNK_SIZE:
            ranges.append((start, index + 1))
            start, size = index + 1, 0
    if start < len(sizes):
        ranges.append((start, len(sizes)))
    return ranges


def _merge_words(parts: list[Part], low: str | None, high: str | None) -> list[Merged]:
    """Every word from `low` to `high` with its pages from all parts, encoded."""
    streams = [_part_words(index, part, low, high) for index, part in enumerate(parts)]
    merged = []
    words = heapq.merge(*streams, key=lambda word: word.key)
    for text, group in itertools.groupby(words, key=lambda word: word.text):
        postings = Postings()
        variants: dict[str, Postings] = {}
        for word in group:  # in part order
            part = parts[word.part]
            postings.add(part, word.entry[1], word.later_pages())
            for form, pages in word.entry[2]:
                variants.setdefault(form, Postings()).add(part, pages)
        encoded_variants = b"".join(
            b"\x82" + cbor2.dumps(form) + variants[form].encoded() for form in sorted(variants)
        )
        entry = (
            b"\x83"
            + cbor2.dumps(text)
            + postings.encoded()
            + _array_header(len(variants))
            + encoded_variants
        )
        # Pagefind 1.5.2 counts a word's own pages only, not its variants'.
        merged.append((text, postings.size, entry))
    return merged


class Postings:
    """One word's pages, delta-encoded, gathered from parts in page order as CBOR."""

    def __init__(self) -> None:
        self.encoded_pages: list[bytes] = []
        self.count = 0
        self.size = 0  # numbers in the postings, as Pagefind counts them for chunking
        self.last = 0  # the merged number of the last page

    def add(self, part: Part, pages: list[list[Any]], later: bytes | None = None) -> None:
        """Append a part's pages (delta-encoded in its own numbering); `later` are
        the bytes of all but the first as the part's index holds them."""
        self.count += len(pages)
        self.size += (
            len(pages) + sum(map(len, map(_POSITIONS, pages))) + sum(map(len, map(_META, pages)))
        )
        if part.offset is not None:
            # The usual case: the part's pages are a run of merged numbers, so only
            # the first delta changes; the other pages' bytes are used as they are
            # unless their meta field ids change.
            first = pages[0][0] + part.offset
            _check_order(first, self.last)
            head = [first - self.last, pages[0][1], part.merged_fields(pages[0][2])]
            # Other field ids matter only on pages where the word is in a field:
            # most words of most pages are in the body alone.
            if later is not None and (part.same_fields or not any(map(_META, pages[1:]))):
                self.encoded_pages += [cbor2.dumps(head), later]
            else:
                rest = [
                    [delta, positions, part.merged_fields(meta)] if meta else page
                    for page in pages[1:]
                    for delta, positions, meta in (page,)
                ]
                self.encoded_pages.append(_items(cbor2.dumps([head, *rest])))
            self.last = first + sum(map(_DELTA, pages[1:]))
            return
        number = 0
        renumbered = []
        for delta, positions, meta_positions in pages:
            number += delta
            renumbered.append([part.numbers[number], positions, part.merged_fields(meta_positions)])
        renumbered.sort(key=_DELTA)
        _check_order(renumbered[0][0], self.last)
        for page in renumbered:
            page[0], self.last = page[0] - self.last, page[0]
        self.encoded_pages.append(_items(cbor2.dumps(renumbered)))

    def encoded(self) -> bytes:
        return _array_header(self.count) + b"".join(self.encoded_pages)


def _check_order(first: int, last: int) -> None:
    """Parts are merged in URL order, each a run of URLs: a word's pages from a
    later part come after the ones before."""
    if first < last:
        raise ValueError("search index parts must be runs of pages in URL order")


def _items(array: bytes) -> bytes:
    """The encoded items of an encoded CBOR array, without its header."""
    small = array[0] & 0x1F
    return array[1 if small < 24 else 1 + (1 << (small - 24)) :]


def _read_array_header(stream: io.BytesIO) -> int:
    """The length of the CBOR array that starts here."""
    first = stream.read(1)[0]
    if first >> 5 != 4:
        raise ValueError("a Pagefind index chunk that is not a CBOR array")
    small = first & 0x1F
    if small < 24:
        return small
    return int.from_bytes(stream.read(1 << (small - 24)), "big")


def _array_header(length: int) -> bytes:
    """CBOR's header of an array of `length` items, in its shortest form."""
    if length < 24:
        return bytes([0x80 + length])
    for code, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if length < 1 << (8 * size):
            return bytes([0x80 + code]) + length.to_bytes(size, "big")
    raise ValueError("array too long")


def _write_chunk(
    words: Words,
    span: tuple[int, int],
    entries: list[bytes],
    names: Names,
    folder: Path,
    *,
    write: Callable[[Path, bytes], None] = write_file,
) -> list[str]:
    """Write the words in `span` (their `entries`) as one chunk with `write`; note it
    in `words`."""
    start, end = span
    payload = b"\x81" + _array_header(len(entries)) + b"".join(entries)
    payload_hash = pagefind_hash(payload)
    name = names.name(payload_hash)
    write(folder / f"{name}.pf_index", payload)
    words.chunks.append(Chunk(end - start, payload_hash, name))
    return [words.texts[start], words.texts[end - 1], name]


def _shorten_bounds(chunks: list[list[str]]) -> None:
    """Chunk bounds cut to the shortest prefixes that tell neighbours apart."""
    for before, after in itertools.pairwise(chunks):
        last, first = before[1], after[0]
        same = next(
            (i for i, (a, b) in enumerate(zip(last, first, strict=False)) if a != b),
            min(len(last), len(first)),
        )
        if last[: same + 1] >= before[0]:
            before[1] = last[: same + 1]
        after[0] = first[: same + 1]


#: Filter name -> value -> merged numbers of the pages that have it.
Filters = dict[str, dict[str, list[int]]]


def _filters_of(parts: list[Part], filters: Filters | None = None) -> Filters:
    """The parts' filters with merged page numbers (added to `filters`)."""
    merged: Filters = filters if filters is not None else {}
    for part in parts:
        for _, name in part.meta[3]:
            filter_name, values = read_cbor(part.folder / "filter" / f"{name}.pf_filter")
            found = merged.setdefault(filter_name, {})
            for value, pages in values:
                found.setdefault(value, []).extend(part.numbers[page] for page in pages)
    return merged


def _write_filters(language: str, merged: Filters, folder: Path) -> list[list[str]]:
    """Write the filters with values that have pages; returns the meta's list of them."""
    names = Names(language)
    listed = []
    for filter_name in sorted(merged):
        values = [[value, sorted(pages)] for value, pages in sorted(merged[filter_name].items())]
        values = [value for value in values if value[1]]
        if not values:
            continue
        payload = cbor2.dumps([filter_name, values])
        name = names.name(pagefind_hash(payload))
        write_file(folder / f"{name}.pf_filter", payload)
        listed.append([filter_name, name])
    return listed


def _sorted_by(
    parts: list[Part], indexed: dict[str, list[int]] | None = None
) -> dict[str, list[int]]:
    """The pages (merged numbers) each part's index sorts by each key (added to `indexed`)."""
    indexed = indexed if indexed is not None else {}
    for part in parts:
        for key, numbers in part.meta[4]:
            indexed.setdefault(key, []).extend(part.numbers[n] for n in numbers)
    return indexed


def _sorts(
    indexed: dict[str, list[int]], pages: list[Page], sorts: dict[str, dict[str, str]]
) -> list[Any]:
    """Each sort key's pages in the order of their values, as Pagefind orders them:
    as numbers (32-bit floats) if every value is one, else as text; ties by page.
    `indexed`: the pages the parts' indexes sort by each key (checked against `sorts`)."""
    listed = []
    for key in sorted(key for key, numbers in indexed.items() if numbers):
        valued = [
            (value, number)
            for number, page in enumerate(pages)
            if (value := sorts.get(page.url, {}).get(key)) is not None
        ]
        if [number for _, number in valued] != sorted(indexed[key]):
            raise ValueError(
                f"the search documents' sort values for {key!r} do not match the index"
            )
        if all(_NUMBER.fullmatch(value) for value, _ in valued):
            valued.sort(key=lambda pair: (_float32(pair[0]), pair[1]))
        else:
            valued.sort()
        listed.append([key, [number for _, number in valued]])
    return listed


def _float32(value: str) -> float:
    return struct.unpack("f", struct.pack("f", float(value)))[0]


# --- merging again after an edit -------------------------------------------
#
# An edit re-indexes one part. Its pages keep their numbers, so only the words
# whose postings in that part changed (the edited page's words) change in the
# merged index: their entries are spliced (the part's pages taken out of the
# last merged entry, its new ones put in), every other word keeps its entry's
# bytes, and a chunk holding the same words as before keeps its file. Chunk
# bounds are cut again from the words' sizes, as a full merge would.

#: More re-indexed parts than this: a full merge costs about as much.
MAX_UPDATED_PARTS = 4


def _update_chunks(
    language: str, parts: list[Part], layout: Layout, previous: Previous | None, folder: Path
) -> tuple[list[list[str]], Words] | None:
    """The chunks of the merged index as `_write_chunks` would write them, made
    from the last merged index; None where that cannot be done (a full merge)."""
    last = previous.state.languages.get(language) if previous is not None else None
    if previous is None or last is None or last.layout.urls != layout.urls:
        return None
    if previous.state.spliced:  # pages not as their parts had them last time
        return None
    if len(last.layout.parts) != len(parts) or any(part.offset is None for part in parts):
        return None
    changed = [i for i, name in enumerate(layout.parts) if name != last.layout.parts[i]]
    if not 0 < len(changed) <= MAX_UPDATED_PARTS:
        return None
    pairs = []
    for i in changed:
        old = _last_part(previous, language, last.layout.parts[i], parts[i])
        if old is None:
            return None
        pairs.append((old, parts[i]))
    chunks = _LastChunks(last.words, previous.index / "index")
    try:
        return _rewrite_chunks(language, chunks, _splice_changed_words(pairs, chunks), folder)
    except (OSError, ValueError, LookupError, cbor2.CBORDecodeError):  # a damaged cache
        for written in folder.iterdir():
            written.unlink()
        return None


def _last_part(previous: Previous, language: str, name: str, now: Part) -> Part | None:
    """The last merge's version of a part that changed, numbered as `now`; None if
    it is gone or its pages or meta fields differ."""
    folder = previous.parts / name
    try:
        info = json.loads((folder / ENTRY).read_text(encoding="utf-8"))["languages"][language]
        urls = [
            url for url, *_ in json.loads((folder / PAGES).read_text(encoding="utf-8"))[language]
        ]
        urls_now = [
            url
            for url, *_ in json.loads((now.folder / PAGES).read_text(encoding="utf-8"))[language]
        ]
        part = Part(folder, read_cbor(folder / f"pagefind.{info['hash']}.pf_meta"))
    except (OSError, KeyError, ValueError):
        return None
    if part.meta_fields != now.meta_fields or urls != urls_now:
        return None
    part.numbers, part.fields, part.offset = now.numbers, now.fields, now.offset
    part.same_fields = now.same_fields
    return part


class _LastChunks:
    """The last merged index's chunk payloads, read when needed, and word entries."""

    def __init__(self, words: Words, folder: Path):
        self.words = words
        self.folder = folder
        self.index = {text: number for number, text in enumerate(words.texts)}
        self.chunk_of: list[int] = []  # by word number
        self.offset: list[int] = []  # of the word's entry in its chunk's payload
        self.starts: dict[int, int] = {}  # first word number -> chunk number
        for chunk_number, chunk in enumerate(words.chunks):
            start = len(self.chunk_of)
            self.starts[start] = chunk_number
            offset = 1 + len(_array_header(chunk.words))  # after [ and the words' array header
            for number in range(start, start + chunk.words):
                self.chunk_of.append(chunk_number)
                self.offset.append(offset)
                offset += words.lengths[number]
        self.payloads: dict[int, bytes] = {}

    def same_chunk(self, entries: list[bytes | int]) -> Chunk | None:
        """The last chunk that held exactly these (unchanged) entries, if any (checked)."""
        first = entries[0]
        if isinstance(first, bytes) or first not in self.starts:
            return None
        chunk = self.words.chunks[self.starts[first]]
        if chunk.words != len(entries) or entries != list(range(first, first + len(entries))):
            return None
        self.payload(self.starts[first])
        return chunk

    def entry(self, number: int) -> bytes:
        start = self.offset[number]
        return self.payload(self.chunk_of[number])[start : start + self.words.lengths[number]]

    def payload(self, chunk: int) -> bytes:
        """A chunk's payload, checked: a damaged cache must not reach the site."""
        if chunk not in self.payloads:
            known = self.words.chunks[chunk]
            payload = read_payload(self.folder / f"{known.name}.pf_index")
            if pagefind_hash(payload) != known.payload_hash:
                raise ValueError(f"{known.name}: not the chunk the last merge wrote")
            self.payloads[chunk] = payload
        return self.payloads[chunk]


#: One word's pages in a spliced range, as (merged number, positions, meta
#: positions): its own, and each variant's by form.
PagesOfWord = tuple[list[tuple[int, Any, Any]], dict[str, list[tuple[int, Any, Any]]]]


def _splice_changed_words(
    changed: list[tuple[Part, Part]], last: _LastChunks
) -> dict[str, tuple[bytes, int] | None]:
    """The new entry and size of each word whose postings in a changed part changed
    (None: the word is gone)."""
    texts: set[str] = set()
    after: list[dict[str, Word]] = []
    for old, new in changed:
        # A chunk is named by its bytes' hash: one both versions have holds the same
        # words with the same pages in both (after an edit, most of a part's).
        same = {name for _, _, name in old.meta[2]} & {name for _, _, name in new.meta[2]}
        words_before = {w.text: w for w in _part_words(0, old, None, None, same)}
        words_after = {w.text: w for w in _part_words(0, new, None, None, same)}
        texts.update(
            text
            for text in words_before.keys() | words_after.keys()
            if text not in words_before
            or text not in words_after
            or words_before[text].raw != words_after[text].raw
        )
        after.append(words_after)
    ranges = [(new.offset or 0, (new.offset or 0) + len(new.numbers)) for _, new in changed]

    def pages_now(index: int, text: str) -> PagesOfWord | None:
        new, word = changed[index][1], after[index].get(text)
        if word is None:
            return None
        return _merged_pages(new, word.entry[1]), {
            form: _merged_pages(new, pages) for form, pages in word.entry[2]
        }

    return _spliced_entries(texts, ranges, pages_now, last)


def _spliced_entries(
    texts: Set[str],
    ranges: list[tuple[int, int]],
    pages_now: Callable[[int, str], PagesOfWord | None],
    last: _LastChunks,
) -> dict[str, tuple[bytes, int] | None]:
    """The new entry and size of each of `texts` (None: the word is gone): its last
    merged entry with the pages in each of `ranges` (runs of merged numbers, in
    order) replaced by `pages_now(range's index, text)`."""
    spliced: dict[str, tuple[bytes, int] | None] = {}
    for text in texts:
        number = last.index.get(text)
        entry = cbor2.loads(last.entry(number)) if number is not None else [text, [], []]
        now = [pages_now(index, text) or ([], {}) for index in range(len(ranges))]
        pages = _splice(entry[1], ranges, [own for own, _ in now])
        forms = [variants for _, variants in now]
        variants = {
            form: _splice(p, ranges, [f.get(form, []) for f in forms]) for form, p in entry[2]
        }
        for form in {form for f in forms for form in f} - variants.keys():
            variants[form] = _splice([], ranges, [f.get(form, []) for f in forms])
        spliced[text] = _entry(text, pages, variants)
    return spliced


def _splice(
    pages: list[list[Any]], ranges: list[tuple[int, int]], now: list[list[tuple[int, Any, Any]]]
) -> list[list[Any]]:
    """A merged entry's pages (delta-encoded) with the pages in each of `ranges`
    (runs of merged numbers, in order) replaced by `now`'s (merged numbers).

    Pages outside the ranges keep their lists; only the first delta after each
    cut changes. Common words have thousands of pages: no loop over them here.
    """
    numbers = list(itertools.accumulate(page[0] for page in pages))
    spliced: list[list[Any]] = []
    last = cursor = 0
    for (start, end), pages_now in zip(ranges, now, strict=True):
        low = bisect.bisect_left(numbers, start, cursor)
        last = _append_run(spliced, pages, numbers, range(cursor, low), last)
        for number, positions, meta in pages_now:
            spliced.append([number - last, positions, meta])
            last = number
        cursor = bisect.bisect_left(numbers, end, low)
    _append_run(spliced, pages, numbers, range(cursor, len(pages)), last)
    return spliced


def _append_run(
    spliced: list[list[Any]], pages: list[list[Any]], numbers: list[int], run: range, last: int
) -> int:
    """Append the pages of `run`, the first one's delta counted from `last`; returns
    the number of the last page appended (or `last`)."""
    start, end = run.start, run.stop
    if start >= end:
        return last
    first = pages[start]
    spliced.append([numbers[start] - last, first[1], first[2]])
    spliced.extend(pages[start + 1 : end])
    return numbers[end - 1]


def _merged_pages(part: Part, pages: list[list[Any]]) -> list[tuple[int, Any, Any]]:
    """A part's pages of one word with merged numbers and meta field ids."""
    merged, number = [], 0
    for delta, positions, meta in pages:
        number += delta
        merged.append((part.numbers[number], positions, part.merged_fields(meta)))
    return merged


def _entry(
    text: str, pages: list[list[Any]], variants: dict[str, list[list[Any]]]
) -> tuple[bytes, int] | None:
    """A word's entry as the full merge encodes it, and its size; None if no pages."""
    if not pages:
        return None
    encoded = [[form, found] for form, found in sorted(variants.items()) if found]
    size = len(pages) + sum(map(len, map(_POSITIONS, pages))) + sum(map(len, map(_META, pages)))
    return cbor2.dumps([text, pages, encoded]), size


def _rewrite_chunks(
    language: str,
    last: _LastChunks,
    spliced: dict[str, tuple[bytes, int] | None],
    folder: Path,
) -> tuple[list[list[str]], Words]:
    """The words with the spliced ones, cut into chunks; a chunk of the same words
    as before, none of them spliced, keeps its file."""
    added = sorted(text for text, new in spliced.items() if new and text not in last.index)
    sequence: list[tuple[str, int | None]] = [
        (text, number)
        for text, number in heapq.merge(
            ((t, n) for n, t in enumerate(last.words.texts)), ((t, None) for t in added)
        )
        if spliced.get(text, True) is not None  # not gone
    ]
    words = Words([text for text, _ in sequence], [])
    entries: list[bytes | int] = []  # a new entry, or the number of a last entry
    for text, number in sequence:
        new = spliced.get(text)
        if new is not None:
            words.sizes.append(new[1])
            words.lengths.append(len(new[0]))
            entries.append(new[0])
        elif number is not None:
            words.sizes.append(last.words.sizes[number])
            words.lengths.append(last.words.lengths[number])
            entries.append(number)
    names = Names(language)
    chunks = []
    for start, end in _cut(words.sizes):
        same = last.same_chunk(entries[start:end])
        if same is not None:
            name = names.name(same.payload_hash)
            link_or_copy(last.folder / f"{same.name}.pf_index", folder / f"{name}.pf_index")
            words.chunks.append(Chunk(same.words, same.payload_hash, name))
            chunks.append([words.texts[start], words.texts[end - 1], name])
        else:
            written = [e if isinstance(e, bytes) else last.entry(e) for e in entries[start:end]]
            chunks.append(_write_chunk(words, (start, end), written, names, folder))
    _shorten_bounds(chunks)
    return chunks, words


# --- splicing in edited pages ----------------------------------------------
#
# After an edit of a few pages, Pagefind indexes just those pages (in 0.03 s,
# where the part of an edited page took half a second), and they are spliced
# into the last merged index: the words each page had before (read from the
# index it was last spliced from, or its part's) and has now get their
# entries spliced, the page's fragment, filters and sort values replaced. The
# parts are left as they are: the next full merge indexes again the parts
# whose pages changed.

#: More pages edited than this: their parts are indexed again and merged.
MAX_SPLICED_PAGES = 20


def splice_pages(
    previous: Previous, edited: Path, target: Path, sorts: dict[str, dict[str, str]]
) -> MergeState | None:
    """Write into `target` the last merged index with the pages of `edited` (a
    Pagefind index of only the pages whose documents changed, with PAGES) in place
    of their last versions: what a full merge would write. None where that cannot
    be done: pages not in the last index, another language, a meta field gone,
    a file name that would change, a damaged cache; `target` may then hold part
    of an index, but the last index is as it was."""
    try:
        return _splice_pages(previous, edited, target, sorts)
    except (OSError, ValueError, LookupError, cbor2.CBORDecodeError):
        return None


@dataclass
class _Edit:
    """Pages to splice in: the last merged index of their language, and `new`, the
    index of just those pages, with where they go in the last one."""

    language: str
    entry: dict[str, Any]  # the last index's entry file
    last: LanguageState
    meta: list[Any]  # the last index's meta
    new: Part
    described: list[list[Any]]  # the new pages' [URL, fragment digest, meta fields]

    @property
    def urls(self) -> list[str]:
        return [url for url, *_ in self.described]


def _splice_pages(
    previous: Previous, edited: Path, target: Path, sorts: dict[str, dict[str, str]]
) -> MergeState | None:
    edit = _read_edit(previous, edited)
    if edit is None:
        return None
    language, last, meta, new = edit.language, edit.last, edit.meta, edit.new
    sources = _last_sources(previous, last.layout, edit.urls, new.numbers)
    fields = _fields_after(edit, sources)
    pages = _spliced_pages(last, meta[1], new, edit.described)
    if fields is None or not _names_stay(language, pages, meta[1], set(new.numbers)):
        return None
    chunks_before = _LastChunks(last.words, previous.index / "index")
    spliced = _spliced_words(edit, sources, chunks_before)
    gone = set(new.numbers)
    indexed = {key: [n for n in numbers if n not in gone] for key, numbers in meta[4]}
    sort_lists = _sorts(_sorted_by([new], indexed), pages, sorts)
    filters = _filters_of([new], _filters_without(previous.index, meta[3], gone))
    target.mkdir(parents=True)
    for name in ("index", "filter"):
        (target / name).mkdir()
    chunks, words = _rewrite_chunks(language, chunks_before, spliced, target / "index")
    # Nothing of the last index was changed until here: a failure left it whole.
    reused = _reuse_fragments(previous, target / "fragment")
    fragments, meta_pages = _write_fragments(language, pages, reused, target / "fragment")
    for name in reused.keys() - fragments.keys():  # the edited pages' last fragments
        (target / "fragment" / f"{name}.pf_fragment").unlink(missing_ok=True)
    for path in previous.index.iterdir():  # the search scripts and WebAssembly
        if path.is_file() and path.name not in (ENTRY, PAGES) and path.suffix != ".pf_meta":
            link_or_copy(path, target / path.name)
    filter_list = _write_filters(language, filters, target / "filter")
    meta = [meta[0], meta_pages, chunks, filter_list, sort_lists, meta[5]]
    info = edit.entry["languages"][language]
    edit.entry["languages"][language] = {**info, "hash": _write_meta(language, meta, target)}
    (target / ENTRY).write_text(
        json.dumps(edit.entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    spliced_pages = dict(previous.state.spliced)
    spliced_pages.update((url, (edited.name, local)) for local, url in enumerate(edit.urls))
    state = LanguageState(last.layout, words, fragments, fields)
    return MergeState({language: state}, spliced=spliced_pages)


def _read_edit(previous: Previous, edited: Path) -> _Edit | None:
    """The edit, if the last index has one language and the edited pages too, and
    holds every one of them (numbered as there in `new`); else None."""
    entry = json.loads((previous.index / ENTRY).read_text(encoding="utf-8"))
    edited_entry = json.loads((edited / ENTRY).read_text(encoding="utf-8"))
    if (
        len(entry["languages"]) != 1
        or edited_entry["languages"].keys() != entry["languages"].keys()
    ):
        return None
    [(language, info)] = entry["languages"].items()
    last = previous.state.languages.get(language)
    new = _language_part(edited, language)
    meta = read_cbor(previous.index / f"pagefind.{info['hash']}.pf_meta")
    if last is None or new.meta[0] != meta[0]:
        return None
    described = json.loads((edited / PAGES).read_text(encoding="utf-8"))[language]
    numbers = [_merged_number(last.layout.urls, url) for url, *_ in described]
    new.renumber(numbers, meta[5])  # a meta field not in the last index: ValueError
    return _Edit(language, entry, last, meta, new, described)


def _merged_number(urls: list[str], url: str) -> int:
    """A page's number in the last merged index (URLs in order); KeyError if absent."""
    number = bisect.bisect_left(urls, url)
    if number == len(urls) or urls[number] != url:
        raise KeyError(url)
    return number


def _last_sources(
    previous: Previous, layout: Layout, urls: list[str], numbers: list[int]
) -> dict[Path, dict[int, int]]:
    """Where each edited page's last version was indexed: the index it was last
    spliced from, else its part; by folder, its number there -> merged number."""
    starts = list(itertools.accumulate(layout.sizes, initial=0))[:-1]
    sources: dict[Path, dict[int, int]] = {}
    for url, number in zip(urls, numbers, strict=True):
        if url in previous.state.spliced:
            name, local = previous.state.spliced[url]
            folder = previous.pages / name
        else:
            part = bisect.bisect_right(starts, number) - 1
            folder, local = previous.parts / layout.parts[part], number - starts[part]
        sources.setdefault(folder, {})[local] = number
    return sources


def _fields_after(edit: _Edit, sources: dict[Path, dict[int, int]]) -> dict[str, int] | None:
    """The pages with each meta field once the edited pages are spliced in; None if
    a field would be on none of them (the meta's list of fields would change)."""
    fields = collections.Counter(edit.last.fields)
    for folder, wanted in sources.items():
        described = json.loads((folder / PAGES).read_text(encoding="utf-8"))[edit.language]
        fields.subtract(name for local in wanted for name in described[local][2])
    fields.update(name for *_, page_fields in edit.described for name in page_fields)
    if {name for name, count in fields.items() if count > 0} != set(edit.meta[5]):
        return None
    return {name: count for name, count in fields.items() if count > 0}


def _spliced_words(
    edit: _Edit, sources: dict[Path, dict[int, int]], last: _LastChunks
) -> dict[str, tuple[bytes, int] | None]:
    """The new entry and size of each word the edited pages had or have with other
    postings than now (None: the word is gone)."""
    before: dict[int, dict[str, PagesOfWord]] = {}
    for folder, wanted in sources.items():
        source = _language_part(folder, edit.language)
        source.renumber([], edit.meta[5])
        before.update(_pages_of_words(source, wanted))
    now = _pages_of_words(edit.new, dict(enumerate(edit.new.numbers)))
    order = sorted(edit.new.numbers)
    texts = {
        text
        for number in order
        for text in before[number].keys() | now[number].keys()
        if before[number].get(text) != now[number].get(text)
    }
    ranges = [(number, number + 1) for number in order]
    return _spliced_entries(texts, ranges, lambda i, text: now[order[i]].get(text), last)


def _filters_without(index: Path, listed: list[list[str]], gone: Set[int]) -> Filters:
    """The filters of a merged index without the pages `gone`."""
    filters: Filters = {}
    for _, file in listed:
        name, values = read_cbor(index / "filter" / f"{file}.pf_filter")
        filters[name] = {value: [n for n in pages if n not in gone] for value, pages in values}
    return filters


def _spliced_pages(
    last: LanguageState, meta_pages: list[list[Any]], new: Part, described: list[list[Any]]
) -> list[Page]:
    """The merged index's pages, the edited ones as `new` has them (the others'
    fragments are in the last index, their meta fields not needed)."""
    fragments = last.fragments
    pages = [
        Page(url, "", fragments[name], word_count, [])
        for url, (name, word_count) in zip(last.layout.urls, meta_pages, strict=True)
    ]
    for local, ((name, word_count), (url, payload_hash, fields)) in enumerate(
        zip(new.meta[1], described, strict=True)
    ):
        fragment = os.path.join(new.folder, "fragment", f"{name}.pf_fragment")
        pages[new.numbers[local]] = Page(url, fragment, payload_hash, word_count, fields)
    return pages


def _names_stay(
    language: str, pages: list[Page], meta_pages: list[list[Any]], edited: set[int]
) -> bool:
    """Whether every page not edited keeps its fragment's file name (a name
    lengthened on a clash could move to another page)."""
    names = Names(language)
    return all(
        names.name(page.payload_hash) == name or number in edited
        for number, (page, (name, _)) in enumerate(zip(pages, meta_pages, strict=True))
    )


def _language_part(folder: Path, language: str) -> Part:
    """One language of the index in `folder`."""
    info = json.loads((folder / ENTRY).read_text(encoding="utf-8"))["languages"][language]
    return Part(folder, read_cbor(folder / f"pagefind.{info['hash']}.pf_meta"))


def _pages_of_words(part: Part, wanted: dict[int, int]) -> dict[int, dict[str, PagesOfWord]]:
    """The words of the part's pages in `wanted` (its number -> merged number),
    with their postings there, by merged number."""
    found: dict[int, dict[str, PagesOfWord]] = {number: {} for number in wanted.values()}
    for word in _part_words(0, part, None, None):
        text, pages, variants = word.entry
        for form, postings in [(None, pages), *variants]:
            number = 0
            for delta, positions, meta in postings:
                number += delta
                merged = wanted.get(number)
                if merged is None:
                    continue
                own, forms = found[merged].setdefault(text, ([], {}))
                posting = (merged, positions, part.merged_fields(meta))
                (own if form is None else forms.setdefault(form, [])).append(posting)
    return found


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link where the file system allows (index files are never changed in
    place), else a copy."""
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)
