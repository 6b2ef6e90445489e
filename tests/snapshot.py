"""The snapshot of the fixture site's output: one SHA-256 per file.

`invoke snapshot` refreshes it after an intended change to templates or
content; tests/test_snapshot.py fails, naming the files, on any other change.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tests.conftest import FIXTURE_CONTENT, build_into, tree_digests

SNAPSHOT_FILE = Path(__file__).parent / "snapshots" / "fixture-site.json"


def write_snapshot() -> Path:
    """Build the fixture site and record its digests."""
    with tempfile.TemporaryDirectory() as folder:
        output = build_into(FIXTURE_CONTENT, Path(folder) / "out")
        SNAPSHOT_FILE.write_text(
            json.dumps(tree_digests(output), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    return SNAPSHOT_FILE
