"""The shipped nginx origin config (deploy/nginx/site.conf), served by a real
nginx from releases that `invoke deploy --target nginx` lays out: compressed
copies, cache policy, security headers, 404 page, no listings, no dotfiles,
and an atomic release switch with rollback."""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import brotli
import pytest

from tests.deploy.conftest import (
    Nginx,
    free_port,
    get,
    nginx_includes,
    rebuild_with_edit,
    start_nginx,
)
from watersite.build import ROOT
from watersite.deploy import nginx as origin
from watersite.deploy.manifest import CONTENT_TYPES, content_type
from watersite.deploy.plan import DeployError
from watersite.files import SIGNATURES

ARTICLE = "/news/group/2024/plant-upgrade/"
SITE_CONF = ROOT / "deploy" / "nginx" / "site.conf"


def shipped_config(root: Path, includes: Path, port: int) -> str:
    """site.conf as an operator installs it, with this test's paths and port."""
    text = SITE_CONF.read_text(encoding="utf-8")
    text = text.replace("/etc/nginx/watersite", str(includes)).replace("/srv/watersite", str(root))
    text = re.sub(r"^\s*listen \[::\]:80;\n", "", text, flags=re.MULTILINE)
    return text.replace("listen 80;", f"listen 127.0.0.1:{port};")


@pytest.fixture
def served(site: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple[Nginx, Path]]:
    """The fixture build published as a release and served by the shipped config."""
    _, build = site
    root = tmp_path / "srv"
    origin.publish(build, root)
    port = free_port()
    config = shipped_config(root, nginx_includes(tmp_path / "etc"), port)
    nginx = start_nginx(tmp_path / "nginx", config, {"site": port})
    yield nginx, root
    nginx.stop()


def test_only_paths_and_port_differ_from_the_shipped_config(tmp_path: Path) -> None:
    """The tests serve site.conf itself, so what they show holds for the installed file."""
    shipped = SITE_CONF.read_text(encoding="utf-8")
    for placeholder in (
        "root /srv/watersite/current;",
        "include /etc/nginx/watersite/",
        "listen 80;",
    ):
        assert placeholder in shipped
    used = shipped_config(tmp_path / "srv", tmp_path / "etc", 8080)
    assert "/srv/watersite" not in used and "/etc/nginx" not in used and "listen 80;" not in used


def test_precompressed_copies_are_served_to_browsers_that_accept_them(
    served: tuple[Nginx, Path],
) -> None:
    nginx, root = served
    _, _, plain = get(nginx.url("site") + ARTICLE)
    status, headers, body = get(nginx.url("site") + ARTICLE, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    status, headers, body = get(nginx.url("site") + ARTICLE, **{"Accept-Encoding": "br, gzip"})
    assert status == 200 and headers["Content-Encoding"] == "br"
    assert brotli.decompress(body) == plain
    assert (root / "current" / "index.html.br").is_file()


def test_cache_policy_makes_hashed_assets_immutable_and_pages_short_lived(
    served: tuple[Nginx, Path],
) -> None:
    nginx, root = served
    css = next((root / "current" / "theme").glob("site.*.css"))
    _, headers, _ = get(f"{nginx.url('site')}/theme/{css.name}")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Type"] == "text/css; charset=utf-8"
    for path in ("/", ARTICLE, "/news/atom.xml", "/sitemap.xml", "/tenders/calendar.ics"):
        status, headers, _ = get(nginx.url("site") + path)
        assert status == 200 and headers["Cache-Control"] == "public, max-age=300", path


def test_feeds_calendars_and_data_have_their_types_with_charset(served: tuple[Nginx, Path]) -> None:
    nginx, root = served
    csv = next((root / "current").rglob("*.csv")).relative_to(root / "current").as_posix()
    for path, expected in (
        ("/news/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/tenders/calendar.ics", "text/calendar; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/search/hints.json", "application/json; charset=utf-8"),
        (f"/{csv}", "text/csv; charset=utf-8"),
    ):
        status, headers, _ = get(nginx.url("site") + path)
        assert (status, headers["Content-Type"]) == (200, expected), path


def test_every_file_has_the_same_content_type_as_in_the_object_store(
    served: tuple[Nginx, Path],
) -> None:
    nginx, root = served
    live = root / "current"
    for path in sorted(live.rglob("*")):
        key = path.relative_to(live).as_posix()
        if path.is_file() and path.suffix not in (".gz", ".br"):
            status, headers, _ = get(f"{nginx.url('site')}/{quote(key)}")
            assert (status, headers["Content-Type"]) == (200, content_type(key)), key


def test_every_attachment_type_has_an_explicit_content_type() -> None:
    """Not the machine's mime.types: every machine must write the same headers."""
    for extension in SIGNATURES:
        assert f".{extension}" in CONTENT_TYPES, extension


def test_every_answer_carries_the_security_headers(served: tuple[Nginx, Path]) -> None:
    nginx, _ = served
    for path in ("/", ARTICLE, "/no-such-page/"):
        _, headers, _ = get(nginx.url("site") + path)
        assert "default-src 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert "Server" not in headers or "/" not in headers["Server"], "nginx version is hidden"


def test_a_missing_page_gets_the_sites_own_404(served: tuple[Nginx, Path]) -> None:
    nginx, root = served
    status, headers, body = get(nginx.url("site") + "/no-such-page/")
    assert status == 404
    assert body == (root / "current" / "404.html").read_bytes()
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_folders_are_never_listed(served: tuple[Nginx, Path]) -> None:
    nginx, root = served
    assert not (root / "current" / "theme" / "index.html").exists()
    status, _, body = get(nginx.url("site") + "/theme/")
    assert status == 404
    assert b"Index of" not in body


def test_dotfiles_are_refused(served: tuple[Nginx, Path]) -> None:
    nginx, root = served
    (root / "current" / ".git").mkdir()
    (root / "current" / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    (root / "current" / ".env").write_text("SECRET=1\n", encoding="utf-8")
    for path in ("/.git/config", "/.env"):
        status, _, body = get(nginx.url("site") + path)
        assert status == 404, path
        assert b"SECRET" not in body and b"[core]" not in body


def test_releases_switch_atomically_and_roll_back(
    served: tuple[Nginx, Path], site: tuple[Path, Path], tmp_path: Path
) -> None:
    nginx, root = served
    content, _ = site
    first = origin.live(root)
    edited = rebuild_with_edit(content, tmp_path / "build-2")
    second = origin.publish(edited, root)
    assert origin.live(root) == second and second != first
    assert "新增一句说明" in get(nginx.url("site") + ARTICLE)[2].decode()
    assert origin.roll_back(root, dry_run=True) == first and origin.live(root) == second
    assert origin.roll_back(root) == first
    assert "新增一句说明" not in get(nginx.url("site") + ARTICLE)[2].decode()
    with pytest.raises(DeployError, match="没有更早的版本"):
        origin.roll_back(root)
    assert not list(root.glob(".current-*")), "the temporary link was renamed into place"


def test_old_releases_are_pruned_but_the_live_one_is_kept(
    site: tuple[Path, Path], tmp_path: Path
) -> None:
    _, build = site
    root = tmp_path / "srv"
    made = [origin.publish(build, root, keep=2) for _ in range(4)]
    assert origin.releases(root) == made[-2:]
    assert origin.live(root) == made[-1]


def test_an_empty_build_is_not_published(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DeployError, match="构建结果为空"):
        origin.publish(empty, tmp_path / "srv")
    assert not (tmp_path / "srv" / "current").exists()


def test_precompressed_copies_are_byte_identical_across_runs(
    site: tuple[Path, Path], tmp_path: Path
) -> None:
    """gzip without a timestamp: the same release compresses to the same bytes."""
    _, build = site
    copies = []
    for name in ("a", "b"):
        folder = tmp_path / name
        shutil.copytree(build, folder)
        origin.precompress(folder)
        copies.append((folder / "index.html.gz").read_bytes())
    assert copies[0] == copies[1]
