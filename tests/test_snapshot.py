"""The whole output of the fixture site is guarded by a snapshot of digests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import tree_digests
from tests.snapshot import SNAPSHOT_FILE


def test_fixture_site_output_matches_the_snapshot(fixture_site: Path) -> None:
    expected = json.loads(SNAPSHOT_FILE.read_text(encoding="utf-8"))
    actual = tree_digests(fixture_site)
    changed = sorted(
        name for name in expected.keys() & actual.keys() if expected[name] != actual[name]
    )
    added = sorted(actual.keys() - expected.keys())
    removed = sorted(expected.keys() - actual.keys())
    assert not (changed or added or removed), (
        f"output differs from {SNAPSHOT_FILE.name}: changed {changed}, added {added}, removed {removed}. "
        "If the change is intended, run `invoke snapshot` and commit the file."
    )
