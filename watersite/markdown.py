"""Markdown bodies to HTML, the same way for the build and for `invoke check`.

- Raw HTML is not interpreted: it is shown as text (Python-Markdown passes it
  through by default; deregistering its two HTML handlers is the documented fix).
- Relative links and images are resolved against the file's folder: a link to
  another `.md` file becomes that item's URL, a file becomes its published URL,
  and a target that does not exist is an error rather than a broken link.
- Links may only use http(s) to allowed hosts, mailto, tel or site URLs; images
  need alt text and get their processed size, `srcset` and lazy loading.
- The HTML is then cleaned by nh3 (ammonia) with an allowlist of tags,
  attributes, classes and URL schemes, so nothing script-capable can survive
  whatever Markdown produced.
- A line break between two Chinese characters is removed: browsers render it as
  a space, which Chinese text must not have.
- Inline patterns that cannot match a body are not tried on it
  (`_SkipUnmatchableInlinePatterns`): a third of the time of a body that has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from watersite.images import ProcessedImage
from watersite.safety import SafetyPolicy, outbound_host, unknown_host_problem
from watersite.text import join_wide_lines, strip_control

EXTENSIONS = ["tables", "sane_lists", "footnotes"]
EXTENSION_CONFIGS = {
    # Column alignment as an attribute (turned into a class below), never inline style.
    "tables": {"use_align_attribute": True},
    "footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处"},
}
SAFE_SCHEMES = ("http", "https", "mailto", "tel")
#: `sizes` of a body image: the text column is at most 46rem wide.
BODY_IMAGE_SIZES = "(min-width: 48rem) 46rem, 100vw"

ALIGN_CLASSES = {"left": "sw-align-left", "center": "sw-align-center", "right": "sw-align-right"}
SANITIZER = nh3.Cleaner(
    tags={
        "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "strong", "em",
        "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
        "sup", "sub", "del", "dl", "dt", "dd", "div", "abbr", "figure", "figcaption",
    },
    clean_content_tags={"script", "style"},
    attributes={
        "a": {"href", "title"},
        "img": {"src", "alt", "title", "width", "height", "srcset", "sizes", "loading", "decoding"},
        "ol": {"start"},
        "li": {"id"},
        "sup": {"id"},
        "abbr": {"title"},
    },
    allowed_classes={
        "a": {"footnote-ref", "footnote-backref"},
        "div": {"footnote"},
        "th": set(ALIGN_CLASSES.values()),
        "td": set(ALIGN_CLASSES.values()),
    },
    url_schemes=set(SAFE_SCHEMES),
    link_rel=None,
    strip_comments=True,
)  # fmt: skip


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

    def __init__(
        self,
        content_root: Path,
        url_of_source: Callable[[str], str | None],
        image_of: Callable[[str], ProcessedImage | None],
        policy: SafetyPolicy,
        file_exists: Callable[[PurePosixPath], bool] | None = None,
    ):
        self.content_root = content_root
        self.url_of_source = url_of_source
        self.image_of = image_of
        self.policy = policy
        self.file_exists = file_exists or (lambda target: (content_root / target).is_file())
        self._state = _RenderState()
        self._md = markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
        )
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        self._md.treeprocessors.register(_LinkResolver(self._md, self), "resolve_links", 5)
        self._md.treeprocessors.register(_Figures(self._md), "figures", 4)
        self._md.preprocessors.register(
            _SkipUnmatchableInlinePatterns(self._md), "skip_unmatchable_inline", 0
        )
        self._md.postprocessors.register(_JoinWideLines(self._md), "join_wide_lines", 0)

    def render(self, body: str, source: PurePosixPath) -> tuple[str, list[LinkProblem]]:
        """HTML of `body` (from content file `source`) and the link problems found."""
        self._state = _RenderState(source_dir=source.parent)
        self._md.reset()
        html = strip_control(SANITIZER.clean(self._md.convert(body)))
        return html, self._state.problems

    def resolve(self, url: str) -> str:
        """Site-relative URL for a link target written in a body, or record a problem."""
        parts = urlsplit(url)
        host = outbound_host(url)
        if host is not None:
            if self.policy.host_allowed(host):
                return url
            self._problem(url, *unknown_host_problem(url, host))
            return "#"
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
        if not self.file_exists(target):
            self._problem(
                url,
                f"找不到链接或图片的文件“{url}”（应在 content/{target}）。请检查文件名和大小写，"
                "并确认文件已提交。",
                f"File '{url}' not found (expected content/{target}). Check the name and "
                "letter case, and that the file was committed.",
            )
            return "#"
        return "/" + str(target) + suffix

    def image(self, element: Element) -> None:
        """Resolve an image and give it its processed size and WebP `srcset`."""
        written = element.get("src", "")
        if not element.get("alt", "").strip():
            self._problem(
                written,
                f"图片“{written}”缺少说明文字。请写成 ![图片内容的简短说明]({written})，供视障读者的读屏软件朗读。",
                f"Image '{written}' has no alt text; write ![short description]({written}).",
            )
        if outbound_host(written) is not None:
            self._problem(
                written,
                f"图片“{written}”来自其他网站。请把图片保存后放入 content 文件夹再引用，"
                "网站不加载外部图片（保护读者隐私，也防止图片被替换）。",
                f"Image '{written}' is on another website; save it into content/ and refer "
                "to the copy (the site loads no third-party images).",
            )
            element.set("src", "#")
            return
        url = self.resolve(written)
        image = self.image_of(url.lstrip("/")) if url.startswith("/") else None
        if image is None:
            element.set("src", url)
            return
        element.set("src", image.url)
        element.set("srcset", image.srcset)
        element.set("sizes", BODY_IMAGE_SIZES)
        element.set("width", str(image.width))
        element.set("height", str(image.height))
        element.set("loading", "lazy")
        element.set("decoding", "async")

    def heading_problem(self, element: Element) -> None:
        """A first-level heading in a body: the page title is the only one."""
        text = "".join(element.itertext())
        self._problem(
            "# " + text,
            f"正文中不要用一级标题（# {text}）：页面标题就是一级标题。请改用二级标题（## {text}）。",
            "Do not use a first-level heading (#) in the body; the page title is the only "
            "one. Use ## instead.",
        )

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
            if element.tag == "a" and element.get("href") is not None:
                element.set("href", self.renderer.resolve(element.get("href", "")))
            elif element.tag == "img":
                self.renderer.image(element)
            elif element.tag == "h1":
                self.renderer.heading_problem(element)
            elif element.tag in ("th", "td") and element.get("align"):
                element.set("class", ALIGN_CLASSES.get(element.attrib.pop("align"), ""))


class _Figures(Treeprocessor):
    """A paragraph holding only an image with a title becomes a captioned figure:
    ![水厂外景](plant.jpg "东湖水厂新建的深度处理车间")"""

    def run(self, root: Element) -> None:
        for paragraph in root.iter("p"):
            children = list(paragraph)
            if len(children) != 1 or children[0].tag != "img" or (paragraph.text or "").strip():
                continue
            image = children[0]
            caption = image.attrib.pop("title", "").strip()
            if not caption or (image.tail or "").strip():
                continue
            paragraph.tag = "figure"
            figcaption = Element("figcaption")
            figcaption.text = caption
            paragraph.append(figcaption)


#: Text without which each of Python-Markdown's inline patterns cannot match
#: (any one of them suffices): what each pattern's expression starts with or
#: needs. Patterns not named here are always tried.
INLINE_PATTERN_NEEDS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("[",),
    "image_reference": ("[",),
    "short_reference": ("[",),
    "short_image_ref": ("[",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "entity": ("&",),
    "em_strong": ("*", "_"),  # the delimiter processor for both
}


class _SkipUnmatchableInlinePatterns(Preprocessor):
    """Have the inline processor try only the patterns that can match this body.

    Python-Markdown tries every inline pattern on every piece of text, a Python
    call each (a third of the time of a body without any: most paragraphs of
    Chinese text have none). This runs after the other preprocessors, on the
    text the parser reads; parsing blocks only takes text away (markers,
    indentation), never adds any, so a pattern whose needed text is nowhere
    in it matches nowhere: leaving it out gives the same HTML
    (tests/test_markdown_patterns.py)."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.all_patterns = md.inlinePatterns
        self._chosen: dict[frozenset[str], markdown.util.Registry] = {}

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        unmatchable = frozenset(
            name
            for name, needs in INLINE_PATTERN_NEEDS.items()
            if not any(need in text for need in needs)
        )
        inline = self.md.treeprocessors["inline"]
        inline.inlinePatterns = self._patterns_without(unmatchable)  # type: ignore[attr-defined]
        return lines

    def _patterns_without(self, names: frozenset[str]) -> markdown.util.Registry:
        chosen = self._chosen.get(names)
        if chosen is None:
            chosen = self.all_patterns[:]  # a copy, in the same order
            for name in names:
                chosen.deregister(name, strict=False)
            self._chosen[names] = chosen
        return chosen


class _JoinWideLines(Postprocessor):
    def run(self, text: str) -> str:
        return join_wide_lines(text)
