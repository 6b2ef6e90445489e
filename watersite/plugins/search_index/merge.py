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

import gc
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2

from watersite.workers import run_shares, worker_count

FORMAT_VERSION = "1.5.2"  # the Pagefind whose index format this merge writes
SIGNATURE = b"pagefind_dcd"  # what Pagefind puts before each payload
CHUNK_SIZE = 20_000  # numbers of postings per index chunk (PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE)
ENTRY = "pagefind-entry.json"
PAGES = "watersite-pages.json"  # ours, next to a part's index: its pages' URLs and digests
_POSITIONS = operator.itemgetter(1)  # of a page in a word's postings
_META = operator.itemgetter(2)
_DELTA = operator.itemgetter(0)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def read_payload(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
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
    fragment: Path
    payload_hash: str
    word_count: int


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


def merge_indexes(
    parts: list[Path], target: Path, sorts: dict[str, dict[str, str]], workers: int | None = 0
) -> None:
    """Merge the Pagefind indexes in `parts` into `target`; each part indexes a run
    of pages in URL order, the parts in that order too.

    `sorts` holds each page's `data-pagefind-sort` values by URL: the index keeps
    only the order they give, so merging needs them again. `workers` as in
    `watersite.workers.worker_count`.
    """
    gc.disable()  # millions of small lists, none of them in a cycle
    try:
        _merge(parts, target, sorts, workers)
    finally:
        gc.enable()


def _merge(
    parts: list[Path], target: Path, sorts: dict[str, dict[str, str]], workers: int | None
) -> None:
    entries = [json.loads((folder / ENTRY).read_text(encoding="utf-8")) for folder in parts]
    target.mkdir(parents=True)
    for name in ("index", "filter", "fragment"):
        (target / name).mkdir()
    for path in sorted(parts[0].iterdir()):  # the search scripts and WebAssembly
        if path.is_file() and path.name not in (ENTRY, PAGES) and path.suffix != ".pf_meta":
            shutil.copyfile(path, target / path.name)
    entry = dict(entries[0])  # keeps Pagefind's key order
    entry["languages"] = {}
    for language in sorted({language for e in entries for language in e["languages"]}):
        found = [
            (folder, e["languages"][language])
            for folder, e in zip(parts, entries, strict=True)
            if language in e["languages"]
        ]
        members = [Part(f, read_cbor(f / f"pagefind.{info['hash']}.pf_meta")) for f, info in found]
        info = dict(found[0][1])
        info["hash"], info["page_count"] = _merge_language(
            language, members, target, sorts, workers
        )
        entry["languages"][language] = info
    (target / ENTRY).write_text(
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )


def _merge_language(
    language: str,
    parts: list[Part],
    target: Path,
    sorts: dict[str, dict[str, str]],
    workers: int | None,
) -> tuple[str, int]:
    """Write the merged meta, chunks, filters and fragments of one language."""
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
    fragments = Names(language)
    meta_pages = []
    for page in pages:
        name = fragments.name(page.payload_hash)
        link_or_copy(page.fragment, target / "fragment" / f"{name}.pf_fragment")
        meta_pages.append([name, page.word_count])
    meta = [
        versions.pop(),
        meta_pages,
        _write_chunks(language, parts, target / "index", workers),
        _write_filters(language, parts, target / "filter"),
        _sorts(parts, pages, sorts),
        meta_fields,
    ]
    payload = cbor2.dumps(meta)
    meta_hash = f"{language}_{pagefind_hash(payload)[: len(language) + 8]}"
    write_file(target / f"pagefind.{meta_hash}.pf_meta", payload)
    return meta_hash, len(pages)


def describe_pages(folder: Path) -> None:
    """Note each page's URL and fragment digest next to a part's index (PAGES), so
    merging need not read every fragment of every part again."""
    entry = json.loads((folder / ENTRY).read_text(encoding="utf-8"))
    described = {
        language: [
            _describe(folder, name)
            for name, _ in read_cbor(folder / f"pagefind.{info['hash']}.pf_meta")[1]
        ]
        for language, info in entry["languages"].items()
    }
    (folder / PAGES).write_text(json.dumps(described, ensure_ascii=False), encoding="utf-8")


def _describe(folder: Path, fragment: str) -> tuple[str, str]:
    payload = read_payload(folder / "fragment" / f"{fragment}.pf_fragment")
    return json.loads(payload)["url"], pagefind_hash(payload)


def _number_pages(language: str, parts: list[Part]) -> tuple[list[Page], list[list[int]]]:
    """Every page of every part in URL order, and each part's merged page numbers."""
    located = []
    for index, part in enumerate(parts):
        noted = part.folder / PAGES
        described = (
            json.loads(noted.read_text(encoding="utf-8"))[language]
            if noted.is_file()
            else [_describe(part.folder, name) for name, _ in part.meta[1]]
        )
        for number, ((name, word_count), (url, digest)) in enumerate(
            zip(part.meta[1], described, strict=True)
        ):
            fragment = part.folder / "fragment" / f"{name}.pf_fragment"
            located.append((url, index, number, Page(url, fragment, digest, word_count)))
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


def _part_words(index: int, part: Part, low: str | None, high: str | None) -> Iterator[Word]:
    """The part's words from `low` (inclusive) to `high` (exclusive), in order.

    A chunk's `from` bound is greater than every word of the chunks before it, so
    decoding starts at the last chunk whose bound is not above `low`.
    """
    chunks = part.meta[2]
    start = 0
    if low is not None:
        start = max((i for i, (bound, _, _) in enumerate(chunks) if bound <= low), default=0)
    for _, _, name in chunks[start:]:
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
) -> list[list[str]]:
    """Merge the parts' words and cut them into chunks as Pagefind does; returns
    the meta's chunk list. Ranges of words are merged in forked workers."""
    largest = max(parts, key=lambda part: len(part.meta[2]))
    count = worker_count(workers, sum(len(part.meta[2]) for part in parts))
    count = min(count, len(largest.meta[2]))  # its chunk bounds split the words
    bounds = [largest.meta[2][len(largest.meta[2]) * i // count][0] for i in range(1, count)]
    ranges = list(itertools.pairwise([None, *bounds, None]))
    shares = run_shares(lambda index, _: _merge_words(parts, *ranges[index]), count)
    names = Names(language)
    chunks: list[list[str]] = []
    chunk: list[Merged] = []
    size = 0
    for word in itertools.chain.from_iterable(shares):
        chunk.append(word)
        size += word[1]
        if size >= CHUNK_SIZE:
            chunks.append(_write_chunk(chunk, names, folder))
            chunk, size = [], 0
    if chunk:
        chunks.append(_write_chunk(chunk, names, folder))
    _shorten_bounds(chunks)
    return chunks


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
            if later is not None and part.same_fields:
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


def _write_chunk(words: list[Merged], names: Names, folder: Path) -> list[str]:
    payload = b"\x81" + _array_header(len(words)) + b"".join(entry for _, _, entry in words)
    name = names.name(pagefind_hash(payload))
    write_file(folder / f"{name}.pf_index", payload)
    return [words[0][0], words[-1][0], name]


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


def _write_filters(language: str, parts: list[Part], folder: Path) -> list[list[str]]:
    merged: dict[str, dict[str, list[int]]] = {}
    for part in parts:
        for _, name in part.meta[3]:
            filter_name, values = read_cbor(part.folder / "filter" / f"{name}.pf_filter")
            found = merged.setdefault(filter_name, {})
            for value, pages in values:
                found.setdefault(value, []).extend(part.numbers[page] for page in pages)
    names = Names(language)
    listed = []
    for filter_name in sorted(merged):
        values = [[value, sorted(pages)] for value, pages in sorted(merged[filter_name].items())]
        payload = cbor2.dumps([filter_name, values])
        name = names.name(pagefind_hash(payload))
        write_file(folder / f"{name}.pf_filter", payload)
        listed.append([filter_name, name])
    return listed


def _sorts(parts: list[Part], pages: list[Page], sorts: dict[str, dict[str, str]]) -> list[Any]:
    """Each sort key's pages in the order of their values, as Pagefind orders them:
    as numbers (32-bit floats) if every value is one, else as text; ties by page."""
    indexed: dict[str, list[int]] = {}  # the pages each part's index sorts by each key
    for part in parts:
        for key, numbers in part.meta[4]:
            indexed.setdefault(key, []).extend(part.numbers[n] for n in numbers)
    listed = []
    for key in sorted(indexed):
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


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link where the file system allows (index files are never changed in
    place), else a copy."""
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)
