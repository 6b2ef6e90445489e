"""The 三审 record of a pull or merge request: three ticked lines, three reviewers.

The request template (.github/pull_request_template.md, the same text in
.gitlab/merge_request_templates/Default.md) has one line per review level:

    - [x] 初审（…）：… 审核人：张三 2026-11-27

CI runs `invoke review` on every request that changes content/, so nothing is
published before all three levels have signed, each by a different person.
"""

from __future__ import annotations

import re

LEVELS = ("初审", "复审", "终审")
_LINE = re.compile(
    r"^[ \t]*[-*][ \t]*\[(?P<tick>[ xX])\][ \t]*(?P<level>初审|复审|终审)[^\n]*?审核人[：:](?P<who>[^\n]*)$",
    re.MULTILINE,
)
_NAME_END = re.compile(r"[\s,，、;；]")


def review_problems(body: str) -> list[str]:
    """What is missing from the review record, one bilingual line each."""
    lines = {match["level"]: match for match in _LINE.finditer(body)}
    problems = []
    names: dict[str, str] = {}
    for level in LEVELS:
        line = lines.get(level)
        if line is None:
            problems.append(
                f"缺少“{level}”一行：请按模板填写三审记录。"
                f" / The {level} line of the review template is missing."
            )
        elif line["tick"] == " ":
            problems.append(
                f"“{level}”还没有打勾：审核人核对后把 [ ] 改成 [x]。"
                f" / {level} is not ticked: the reviewer changes [ ] to [x]."
            )
        elif not line["who"].strip():
            problems.append(
                f"“{level}”没有写审核人姓名：请在“审核人：”后写上姓名和日期。"
                f" / {level} has no reviewer name after 审核人：."
            )
        else:
            name = _NAME_END.split(line["who"].strip(), maxsplit=1)[0]
            if name in names.values():
                problems.append(
                    f"“{level}”的审核人 {name} 已经审过另一级：三级审核须由不同的人完成。"
                    f" / {name} already signed another level; each level needs another person."
                )
            names[level] = name
    return problems
