"""Deploy the built site to S3-compatible storage behind a CDN, check what is
live, and roll back.

    deploy(output, config)   manifest -> plan -> upload in a safe order -> delete
                             -> record the release -> purge the CDN
    verify_live(config)      every file through the public URL, and the bucket
                             listing, against the live release's manifest
    rollback(config)         make the previous release live again

Nothing is uploaded before the settings are checked and the whole plan is
known; `dry_run` prints the plan and the purge list and changes nothing.
"""

from __future__ import annotations

import hashlib
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from watersite.deploy import cdn
from watersite.deploy.config import DeployConfig
from watersite.deploy.manifest import Manifest, build_manifest, urls_of
from watersite.deploy.plan import DeployError, Plan, make_plan
from watersite.deploy.store import HISTORY, Store

__all__ = ["DeployConfig", "DeployError", "Summary", "deploy", "rollback", "verify_live"]


@dataclass
class Summary:
    """What a deploy or rollback did."""

    release: str
    plan: Plan
    uploaded_bytes: int = 0
    kept: int = 0  # new contents stored under .deploy/objects/
    purge: cdn.PurgeResult | None = None
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The summary for the operator."""
        state = "（演练，未做改动 / dry run, nothing changed）" if self.dry_run else ""
        purged = (
            f"{self.purge.urls} 个网址，{self.purge.requests} 次请求"
            if self.purge
            else "未刷新 / skipped"
        )
        return [
            f"发布版本 / release {self.release}{state}",
            f"  上传 / uploaded: {len(self.plan.uploads)} 个文件 / files, {self.uploaded_bytes} 字节 / bytes"
            f"（新内容 / new contents: {self.kept}）",
            f"  删除 / deleted: {len(self.plan.deletions)}",
            f"  CDN 刷新 / purged: {purged}",
        ]


def _release_id(manifest: Manifest) -> str:
    digest = hashlib.sha256(manifest.to_json().encode()).hexdigest()[:8]
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + digest


def _print_plan(plan: Plan, out: TextIO) -> None:
    for key in plan.uploads:
        print(f"  上传 / upload  {key}", file=out)
    for key in plan.deletions:
        print(f"  删除 / delete  {key}", file=out)
    print(f"  CDN 刷新列表 / purge list ({len(plan.purge)}):", file=out)
    for url in plan.purge:
        print(f"    {url}", file=out)


def _apply(
    store: Store,
    plan: Plan,
    target: Manifest,
    read: Callable[[str], bytes] | None,
    out: TextIO,
) -> tuple[int, int]:
    """Upload (via the kept copies) and delete; return (bytes sent, new contents)."""
    kept = store.stored_digests()
    sent, new = 0, 0
    total = len(plan.uploads)
    for number, key in enumerate(plan.uploads, start=1):
        entry = target.files[key]
        if entry.sha256 not in kept:
            if read is None:
                raise DeployError(
                    f"版本中的文件 {key} 的内容不在存储中，无法恢复 / content of {key} is not kept"
                )
            store.keep(entry.sha256, read(key))
            kept.add(entry.sha256)
            sent += entry.size
            new += 1
        store.publish(key, entry)
        print(f"[{number}/{total}] {key} ({entry.size} B)", file=out, flush=True)
    store.delete(plan.deletions)
    return sent, new


def _make_live(
    *,
    config: DeployConfig,
    store: Store,
    target: Manifest,
    release: str,
    history: list[str],
    read: Callable[[str], bytes] | None,
    dry_run: bool,
    out: TextIO,
) -> Summary:
    _, previous = store.current()
    unsure = frozenset(store.in_progress())
    plan = make_plan(target, previous, store.live(), unsure, config.delete_limit)
    summary = Summary(release, plan, dry_run=dry_run)
    if dry_run:
        _print_plan(plan, out)
        return summary
    store.begin(sorted(set(plan.uploads) | unsure))
    summary.uploaded_bytes, summary.kept = _apply(store, plan, target, read, out)
    store.record_release(release, target, history)
    store.finish()
    summary.purge = cdn.purge(config, plan.purge, release)
    return summary


def deploy(
    output: Path, config: DeployConfig, dry_run: bool = False, out: TextIO = sys.stdout
) -> Summary:
    """Make the built site in `output` live."""
    target = build_manifest(output)
    if not target.files:
        raise DeployError("构建结果为空，未部署 / the build is empty; nothing deployed")
    store = Store(config)
    release = _release_id(target)
    return _make_live(
        config=config,
        store=store,
        target=target,
        release=release,
        history=[*store.history(), release],
        read=lambda key: (output / key).read_bytes(),
        dry_run=dry_run,
        out=out,
    )


def rollback(config: DeployConfig, dry_run: bool = False, out: TextIO = sys.stdout) -> Summary:
    """Make the release before the live one live again (from the kept copies)."""
    store = Store(config)
    history = store.history()
    if len(history) < 2:
        raise DeployError("没有更早的版本可以恢复 / there is no earlier release to roll back to")
    previous = history[-2]
    return _make_live(
        config=config,
        store=store,
        target=store.manifest(previous),
        release=previous,
        history=history[:-1],
        read=None,  # every content is already kept in the store
        dry_run=dry_run,
        out=out,
    )


@dataclass
class Verification:
    """What differs between the live site and its release."""

    release: str | None
    checked: int = 0
    wrong: list[str] = field(default_factory=list)  # served bytes differ (defaced)
    missing: list[str] = field(default_factory=list)  # not served, or not in the bucket
    unexpected: list[str] = field(default_factory=list)  # in the bucket, not in the release
    tampered: list[str] = field(default_factory=list)  # in the bucket with other content
    exposed: list[str] = field(default_factory=list)  # the deploy records, publicly readable

    @property
    def ok(self) -> bool:
        """True when the live site is exactly the release."""
        problems = self.wrong or self.missing or self.unexpected or self.tampered or self.exposed
        return self.release is not None and not problems

    def lines(self) -> list[str]:
        """The report for the operator."""
        if self.release is None:
            return ["还没有部署过 / nothing has been deployed"]
        lines = [f"版本 / release {self.release}: 检查了 / checked {self.checked} 个文件 / files"]
        for label, urls in (
            ("内容被改动 / served content differs", self.wrong),
            ("缺失 / missing", self.missing),
            ("存储中多出的文件 / files not in the release", self.unexpected),
            ("存储中内容不符 / stored content differs", self.tampered),
            (
                "部署记录可被公开访问，请在 CDN 或存储桶策略中禁止 /.deploy/ / deploy records are public",
                self.exposed,
            ),
        ):
            lines += [f"  {label}: {url}" for url in urls]
        lines.append(
            "一致 / live site matches the release" if self.ok else "不一致 / live site differs"
        )
        return lines


def _fetch_digest(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return hashlib.sha256(response.read()).hexdigest()
    except urllib.error.HTTPError:
        return None


def verify_live(config: DeployConfig) -> Verification:
    """Compare every live file, and the bucket, with the live release."""
    store = Store(config)
    release, manifest = store.current()
    result = Verification(release)
    if manifest is None:
        return result
    keys = sorted(manifest.files)
    urls = [config.base_url + urls_of(key)[-1] for key in keys]
    with ThreadPoolExecutor(max_workers=8) as pool:
        digests = list(pool.map(_fetch_digest, urls))
    result.checked = len(keys)
    for key, url, digest in zip(keys, urls, digests, strict=True):
        if digest is None:
            result.missing.append(url)
        elif digest != manifest.files[key].sha256:
            result.wrong.append(url)
    live = store.live()
    for key, stored in sorted(live.items()):
        if key not in manifest.files:
            result.unexpected.append(config.base_url + "/" + key)
        elif stored.etag != manifest.files[key].md5:
            result.tampered.append(config.base_url + "/" + key)
    result.missing += [config.base_url + "/" + key for key in keys if key not in live]
    # The records list every file ever deployed, withdrawn ones included: the
    # public must not be able to read them (see README, 部署).
    records = config.base_url + "/" + HISTORY
    if _fetch_digest(records) is not None:
        result.exposed.append(records)
    return result
