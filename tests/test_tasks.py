"""The invoke tasks editors and developers use, run as they would run them."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.conftest import FIXTURE_CONTENT, run, venv_command

EXPECTED_TASKS = {
    "bench",
    "build",
    "check",
    "clean",
    "deploy",
    "docs",
    "format",
    "headers",
    "new",
    "review",
    "screenshots",
    "lint",
    "lock",
    "rollback",
    "serve",
    "snapshot",
    "test",
    "verify-live",
}


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return run(venv_command("invoke"), *args)


def test_every_task_is_listed_with_a_help_line() -> None:
    result = invoke("--list")
    assert result.returncode == 0, result.stderr
    listed = dict(re.findall(r"^  (\S+)\s+(.+)$", result.stdout, re.MULTILINE))
    assert set(listed) >= EXPECTED_TASKS
    assert all(help_text.strip() for help_text in listed.values())


def test_check_passes_on_good_content_and_summarises() -> None:
    result = invoke("check", "--content", str(FIXTURE_CONTENT))
    assert result.returncode == 0, result.stderr
    assert "检查通过" in result.stdout and "Check passed" in result.stdout
    assert "草稿 1 篇" in result.stdout


def test_build_writes_the_site(tmp_path: Path) -> None:
    result = invoke("build", "--content", str(FIXTURE_CONTENT), "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "index.html").is_file()
    assert (tmp_path / "out" / "about" / "profile" / "index.html").is_file()


def test_field_reference_is_current() -> None:
    result = invoke("docs", "--check")
    assert result.returncode == 0, result.stderr + result.stdout


def test_security_header_files_are_current() -> None:
    result = invoke("headers", "--check")
    assert result.returncode == 0, result.stderr + result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def _wait_for(condition, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def test_serve_builds_serves_and_rebuilds_on_change(content_copy: Path, tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            venv_command("invoke"),
            "serve",
            "--port",
            str(port),
            "--content",
            str(content_copy),
            "--output",
            str(tmp_path / "out"),
        ],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/about/profile/"
        assert _wait_for(lambda: "集团简介的正文" in _get(url)), "the preview did not come up"
        assert "livereload.js" in _get(url), "pages reload themselves on change"
        page = content_copy / "about" / "profile.md"
        page.write_text(
            page.read_text(encoding="utf-8").replace("集团简介的正文", "改过的简介"),
            encoding="utf-8",
        )
        assert _wait_for(lambda: "改过的简介" in _get(url)), "the change was not rebuilt"
    finally:
        server.terminate()
        server.wait(timeout=10)
