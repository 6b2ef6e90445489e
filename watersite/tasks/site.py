"""Tasks editors and operators use: check, build, serve, docs."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path

from invoke import Context, Exit, task

from watersite.build import (
    DEV_SETTINGS,
    PUBLISH_SETTINGS,
    ROOT,
    check_summary,
    load_settings,
)
from watersite.build import build as run_build
from watersite.build import check as run_check
from watersite.errors import ContentErrors
from watersite.organisation import load_organisation

CONTENT = ROOT / "content"
OUTPUT = ROOT / "output"


def _fail_with(problems: ContentErrors) -> Exit:
    print(problems.report(), file=sys.stderr)
    return Exit(code=1)


@task(help={"content": "内容文件夹 / content folder (default: content)"})
def check(c: Context, content: str = str(CONTENT)) -> None:
    """检查全部内容，不生成网站 / Validate all content without building (fast)."""
    try:
        load_organisation(ROOT / "organisation.yml")
        catalog = run_check(Path(content))
    except ContentErrors as problems:
        raise _fail_with(problems) from None
    print(check_summary(catalog))


@task(
    help={
        "content": "内容文件夹 / content folder (default: content)",
        "output": "输出文件夹 / output folder (default: output)",
        "publish": "用正式发布配置 publishconf.py / use the production settings",
    }
)
def build(
    c: Context,
    content: str = str(CONTENT),
    output: str = str(OUTPUT),
    publish: bool = False,
) -> None:
    """生成网站到 output/ / Build the site into output/."""
    settings_file = PUBLISH_SETTINGS if publish else DEV_SETTINGS
    try:
        run_build(load_settings(settings_file, content=Path(content), output=Path(output)))
    except ContentErrors as problems:
        raise _fail_with(problems) from None
    print(f"网站已生成 / Site built: {output}")


@task(
    help={
        "port": "端口 / port (default 8000)",
        "host": "地址 / address (default 127.0.0.1)",
        "content": "内容文件夹 / content folder",
        "output": "输出文件夹 / output folder",
    }
)
def serve(
    c: Context,
    port: int = 8000,
    host: str = "127.0.0.1",
    content: str = str(CONTENT),
    output: str = str(OUTPUT),
) -> None:
    """本地预览，修改后自动刷新 / Build, serve on http://127.0.0.1:8000, live reload."""
    from watersite.devserver import serve as run_server

    run_server(DEV_SETTINGS, Path(content), Path(output), host, port)


@task(
    help={
        "section": "栏目，如 news/group 或 集团动态（不写则列出供选择）/ section path or name",
        "title": "标题（不写则提问）/ title",
        "date": "发布时间 YYYY-MM-DD HH:MM（默认现在）/ publication time (default: now)",
        "slug": "文件名（英文小写，默认取标题拼音）/ ASCII file name (default: pinyin)",
        "notice": "招标公告类型（默认 招标公告）/ tender notice type",
        "content": "内容文件夹 / content folder (default: content)",
    }
)
def new(  # noqa: PLR0917 - invoke turns each parameter into a flag
    c: Context,
    section: str = "",
    title: str = "",
    date: str = "",
    slug: str = "",
    notice: str = "招标公告",
    content: str = str(CONTENT),
) -> None:
    """新建内容文件，带齐字段和中文说明 / Scaffold a new content file."""
    from watersite.clock import SITE_TIMEZONE
    from watersite.scaffold import dated_sections, new_item

    choices = dated_sections()
    chosen = next((s for s in choices if section in (s.path, s.title)), None)
    if chosen is None:
        if section:
            print(f"没有栏目“{section}”。/ No section '{section}'.", file=sys.stderr)
        for number, option in enumerate(choices, start=1):
            print(f"{number:2}. {option.title}（{option.path}）")
        answer = _ask("请输入栏目编号 / section number: ")
        if not answer.isdigit() or not 1 <= int(answer) <= len(choices):
            raise Exit("没有这个编号 / No such number.", 1)
        chosen = choices[int(answer) - 1]
    title = title or _ask("标题 / title: ")
    if not title:
        raise Exit("标题不能为空 / The title cannot be empty.", 1)
    try:
        when = (
            datetime.strptime(date, "%Y-%m-%d %H:%M" if " " in date else "%Y-%m-%d")
            if date
            else datetime.now(SITE_TIMEZONE).replace(second=0, microsecond=0, tzinfo=None)
        )
    except ValueError:
        raise Exit(
            f"时间“{date}”请写成 YYYY-MM-DD HH:MM / Write the date as YYYY-MM-DD HH:MM", 1
        ) from None
    try:
        path = new_item(
            Path(content), chosen, title=title, date=when, slug=slug or None, notice=notice
        )
    except ValueError as problem:
        raise Exit(str(problem), 1) from None
    print(f"已新建 / Created: {path}")
    print("请打开这个文件，把每个【请填写…】换成实际内容，然后运行 ./run check。")


def _ask(question: str) -> str:
    """An answer typed by the editor; without a terminal, say which flag to give."""
    try:
        return input(question).strip()
    except EOFError:
        raise Exit(
            "没有可以回答问题的终端：请用 --section 和 --title 给出。"
            " / No terminal to answer on: give --section and --title.",
            1,
        ) from None


@task(help={"body_file": "合并请求的说明文字所在文件 / file with the pull request's description"})
def review(c: Context, body_file: str) -> None:
    """核对合并请求的三审记录 / Check a pull request's three-level review record."""
    from watersite.review import review_problems

    problems = review_problems(Path(body_file).read_text(encoding="utf-8"))
    if problems:
        raise Exit("三审记录不完整 / The review record is incomplete:\n" + "\n".join(problems), 1)
    print("三审记录完整 / Review record complete.")


@task
def clean(c: Context) -> None:
    """删除生成的网站 / Delete output/."""
    shutil.rmtree(OUTPUT, ignore_errors=True)


@task(help={"check": "只检查文档是否最新 / only check that the docs are current"})
def docs(c: Context, check: bool = False) -> None:
    """生成字段说明文档 / Regenerate docs/content-fields.md from the schema."""
    from watersite.docs import FIELDS_DOC, render_fields_doc

    text = render_fields_doc()
    if check:
        if not FIELDS_DOC.exists() or FIELDS_DOC.read_text(encoding="utf-8") != text:
            raise Exit(
                f"{FIELDS_DOC.relative_to(ROOT)} 已过期，请运行 invoke docs / is out of date: run invoke docs",
                1,
            )
        return
    FIELDS_DOC.write_text(text, encoding="utf-8")
    print(f"已更新 / Updated {FIELDS_DOC.relative_to(ROOT)}")


@task(help={"target": "保存到的文件夹 / folder for the pictures (default: docs/images)"})
def screenshots(c: Context, target: str = "") -> None:
    """重新截取编辑指南中的网站截图 / Retake the editors' guide screenshots."""
    from watersite.guide_screenshots import GUIDE_IMAGES, take
    from watersite.tasks.tools import ensure_test_tools

    ensure_test_tools(c)
    for path in take(Path(target) if target else GUIDE_IMAGES):
        print(f"已更新 / Updated {path}")


@task(help={"check": "只检查是否最新 / only check that the files are current"})
def headers(c: Context, check: bool = False) -> None:
    """生成响应头配置（安全、缓存、类型）/ Write nginx and CDN header files."""
    from watersite.security import rendered_files

    stale = []
    for relative, text in rendered_files().items():
        path = ROOT / relative
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(relative)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"已更新 / Updated {relative}")
    if stale:
        raise Exit(
            f"已过期，请运行 invoke headers / out of date, run invoke headers: {', '.join(stale)}",
            1,
        )
