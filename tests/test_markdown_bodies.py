"""Markdown bodies render the same whether or not inline patterns that cannot
match a body are skipped (watersite/markdown.py, _SkipUnmatchableInlinePatterns)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from watersite.build import ROOT
from watersite.frontmatter import parse
from watersite.markdown import INLINE_PATTERN_NEEDS, BodyRenderer
from watersite.safety import load_policy

POLICY = load_policy(ROOT / "safety.yml")
SOURCE = PurePosixPath("news/group/2024/x.md")

#: Every inline pattern, alone and mixed, and the ways the parser's own
#: preprocessing could make text a pattern needs (tabs, carriage returns).
BODIES = {
    "plain Chinese": "集团召开安全生产工作会议。\n\n会议部署了今年的重点任务。",
    "code": "请输入 `npm run build` 命令。",
    "escape": "价格 \\*含税\\* 为 3.5 元。",
    "link": "详见[水价标准](https://www.gov.cn/)。",
    "reference link": "详见[通知][1]。\n\n[1]: https://www.gov.cn/",
    "short reference": "详见[通知]。\n\n[通知]: https://www.gov.cn/",
    "image": '![水厂外景](plant.jpg "深度处理车间")',
    "image reference": "![水厂][p]\n\n[p]: plant.jpg",
    "autolink": "网址 <https://www.gov.cn/> 可查。",
    "automail": "来信请寄 <service@example.cn>。",
    "line break": "第一行  \n第二行",
    "line break from a tab": "第一\t\n第二行",  # the tab becomes two spaces
    "line break after carriage returns": "第一行  \r\n第二行\r第三行",
    "entity": "水质 &gt; 国家标准 &amp; 行业标准",
    "emphasis with stars": "这是**重点**和*强调*。",
    "emphasis with underscores": "这是 __重点__ 和 _强调_ 。",
    "footnote": "依据有关规定[^1]。\n\n[^1]: 《城市供水条例》。",
    "list and quote": "* 第一项  \n  续行\n* **第二项**\n\n> 引用 `代码`",
    "table": "| 项目 | 价格 |\n|:--|--:|\n| 居民 | **3.5** |",
}


def renderer(skip: bool) -> BodyRenderer:
    made = BodyRenderer(ROOT / "content", lambda target: "/x/", lambda url: None, POLICY)
    if not skip:
        made._md.preprocessors.deregister("skip_unmatchable_inline")
    return made


@pytest.mark.parametrize("name", list(BODIES))
def test_skipping_unmatchable_inline_patterns_gives_the_same_html(name: str) -> None:
    assert renderer(True).render(BODIES[name], SOURCE) == renderer(False).render(
        BODIES[name], SOURCE
    )


def test_every_demo_body_renders_the_same_with_patterns_skipped() -> None:
    skipping, trying_all = renderer(True), renderer(False)
    for path in sorted((ROOT / "content").rglob("*.md")):
        if path == ROOT / "content" / "README.md":  # what the folder is, not a page
            continue
        source = PurePosixPath(path.relative_to(ROOT / "content").as_posix())
        body = parse(path.read_text(encoding="utf-8"), str(source)).body
        assert skipping.render(body, source) == trying_all.render(body, source), source


def test_a_body_without_markup_is_tried_by_no_pattern_it_cannot_match() -> None:
    skipping = renderer(True)
    skipping.render(BODIES["plain Chinese"], SOURCE)
    tried = skipping._md.treeprocessors["inline"].inlinePatterns  # type: ignore[attr-defined]
    assert not [name for name in INLINE_PATTERN_NEEDS if name in tried]


def test_the_needs_name_registered_inline_patterns() -> None:
    registered = renderer(False)._md.inlinePatterns
    missing = [name for name in INLINE_PATTERN_NEEDS if name not in registered]
    assert not missing, "a pattern was renamed or dropped: check what each needs"
