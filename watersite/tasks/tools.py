"""Install the tools the test suite drives: Debian's Chromium and CJK fonts for
browser tests, Java for the Nu HTML Checker, nginx for the deploy tests, and
the npm packages (axe-core, vnu-jar) from package-lock.json."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from invoke import Context, Exit

from watersite.build import ROOT

#: Debian package -> the file (absolute path) or command that shows it is there.
DEBIAN_PACKAGES = {
    "chromium": "/usr/bin/chromium",
    "fonts-noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "openjdk-17-jre-headless": "java",
    "npm": "npm",  # Node.js may come from elsewhere; any npm will do
    "nginx-light": "/usr/sbin/nginx",  # the origin and CDN stand-in of the deploy tests
    "libnginx-mod-http-brotli-static": "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so",
}
NPM_STAMP = ROOT / "node_modules" / ".package-lock.sha256"


def ensure_test_tools(c: Context) -> None:
    """Install missing Debian packages (as root) and the npm packages, once."""
    missing = [name for name, marker in DEBIAN_PACKAGES.items() if not _present(marker)]
    if missing:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            raise Exit(
                f"测试需要这些软件包 / the tests need these Debian packages: {' '.join(missing)}\n"
                f"  sudo apt-get install -y {' '.join(missing)}",
                1,
            )
        c.run("apt-get update -qq", env={"DEBIAN_FRONTEND": "noninteractive"})
        c.run(
            f"apt-get install -y -qq {' '.join(missing)}", env={"DEBIAN_FRONTEND": "noninteractive"}
        )
    lock = ROOT / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not NPM_STAMP.exists() or NPM_STAMP.read_text(encoding="utf-8") != digest:
        with c.cd(str(ROOT)):
            c.run("npm ci --no-audit --no-fund --loglevel=error")
        NPM_STAMP.write_text(digest, encoding="utf-8")


def _present(marker: str) -> bool:
    return Path(marker).exists() if marker.startswith("/") else shutil.which(marker) is not None
