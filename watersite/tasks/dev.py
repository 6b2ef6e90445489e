"""Tasks developers use: test, lint, format, lock."""

from __future__ import annotations

import os
import sys

from invoke import Context, task

from watersite.build import ROOT
from watersite.tasks.tools import ensure_test_tools

PYTHON = sys.executable
SOURCES = "watersite tests tasks.py pelicanconf.py publishconf.py"


@task
def lint(c: Context) -> None:
    """Check style and formatting with ruff."""
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} -m ruff check {SOURCES}")
        c.run(f"{PYTHON} -m ruff format --check {SOURCES}")


@task(name="format")
def format_(c: Context) -> None:
    """Format and autofix with ruff."""
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} -m ruff format {SOURCES}")
        c.run(f"{PYTHON} -m ruff check --fix {SOURCES}")


@task(
    help={
        "k": "only tests matching this expression (pytest -k)",
        "lint_first": "run ruff first (default: yes; --no-lint-first skips it)",
    }
)
def test(c: Context, k: str = "", lint_first: bool = True) -> None:
    """Run the whole test suite: lint, then pytest (installs browser test tools first)."""
    ensure_test_tools(c)
    if lint_first:
        lint(c)
    selector = f" -k {k!r}" if k else ""
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} -m pytest{selector}", pty=os.isatty(1))


@task
def lock(c: Context) -> None:
    """Recompile requirements.txt (pinned, with hashes) from requirements.in."""
    with c.cd(str(ROOT)):
        c.run(
            f"{PYTHON} -m uv pip compile --generate-hashes --python-version 3.11 "
            "requirements.in -o requirements.txt"
        )


@task
def snapshot(c: Context) -> None:
    """Refresh the fixture site's output snapshot after an intended change."""
    sys.path.insert(0, str(ROOT))
    from tests.snapshot import write_snapshot

    print(f"Updated {write_snapshot().relative_to(ROOT)}")
