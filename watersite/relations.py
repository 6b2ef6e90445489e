"""How items point to each other: previous/next in a section, related items.

Related items are only ever *older* than the item they are shown on. A new
article therefore never changes the pages of the articles before it (beyond
the one whose "next" link now points to it), which keeps deploys and CDN
purges small however popular a tag is.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

RELATED_COUNT = 4


def link_neighbours(sections: Iterable[Sequence[Any]]) -> None:
    """Set `newer` and `older` on each item of each newest-first section list."""
    for items in sections:
        for index, item in enumerate(items):
            item.newer = items[index - 1] if index > 0 else None
            item.older = items[index + 1] if index + 1 < len(items) else None


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
