"""Spam and hidden-link guard over the built pages.

Content is sanitised when it is read, but the guard checks what is actually
published, whatever produced it (content, templates, configuration, plugins):

- scripts: only the theme's own bundle, loaded by URL, never inline;
- no inline styles, event-handler attributes, `hidden` text, meta refresh,
  frames, objects or embeds;
- URLs: no javascript:/data:/vbscript:, and outbound links only to hosts on
  the allowlist in safety.yml.

Our own output is regular (Jinja and nh3 quote every attribute with double
quotes), so regular expressions are reliable here and keep the scan fast. They
run over the page's bytes, as browsers read markup: tag and attribute names are
ASCII, matched without regard to ASCII case, and only ASCII white space parts
them (decoding each page first was a fifth of the scan).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from watersite.memo import Memo
from watersite.output import BuiltPages, built_pages
from watersite.safety import SafetyPolicy, outbound_host
from watersite.workers import map_by_item

_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_OWN_SCRIPT = re.compile(rb' src="/theme/(?:site|head|search)\.[0-9a-f]{12}\.js"(?: defer)?')
# No pattern but _SCRIPT may match across a `>`: Verdicts.all_clean relies on it.
# A start tag: its name, then its attributes after a space or a slash (browsers read
# `<img/onerror=…>` as `<img onerror=…>`).
_TAG = re.compile(rb"<[a-zA-Z][^\s/>]*(?:[\s/][^>]*)?>")
_TAG_PARTS = re.compile(rb"<[a-zA-Z][^\s/>]*((?:[\s/][^>]*)?)>")
# One attribute: its name, then a double-quoted, single-quoted or bare value.
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
# The lookahead for the names' first letters (in any case, as the names) matches
# nothing more or less; it only spares the names' test after most `<`s (half the time).
_FORBIDDEN_ELEMENT = re.compile(
    rb"<(?=[abefios])(style|iframe|frame|frameset|object|embed|applet|base|svg:script)\b",
    re.IGNORECASE,
)
# The one form the site has: the search box, which submits to our own search page.
_FORM = re.compile(rb"<form\b([^>]*)>", re.IGNORECASE)
_SEARCH_FORM = re.compile(
    rb' class="[^"]*" role="search" action="/search/" method="get"(?: data-search-form)?'
)
_META_REFRESH = re.compile(rb"<meta\b[^>]*http-equiv\s*=\s*[\"']?refresh", re.IGNORECASE)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "cite", "data", "srcset"}
_BAD_SCHEME = re.compile(r"^\s*(javascript|data|vbscript|file):", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """Something on a built page that must not be published."""

    page: str  # relative to the output folder
    zh: str
    en: str


def scan_site(
    output: Path,
    policy: SafetyPolicy,
    workers: int = 0,
    cache: Path | None = None,
    built: BuiltPages | None = None,
) -> list[Finding]:
    """Every finding on every HTML page under `output`, in path order.

    With `cache`, pages found clean by an earlier build under the same policy and
    code are known by their digest and not scanned again (a rebuild at
    archive scale changes a few pages); a page is judged on its exact bytes.
    `built`: the output's pages and digests, if already known.
    """
    built = built or built_pages(output, workers)
    verdicts = Verdicts(policy)  # each worker fills its own copy
    clean = _clean_pages(cache, policy)
    # Pages read for their digests were judged there (PageGuard), if it was asked.
    checked = built.found.get(PageGuard.NAME, {})
    found = {
        i: checked[page] for i, page in enumerate(built.pages) if checked.get(page) is not None
    }
    unknown = [
        i for i, digest in enumerate(built.digests) if digest not in clean.last and i not in found
    ]

    def scan(index: int) -> list[Finding]:
        page = built.pages[index]
        return list(scan_page(page, (output / page).read_bytes(), policy, verdicts))

    found.update(map_by_item(scan, unknown, workers))
    clean.save({digest: True for i, digest in enumerate(built.digests) if not found.get(i)})
    return [finding for i in sorted(found) for finding in found[i]]


def _clean_pages(cache: Path | None, policy: SafetyPolicy) -> Memo[bool]:
    """Pages found clean, by digest, under this policy and our code (watersite/memo.py)."""
    return Memo(cache, "guard", policy.model_dump_json())


class PageGuard:
    """The guard as a page check (watersite/output.py): the findings on each page
    read to be digested, in the same worker; None for a page found clean before
    (its digest is remembered)."""

    NAME = "guard"

    def __init__(self, policy: SafetyPolicy, cache: Path | None):
        self.policy = policy
        self.cache = cache
        self.clean: dict[str, bool] = {}
        self.verdicts = Verdicts(policy)  # each worker fills its own copy

    def start(self, pages: int) -> None:
        self.clean = _clean_pages(self.cache, self.policy).last

    def __call__(self, page: str, data: bytes, digest: str) -> list[Finding] | None:
        if digest in self.clean:
            return None
        return list(scan_page(page, data, self.policy, self.verdicts))


class Verdicts:
    """What was found of each distinct piece of markup and each distinct tag,
    remembered: most of a page (head, header, navigation, footer) repeats on
    every page, and judging each piece once, with set operations over each
    page's pieces, keeps the guard cheap at archive scale. Each worker fills
    its own copy."""

    def __init__(self, policy: SafetyPolicy):
        self.policy = policy
        self.clean_pieces: set[bytes] = set()
        self.clean_tags: set[bytes] = set()
        self.flagged_tags: dict[bytes, list[tuple[str, str]]] = {}
        self.plain_tag = _plain_tag(policy)

    def all_clean(self, data: bytes) -> bool:
        """True if no check but the scripts' can find anything on the page: each
        of its pieces is clean.

        A piece ends at a `>` that ends a line. No pattern of these checks
        matches across a `>` (each stops at the first one it meets), so the
        pieces new to this worker are judged together, joined as on a page, and
        the matches in a piece with its `>` are the page's matches there. The
        last piece gets a `>` it may not have: a match that this `>` completes
        only sends the page to the full scan, it never lets a problem pass.
        """
        new = set(data.split(b">\n")) - self.clean_pieces
        if new and not self._clean(b">\n".join(new) + b">"):
            return False
        self.clean_pieces |= new
        return True

    def _clean(self, markup: bytes) -> bool:
        if next(_markup_problems(markup), None) is not None:
            return False
        tags = set(_TAG.findall(markup))
        self.judge(tags)
        return tags.isdisjoint(self.flagged_tags)

    def judge(self, tags: set[bytes]) -> None:
        """Judge each of `tags` not judged yet."""
        for tag in tags - self.clean_tags - self.flagged_tags.keys():
            if self.plain_tag.fullmatch(tag):
                self.clean_tags.add(tag)
                continue
            attributes = _TAG_PARTS.match(tag).group(1)  # type: ignore[union-attr]
            found = list(_tag_problems(_text(tag), _text(attributes), self.policy))
            if found:
                self.flagged_tags[tag] = found
            else:
                self.clean_tags.add(tag)

    def tag_problems_on(self, data: bytes) -> Iterator[tuple[str, str]]:
        """The problems of each tag on the page, in page order."""
        tags = _TAG.findall(data)
        distinct = set(tags)
        self.judge(distinct)
        if distinct & self.flagged_tags.keys():
            for tag in tags:
                yield from self.flagged_tags.get(tag, ())


def _plain_tag(policy: SafetyPolicy) -> re.Pattern[bytes]:
    """A tag that cannot have a problem under `policy`, as most of ours are: a
    lower-case name, each attribute after one space and double-quoted, none an
    event handler, style, hidden or URL but href and src, and those to our own
    pages or to an allowed host. At 10,000 items, 77,000 distinct tags are each
    seen on one page (links, times, canonical URLs): one match judges them in an
    eighth of the time of parsing their attributes (tests/test_safety_gate.py
    checks that tricks never pass as plain)."""
    own = rb"/(?![/\\])[^\"]*"  # a path on this site, as _url_problems lets pass
    hosts = b"|".join(re.escape(host.encode()) for host in policy.allowed_host_names)
    allowed = rb"https?://(?:[a-z0-9-]+\.)*(?:" + hosts + rb")(?::[0-9]+)?(?:[/?#][^\"]*)?"
    return re.compile(
        rb"<[a-z][a-z0-9]*"
        rb"(?: (?:(?:class|id|rel|type|name|property|content|datetime|title|alt|lang|width"
        rb"|height|sizes|loading|decoding|role|(?:data|aria)-[a-z-]+)(?:=\"[^\"]*\")?"
        rb'|(?:href|src)="(?:' + (own + b"|" + allowed if hosts else own) + rb')"))*>'
    )


def scan_page(
    page: str, data: bytes, policy: SafetyPolicy, verdicts: Verdicts | None = None
) -> Iterator[Finding]:
    """Findings on one page (its bytes)."""
    verdicts = verdicts or Verdicts(policy)
    for attributes, body in _SCRIPT.findall(data):
        if not _OWN_SCRIPT.fullmatch(attributes) or body.strip():
            script = _text(b"<script" + attributes + b">" + body)
            yield Finding(
                page,
                f"页面含有不属于网站主题的脚本：{_clip(script)}",
                f"The page has a script that is not the theme's own: {_clip(_text(attributes + body))}",
            )
    if verdicts.all_clean(data):
        return
    for zh, en in _markup_problems(data):
        yield Finding(page, zh, en)
    for zh, en in verdicts.tag_problems_on(data):
        yield Finding(page, zh, en)


def _markup_problems(markup: bytes) -> Iterator[tuple[str, str]]:
    """What the checks of elements (all but scripts' and tags') find in `markup`:
    the whole scan's findings, and whether a page's new pieces are clean."""
    for match in _FORBIDDEN_ELEMENT.finditer(markup):
        name = _text(match.group(1))
        yield (
            f"页面含有不允许的元素 <{name}>（可能用于嵌入外部内容或隐藏链接）。",
            f"The page has a forbidden <{name}> element.",
        )
    for attributes in _FORM.findall(markup):
        if not _SEARCH_FORM.fullmatch(attributes):
            form = _text(b"<form" + attributes + b">")
            yield (
                f"页面含有表单，只允许站内搜索框：{_clip(form)}",
                f"The page has a form that is not the site search: {_clip(_text(attributes))}",
            )
    if _META_REFRESH.search(markup):
        yield "页面含有自动跳转（meta refresh）。", "The page has a meta refresh."


def _text(markup: bytes) -> str:
    """Markup from a page, as text for judging attributes and for messages."""
    return markup.decode("utf-8", "replace")


def _tag_problems(tag: str, attributes: str, policy: SafetyPolicy) -> Iterator[tuple[str, str]]:
    for written_name, *values in _ATTRIBUTE.findall(attributes):
        name = written_name.lower()
        value = next((v for v in values if v), "")
        problem = _attribute_problem(name)
        if problem:
            zh, en = problem
            yield f"页面含有{zh}：{_clip(tag)}", f"The page has {en}: {_clip(tag)}"
        if name in _URL_ATTRIBUTES:
            urls = (
                [p.split()[0] for p in value.split(",") if p.strip()]
                if name == "srcset"
                else [value]
            )
            for url in urls:
                yield from _url_problems(url, policy)


def _attribute_problem(name: str) -> tuple[str, str] | None:
    if name.startswith("on"):
        return "事件脚本属性（on…=）", "an event-handler attribute"
    if name == "style":
        return "内联样式（style=），可被用来隐藏文字和链接", "an inline style"
    if name == "hidden":
        return "隐藏属性（hidden），可被用来隐藏文字和链接", "a hidden attribute"
    return None


def _url_problems(url: str, policy: SafetyPolicy) -> Iterator[tuple[str, str]]:
    if url.startswith("/") and url[1:2] not in ("/", "\\"):  # our own pages: most links
        return
    if _BAD_SCHEME.match(url):
        yield f"页面含有危险链接：{_clip(url)}", f"The page has a dangerous URL: {_clip(url)}"
        return
    host = outbound_host(url)
    if host is not None and not policy.host_allowed(host):
        yield (
            f"页面含有指向未列入白名单网站的链接：{url}（网站 {host} 不在 safety.yml 的 allowed_hosts 中）。",
            f"The page links to {url}; the host {host} is not in safety.yml allowed_hosts.",
        )


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
