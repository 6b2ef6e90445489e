"""The snapshot of the fixture site's output: one SHA-256 per file.

`invoke snapshot` refreshes it after an intended change to templates or
content; tests/test_snapshot.py fails, naming the files, on any other change.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from tests.conftest import FIXTURE_CONTENT, build_into

SNAPSHOT_FILE = Path(__file__).parent / "snapshots" / "fixture-site.json"


def digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root`, by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def write_snapshot() -> Path:
    """Build the fixture site and record its digests."""
    with tempfile.TemporaryDirectory() as folder:
        output = build_into(FIXTURE_CONTENT, Path(folder) / "out")
        SNAPSHOT_FILE.write_text(
            json.dumps(digests(output), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    return SNAPSHOT_FILE
