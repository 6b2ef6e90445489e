"""Every built page is valid HTML by the Nu HTML Checker (vnu-jar from npm, run
with Debian's Java), for the demo site and the fixture site."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from watersite.build import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_errors(folder: Path) -> list[str]:
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--errors-only",
            "--skip-non-html",
            "--format",
            "json",
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [
        f"{m.get('url', '').replace('file:' + str(folder), '')}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]


@pytest.mark.slow
def test_demo_site_is_valid_html(demo_site: Path) -> None:
    errors = vnu_errors(demo_site)
    assert not errors, "\n".join(errors[:30])


def test_fixture_site_is_valid_html(fixture_site: Path) -> None:
    errors = vnu_errors(fixture_site)
    assert not errors, "\n".join(errors[:30])
