"""Page keys digest what a value holds: equal values give equal digests, and any
difference a page could show gives another digest (watersite/plugins/parallel_render/keys.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from watersite.plugins.parallel_render.keys import UnkeyableError, shared_inputs

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def digest(value: Any) -> str:
    """The digest of `value` as a page key would count it."""
    return shared_inputs({"VALUE": value})


def all_differ(*values: Any) -> bool:
    return len({digest(value) for value in values}) == len(values)


def test_equal_dates_and_times_made_apart_have_one_digest() -> None:
    first = datetime(2024, 6, 3, 22, 0, tzinfo=SHANGHAI)
    second = datetime.fromisoformat("2024-06-03T22:00:00").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert digest(first) == digest(second)
    assert digest([first, None]) == digest([second, None])


def test_dates_and_times_differ_by_time_zone_fold_and_awareness() -> None:
    at_ten = datetime(2024, 6, 3, 22, 0, tzinfo=SHANGHAI)
    ambiguous = datetime(2024, 11, 3, 1, 30, tzinfo=NEW_YORK)  # clocks went back at 2:00
    assert all_differ(
        at_ten,
        at_ten + timedelta(minutes=1),
        at_ten.replace(microsecond=1),
        at_ten.replace(tzinfo=NEW_YORK),
        at_ten.replace(tzinfo=timezone(timedelta(hours=8))),
        at_ten.replace(tzinfo=None),
        ambiguous,
        ambiguous.replace(fold=1),
    )


def test_time_zones_count_by_name() -> None:
    assert digest(SHANGHAI) == digest(ZoneInfo.no_cache("Asia/Shanghai"))
    assert all_differ(SHANGHAI, NEW_YORK, timezone(timedelta(hours=8)))


def test_a_time_zone_read_from_a_file_makes_a_value_unkeyable(tmp_path: Path) -> None:
    with (Path("/usr/share/zoneinfo/Asia/Shanghai")).open("rb") as source:
        from_file = ZoneInfo.from_file(io.BytesIO(source.read()))
    with pytest.raises(UnkeyableError):
        digest(from_file)
    with pytest.raises(UnkeyableError):
        digest(datetime(2024, 6, 3, tzinfo=from_file))


class Notice(BaseModel):
    title: str
    start: datetime


class Tender(BaseModel):
    title: str
    start: datetime


@dataclass(frozen=True)
class Badge:
    label: str
    name: str


@dataclass(frozen=True)
class Other:
    label: str
    name: str


def test_models_and_dataclasses_count_by_class_and_fields() -> None:
    start = datetime(2024, 6, 3, tzinfo=SHANGHAI)
    assert digest(Notice(title="停水", start=start)) == digest(Notice(title="停水", start=start))
    assert all_differ(
        Notice(title="停水", start=start),
        Notice(title="停水通知", start=start),
        Notice(title="停水", start=start + timedelta(hours=1)),
        Tender(title="停水", start=start),
    )
    assert digest(Badge("进行中", "ongoing")) == digest(Badge("进行中", "ongoing"))
    assert all_differ(
        Badge("进行中", "ongoing"), Badge("已结束", "ended"), Other("进行中", "ongoing")
    )


@dataclass
class Node:
    """A dataclass that pickles itself by name, as site-map sections do."""

    name: str
    parent: Node | None = None
    children: list[Node] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return Node, (self.name,)


def test_a_dataclass_that_pickles_itself_is_taken_apart_its_own_way() -> None:
    root = Node("root", children=[])
    child = Node("child", parent=root)
    assert root.children is not None
    root.children.append(child)  # a cycle, which its own way leaves out
    assert digest(child) == digest(Node("child"))
    assert all_differ(child, root)


def test_a_value_that_cannot_be_digested_leaves_later_digests_as_they_were() -> None:
    before = digest({"title": ["停水", 1]})
    with pytest.raises(UnkeyableError):
        digest({"title": ["停水", lambda: None]})  # pickle refuses it midway
    assert digest({"title": ["停水", 1]}) == before
