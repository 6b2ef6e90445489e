"""Tasks operators use: deploy, verify-live, rollback (see README, 部署)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from invoke import Context, Exit, task

from watersite.build import PUBLISH_SETTINGS, ROOT, build, load_settings
from watersite.errors import ContentErrors

TARGETS = ("s3", "nginx")


def _build_for_publish(folder: Path) -> Path:
    """Build with publishconf.py into a fresh folder."""
    output = folder / "site"
    try:
        build(load_settings(PUBLISH_SETTINGS, content=ROOT / "content", output=output))
    except ContentErrors as problems:
        raise Exit(problems.report(), 1) from None
    return output


def _check_target(target: str, root: str) -> None:
    if target not in TARGETS:
        raise Exit(f"--target 只能是 s3 或 nginx / must be s3 or nginx: {target}", 1)
    if target == "nginx" and not root:
        raise Exit("--target nginx 需要 --root（例如 /srv/watersite）/ needs --root", 1)


def _publish_to_nginx(output: Path, root: Path, dry_run: bool) -> None:
    from watersite.deploy import nginx

    changed, removed = nginx.changes(output, root)
    if dry_run:
        print(
            "\n".join(
                [
                    *(f"  上传 / upload  {key}" for key in changed),
                    *(f"  删除 / delete  {key}" for key in removed),
                ]
            )
        )
        print(
            f"（演练，未做改动 / dry run）变化 / changed: {len(changed)}，删除 / removed: {len(removed)}"
        )
        return
    print(
        f"已发布 / live: {nginx.publish(output, root)}（变化 / changed: {len(changed)}，删除 / removed: {len(removed)}）"
    )


TARGET_HELP = {
    "target": "s3（默认，对象存储 + CDN）或 nginx（本机源站）/ s3 (default) or nginx",
    "root": "nginx 源站的目录，例如 /srv/watersite / the nginx site root",
}


@task(
    help={
        "dry-run": "只显示计划和 CDN 刷新列表，不做改动 / print the plan and purge list, change nothing",
        **TARGET_HELP,
    }
)
def deploy(c: Context, dry_run: bool = False, target: str = "s3", root: str = "") -> None:
    """部署：用发布配置构建，再上传变化的文件 / Build for production and deploy."""
    from watersite import deploy as deploying

    _check_target(target, root)
    config = deploying.DeployConfig.from_env() if target == "s3" else None  # settings first
    with tempfile.TemporaryDirectory() as folder:
        output = _build_for_publish(Path(folder))
        if config is None:
            _publish_to_nginx(output, Path(root), dry_run)
            return
        summary = deploying.deploy(output, config, dry_run=dry_run)
    print("\n".join(summary.lines()))


@task(name="verify-live")
def verify_live(c: Context) -> None:
    """核对线上网站与发布版本是否一致 / Check every live file against the release."""
    from watersite import deploy as deploying

    result = deploying.verify_live(deploying.DeployConfig.from_env())
    print("\n".join(result.lines()))
    if not result.ok:
        raise Exit(code=1)


@task(help={"dry-run": "只显示计划，不做改动 / print the plan only", **TARGET_HELP})
def rollback(c: Context, dry_run: bool = False, target: str = "s3", root: str = "") -> None:
    """恢复上一个发布版本 / Make the previous release live again."""
    from watersite import deploy as deploying
    from watersite.deploy import nginx

    _check_target(target, root)
    if target == "nginx":
        release = nginx.roll_back(Path(root), dry_run=dry_run)
        print(
            f"（演练）将恢复 / would make live: {release}"
            if dry_run
            else f"已恢复 / live: {release}"
        )
        return
    summary = deploying.rollback(deploying.DeployConfig.from_env(), dry_run=dry_run)
    print("\n".join(summary.lines()))
