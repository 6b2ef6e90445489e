"""Jinja filters: how dates, phone numbers and amounts are shown to readers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

from watersite.clock import SITE_TIMEZONE
from watersite.schema.types import tel_href


def _local(value: datetime) -> datetime:
    return value.astimezone(SITE_TIMEZONE)


def ymd(value: date | datetime) -> str:
    """2024-05-01"""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime("%Y-%m-%d")


def ymd_hm(value: datetime) -> str:
    """2024-05-01 09:30"""
    return _local(value).strftime("%Y-%m-%d %H:%M")


def cn_date(value: date | datetime) -> str:
    """2024年5月1日"""
    if isinstance(value, datetime):
        value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: datetime) -> str:
    """2024年5月1日 09:30"""
    local = _local(value)
    return f"{cn_date(local)} {local:%H:%M}"


def iso(value: date | datetime) -> str:
    """Machine-readable form for <time datetime>."""
    if isinstance(value, datetime):
        return _local(value).isoformat(timespec="minutes")
    return value.isoformat()


def yuan(value: Decimal) -> str:
    """12,500.00 (元 is written by the template next to it)."""
    return f"{value:,.2f}"


class _Navigation:
    """Navigation menus rendered once per section shown, not once per page.

    The header menu is the costliest part of every page (a sixth of the page
    rendering at archive scale) and the same on every page of a section: the
    macro depends only on its arguments, the site map and the section shown.
    Kept per Jinja environment (`Macro._environment`, Jinja's own attribute), so
    a build with other templates in the same process starts afresh.
    """

    def __init__(self) -> None:
        self.rendered: WeakKeyDictionary[Any, dict[tuple[Any, ...], Any]] = WeakKeyDictionary()

    def __call__(self, macro: Any, sections: object, *current: Any) -> Any:
        """`macro(sections, *current)`; `current` is the Section shown, if the menu marks it."""
        rendered = self.rendered.setdefault(macro._environment, {})
        key = (macro.name, id(sections), *(s.path if s else None for s in current))
        if key not in rendered:  # `sections` kept with the menu: its id stays its own
            rendered[key] = (macro(sections, *current), sections)
        return rendered[key][0]

    def __reduce__(self) -> tuple[type, tuple[()]]:
        # What it is, without the menus it keeps (pickled for the settings' digest).
        return _Navigation, ()


FILTERS = {
    "once_per_section": _Navigation(),
    "ymd": ymd,
    "ymd_hm": ymd_hm,
    "cn_date": cn_date,
    "cn_datetime": cn_datetime,
    "iso": iso,
    "tel": tel_href,
    "yuan": yuan,
}
