"""Jinja filters: how dates, phone numbers and amounts are shown to readers."""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

from watersite.clock import SITE_TIMEZONE
from watersite.schema.types import tel_href


def _local(value: datetime) -> datetime:
    return value.astimezone(SITE_TIMEZONE)


#: The date filters are pure, and a date is shown on many pages (its item, the
#: listings, related items, the outage banner): formatted once, not per page
#: (time-zone conversion and strftime were a tenth of the page rendering).
_remembered = functools.lru_cache(maxsize=1 << 16, typed=True)


@_remembered
def ymd(value: date | datetime) -> str:
    """2024-05-01"""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime("%Y-%m-%d")


@_remembered
def ymd_hm(value: datetime) -> str:
    """2024-05-01 09:30"""
    return _local(value).strftime("%Y-%m-%d %H:%M")


@_remembered
def cn_date(value: date | datetime) -> str:
    """2024年5月1日"""
    if isinstance(value, datetime):
        value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日"


@_remembered
def cn_datetime(value: datetime) -> str:
    """2024年5月1日 09:30"""
    local = _local(value)
    return f"{cn_date(local)} {local:%H:%M}"


@_remembered
def iso(value: date | datetime) -> str:
    """Machine-readable form for <time datetime>."""
    if isinstance(value, datetime):
        return _local(value).isoformat(timespec="minutes")
    return value.isoformat()


def yuan(value: Decimal) -> str:
    """12,500.00 (元 is written by the template next to it)."""
    return f"{value:,.2f}"


class _RenderedOnce:
    """Macros that depend only on their arguments, rendered once per distinct
    arguments instead of on every page.

    The header menu is the costliest part of every page (a sixth of the page
    rendering at archive scale) and the same on every page of a section; the
    footer menu and the outage banner are the same on every page (the banner, a
    sixth of the page rendering while outages are announced). The first argument
    is a build-wide object (the site map, the active outages), known by its
    identity and kept with the output so the identity stays its own; the others
    are Sections, known by their path. Kept per Jinja environment
    (`Macro._environment`, Jinja's own attribute), so a build with other
    templates in the same process starts afresh.
    """

    def __init__(self) -> None:
        self.rendered: WeakKeyDictionary[Any, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()

    def __call__(self, macro: Any, shared: object, *sections: Any) -> Any:
        """`macro(shared, *sections)`; `sections`: the Section shown, if the macro marks it."""
        rendered = self.rendered.setdefault(macro._environment, {})
        key = (macro.name, id(shared), *(s.path if s else None for s in sections))
        if key not in rendered:
            rendered[key] = (macro(shared, *sections), shared)
        return rendered[key][0]

    def __reduce__(self) -> tuple[type, tuple[()]]:
        # What it is, without the output it keeps (pickled for the settings' digest).
        return _RenderedOnce, ()


FILTERS = {
    "rendered_once": _RenderedOnce(),
    "ymd": ymd,
    "ymd_hm": ymd_hm,
    "cn_date": cn_date,
    "cn_datetime": cn_datetime,
    "iso": iso,
    "tel": tel_href,
    "yuan": yuan,
}
