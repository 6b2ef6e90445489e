"""The live site end to end: rclone as the object store, nginx serving its files
as the origin, and an nginx caching proxy in front as the CDN. Deploy, edit,
redeploy, purge, verify; then deface, inject and delete, and see verify-live
name each URL."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run as run_command
from tests.conftest import venv_command
from tests.deploy.conftest import (
    BUCKET,
    Nginx,
    S3Server,
    free_port,
    get,
    rebuild_with_edit,
    s3_client,
    start_nginx,
)
from watersite.deploy import DeployConfig, deploy, verify_live

ARTICLE = "/news/group/2024/plant-upgrade/"


@pytest.fixture
def cdn(rclone: S3Server, tmp_path: Path) -> Iterator[Nginx]:
    """nginx: the bucket's files as origin, a caching proxy as the CDN, and a
    careless origin that serves dotfiles too."""
    origin, proxy, careless = free_port(), free_port(), free_port()
    servers = f"""
    proxy_cache_path {tmp_path}/nginx/cache levels=1:2 keys_zone=cdn:1m max_size=50m inactive=1h;
    server {{
        listen 127.0.0.1:{origin};
        root {rclone.data}/{BUCKET};
        index index.html;
        location ~ /\\. {{ return 404; }}
        location / {{ try_files $uri $uri/ =404; }}
    }}
    server {{
        listen 127.0.0.1:{careless};
        root {rclone.data}/{BUCKET};
        index index.html;
    }}
    server {{
        listen 127.0.0.1:{proxy};
        location / {{
            proxy_pass http://127.0.0.1:{origin};
            proxy_cache cdn;
            proxy_cache_valid 200 404 10m;
            proxy_cache_bypass $http_x_purge;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
"""
    nginx = start_nginx(
        tmp_path / "nginx", servers, {"origin": origin, "cdn": proxy, "careless": careless}
    )
    yield nginx
    nginx.stop()


def settings(rclone: S3Server, nginx: Nginx, base: str = "cdn", **extra: str) -> DeployConfig:
    return DeployConfig.from_env(
        rclone.env(
            base_url=nginx.url(base),
            DEPLOY_CDN="nginx",
            DEPLOY_NGINX_PURGE_URL=nginx.url("cdn"),
            **extra,
        )
    )


def test_deploy_edit_redeploy_purge_verify(
    rclone: S3Server, cdn: Nginx, site: tuple[Path, Path], tmp_path: Path
) -> None:
    content, first = site
    deploy(first, settings(rclone, cdn), out=io.StringIO())
    url = cdn.url("cdn") + ARTICLE
    get(url)
    status, headers, body = get(url)
    assert status == 200 and headers["X-Cache-Status"] == "HIT", "the CDN serves it from its cache"
    assert "新增一句说明" not in body.decode()
    summary = deploy(
        rebuild_with_edit(content, tmp_path / "build-2"), settings(rclone, cdn), out=io.StringIO()
    )
    assert summary.purge is not None and ARTICLE in summary.plan.purge
    status, headers, body = get(url)
    assert "新增一句说明" in body.decode(), "the purge made the CDN fetch the new page"
    assert verify_live(settings(rclone, cdn)).ok


def test_verify_live_names_defaced_injected_and_missing_files(
    rclone: S3Server, cdn: Nginx, site: tuple[Path, Path]
) -> None:
    _, output = site
    config = settings(rclone, cdn, base="origin")
    deploy(output, config, out=io.StringIO())
    assert verify_live(config).ok
    bucket = rclone.data / BUCKET
    (bucket / "about/profile/index.html").write_text("<p>本站已被篡改</p>", encoding="utf-8")
    (bucket / "contact/index.html").unlink()
    s3_client(rclone.endpoint).put_object(
        Bucket=BUCKET, Key="casino/index.html", Body=b"<a href=https://spam.example>x</a>"
    )
    result = verify_live(config)
    base = cdn.url("origin")
    assert not result.ok
    assert result.wrong == [f"{base}/about/profile/index.html"]
    assert f"{base}/about/profile/index.html" in result.tampered
    assert f"{base}/contact/index.html" in result.missing
    assert result.unexpected == [f"{base}/casino/index.html"]
    report = "\n".join(result.lines())
    assert "内容被改动" in report and "存储中多出的文件" in report and "不一致" in report


def test_verify_live_flags_deploy_records_the_public_can_read(
    rclone: S3Server, cdn: Nginx, site: tuple[Path, Path]
) -> None:
    _, output = site
    config = settings(rclone, cdn, base="careless")
    deploy(output, config, out=io.StringIO())
    result = verify_live(config)
    assert not result.ok and not (result.wrong or result.missing or result.unexpected)
    assert result.exposed == [f"{cdn.url('careless')}/.deploy/releases.json"]
    assert "部署记录可被公开访问" in "\n".join(result.lines())


def test_verify_live_task_exits_non_zero_and_names_the_url(
    rclone: S3Server, cdn: Nginx, site: tuple[Path, Path]
) -> None:
    _, output = site
    env = rclone.env(base_url=cdn.url("origin"))
    deploy(output, DeployConfig.from_env(env), out=io.StringIO())
    good = run_command(venv_command("invoke"), "verify-live", env={**os.environ, **env})
    assert good.returncode == 0, good.stdout + good.stderr
    (rclone.data / BUCKET / "index.html").write_text("defaced", encoding="utf-8")
    bad = run_command(venv_command("invoke"), "verify-live", env={**os.environ, **env})
    assert bad.returncode == 1 and f"{cdn.url('origin')}/index.html" in bad.stdout


def test_deploy_task_refuses_to_start_without_settings() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOY_", "AWS_"))}
    result = subprocess.run(
        [venv_command("invoke"), "deploy"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 1
    assert "DEPLOY_S3_ENDPOINT" in result.stderr and "未上传任何文件" in result.stderr


def test_deploy_task_builds_with_the_publish_settings_and_uploads(rclone: S3Server) -> None:
    """`invoke deploy` builds the demo site with publishconf.py (absolute URLs on
    DEPLOY_BASE_URL) in a fresh folder, then uploads it; the dry run changes nothing."""
    env = {**os.environ, **rclone.env(base_url="https://www.example.test")}
    bucket = rclone.data / BUCKET
    dry = run_command(venv_command("invoke"), "deploy", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "CDN 刷新列表 / purge list" in dry.stdout and not list(bucket.iterdir())
    real = run_command(venv_command("invoke"), "deploy", env=env)
    assert real.returncode == 0, real.stdout + real.stderr
    assert "上传 / uploaded" in real.stdout and "字节 / bytes" in real.stdout
    sitemap = (bucket / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://www.example.test/</loc>" in sitemap
    again = run_command(venv_command("invoke"), "deploy", "--dry-run", env=env)
    assert again.returncode == 0 and "purge list (0)" in again.stdout


def test_deploy_task_to_nginx_switches_the_release(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    dry = run_command(
        venv_command("invoke"), "deploy", "--target", "nginx", "--root", str(root), "--dry-run"
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "上传 / upload  index.html" in dry.stdout and not root.exists()
    real = run_command(venv_command("invoke"), "deploy", "--target", "nginx", "--root", str(root))
    assert real.returncode == 0, real.stdout + real.stderr
    assert (root / "current" / "index.html.br").is_file()
    again = run_command(
        venv_command("invoke"), "deploy", "--target", "nginx", "--root", str(root), "--dry-run"
    )
    assert "变化 / changed: 0，删除 / removed: 0" in again.stdout
