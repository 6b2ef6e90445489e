"""Ordering and pagination of section listings.

Pages are numbered from the oldest: page 1 holds the oldest items and never
changes once full. A new item therefore changes only the section's index page
and its newest numbered page, not the whole archive, which keeps deploys and
CDN purges small (SITEMAP.md). The index shows the newest chunk, plus the one
before it while the newest is not full, so it never looks nearly empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Dated(Protocol):
    """What listings need of an item (a Pelican Article here)."""

    date: Any
    source_path: str


def newest_first(items: Iterable[Dated]) -> list[Any]:
    """Newest first; items of the same minute in source-path order, so that
    output never depends on the order files were found in."""
    by_path = sorted(items, key=lambda item: item.source_path)
    return sorted(by_path, key=lambda item: item.date, reverse=True)


@dataclass(frozen=True)
class ListingPage:
    """One page of a section listing."""

    number: int | None  # None for the section's own index page
    items: tuple[Any, ...]
    url: str  # site-relative, ends in '/'
    newer_url: str | None
    older_url: str | None
    index_url: str  # the section's own page, where the newest items are
    pinned: tuple[Any, ...] = ()

    @property
    def save_as(self) -> str:
        """Output file of this page."""
        return self.url + "index.html"


def page_url(section_url: str, number: int) -> str:
    """URL of numbered page `number` (1 = oldest) of a section."""
    return f"{section_url}page/{number}/"


def paginate(
    section_url: str,
    items: Sequence[Any],
    per_page: int,
    pinned: Sequence[Any] = (),
) -> list[ListingPage]:
    """The index page and numbered pages of a listing of `items` (newest first).

    Numbered pages exist once there is more than one chunk of `per_page` items.
    `pinned` items are shown on top of the index page only.
    """
    chronological = list(reversed(items))
    count = max(1, -(-len(items) // per_page))
    chunks = [
        list(reversed(chronological[i * per_page : (i + 1) * per_page])) for i in range(count)
    ]
    newest = chunks[-1]
    on_index = [count] if len(newest) == per_page or count == 1 else [count, count - 1]
    shown = [item for number in on_index for item in chunks[number - 1]]
    oldest_shown = on_index[-1]
    index = ListingPage(
        number=None,
        items=tuple(item for item in shown if item not in pinned),
        pinned=tuple(pinned),
        url=section_url,
        newer_url=None,
        older_url=page_url(section_url, oldest_shown - 1) if oldest_shown > 1 else None,
        index_url=section_url,
    )
    if count == 1:
        return [index]
    numbered = [
        ListingPage(
            number=number,
            items=tuple(chunks[number - 1]),
            url=page_url(section_url, number),
            newer_url=page_url(section_url, number + 1) if number < count else section_url,
            older_url=page_url(section_url, number - 1) if number > 1 else None,
            index_url=section_url,
        )
        for number in range(1, count + 1)
    ]
    return [index, *numbered]
