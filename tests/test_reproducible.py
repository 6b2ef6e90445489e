"""Same input, same bytes: two builds with the same SOURCE_DATE_EPOCH are identical,
whatever the hash seed (set ordering) and the order files are found in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DEMO_NOW, FIXED_EPOCH, FIXTURE_CONTENT, run, tree_digests, venv_command
from watersite.build import ROOT


def cli_build(
    content: Path, output: Path, hash_seed: str, epoch: str = FIXED_EPOCH
) -> dict[str, str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch, "PYTHONHASHSEED": hash_seed}
    result = run(
        venv_command("pelican"), str(content), "-s", "pelicanconf.py", "-o", str(output), env=env
    )
    assert result.returncode == 0, result.stderr
    return tree_digests(output)


@pytest.mark.parametrize(
    ("content", "epoch"),
    [
        (FIXTURE_CONTENT, FIXED_EPOCH),
        pytest.param(ROOT / "content", str(int(DEMO_NOW.timestamp())), marks=pytest.mark.slow),
    ],
    ids=["fixture", "demo"],
)
def test_two_builds_are_byte_identical(content: Path, epoch: str, tmp_path: Path) -> None:
    first = cli_build(content, tmp_path / "one", hash_seed="1", epoch=epoch)
    second = cli_build(content, tmp_path / "two", hash_seed="2", epoch=epoch)
    assert first == second
    assert len(first) > 40


def test_build_time_comes_from_source_date_epoch(tmp_path: Path) -> None:
    digests = cli_build(FIXTURE_CONTENT, tmp_path / "out", hash_seed="0")
    assert digests
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "© 2024 " in home, "the footer year is the build clock's, not today's"
