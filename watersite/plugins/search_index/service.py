"""Pagefind run as a service: one process indexes many parts, one after another.

Every Pagefind process spends 0.2 s of a core getting ready to segment Chinese
(its dictionary) before it indexes a page; as one command per part that was paid
by each of the 24 parts of a cold build at 10,000 items (≈ 4 CPU-s). Its
`--service` mode keeps the process: an index per part (`NewIndex`, `AddDir`,
`GetFiles`, `DeleteIndex`), the same files as the command writes (the same
pages, words and chunks; filters listed in another order, which merging sorts).

Why not Pagefind's own Python client (`pagefind.index`): it sleeps 0.1 s before
reading each answer (`PagefindService._wait_for_responses`), four per part. The
protocol is small: each message is base64 of JSON, ended by a comma, and the
service answers each in turn.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from watersite.errors import ContentError, ContentErrors

_NO_PAGEFIND = (
    "找不到 Pagefind 程序，无法生成搜索索引。请用 ./run 运行任务（它会安装 requirements.txt）。",
    "The Pagefind binary is missing, so the search index cannot be built. Run tasks through "
    "./run (it installs requirements.txt).",
)


def _failed(message: str) -> ContentErrors:
    return ContentErrors(
        [
            ContentError(
                "(search)", 0, "", f"生成搜索索引失败：{message}", f"Pagefind failed: {message}"
            )
        ]
    )


#: A page that makes Pagefind load what segmenting Chinese needs.
_CHINESE_PAGE = '<html lang="zh-CN"><body><main data-pagefind-body><p>供水</p></main></body></html>'


def _linked_if_same(source: Path, data: bytes, target: Path) -> bool:
    """Link `source` as `target` if it holds `data`. An edit changes one page's
    fragment of a part's hundreds, and on this disk a file made costs more than a
    link (and more again for minutes after many were deleted, as the old part's
    are); comparing the bytes costs a read of a file in memory."""
    try:
        with source.open("rb") as file:
            if file.read(len(data) + 1) != data:
                return False
        os.link(source, target)
    except OSError:  # not there, or on another file system
        return False
    return True


class PagefindService:
    """One `pagefind --service` process, started at the first index it makes (or
    when made ready)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._last_message = 0
        self._lock = threading.Lock()  # one message and its answer at a time
        self._unread = bytearray()  # what the process wrote after the last answer
        self._getting_ready: threading.Thread | None = None

    def get_ready(self) -> None:
        """Start the process and have it load what segmenting Chinese needs, in
        the background (0.2 s of a core, else paid at the first part indexed)."""
        self._getting_ready = threading.Thread(target=self._index_a_chinese_page, daemon=True)
        self._getting_ready.start()

    def _index_a_chinese_page(self) -> None:
        # A service that cannot start fails the build when it is used. Its three
        # messages in one go: a part asked for meanwhile waits until all are answered.
        with contextlib.suppress(ContentErrors, OSError), self._lock:
            index_id = self._ask_now({"type": "NewIndex", "config": None})["index_id"]
            self._ask_now(
                {
                    "type": "AddFile",
                    "index_id": index_id,
                    "url": "/",
                    "file_contents": _CHINESE_PAGE,
                }
            )
            self._ask_now({"type": "DeleteIndex", "index_id": index_id})

    def index(self, site: Path, target: Path, earlier: Path | None = None) -> dict[str, bytes]:
        """Index the pages under `site` into the folder `target`, as
        `pagefind --site site --output-path target` does; returns the files
        written, by path relative to `target`. A file with the same path and bytes
        in the folder `earlier` (another index) is linked from there instead."""
        index_id = self._ask({"type": "NewIndex", "config": None})["index_id"]
        self._ask({"type": "AddDir", "index_id": index_id, "path": str(site)})
        # The files in the answer, written here: Pagefind 1.5.2's `WriteFiles`
        # answers before its last writes have reached the files (tokio writes
        # them on other threads, unflushed), so a file read just after could be
        # empty (seen in CI: an empty pagefind-entry.json).
        files = self._ask({"type": "GetFiles", "index_id": index_id})["files"]
        self._ask({"type": "DeleteIndex", "index_id": index_id})  # its memory is freed
        written = {file["path"]: base64.b64decode(file["content"]) for file in files}
        for name, data in written.items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if earlier is None or not _linked_if_same(earlier / name, data, path):
                path.write_bytes(data)
        return written

    def close(self) -> None:
        """End the process (it exits when its input ends)."""
        if self._getting_ready is not None:
            self._getting_ready.join()
        with self._lock:
            if self._process is not None:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()  # type: ignore[union-attr]
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            if self._stderr is not None:
                self._stderr.close()
            self._process = self._stderr = None

    def _start(self) -> subprocess.Popen[bytes]:
        # Imported here: pagefind.service imports asyncio, and most rebuilds index nothing.
        from pagefind.service import get_executable  # noqa: PLC0415

        binary = get_executable()
        if binary is None:
            raise ContentErrors([ContentError("(search)", 0, "", *_NO_PAGEFIND)])
        # A file, not a pipe: nobody reads it until the process has failed.
        # Open while the process lives; closed by close().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            [str(binary), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        return self._process

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return self._ask_now(payload)

    def _ask_now(self, payload: dict[str, Any]) -> dict[str, Any]:
        process = self._process or self._start()
        assert process.stdin is not None and process.stdout is not None
        self._last_message += 1
        message = {"message_id": self._last_message, "payload": payload}
        try:
            process.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")
            process.stdin.flush()
        except BrokenPipeError:
            pass  # it has exited: its answer is missing below
        answer = self._read_answer(process.stdout)
        if answer is None:
            raise _failed(self._last_words(process))
        reply: dict[str, Any] = json.loads(base64.b64decode(answer))["payload"]
        if reply["type"] == "Error":
            raise _failed(reply["message"])
        return reply

    def _read_answer(self, stdout: IO[bytes]) -> bytes | None:
        """The next answer (a few dozen bytes, or megabytes of files); None if the
        output ended."""
        searched = 0
        while (end := self._unread.find(b",", searched)) < 0:
            searched = len(self._unread)
            chunk = os.read(stdout.fileno(), 1 << 20)
            if not chunk:
                return None
            self._unread += chunk
        answer = bytes(self._unread[:end])
        del self._unread[: end + 1]
        return answer

    def _last_words(self, process: subprocess.Popen[bytes]) -> str:
        status = process.wait()
        assert self._stderr is not None
        self._stderr.seek(0)
        said = self._stderr.read().decode("utf-8", "replace").strip()
        return said or f"exit status {status}"


class PagefindServices:
    """Services for a build's threads: each thread borrows one at a time, so
    there are never more than there are threads, started only if needed."""

    def __init__(self) -> None:
        self._idle: queue.SimpleQueue[PagefindService] = queue.SimpleQueue()
        self._started: list[PagefindService] = []

    @contextlib.contextmanager
    def borrow(self) -> Iterator[PagefindService]:
        """A service no other thread uses until it is given back."""
        try:
            service = self._idle.get_nowait()
        except queue.Empty:
            service = PagefindService()
            self._started.append(service)
        try:
            yield service
        finally:
            self._idle.put(service)

    def get_ready(self) -> None:
        """One service started now and made ready in the background: a build that
        indexes anything after an edit indexes one part."""
        service = PagefindService()
        self._started.append(service)
        self._idle.put(service)
        service.get_ready()

    def close(self) -> None:
        """End every service started (again: nothing more)."""
        for service in self._started:
            service.close()
        self._started.clear()
