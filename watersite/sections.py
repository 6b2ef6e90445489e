"""The site map: every section of the site, its URL, its Chinese name and its kind.

This is the one place the site's structure is defined (the product contract in
SITEMAP.md). Everything else derives from it: which content folder feeds which
section, item URLs, Pelican's reading paths, the navigation, breadcrumbs and
the landing pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a section holds, which decides its content model and templates."""

    HOME = "home"
    LANDING = "landing"  # a section group: lists its subsections
    PAGE = "page"  # one page, from content/<path>.md
    SERVICE_LINK = "service_link"  # page + configured external service link
    CHANNELS = "channels"  # page + configured contact channels
    DATA_TABLE = "data_table"  # page rendered from content/data/<name>.yml
    SEARCH = "search"
    ARTICLES = "articles"
    PAPER = "paper"  # newspaper issues
    TOPICS = "topics"  # topic definitions; each topic lists tagged items
    OUTAGES = "outages"
    GUIDES = "guides"
    DOCUMENTS = "documents"
    TENDERS = "tenders"
    JOBS = "jobs"

    @property
    def label(self) -> str:
        """What readers call this kind of content (search filter 类型)."""
        return KIND_LABELS[self]

    @property
    def is_collection(self) -> bool:
        """True if the section is fed by a folder of dated items."""
        return self in COLLECTION_KINDS

    @property
    def has_page_file(self) -> bool:
        """True if the section is one page written in content/<path>.md."""
        return self in (Kind.PAGE, Kind.SERVICE_LINK, Kind.CHANNELS)


KIND_LABELS = {
    Kind.HOME: "首页",
    Kind.LANDING: "栏目",
    Kind.PAGE: "介绍",
    Kind.SERVICE_LINK: "便民服务",
    Kind.CHANNELS: "便民服务",
    Kind.DATA_TABLE: "便民服务",
    Kind.SEARCH: "搜索",
    Kind.ARTICLES: "新闻",
    Kind.PAPER: "水报",
    Kind.TOPICS: "专题",
    Kind.OUTAGES: "停水通知",
    Kind.GUIDES: "办事指南",
    Kind.DOCUMENTS: "文件资料",
    Kind.TENDERS: "招标公告",
    Kind.JOBS: "招聘信息",
}

COLLECTION_KINDS = frozenset(
    {
        Kind.ARTICLES,
        Kind.PAPER,
        Kind.OUTAGES,
        Kind.GUIDES,
        Kind.DOCUMENTS,
        Kind.TENDERS,
        Kind.JOBS,
    }
)


@dataclass(frozen=True)
class Section:
    """A node of the site map. `path` is URL path and content folder at once."""

    path: str
    title: str
    kind: Kind
    children: tuple[Section, ...] = ()
    #: Text shown in the navigation when it differs from the page title.
    nav_title: str = ""
    #: For DATA_TABLE sections: the file name in content/data/ without .yml.
    data_name: str = ""
    parent: Section | None = field(default=None, compare=False, repr=False)

    @property
    def url(self) -> str:
        """Site-relative URL, always ending in '/' ('' is the home page)."""
        return f"{self.path}/" if self.path else ""

    @property
    def save_as(self) -> str:
        """Output file of the section's own page."""
        return f"{self.url}index.html"

    @property
    def label(self) -> str:
        """Short name for menus and breadcrumbs."""
        return self.nav_title or self.title

    @property
    def group(self) -> Section:
        """The top-level section this one belongs to (itself if top-level)."""
        node = self
        while node.parent is not None and node.parent.parent is not None:
            node = node.parent
        return node

    def walk(self) -> Iterator[Section]:
        """This section and all its descendants, depth first, in site-map order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def __reduce__(self) -> tuple[Callable[[str], Section], tuple[str]]:
        # Sent to and from worker processes by path: one object per site-map node.
        return _section_at, (self.path,)

    def ancestors(self) -> list[Section]:
        """From the home page down to this section's parent."""
        chain: list[Section] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


def _group(path: str, title: str, *children: Section, nav_title: str = "") -> Section:
    return Section(path, title, Kind.LANDING, tuple(children), nav_title=nav_title)


def _data(path: str, title: str, data_name: str) -> Section:
    return Section(path, title, Kind.DATA_TABLE, data_name=data_name)


SITE = Section(
    "",
    "首页",
    Kind.HOME,
    (
        _group(
            "about",
            "集团概况",
            Section("about/chairman", "董事长致辞", Kind.PAGE),
            Section("about/profile", "集团简介", Kind.PAGE),
            Section("about/organization", "组织机构", Kind.PAGE),
            Section("about/identity", "VI形象", Kind.PAGE),
        ),
        _group(
            "news",
            "水务新闻",
            Section("news/group", "集团动态", Kind.ARTICLES),
            Section("news/paper", "水报", Kind.PAPER),
            Section("news/industry", "行业新闻", Kind.ARTICLES),
            Section("news/topics", "专题栏目", Kind.TOPICS),
        ),
        _group(
            "culture",
            "企业建设",
            Section("culture/integrity", "清廉国企", Kind.ARTICLES),
            Section("culture/union", "职工之家", Kind.ARTICLES),
            Section("culture/youth", "青年园地", Kind.ARTICLES),
            Section("culture/women", "巾帼风采", Kind.ARTICLES),
            Section("culture/staff", "优秀员工", Kind.ARTICLES),
        ),
        _group(
            "notices",
            "公告通知",
            Section("notices/outages", "停水通知", Kind.OUTAGES),
        ),
        _group(
            "service",
            "便民服务",
            Section("service/bill", "自来水费查询", Kind.SERVICE_LINK, nav_title="水费查询"),
            Section("service/sewage-bill", "污水费查询", Kind.SERVICE_LINK),
            Section("service/invoice", "水费发票打印", Kind.SERVICE_LINK),
            Section("service/guides", "办事指南", Kind.GUIDES),
            Section("service/pay", "网上缴费", Kind.SERVICE_LINK),
            Section("service/commitment", "服务承诺", Kind.PAGE),
            _data("service/prices", "水价标准", "prices"),
            _data("service/materials", "给水材料售价", "materials"),
            _data("service/outlets", "营业网点", "outlets"),
            _data("service/water-quality", "水质公告", "water-quality"),
            Section("service/tips", "用水常识", Kind.ARTICLES),
            Section("service/feedback", "投诉建议", Kind.CHANNELS),
            Section("service/survey", "在线调查", Kind.CHANNELS),
        ),
        _group(
            "library",
            "资料中心",
            Section("library/laws", "法律法规", Kind.DOCUMENTS),
            Section("library/policies", "政策规章", Kind.DOCUMENTS),
            Section("library/standards", "行业标准", Kind.DOCUMENTS),
        ),
        _group(
            "tenders",
            "招标信息",
            Section("tenders/works", "工程招标", Kind.TENDERS, nav_title="工程"),
            Section("tenders/goods", "物资招标", Kind.TENDERS, nav_title="物资"),
            Section("tenders/services", "服务招标", Kind.TENDERS, nav_title="服务"),
        ),
        Section("jobs", "招聘信息", Kind.JOBS),
        Section("contact", "联系我们", Kind.PAGE),
        Section("search", "搜索", Kind.SEARCH),
    ),
)


def _link_parents(node: Section) -> None:
    # Frozen dataclasses cannot be built with back-references in one pass.
    for child in node.children:
        object.__setattr__(child, "parent", node)
        _link_parents(child)


_link_parents(SITE)

#: Every section by its path ('' is the home page).
BY_PATH: dict[str, Section] = {section.path: section for section in SITE.walk()}


def _section_at(path: str) -> Section:
    return BY_PATH[path]


#: Top-level sections shown in the main navigation (home and search have their own links).
NAVIGATION: tuple[Section, ...] = tuple(s for s in SITE.children if s.kind not in (Kind.SEARCH,))


def collection_sections() -> list[Section]:
    """Sections fed by a folder of dated items, in site-map order."""
    return [s for s in SITE.walk() if s.kind.is_collection]


def page_sections() -> list[Section]:
    """Sections that are a single page written in content/<path>.md."""
    return [s for s in SITE.walk() if s.kind.has_page_file]


def topics_section() -> Section:
    """The 专题栏目 section, whose folder holds topic definitions."""
    return next(s for s in SITE.walk() if s.kind is Kind.TOPICS)
