"""The editors' guide shows the real site: every screenshot it refers to exists and
is retaken from the demo site by `invoke screenshots` in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from tests.conftest import run, venv_command
from watersite.build import ROOT
from watersite.guide_screenshots import GUIDE_IMAGES, PHONE, SHOTS

GUIDE = ROOT / "docs" / "editors-guide.md"


def referenced_images() -> list[str]:
    return re.findall(r"!\[[^\]]+\]\(images/([^)]+)\)", GUIDE.read_text(encoding="utf-8"))


def test_every_screenshot_in_the_guide_exists_and_is_retaken() -> None:
    referenced = referenced_images()
    assert referenced and sorted(referenced) == sorted(shot.name for shot in SHOTS)
    for name in referenced:
        assert (GUIDE_IMAGES / name).is_file(), name


def test_screenshots_come_from_the_built_demo_site(tmp_path: Path) -> None:
    # In its own process: the browser tests leave Playwright's event loop running here.
    result = run(venv_command("invoke"), "screenshots", "--target", str(tmp_path))
    assert result.returncode == 0, result.stderr
    files = sorted(tmp_path.glob("*.png"))
    assert sorted(path.name for path in files) == sorted(shot.name for shot in SHOTS)
    for path in files:
        with Image.open(path) as shot:
            assert shot.size == (PHONE["width"], PHONE["height"]), path.name
            assert len(shot.getcolors(256) or []) > 8, f"{path.name} is not a blank page"
