"""`invoke new` scaffolds every dated content type: the right folder, an ASCII file
name, every required field explained in Chinese; `check` refuses the file until
each 【请填写…】 is replaced, then passes it."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import DEMO_CONTENT, FIXED_NOW, run, venv_command
from watersite.build import ROOT, check
from watersite.errors import ContentErrors
from watersite.scaffold import PLACEHOLDER, dated_sections, new_item, slug_of
from watersite.sections import BY_PATH

WHEN = datetime(2024, 6, 1, 9, 0)  # before the fixture site's clock: published
#: What an editor writes for each placeholder, by the hint it shows.
ANSWERS = {
    "计划停水 或 临时停水": "计划停水",
    "停水开始时间": "2024-06-03 08:00",
    "预计恢复供水时间": "2024-06-03 18:00",
    "停水范围": "望江路（滨江大道至澜湾路段）",
    "停水原因": "管道维修",
    "项目编号": "QLSW-2024-GC-099",
    "公开招标、": "公开招标",
    "投标截止时间": "2024-06-28 09:30",
    "更正后的投标截止时间": "2024-06-28 09:30",
    "公示截止时间": "2024-06-05 18:00",
    "联系人": "王芳",
    "电话": "0123-96889",
    "报名截止时间": "2024-06-20 17:00",
    "岗位名称": "管网运行工",
    "报名方式": "将报名表发送至 hr@example.com。",
    "发布机关": "青澜市水务局",
    "所需材料": "身份证",
    "办理步骤": "到营业厅提交材料",
    "办理时限": "3 个工作日",
    "期号": "第 300 期",
    "本期 PDF 文件名": "issue-300.pdf",
    "正文": "这是正文。",
}


def fill(path: Path) -> None:
    """Replace every placeholder in active lines as an editor would."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines):
        if PLACEHOLDER in line and not line.lstrip().startswith("#"):
            start, end = line.index(PLACEHOLDER), line.index("】")
            hint = line[start + len(PLACEHOLDER) + 1 : end]
            answer = next(value for key, value in ANSWERS.items() if hint.startswith(key))
            lines[number] = line[:start] + answer + line[end + 1 :]
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def content(content_copy: Path) -> Path:
    for year_folder in (content_copy / "news/paper").glob("*"):
        shutil.rmtree(year_folder)  # one paper issue per date: ours is the only one
    return content_copy


CASES = [(s.path, "招标公告") for s in dated_sections()] + [
    ("tenders/goods", notice) for notice in ("更正公告", "中标候选人公示", "中标结果公告")
]


@pytest.mark.parametrize(("section", "notice"), CASES, ids=[f"{s}-{n}" for s, n in CASES])
def test_a_scaffold_passes_check_once_filled(content: Path, section: str, notice: str) -> None:
    path = new_item(
        content, BY_PATH[section], title="关于做好冬季供水保障工作的通知", date=WHEN, notice=notice
    )
    assert path.parent == content / section / "2024"
    assert path.name == "2024-06-01-guan-yu-zuo-hao-dong-ji-gong-shui.md"
    with pytest.raises(ContentErrors) as refused:
        check(content, now=FIXED_NOW)
    assert all("还有没填写的内容" in e.zh for e in refused.value.errors)
    assert {e.path.rsplit("/", 1)[-1] for e in refused.value.errors} == {path.name}
    fill(path)
    if section == "news/paper":
        shutil.copyfile(
            next(DEMO_CONTENT.glob("news/paper/*/*.pdf")), path.parent / "issue-300.pdf"
        )
    catalog = check(content, now=FIXED_NOW)
    assert catalog.entries[path.relative_to(content).as_posix()].state == "published"


def test_every_line_is_explained_in_chinese(content: Path) -> None:
    path = new_item(content, BY_PATH["notices/outages"], title="停水通知", date=WHEN)
    text = path.read_text(encoding="utf-8")
    assert "# 停水开始：停水开始时间\nstart:" in text
    assert "# 影响范围：" in text and "areas:\n  - 【请填写" in text
    assert "# summary:" in text, "optional fields are there, commented out"


def test_file_names_are_ascii_and_never_overwrite(content: Path) -> None:
    assert slug_of("2026 年“世界水日”主题活动") == "2026-nian-shi-jie-shui-ri-zhu-ti"
    first = new_item(content, BY_PATH["news/group"], title="世界水日", date=WHEN)
    second = new_item(content, BY_PATH["news/group"], title="世界水日", date=WHEN)
    assert first.name == "2024-06-01-shi-jie-shui-ri.md"
    assert second.name == "2024-06-01-shi-jie-shui-ri-2.md"
    with pytest.raises(ValueError, match="小写英文字母"):
        new_item(content, BY_PATH["news/group"], title="x", date=WHEN, slug="World Day")


def test_titles_that_yaml_would_misread_stay_text(content: Path) -> None:
    path = new_item(content, BY_PATH["news/group"], title="通知：明日 08:00 停水 #紧急", date=WHEN)
    fill(path)
    catalog = check(content, now=FIXED_NOW)
    entry = catalog.entries[path.relative_to(content).as_posix()]
    assert entry.meta.title == "通知：明日 08:00 停水 #紧急"


def test_invoke_new_from_flags_and_interactively(content: Path) -> None:
    result = run(
        venv_command("invoke"), "new", "--section", "招聘信息", "--title", "2024 年招聘公告",
        "--date", "2024-06-01 09:00", "--content", str(content),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "已新建" in result.stdout and (content / "jobs/2024").is_dir()
    number = [s.path for s in dated_sections()].index("notices/outages") + 1
    result = run_with_answers(content, f"{number}\n望江路停水通知\n")
    assert result.returncode == 0, result.stderr
    assert "停水通知（notices/outages）" in result.stdout
    assert list((content / "notices/outages").glob("*/*-wang-jiang-lu-ting-shui-tong-zhi.md"))


def run_with_answers(content: Path, answers: str) -> subprocess.CompletedProcess[str]:
    """`invoke new` without flags, answering its questions on stdin."""
    return subprocess.run(
        [venv_command("invoke"), "new", "--content", str(content)],
        input=answers,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_ambiguous_date_is_refused_with_the_format(content: Path) -> None:
    result = run(
        venv_command("invoke"), "new", "--section", "集团动态", "--title", "通知",
        "--date", "12/01/2026", "--content", str(content),
    )  # fmt: skip
    assert result.returncode == 1 and "YYYY-MM-DD HH:MM" in result.stderr
    assert not list((content / "news/group").glob("*/*tong-zhi*.md"))


def test_without_a_terminal_invoke_new_names_the_flags(content: Path) -> None:
    result = run_with_answers(content, "")
    assert result.returncode == 1 and "--section" in result.stderr
