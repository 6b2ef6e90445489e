"""Shared test fixtures: the fixture site, a pinned clock, builds into tmp_path."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from watersite.build import ROOT, build, load_settings
from watersite.clock import SITE_TIMEZONE

FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "site" / "content"
DEMO_CONTENT = ROOT / "content"
#: The fixture site's clock: after the outage notice, before the outage itself.
FIXED_NOW = datetime(2024, 6, 2, 12, 0, tzinfo=SITE_TIMEZONE)
FIXED_EPOCH = str(int(FIXED_NOW.timestamp()))
#: The demo site's clock: one outage under way, one upcoming, tenders open and closed.
DEMO_NOW = datetime(2026, 11, 26, 12, 0, tzinfo=SITE_TIMEZONE)


def build_into(content: Path, output: Path, now: datetime = FIXED_NOW) -> Path:
    """Build `content` into `output` in-process with the development settings."""
    build(load_settings(content=content, output=output, now=now))
    return output


def tree_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root`, by relative POSIX path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root, capturing text output."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def venv_command(name: str) -> str:
    """Path of a console script installed next to the running Python."""
    return str(Path(sys.executable).parent / name)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture site's content folder."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site built once, at FIXED_NOW."""
    return build_into(FIXTURE_CONTENT, tmp_path_factory.mktemp("fixture-site"))


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site built once at DEMO_NOW, with its search index."""
    return build_into(DEMO_CONTENT, tmp_path_factory.mktemp("demo-site"), now=DEMO_NOW)


@pytest.fixture(scope="session")
def html_page(fixture_site: Path) -> Callable[[str], BeautifulSoup]:
    """Parse a page of the built fixture site by its URL path ('/news/group/')."""

    def load(url: str) -> BeautifulSoup:
        path = fixture_site / url.lstrip("/")
        if url.endswith("/"):
            path = path / "index.html"
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    return load
