"""Preview server: serves the output folder and rebuilds with live reload.

Drafts and scheduled items are shown, each marked as a preview (never in a
publish build). Editing content, the theme, organisation.yml or the settings
rebuilds the site and reloads the open browser tab. A content problem prints the bilingual report
and keeps the last good build on screen, so the editor fixes it and saves again.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from livereload import Server

from watersite.build import ROOT, build, load_settings
from watersite.errors import ContentErrors

log = logging.getLogger(__name__)

#: Besides the content folder, what a rebuild depends on.
WATCHED = ("theme", "organisation.yml", "pelicanconf.py", "watersite")


def rebuilder(settings_file: Path, content: Path, output: Path) -> Callable[[], bool]:
    """A function that rebuilds the site and reports problems instead of raising."""

    def rebuild() -> bool:
        settings = load_settings(settings_file, content=content, output=output)
        settings["WATERSITE_PREVIEW"] = True  # drafts and scheduled items, marked
        try:
            build(settings)
        except ContentErrors as problems:
            print(problems.report(), file=sys.stderr)
            return False
        print("构建完成 / Build finished", file=sys.stderr)
        return True

    return rebuild


def serve(settings_file: Path, content: Path, output: Path, host: str, port: int) -> None:
    """Build once, then serve `output` on host:port and rebuild on every change."""
    rebuild = rebuilder(settings_file, content, output)
    rebuild()
    server = Server()
    for path in (content, *(ROOT / name for name in WATCHED)):
        server.watch(str(path), rebuild, delay=0.3)
    print(
        f"预览地址 / Preview: http://{host}:{port}/  (Ctrl+C 停止 / to stop)",
        file=sys.stderr,
    )
    server.serve(host=host, port=port, root=str(output), open_url_delay=None)
