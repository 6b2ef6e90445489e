"""Deploying to real S3-compatible servers (rclone and moto) on 127.0.0.1: what
goes up, in what order, with which headers; minimal redeploys; dry runs; the
deletion guard; recovery after the server dies; rollback; CDN purges."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.deploy.conftest import BUCKET, S3Server, rebuild_with_edit, s3_client, start_rclone
from watersite.build import ROOT
from watersite.deploy import DeployConfig, DeployError, deploy, rollback
from watersite.deploy import cdn as cdn_module
from watersite.deploy.config import OPTIONAL, REQUIRED, DeployConfigError
from watersite.deploy.manifest import IMMUTABLE, SHORT, build_manifest
from watersite.deploy.plan import make_plan
from watersite.deploy.store import Store


def run(output: Path, server: S3Server, **env: str):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    summary = deploy(output, DeployConfig.from_env(server.env(**env)), out=out)
    return summary, out.getvalue()


def live_keys(server: S3Server) -> dict[str, str]:
    client = s3_client(server.endpoint)
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {
        o["Key"]: o["ETag"].strip('"')
        for p in pages
        for o in p.get("Contents", [])
        if not o["Key"].startswith(".deploy/")
    }


def test_missing_settings_stop_before_anything() -> None:
    with pytest.raises(DeployConfigError) as raised:
        DeployConfig.from_env({"DEPLOY_S3_BUCKET": "site", "DEPLOY_BASE_URL": "www.example.gov.cn"})
    message = str(raised.value)
    for name in (
        "DEPLOY_S3_ENDPOINT",
        "DEPLOY_S3_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        assert name in message
    assert "DEPLOY_BASE_URL" in message and "不是 http(s) 地址" in message
    assert "未上传任何文件" in message


def test_settings_left_empty_by_ci_count_as_not_set() -> None:
    required = {name: "https://s3.example.test" for name in REQUIRED}
    config = DeployConfig.from_env(
        {**required, "DEPLOY_DELETE_LIMIT": "", "DEPLOY_CDN": " ", "DEPLOY_ALIYUN_ENDPOINT": ""}
    )
    assert (config.delete_limit, config.cdn) == (256, "")
    with pytest.raises(DeployConfigError, match="AWS_ACCESS_KEY_ID"):
        DeployConfig.from_env({**required, "AWS_ACCESS_KEY_ID": ""})


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in (*REQUIRED, *OPTIONAL):
        assert f"`{name}`" in readme, name


def test_first_deploy_uploads_every_file_with_its_headers(
    s3_server: S3Server, site: tuple[Path, Path]
) -> None:
    _, output = site
    summary, printed = run(output, s3_server)
    manifest = build_manifest(output)
    assert live_keys(s3_server) == {key: entry.md5 for key, entry in manifest.files.items()}
    assert summary.plan.uploads[-1] == "index.html", "the home page goes last"
    assert re.search(r"\[1/\d+\] (theme|pagefind)/", printed), (
        "progress is shown, hashed assets first"
    )
    client = s3_client(s3_server.endpoint)
    css = next(
        key for key in manifest.files if key.startswith("theme/site.") and key.endswith(".css")
    )
    head = client.head_object(Bucket=BUCKET, Key=css)
    assert (head["ContentType"], head["CacheControl"]) == ("text/css; charset=utf-8", IMMUTABLE)
    head = client.head_object(Bucket=BUCKET, Key="news/group/index.html")
    assert (head["ContentType"], head["CacheControl"]) == ("text/html; charset=utf-8", SHORT)
    head = client.head_object(Bucket=BUCKET, Key="news/group/atom.xml")
    assert head["ContentType"] == "application/atom+xml; charset=utf-8"
    assert {k.lower(): v for k, v in head["Metadata"].items()}["sha256"] == manifest.files[
        "news/group/atom.xml"
    ].sha256
    assert "上传 / uploaded" in "\n".join(summary.lines())


def test_redeploy_after_one_edit_uploads_only_what_changed(
    s3_server: S3Server, site: tuple[Path, Path], tmp_path: Path
) -> None:
    content, first = site
    run(first, s3_server)
    second = rebuild_with_edit(content, tmp_path / "build-2")
    before, after = build_manifest(first).files, build_manifest(second).files
    changed = {key for key in after if before.get(key) != after[key]}
    assert "news/group/2024/plant-upgrade/index.html" in changed and len(changed) < 20
    summary, _ = run(second, s3_server)
    assert set(summary.plan.uploads) == changed
    assert summary.plan.deletions == sorted(set(before) - set(after))
    assert "/news/group/2024/plant-upgrade/" in summary.plan.purge
    assert "/news/group/2024/plant-upgrade/index.html" in summary.plan.purge
    assert all(not url.startswith("/theme/site.") for url in summary.plan.purge)
    again, _ = run(second, s3_server)
    assert again.plan.is_empty, "nothing to do when nothing changed"


def test_dry_run_prints_the_plan_and_changes_nothing(
    s3_server: S3Server, site: tuple[Path, Path], tmp_path: Path
) -> None:
    content, first = site
    run(first, s3_server)
    keys = live_keys(s3_server)
    second = rebuild_with_edit(content, tmp_path / "build-2")
    out = io.StringIO()
    summary = deploy(second, DeployConfig.from_env(s3_server.env()), dry_run=True, out=out)
    assert "上传 / upload  news/group/2024/plant-upgrade/index.html" in out.getvalue()
    assert "    /news/group/2024/plant-upgrade/" in out.getvalue(), "the exact purge list"
    assert summary.dry_run and live_keys(s3_server) == keys
    assert Store(DeployConfig.from_env(s3_server.env())).history() == [
        Store(DeployConfig.from_env(s3_server.env())).history()[0]
    ]


def test_deletion_guard_stops_a_shrunken_build(
    s3_server: S3Server, site: tuple[Path, Path], tmp_path: Path
) -> None:
    _, output = site
    run(output, s3_server)
    assert DeployConfig.from_env(s3_server.env()).delete_limit == 256, "the default guard"
    keys = live_keys(s3_server)
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    with pytest.raises(DeployError) as raised:
        run(tiny, s3_server, DEPLOY_DELETE_LIMIT="20")
    assert "超过上限 20" in str(raised.value) and "没有做任何改动" in str(raised.value)
    assert live_keys(s3_server) == keys, "nothing deleted, nothing uploaded"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DeployError):
        run(empty, s3_server)


def test_upload_order_keeps_the_live_site_whole(site: tuple[Path, Path]) -> None:
    _, output = site
    manifest = build_manifest(output)
    plan = make_plan(manifest, None, {})
    ranks = []
    for key in plan.uploads:
        entry = manifest.files[key]
        ranks.append(
            0 if entry.cache_control == IMMUTABLE else 1 if not key.endswith((".html", ".xml", ".ics", ".json", ".txt"))
            else 2 if not key.endswith(".html") else 3 if key != "index.html" else 4
        )  # fmt: skip
    assert ranks == sorted(ranks) and plan.uploads[-1] == "index.html"


def _referenced_files_exist(data: Path) -> list[str]:
    """Links from live HTML files (as stored) to site files that are not stored."""
    bucket = data / BUCKET
    missing = []
    for page in bucket.rglob("*.html"):
        for target in re.findall(r'(?:href|src)="(/[^"#?]*)"', page.read_text(encoding="utf-8")):
            path = bucket / target.lstrip("/")
            if not (path.is_file() or (path / "index.html").is_file()):
                missing.append(f"{page.relative_to(bucket)} -> {target}")
    return missing


def test_server_dying_mid_upload_leaves_no_broken_links_and_a_rerun_completes(
    rclone: S3Server, site: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, first = site
    run(first, rclone)
    second = rebuild_with_edit(content, tmp_path / "build-2")
    (second / "news/group/2024/extra.pdf").write_bytes(b"%PDF-1.4 new attachment")
    published = []
    original = Store.publish

    def publish_then_die(self: Store, key: str, entry: object) -> None:
        original(self, key, entry)  # type: ignore[arg-type]
        published.append(key)
        if len(published) == 3:
            rclone.stop()

    monkeypatch.setattr(Store, "publish", publish_then_die)
    with pytest.raises(Exception):  # noqa: B017 - the connection error of a dead server
        run(second, rclone)
    assert not _referenced_files_exist(rclone.data), "no live page links to a file not yet uploaded"
    monkeypatch.setattr(Store, "publish", original)
    restarted = start_rclone(rclone.data, rclone.port)
    try:
        summary, _ = run(second, restarted)
        assert set(published) <= set(summary.plan.uploads), (
            "keys of the broken deploy are uploaded again"
        )
        assert live_keys(restarted) == {k: e.md5 for k, e in build_manifest(second).files.items()}
        assert not _referenced_files_exist(restarted.data)
    finally:
        restarted.stop()


def test_rollback_restores_the_previous_release(
    s3_server: S3Server, site: tuple[Path, Path], tmp_path: Path
) -> None:
    content, first = site
    run(first, s3_server)
    second = rebuild_with_edit(content, tmp_path / "build-2")
    run(second, s3_server)
    assert live_keys(s3_server) == {k: e.md5 for k, e in build_manifest(second).files.items()}
    summary = rollback(DeployConfig.from_env(s3_server.env()), out=io.StringIO())
    assert live_keys(s3_server) == {k: e.md5 for k, e in build_manifest(first).files.items()}
    assert summary.uploaded_bytes == 0, "a rollback copies kept contents; it uploads nothing"
    with pytest.raises(DeployError):
        rollback(DeployConfig.from_env(s3_server.env()), out=io.StringIO())


# --- CDN purges --------------------------------------------------------------------------


def test_cloudfront_invalidates_exactly_the_changed_paths_in_batches(
    site: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.deploy.conftest import start_moto

    server = start_moto()
    try:
        import boto3

        front = boto3.client(
            "cloudfront", endpoint_url=server.endpoint, region_name="us-east-1",
            aws_access_key_id="testaccesskey", aws_secret_access_key="testsecretkey1234",
        )  # fmt: skip
        distribution = front.create_distribution(
            DistributionConfig={
                "CallerReference": "site",
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "s3",
                            "DomainName": "site.s3.amazonaws.com",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "s3",
                    "ViewerProtocolPolicy": "allow-all",
                    "MinTTL": 0,
                },
            }
        )["Distribution"]["Id"]
        env = {
            "DEPLOY_CDN": "cloudfront",
            "DEPLOY_CLOUDFRONT_DISTRIBUTION_ID": distribution,
            "DEPLOY_CLOUDFRONT_ENDPOINT": server.endpoint,
        }
        content, first = site
        run(first, server, **env)
        monkeypatch.setattr(cdn_module, "CLOUDFRONT_BATCH", 4)
        second = rebuild_with_edit(content, tmp_path / "build-2")
        summary, _ = run(second, server, **env)
        assert summary.purge is not None and summary.purge.requests == -(
            -len(summary.plan.purge) // 4
        )
        listed = front.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
        paths = sorted(
            path
            for item in listed
            for path in front.get_invalidation(DistributionId=distribution, Id=item["Id"])[
                "Invalidation"
            ]["InvalidationBatch"]["Paths"]["Items"]
        )
        assert set(summary.plan.purge) <= set(paths)
    finally:
        server.stop()


class _AliyunRecorder(BaseHTTPRequestHandler):
    calls: ClassVar[list[dict[str, list[str]]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        query = parse_qs(urlsplit(self.path).query)
        query.update(parse_qs(body))
        query["action"] = [self.headers.get("x-acs-action") or query.get("Action", [""])[0]]
        type(self).calls.append(query)
        answer = json.dumps({"RequestId": "test", "RefreshTaskId": "1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = _answer  # noqa: N815 - http.server names

    def log_message(self, *args: object) -> None:
        """Quiet."""


def test_aliyun_refreshes_full_urls_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Alibaba Cloud's API cannot run here: a local endpoint records what the SDK sends.
    recorder = ThreadingHTTPServer(("127.0.0.1", 0), _AliyunRecorder)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    _AliyunRecorder.calls = []
    monkeypatch.setattr(cdn_module, "ALIYUN_BATCH", 3)
    try:
        env = {
            "DEPLOY_S3_ENDPOINT": "http://127.0.0.1:1",
            "DEPLOY_S3_BUCKET": BUCKET,
            "DEPLOY_S3_REGION": "us-east-1",
            "DEPLOY_BASE_URL": "https://www.example.gov.cn",
            "AWS_ACCESS_KEY_ID": "unused",
            "AWS_SECRET_ACCESS_KEY": "unused",
            "DEPLOY_CDN": "aliyun",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret",
            "DEPLOY_ALIYUN_ENDPOINT": f"http://127.0.0.1:{recorder.server_address[1]}",
        }
        config = DeployConfig.from_env(env)
        result = cdn_module.purge(config, ["/a/", "/a/index.html", "/b.css", "/c/", "/d.xml"], "r1")
    finally:
        recorder.shutdown()
    assert result is not None and (result.urls, result.requests) == (5, 2)
    sent = [call["ObjectPath"][0].split("\n") for call in _AliyunRecorder.calls]
    assert sent == [
        [
            "https://www.example.gov.cn/a/",
            "https://www.example.gov.cn/a/index.html",
            "https://www.example.gov.cn/b.css",
        ],
        ["https://www.example.gov.cn/c/", "https://www.example.gov.cn/d.xml"],
    ]
    assert all(call["action"] == ["RefreshObjectCaches"] for call in _AliyunRecorder.calls)


def test_an_unconfigured_cdn_is_skipped_with_a_message(
    s3_server: S3Server, site: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="watersite.deploy.cdn")
    _, output = site
    summary, _ = run(output, s3_server, DEPLOY_CDN="cloudfront")  # no distribution id
    assert summary.purge is None
    assert "DEPLOY_CLOUDFRONT_DISTRIBUTION_ID" in caplog.text and "purge skipped" in caplog.text
