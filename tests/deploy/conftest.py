"""Real servers for the deploy tests, started and stopped by the tests, on
127.0.0.1 only: `rclone serve s3` (objects land as plain files, which nginx can
serve as an origin), moto's server mode (behaves like AWS, mocks CloudFront),
and nginx (origin, and a caching proxy standing in for a CDN)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tests.conftest import FIXED_NOW, FIXTURE_CONTENT, build_into, venv_command
from watersite.build import ROOT

KEY, SECRET = "testaccesskey", "testsecretkey1234"
BUCKET = "site"
NGINX_MODULES = Path("/usr/lib/nginx/modules")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def s3_client(endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=Config(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


@dataclass
class S3Server:
    """A running S3-compatible server."""

    kind: str
    endpoint: str
    port: int
    process: subprocess.Popen
    data: Path | None  # where rclone keeps objects as files (bucket folders inside)

    def env(self, base_url: str = "http://127.0.0.1:1", **extra: str) -> dict[str, str]:
        """Deploy settings for this server."""
        return {
            "DEPLOY_S3_ENDPOINT": self.endpoint,
            "DEPLOY_S3_BUCKET": BUCKET,
            "DEPLOY_S3_REGION": "us-east-1",
            "DEPLOY_BASE_URL": base_url,
            "AWS_ACCESS_KEY_ID": KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            **extra,
        }

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def start_rclone(data: Path, port: int | None = None) -> S3Server:
    (data / BUCKET).mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    process = subprocess.Popen(
        [
            venv_command("rclone"),
            "serve",
            "s3",
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            f"{KEY},{SECRET}",
            f":local:{data}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "RCLONE_CONFIG": "/dev/null"},
    )
    wait_for_port(port)
    return S3Server("rclone", f"http://127.0.0.1:{port}", port, process, data)


def start_moto() -> S3Server:
    port = free_port()
    process = subprocess.Popen(
        [venv_command("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    server = S3Server("moto", f"http://127.0.0.1:{port}", port, process, None)
    s3_client(server.endpoint).create_bucket(Bucket=BUCKET)
    return server


@pytest.fixture(params=["rclone", "moto"])
def s3_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[S3Server]:
    """Each deploy test runs against both servers."""
    server = start_rclone(tmp_path / "s3") if request.param == "rclone" else start_moto()
    yield server
    server.stop()


@pytest.fixture
def rclone(tmp_path: Path) -> Iterator[S3Server]:
    """rclone alone (its objects are files nginx can serve)."""
    server = start_rclone(tmp_path / "s3")
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the fixture content and its build."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    return content, build_into(content, tmp_path / "build-1")


@dataclass
class Nginx:
    """A running nginx with a test configuration."""

    process: subprocess.Popen
    ports: dict[str, int]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_nginx(folder: Path, servers: str, ports: dict[str, int]) -> Nginx:
    """nginx with the given server blocks, in `folder`; stopped by the caller."""
    folder.mkdir(parents=True, exist_ok=True)
    modules = "\n".join(
        f"load_module {module};"
        for module in sorted(NGINX_MODULES.glob("ngx_http_brotli_static_module.so"))
    )
    user = "user root root;" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(
        f"""{modules}
{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{servers}
}}
""",
        encoding="utf-8",
    )
    command = [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(config), "-p", str(folder)]
    with (folder / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(command, stderr=stderr)
    for port in ports.values():
        try:
            wait_for_port(port)
        except TimeoutError:
            process.kill()
            logs = [folder / "stderr.log", folder / "error.log"]
            raise RuntimeError("\n".join(log.read_text() for log in logs if log.exists())) from None
    return Nginx(process, ports)


def nginx_includes(folder: Path) -> Path:
    """The repository's generated nginx includes, copied where a test config can use them."""
    target = folder / "watersite"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("security-headers.conf", "hsts.conf", "cache-policy.conf", "content-types.conf"):
        shutil.copy(ROOT / "deploy" / "nginx" / name, target / name)
    return target


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def rebuild_with_edit(content: Path, output: Path) -> Path:
    """Add a sentence to one article and build again."""
    article = content / "news/group/2024/plant-upgrade.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n新增一句说明。\n", encoding="utf-8")
    return build_into(content, output, now=FIXED_NOW)
