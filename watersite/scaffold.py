"""`invoke new`: a new content file with every field it needs, explained in Chinese.

The file goes where its section reads it (content/<section>/<year>/), named in
ASCII (the date, then the title in pinyin). Each field line carries its name and
meaning from the schema, so the comments never drift from what `check` enforces.
What only the editor can know is left as a 【请填写…】 placeholder, which
`check` refuses until it is replaced: a half-filled file is never published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from watersite.schema import MODEL_BY_KIND
from watersite.schema.models import OUTAGE_KINDS, TENDER_METHODS, TENDER_NOTICES
from watersite.schema.types import is_slug
from watersite.sections import Kind, Section, collection_sections

#: What marks text the editor still has to write; `check` refuses it.
PLACEHOLDER = "【请填写"
SLUG_WORDS = 8


@dataclass(frozen=True)
class Line:
    """One front-matter line: field, value (YAML text) and whether it starts commented out."""

    field: str
    value: str
    optional: bool = False


def _ask(what: str) -> str:
    return f"{PLACEHOLDER}：{what}】"


def _fields(kind: Kind, notice: str) -> list[Line]:
    """The fields of a new item of `kind`, beyond title and date."""
    common_optional = [
        Line("summary", _ask("一句话摘要，显示在列表中"), optional=True),
        Line("tags", "\n  - " + _ask("标签"), optional=True),
    ]
    by_kind = {
        Kind.ARTICLES: [
            Line("source", _ask("来源部门"), optional=True),
            Line("author", _ask("作者"), optional=True),
            Line("cover", _ask("封面图文件名，如 photo.jpg"), optional=True),
        ],
        Kind.OUTAGES: [
            Line("kind", _ask(" 或 ".join(OUTAGE_KINDS))),
            Line("start", _ask("停水开始时间 YYYY-MM-DD HH:MM")),
            Line("end", _ask("预计恢复供水时间 YYYY-MM-DD HH:MM")),
            Line("areas", "\n  - " + _ask("停水范围，每个路段或小区一行")),
            Line("reason", _ask("停水原因")),
        ],
        Kind.TENDERS: _tender_fields(notice),
        Kind.JOBS: [
            Line("deadline", _ask("报名截止时间 YYYY-MM-DD HH:MM")),
            Line("positions", "\n  - name: " + _ask("岗位名称") + "\n    count: 1"),
            Line("apply", _ask("报名方式")),
        ],
        Kind.DOCUMENTS: [
            Line("issuer", _ask("发布机关")),
            Line("doc_no", _ask("文号或标准号"), optional=True),
            Line("validity", "现行有效"),
            Line("file", _ask("原文文件名，如 notice.pdf"), optional=True),
        ],
        Kind.GUIDES: [
            Line("materials", "\n  - " + _ask("所需材料，每项一行")),
            Line("steps", "\n  - " + _ask("办理步骤，每步一行")),
            Line("time_limit", _ask("办理时限，如 3 个工作日")),
            Line("fees", "不收费"),
        ],
        Kind.PAPER: [
            Line("issue", _ask("期号，如 第 128 期")),
            Line("pdf", _ask("本期 PDF 文件名，如 issue-128.pdf")),
            Line("cover", _ask("封面图文件名，如 issue-128-cover.jpg"), optional=True),
        ],
    }
    return by_kind[kind] + common_optional


def _tender_fields(notice: str) -> list[Line]:
    lines = [Line("notice", notice), Line("project_no", _ask("项目编号，同一项目的公告写同一个"))]
    if notice == "招标公告":
        lines += [
            Line("method", _ask("、".join(TENDER_METHODS))),
            Line("deadline", _ask("投标截止时间 YYYY-MM-DD HH:MM，须在 20 天后")),
            Line("opening", _ask("开标时间 YYYY-MM-DD HH:MM"), optional=True),
            Line("budget", _ask("预算金额，单位元"), optional=True),
            Line("contact", "\n  name: " + _ask("联系人") + "\n  phone: " + _ask("电话")),
        ]
    elif notice == "中标候选人公示":
        lines.append(Line("publicity_end", _ask("公示截止时间 YYYY-MM-DD HH:MM，至少 3 天后")))
    elif notice == "更正公告":
        lines.append(Line("deadline", _ask("更正后的投标截止时间 YYYY-MM-DD HH:MM")))
    return lines


def dated_sections() -> list[Section]:
    """Sections `invoke new` can add to, in site-map order."""
    return [s for s in collection_sections() if s.kind in _KINDS]


_KINDS = {
    Kind.ARTICLES,
    Kind.OUTAGES,
    Kind.TENDERS,
    Kind.JOBS,
    Kind.DOCUMENTS,
    Kind.GUIDES,
    Kind.PAPER,
}


def slug_of(title: str) -> str:
    """An ASCII URL name from a Chinese title: its first words in pinyin."""
    # Imported here: its dictionaries take 0.2 s to load, which every build (the
    # catalog imports this module) would pay for a name only `invoke new` makes.
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    words: list[str] = []
    for part in lazy_pinyin(title):
        words += re.findall(r"[a-z0-9]+", part.lower())
    return "-".join(words[:SLUG_WORDS]) or "item"


def render(section: Section, title: str, date: datetime, notice: str = "招标公告") -> str:
    """The text of a new content file for `section`."""
    model = MODEL_BY_KIND[section.kind]
    lines = [
        "---",
        "# 新建于 invoke new。把每个【请填写…】换成实际内容；以 # 开头的行是说明或可选字段，",
        "# 需要时删掉行首的 # 即可使用。写完运行 ./run check 检查。",
        _field_line(model, Line("title", _yaml_text(title))),
        _field_line(model, Line("date", date.strftime("%Y-%m-%d %H:%M"))),
    ]
    lines += [_field_line(model, line) for line in _fields(section.kind, notice)]
    lines += ["---", "", _ask("正文。空一行分段；小标题写成 ## 小标题"), ""]
    return "\n".join(lines)


def _field_line(model: type, line: Line) -> str:
    info = model.model_fields[line.field]
    comment = f"# {info.title}：{info.description}" if info.description != info.title else ""
    value = line.value if line.value.startswith("\n") else f" {line.value}"
    text = f"{line.field}:{value}"
    if line.optional:
        text = "\n".join("# " + part for part in text.split("\n"))
    return f"{comment}\n{text}" if comment else text


def _yaml_text(text: str) -> str:
    """`text` as a YAML value that stays text (quoted when YAML would read it otherwise)."""
    if re.search(r"[:#\[\]{}&*!|>'\"%@`,]|^[-?\s]|\s$", text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def new_item(
    content: Path,
    section: Section,
    *,
    title: str,
    date: datetime,
    slug: str | None = None,
    notice: str = "招标公告",
) -> Path:
    """Write a new content file and return its path; never overwrites a file."""
    if section.kind not in _KINDS:
        raise ValueError(f"栏目“{section.title}”不能用 invoke new 新建内容。")
    if notice not in TENDER_NOTICES:
        raise ValueError(f"公告类型只能是：{'、'.join(TENDER_NOTICES)}。")
    name = slug or slug_of(title)
    if not is_slug(name):
        raise ValueError(f"文件名“{name}”只能用小写英文字母、数字和连字符。")
    folder = content / section.path / str(date.year)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{date:%Y-%m-%d}-{name}.md"
    number = 2
    while path.exists():
        path = folder / f"{date:%Y-%m-%d}-{name}-{number}.md"
        number += 1
    path.write_text(render(section, title, date, notice), encoding="utf-8")
    return path


def placeholder_lines(text: str) -> list[int]:
    """Line numbers that still hold a placeholder (YAML comments in the front matter
    do not count: they are the optional fields the editor did not use)."""
    found = []
    in_front_matter = text.startswith("---")
    for number, line in enumerate(text.split("\n"), start=1):
        if in_front_matter and number > 1 and line.strip() == "---":
            in_front_matter = False
        elif in_front_matter and line.lstrip().startswith("#"):
            continue
        elif PLACEHOLDER in line:
            found.append(number)
    return found
