"""Split a Markdown file into YAML front matter and body, keeping line numbers.

YAML is read with the *base* loader: every scalar stays text and the content
schema alone decides what a value means. YAML's own implicit typing would
silently turn `2024-05-01` into a date, `01:30` into 5400, `no` into False and
`1.10` into 1.1; editors should never meet those surprises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from watersite.errors import ContentError, ContentFileError

try:  # the libyaml binding is several times faster; same behaviour
    _Loader = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.BaseLoader

FENCE = "---"
EXAMPLE = "---\ntitle: 标题\ndate: 2024-05-01\n---\n正文……"


@dataclass
class Document:
    """A parsed content file: its front matter, where each field sits, its body."""

    data: dict[str, Any]
    lines: dict[tuple[str | int, ...], int]  # field path -> 1-based file line
    body: str

    def line_of(self, loc: tuple[str | int, ...]) -> int:
        """Line of the deepest known node on the path `loc` (0 if none)."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 0


_NOT_UTF8 = (
    "文件不是 UTF-8 编码（可能是 GBK）。请在编辑器中选择“UTF-8”编码另存此文件。",
    "The file is not UTF-8 (perhaps GBK). Save it again with UTF-8 encoding.",
)
# Letters a Chinese page almost never has (combining marks, Greek, Cyrillic,
# Hebrew, Arabic ...), but which GBK bytes often turn into when misread as UTF-8.
_MOJIBAKE = re.compile("[\u0300-\u07ff]")
_HAN = re.compile("[\u4e00-\u9fff]")


def decode(raw: bytes, path: str) -> str:
    """Decode UTF-8 (a byte-order mark is allowed) or fail naming the line.

    Some GBK text is also valid UTF-8 (停水 is), so text that reads as mostly
    Chinese in GBK but as foreign letters in UTF-8 is refused too.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, raw[: exc.start].count(b"\n") + 1, "", *_NOT_UTF8) from exc
    suspicious = _MOJIBAKE.search(text)
    if suspicious and _reads_as_gbk(raw, len(_MOJIBAKE.findall(text))):
        line = text[: suspicious.start()].count("\n") + 1
        raise _fail(path, line, "", *_NOT_UTF8)
    return text


def _reads_as_gbk(raw: bytes, foreign_letters: int) -> bool:
    try:
        as_gbk = raw.decode("gbk")
    except UnicodeDecodeError:
        return False
    return len(_HAN.findall(as_gbk)) >= foreign_letters


def parse(text: str, path: str) -> Document:
    """Parse front matter and body; raise ContentFileError on malformed input."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        raise _fail(
            path,
            1,
            "",
            f"文件开头缺少 front matter（以 --- 开始和结束的字段区）。示例：\n{EXAMPLE}",
            "The file must start with front matter between two '---' lines.",
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE)
    except StopIteration:
        raise _fail(
            path,
            1,
            "",
            "front matter 没有结束：请在字段之后加一行 ---，再写正文。",
            "The front matter is not closed: add a line '---' after the fields.",
        ) from None
    yaml_text = "\n".join(lines[1:end])
    # YAML line 0 is file line 2 (after the opening fence).
    data, field_lines = _load_mapping(yaml_text, path, first_line=2)
    body = "\n".join(lines[end + 1 :])
    return Document(data=data, lines=field_lines, body=body)


def _load_mapping(
    yaml_text: str, path: str, first_line: int
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], int]]:
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _fail(
                path,
                first_line,
                "",
                f"front matter 是空的，至少需要标题和日期。示例：\n{EXAMPLE}",
                "The front matter is empty; at least title and date are needed.",
            )
        if not isinstance(node, yaml.MappingNode):
            raise _fail(
                path,
                first_line,
                "",
                "front matter 必须是“字段: 值”的形式，每行一个字段。",
                "The front matter must be 'field: value' lines.",
            )
        field_lines: dict[tuple[str | int, ...], int] = {}
        _index_lines(node, (), first_line, field_lines, path)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        raise _fail(
            path,
            line,
            "",
            "front matter 的 YAML 格式有误（常见原因：冒号后缺空格、缩进不齐、"
            "引号未闭合、列表项缺少“- ”）。"
            f"解析器提示：{getattr(exc, 'problem', exc)}",
            f"The front matter is not valid YAML: {getattr(exc, 'problem', exc)}. "
            "Check the colon and space after each field name, indentation and quotes.",
        ) from exc
    finally:
        loader.dispose()
    return data, field_lines


def _index_lines(
    node: yaml.Node,
    loc: tuple[str | int, ...],
    first_line: int,
    out: dict[tuple[str | int, ...], int],
    path: str,
) -> None:
    """Record the line of every field and list item; refuse duplicate keys."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = first_line + key_node.start_mark.line
            if key in seen:
                field = ".".join(str(p) for p in (*loc, key))
                raise _fail(
                    path,
                    line,
                    field,
                    f"字段“{key}”写了两次（另一处在第 {seen[key]} 行）。请删除其中一处。",
                    f"Field '{key}' appears twice (also on line {seen[key]}); keep one.",
                )
            seen[key] = line
            out[(*loc, key)] = line
            _index_lines(value_node, (*loc, key), first_line, out, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*loc, index)] = first_line + item.start_mark.line
            _index_lines(item, (*loc, index), first_line, out, path)


def load_yaml_file(text: str, path: str) -> Document:
    """Parse a whole YAML data file (content/data/*.yml) the same way."""
    data, field_lines = _load_mapping(text, path, first_line=1)
    return Document(data=data, lines=field_lines, body="")


def _fail(path: str, line: int, field: str, zh: str, en: str) -> ContentFileError:
    return ContentFileError([ContentError(path, line, field, zh, en)])
