"""How items point to each other: previous/next in a section, related items.

Related items are only ever *older* than the item they are shown on. A new
article therefore never changes the pages of the articles before it (beyond
the one whose "next" link now points to it), which keeps deploys and CDN
purges small however popular a tag is.
"""

from __future__ import annotations

import hashlib
import pickle
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from watersite.memo import Memo

RELATED_COUNT = 4


def link_neighbours(sections: Iterable[Sequence[Any]]) -> None:
    """Set `newer` and `older` on each item of each newest-first section list."""
    for items in sections:
        for index, item in enumerate(items):
            item.newer = items[index - 1] if index > 0 else None
            item.older = items[index + 1] if index + 1 < len(items) else None


def link_related_remembered(items: Sequence[Any], cache_dir: Path | None) -> None:
    """`link_related`, the result kept in `cache_dir` under what it depends on: the
    items' order, tags and sections, which most edits leave as they were (finding
    them again took 0.25 s at 10,000 items)."""
    shape = [(item.source_path, item.item.tags, item.section.path) for item in items]
    key = hashlib.sha256(pickle.dumps(shape, protocol=5)).hexdigest()
    memo: Memo[list[list[str]]] = Memo(cache_dir, "related", str(RELATED_COUNT))
    last = memo.last.get(key)
    if last is None:
        link_related(items)
        memo.save({key: [[other.source_path for other in item.related] for item in items]})
        return
    by_path = {item.source_path: item for item in items}
    for item, related in zip(items, last, strict=True):
        item.related = [by_path[path] for path in related]


def link_related(items: Sequence[Any], count: int = RELATED_COUNT) -> None:
    """Set `related` on each item: older items sharing most tags, newest first;
    topped up with the newest older items of the same section."""
    position = {id(item): index for index, item in enumerate(items)}  # newest first
    by_tag: dict[str, list[Any]] = defaultdict(list)
    by_section: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        for tag in item.item.tags:
            by_tag[tag].append(item)
        by_section[item.section.path].append(item)
    for item in items:
        here = position[id(item)]
        if len(item.item.tags) == 1:  # most tagged items: no counting needed, same order
            tagged = by_tag[item.item.tags[0]]
            start = bisect_right(tagged, here, key=lambda other: position[id(other)])
            chosen = tagged[start : start + count]
            _top_up(item, chosen, by_section[item.section.path], position, count)
            continue
        shared: Counter[int] = Counter()
        for tag in item.item.tags:
            tagged = by_tag[tag]  # newest first: the older items are a tail of it
            start = bisect_right(tagged, here, key=lambda other: position[id(other)])
            shared.update(id(other) for other in tagged[start:])
        ranked = sorted(shared, key=lambda key: (-shared[key], position[key]))
        chosen = [items[position[key]] for key in ranked][:count]
        _top_up(item, chosen, by_section[item.section.path], position, count)


def _top_up(
    item: Any, chosen: list[Any], section: list[Any], position: dict[int, int], count: int
) -> None:
    """Fill `item.related` up to `count` with the newest older items of its section."""
    here = position[id(item)]
    start = bisect_right(section, here, key=lambda other: position[id(other)])
    for other in section[start:]:
        if len(chosen) >= count:
            break
        if other is not item.older and other not in chosen:
            chosen.append(other)
    item.related = chosen
