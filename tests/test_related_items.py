"""Related items are found once for the items' order, tags and sections: a rebuild
with the same ones takes them from the build cache, and any change in them finds
them again, the same as finding them from nothing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from watersite import relations


def items(tags: dict[str, list[str]]) -> list[Any]:
    """Newest first, each in section news/ or notices/ by its name."""
    made = []
    for name, its_tags in tags.items():
        section = SimpleNamespace(path="notices" if name.startswith("n") else "news")
        made.append(
            SimpleNamespace(source_path=name, item=SimpleNamespace(tags=its_tags), section=section)
        )
    relations.link_neighbours(
        [[i for i in made if i.section.path == p] for p in ("news", "notices")]
    )
    return made


TAGS = {
    "a5": ["水厂"],
    "a4": ["水厂", "管网"],
    "n3": ["管网"],
    "a2": ["水厂"],
    "a1": ["管网"],
    "n0": [],
}


def related(found: list[Any]) -> dict[str, list[str]]:
    return {item.source_path: [other.source_path for other in item.related] for item in found}


def found_from_nothing(tags: dict[str, list[str]]) -> dict[str, list[str]]:
    fresh = items(tags)
    relations.link_related(fresh)
    return related(fresh)


def test_the_same_items_take_their_related_items_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = items(TAGS)
    relations.link_related_remembered(first, tmp_path)
    assert related(first) == found_from_nothing(TAGS)
    assert related(first)["a5"][:2] == ["a4", "a2"]

    def not_again(*_: Any) -> None:
        raise AssertionError("found again")

    monkeypatch.setattr(relations, "link_related", not_again)
    again = items(TAGS)
    relations.link_related_remembered(again, tmp_path)
    assert related(again) == related(first)
    assert all(o in again for item in again for o in item.related), "the objects of this build"


@pytest.mark.parametrize(
    "change",
    [
        {**TAGS, "a2": ["管网"]},  # a tag
        {"a4": TAGS["a4"], "a5": TAGS["a5"], **TAGS},  # the order
        {k: v for k, v in TAGS.items() if k != "a4"},  # an item gone
    ],
)
def test_changed_items_find_their_related_items_again(
    tmp_path: Path, change: dict[str, list[str]]
) -> None:
    relations.link_related_remembered(items(TAGS), tmp_path)
    now = items(change)
    relations.link_related_remembered(now, tmp_path)
    assert related(now) == found_from_nothing(change)
    assert related(now) != found_from_nothing(TAGS)
