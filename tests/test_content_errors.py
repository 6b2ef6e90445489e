"""Every kind of bad content fails `invoke check` and the build, naming the file
and field, in Chinese and English; Pelican's log-and-drop never happens."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXED_EPOCH, FIXED_NOW, build_into, run, venv_command
from watersite.build import check
from watersite.errors import ContentErrors

ARTICLE = "news/group/2024/plant-upgrade.md"


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def article(front: str, body: str = "正文。") -> str:
    return f"---\n{front.strip()}\n---\n{body}\n"


def replace_in(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def add(relative: str, text: str) -> Callable[[Path], None]:
    return lambda root: write(root, relative, text)


@dataclass(frozen=True)
class Case:
    """A content mistake and what the error must say about it."""

    mutate: Callable[[Path], None]
    file: str  # the file the error must name
    field: str  # the field it must name ("" for whole-file problems)
    zh: str  # a fragment of the Chinese message
    line: int = 0  # the line it must name, when known


def _write_bytes(relative: str, data: bytes) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)

    return mutate


def _symlink(relative: str, target: str) -> Callable[[Path], None]:
    return lambda root: (root / relative).symlink_to(target)


CASES = {
    "bad date": Case(
        replace_in(ARTICLE, "date: 2024-03-15 09:30", "date: 2024-13-45"),
        ARTICLE,
        "date",
        "不是日历上存在的日期",
        line=3,
    ),
    "ambiguous date 01/05/2024": Case(
        replace_in(ARTICLE, "date: 2024-03-15 09:30", "date: 01/05/2024"),
        ARTICLE,
        "date",
        "日和月先后不明确",
    ),
    "ambiguous date 2024": Case(
        replace_in(ARTICLE, "date: 2024-03-15 09:30", "date: 2024"),
        ARTICLE,
        "date",
        "“2024”不是有效的时间",
    ),
    "ambiguous date May 1": Case(
        replace_in(ARTICLE, "date: 2024-03-15 09:30", "date: May 1"),
        ARTICLE,
        "date",
        "“May 1”不是有效的时间",
    ),
    "time without date": Case(
        replace_in(ARTICLE, "date: 2024-03-15 09:30", "date: 10:00"),
        ARTICLE,
        "date",
        "不是有效的时间",
    ),
    "missing title": Case(
        replace_in(ARTICLE, "title: 城东水厂完成提标改造\n", ""),
        ARTICLE,
        "title",
        "缺少必填字段 title",
    ),
    "empty title": Case(
        replace_in(ARTICLE, "title: 城东水厂完成提标改造", "title:"),
        ARTICLE,
        "title",
        "不能为空",
    ),
    "non-UTF-8 file": Case(
        _write_bytes(
            "news/group/2024/gbk.md",
            "---\ntitle: 测试\ndate: 2024-01-01\n---\n正文\n".encode("gbk"),
        ),
        "news/group/2024/gbk.md",
        "",
        "不是 UTF-8 编码",
        line=2,
    ),
    "unknown status": Case(
        replace_in(
            ARTICLE, "title: 城东水厂完成提标改造", "title: 城东水厂完成提标改造\nstatus: hidden"
        ),
        ARTICLE,
        "status",
        "“hidden”不是允许的值",
    ),
    "unknown folder": Case(
        add("news/groupp/2024/x.md", article("title: 放错位置\ndate: 2024-01-01")),
        "news/groupp/2024/x.md",
        "",
        "不属于网站的任何栏目",
    ),
    "duplicate URL": Case(
        add(
            "news/group/2024/copy.md", article("title: 重复\ndate: 2024-02-01\nslug: plant-upgrade")
        ),
        ARTICLE,
        "slug",
        "copy.md 重复",
    ),
    "save_as override": Case(
        replace_in(ARTICLE, "source: 集团办公室", "save_as: index.html"),
        ARTICLE,
        "save_as",
        "不允许在内容中设置保存位置",
        line=4,
    ),
    "url override": Case(
        replace_in(ARTICLE, "source: 集团办公室", "url: news/"),
        ARTICLE,
        "url",
        "不允许在内容中设置网址",
    ),
    "template override": Case(
        replace_in(ARTICLE, "source: 集团办公室", "template: page"),
        ARTICLE,
        "template",
        "不允许在内容中设置模板",
    ),
    "misspelt field": Case(
        replace_in(ARTICLE, "source: 集团办公室", "sauce: 集团办公室"),
        ARTICLE,
        "sauce",
        "是不是要写 source",
    ),
    "Pelican-style capitalised field": Case(
        replace_in(ARTICLE, "title: 城东水厂完成提标改造", "Title: 城东水厂完成提标改造"),
        ARTICLE,
        "Title",
        "是不是要写 title",
    ),
    "duplicate field": Case(
        replace_in(ARTICLE, "source: 集团办公室", "title: 又一个标题"),
        ARTICLE,
        "title",
        "写了两次",
    ),
    "YAML syntax error": Case(
        replace_in(ARTICLE, "source: 集团办公室", 'source: "集团办公室'),
        ARTICLE,
        "",
        "YAML 格式有误",
    ),
    "no front matter": Case(
        add("news/group/2024/plain.md", "只有正文，没有字段。\n"),
        "news/group/2024/plain.md",
        "",
        "缺少 front matter",
    ),
    "non-ASCII file name": Case(
        add("news/group/2024/新闻.md", article("title: 中文文件名\ndate: 2024-01-01")),
        "news/group/2024/新闻.md",
        "slug",
        "不能直接用作网址",
    ),
    "year folder does not match date": Case(
        replace_in(ARTICLE, "date: 2024-03-15 09:30", "date: 2023-03-15 09:30"),
        ARTICLE,
        "date",
        "文件却在 2024 文件夹中",
    ),
    "missing attachment": Case(
        replace_in(ARTICLE, "file: report.pdf", "file: missing.pdf"),
        ARTICLE,
        "attachments[0].file",
        "找不到文件“missing.pdf”",
    ),
    "missing image in body": Case(
        replace_in(ARTICLE, "于近日完成。", "于近日完成。\n\n![现场](nowhere.jpg)"),
        ARTICLE,
        "正文",
        "找不到链接或图片的文件“nowhere.jpg”",
    ),
    "javascript link in body": Case(
        replace_in(ARTICLE, "于近日完成。", "于近日完成。[点我](javascript:alert(1))"),
        ARTICLE,
        "正文",
        "不允许的协议",
    ),
    "unsupported file type": Case(
        add("news/group/2024/run.exe", "MZ"),
        "news/group/2024/run.exe",
        "",
        "不支持的文件类型",
    ),
    "symbolic link": Case(
        _symlink("news/group/2024/passwd.pdf", "/etc/passwd"),
        "news/group/2024/passwd.pdf",
        "",
        "符号链接",
    ),
    "outage ends before it starts": Case(
        replace_in(
            "notices/outages/2024/east-pipe.md", "end: 2024-06-04 06:00", "end: 2024-06-03 20:00"
        ),
        "notices/outages/2024/east-pipe.md",
        "end",
        "必须晚于停水开始时间",
    ),
    "outage without areas": Case(
        replace_in(
            "notices/outages/2024/east-pipe.md",
            "areas:\n  - 临澜大道（滨江路至望江路段）\n  - 滨江花园小区\n",
            "areas: []\n",
        ),
        "notices/outages/2024/east-pipe.md",
        "areas",
        "不能为空",
    ),
    "tender deadline too short": Case(
        replace_in(
            "tenders/works/2024/main-pipe.md",
            "deadline: 2024-05-27 09:30",
            "deadline: 2024-05-16 09:30",
        ),
        "tenders/works/2024/main-pipe.md",
        "deadline",
        "不足 20 天",
    ),
    "tender notice without contact": Case(
        replace_in(
            "tenders/works/2024/main-pipe.md",
            "contact:\n  name: 王工\n  phone: 0123-88880001\n",
            "",
        ),
        "tenders/works/2024/main-pipe.md",
        "contact",
        "招标公告必须填写联系人",
    ),
    "money with separators": Case(
        replace_in("tenders/works/2024/main-pipe.md", 'budget: "3860000"', "budget: 3,860,000"),
        "tenders/works/2024/main-pipe.md",
        "budget",
        "不要写千分位逗号",
    ),
    "missing page file": Case(
        lambda root: (root / "about/chairman.md").unlink(),
        "about/chairman.md",
        "",
        "缺少“董事长致辞”页面的文件",
    ),
    "bad data table": Case(
        replace_in("data/prices.yml", 'supply: "2.10"', "supply: 两元一角"),
        "data/prices.yml",
        "residential[0].supply",
        "不是有效的金额",
    ),
    "link to a missing article": Case(
        replace_in(ARTICLE, "../../industry/standard-news.md", "../../industry/nothing.md"),
        ARTICLE,
        "正文",
        "不存在或未发布",
    ),
}


def _assert_reported(problems: ContentErrors, case: Case, root: Path) -> None:
    matching = [e for e in problems.errors if e.path.endswith(case.file) and e.field == case.field]
    report = problems.report()
    assert matching, f"no error for {case.file} / {case.field!r} in:\n{report}"
    error = matching[0]
    assert case.zh in error.zh, report
    assert error.en, report
    if case.line:
        assert error.line == case.line, report
    assert case.file in report and (not case.field or case.field in report)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_content_fails_check_naming_file_and_field(name: str, content_copy: Path) -> None:
    case = CASES[name]
    case.mutate(content_copy)
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    _assert_reported(raised.value, case, content_copy)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_content_fails_build_before_writing(
    name: str, content_copy: Path, tmp_path: Path
) -> None:
    case = CASES[name]
    case.mutate(content_copy)
    output = tmp_path / "output"
    output.mkdir()
    (output / "previous.html").write_text("last good build", encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        build_into(content_copy, output)
    _assert_reported(raised.value, case, content_copy)
    assert [p.name for p in output.iterdir()] == ["previous.html"], (
        "the build wrote or deleted files"
    )


def test_every_problem_is_reported_at_once(content_copy: Path) -> None:
    for name in ("bad date", "unknown folder", "missing attachment"):
        CASES[name].mutate(content_copy)
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    assert len(raised.value.errors) == 3
    assert "共发现 3 处内容问题" in raised.value.report()


def test_invoke_check_exits_non_zero_with_the_message(content_copy: Path) -> None:
    CASES["bad date"].mutate(content_copy)
    result = run(venv_command("invoke"), "check", "--content", str(content_copy))
    assert result.returncode == 1
    assert "plant-upgrade.md:3: 字段 date:" in result.stderr
    assert "does not exist on the calendar" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_plain_pelican_cli_fails_with_the_message(content_copy: Path, tmp_path: Path) -> None:
    CASES["unknown status"].mutate(content_copy)
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH}
    result = run(
        venv_command("pelican"),
        str(content_copy),
        "-s",
        "pelicanconf.py",
        "-o",
        str(tmp_path / "out"),
        env=env,
    )
    assert result.returncode == 1
    assert "字段 status" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_organisation_file_is_reported(tmp_path: Path) -> None:
    from watersite.organisation import load_organisation

    bad = tmp_path / "organisation.yml"
    text = (Path(__file__).parent.parent / "organisation.yml").read_text(encoding="utf-8")
    bad.write_text(text.replace("hotline: 0123-96889", "hotline: 请拨打热线"), encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        load_organisation(bad)
    assert any(e.field == "hotline" and "不是有效的电话号码" in e.zh for e in raised.value.errors)
