"""Markdown bodies to HTML, the same way for the build and for `invoke check`.

- Raw HTML is not interpreted: it is shown as text (Python-Markdown passes it
  through by default; deregistering its two HTML handlers is the documented fix).
- Relative links and images are resolved against the file's folder: a link to
  another `.md` file becomes that item's URL, a file becomes its published URL,
  and a target that does not exist is an error rather than a broken link.
- A line break between two Chinese characters is removed: browsers render it as
  a space, which Chinese text must not have.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from watersite.text import join_wide_lines

EXTENSIONS = ["tables", "sane_lists", "footnotes"]
SAFE_SCHEMES = ("http", "https", "mailto", "tel")


@dataclass
class LinkProblem:
    """A link or image in a body that cannot be published as written."""

    target: str
    zh: str
    en: str


@dataclass
class _RenderState:
    source_dir: PurePosixPath = field(default_factory=lambda: PurePosixPath("."))
    problems: list[LinkProblem] = field(default_factory=list)


class BodyRenderer:
    """Reusable renderer: one Markdown instance, reset between files (cheaper)."""

    def __init__(self, content_root: Path, url_of_source: Callable[[str], str | None]):
        self.content_root = content_root
        self.url_of_source = url_of_source
        self._state = _RenderState()
        self._md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        self._md.treeprocessors.register(_LinkResolver(self._md, self), "resolve_links", 5)
        self._md.postprocessors.register(_JoinWideLines(self._md), "join_wide_lines", 0)

    def render(self, body: str, source: PurePosixPath) -> tuple[str, list[LinkProblem]]:
        """HTML of `body` (from content file `source`) and the link problems found."""
        self._state = _RenderState(source_dir=source.parent)
        self._md.reset()
        html = self._md.convert(body)
        return html, self._state.problems

    def resolve(self, url: str) -> str:
        """Site-relative URL for a link target written in a body, or record a problem."""
        parts = urlsplit(url)
        if parts.scheme:
            if parts.scheme.lower() in SAFE_SCHEMES:
                return url
            self._problem(
                url,
                f"链接“{url}”使用了不允许的协议 {parts.scheme}:，只能用 http、https、mailto、tel"
                "或本站文件。",
                f"Link '{url}' uses the scheme '{parts.scheme}:'; only http, https, mailto, "
                "tel or site files are allowed.",
            )
            return "#"
        if not parts.path or url.startswith(("/", "#")):
            return url
        target = _normalise(self._state.source_dir / parts.path)
        if target is None:
            self._problem(
                url,
                f"链接“{url}”指向了 content 文件夹以外。",
                f"Link '{url}' points outside content/.",
            )
            return "#"
        suffix = ("?" + parts.query if parts.query else "") + (
            "#" + parts.fragment if parts.fragment else ""
        )
        if target.suffix == ".md":
            page_url = self.url_of_source(str(target))
            if page_url is None:
                self._problem(
                    url,
                    f"链接“{url}”指向的文章 content/{target} 不存在或未发布（草稿、定时发布）。",
                    f"Link '{url}' names content/{target}, which does not exist or is not "
                    "published (draft or scheduled).",
                )
                return "#"
            return "/" + page_url + suffix
        if not (self.content_root / target).is_file():
            self._problem(
                url,
                f"找不到链接或图片的文件“{url}”（应在 content/{target}）。请检查文件名和大小写，"
                "并确认文件已提交。",
                f"File '{url}' not found (expected content/{target}). Check the name and "
                "letter case, and that the file was committed.",
            )
            return "#"
        return "/" + str(target) + suffix

    def _problem(self, target: str, zh: str, en: str) -> None:
        self._state.problems.append(LinkProblem(target, zh, en))


def _normalise(path: PurePosixPath) -> PurePosixPath | None:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


class _LinkResolver(Treeprocessor):
    def __init__(self, md: markdown.Markdown, renderer: BodyRenderer):
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: Element) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            if attribute and element.get(attribute) is not None:
                element.set(attribute, self.renderer.resolve(element.get(attribute, "")))


class _JoinWideLines(Postprocessor):
    def run(self, text: str) -> str:
        return join_wide_lines(text)
