"""Read and validate the whole content folder into a Catalog.

This is the one place content is read. `invoke check` runs it alone; the build
runs it first and hands its results to Pelican through our reader, so both
apply exactly the same rules. Every file under content/ is either used or
reported: nothing is skipped silently.

What lives where (the folder decides the section, SITEMAP.md):
- `content/<page path>.md` for single pages, e.g. content/about/profile.md;
- `content/<section path>/[YYYY/]<slug>.md` for dated items;
- `content/news/topics/<slug>.md` for topic definitions;
- `content/data/<name>.yml` for data tables;
- images and attachments next to the Markdown that uses them, or in content/media/;
- `content/README.md` is the folder's guide for editors, not a page;
- files and folders whose names start with "." are not content and are ignored.
"""

from __future__ import annotations

import copy
import difflib
import functools
import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from watersite import frontmatter
from watersite.errors import ContentError, ContentFileError
from watersite.files import check_attachment
from watersite.folders import walk
from watersite.images import ImageError, ImagePipeline, ProcessedImage
from watersite.markdown import BodyRenderer
from watersite.memo import Lookup, Memo, Rendered, file_digests, key_of
from watersite.safety import SafetyPolicy, scan_text
from watersite.scaffold import placeholder_lines
from watersite.schema import MODEL_BY_KIND, models, validate
from watersite.schema.data import DATA_MODELS, OPTIONAL_DATA_MODELS, SearchHints
from watersite.schema.types import ATTACHMENT_TYPES, IMAGE_TYPES, is_slug
from watersite.sections import SITE, Kind, Section, collection_sections, topics_section
from watersite.workers import map_by_item

STATIC_TYPES = set(ATTACHMENT_TYPES) | set(IMAGE_TYPES)
SUMMARY_LENGTH = 110

PUBLISHED, WITHDRAWN, DRAFT, SCHEDULED = "published", "withdrawn", "draft", "scheduled"
#: How the local preview names what an item really is.
PREVIEW_LABELS = {DRAFT: "草稿", SCHEDULED: "定时发布"}


@dataclass
class Entry:
    """One Markdown file: its section, validated front matter, URL and body."""

    source: str  # relative to the content root, e.g. news/group/2024/x.md
    section: Section
    meta: models.Strict
    slug: str
    url: str  # site-relative, ends in '/'
    state: str  # PUBLISHED, DRAFT or SCHEDULED
    body: str = field(repr=False, default="")
    html: str = field(repr=False, default="")
    html_digest: str = field(repr=False, default="")  # key_of(html)
    summary_text: str = ""
    #: A draft or scheduled item shown in the local preview (`invoke serve`) only.
    preview: bool = False
    #: The digest of what the entry was read from: its file's bytes and everything
    #: reading depends on (the reading memo's key and salt). Source, section, meta,
    #: slug and URL are the same wherever it is.
    read_key: str = field(repr=False, default="")
    #: The digest of its file's path and bytes alone, which the body is read from.
    file_key: str = field(repr=False, default="")

    @property
    def save_as(self) -> str:
        """Output file, relative to the output folder."""
        return self.url + "index.html"

    @property
    def is_published(self) -> bool:
        """True if the item has a page in this build (withdrawn items keep theirs)."""
        return self.state in (PUBLISHED, WITHDRAWN) or self.preview

    @property
    def is_listed(self) -> bool:
        """True if the item appears in listings, feeds, the sitemap and search."""
        return self.state == PUBLISHED or self.preview


@dataclass
class Catalog:
    """Everything read from content/, or the problems that stop the build."""

    root: Path
    now: datetime
    policy: SafetyPolicy
    entries: dict[str, Entry] = field(default_factory=dict)
    data: dict[str, models.Strict] = field(default_factory=dict)
    #: Attachments and other files published as they are, by content path.
    static_files: list[str] = field(default_factory=list)
    #: Images, cleaned and resized, by content path.
    images: dict[str, ProcessedImage] = field(default_factory=dict)
    pipeline: ImagePipeline | None = field(default=None, repr=False)
    errors: list[ContentError] = field(default_factory=list)

    def published(self) -> list[Entry]:
        """Entries that appear on the site in this build, in source order."""
        return [e for e in self.entries.values() if e.is_published]


class _Reporter:
    """Collects problems, naming files as the editor sees them (content/...)."""

    def __init__(self, root: Path, errors: list[ContentError]):
        self.prefix = _display_prefix(root)
        self.errors = errors

    def name(self, source: str | PurePosixPath) -> str:
        return f"{self.prefix}/{source}"

    def fresh(self) -> _Reporter:
        """The same naming, no problems yet: for work done in another process."""
        other = copy.copy(self)
        other.errors = []
        return other

    def add(
        self, source: str | PurePosixPath, line: int, field_name: str, zh: str, en: str
    ) -> None:
        self.errors.append(ContentError(self.name(source), line, field_name, zh, en))


def _display_prefix(root: Path) -> str:
    try:
        return str(root.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(root)


def display_name(catalog: Catalog, source: str) -> str:
    """A content file as messages name it (as `check` does: from where it runs)."""
    return f"{_display_prefix(catalog.root)}/{source}"


def build_catalog(
    root: Path,
    now: datetime,
    policy: SafetyPolicy,
    cache_dir: Path,
    workers: int = 0,
    *,
    preview: bool = False,
) -> Catalog:
    """Read, validate and render everything under `root` (the content folder).

    With `preview` (the local preview server only), drafts and scheduled items are
    shown as if published, each marked as a preview.
    """
    catalog = Catalog(root=root, now=now, policy=policy)
    catalog.pipeline = ImagePipeline(root, cache_dir, policy.limits)
    report = _Reporter(root, catalog.errors)
    markdown_files, data_files = _walk(root, catalog, report)
    _process_files(catalog, report, workers)
    for entry in _read_entries(catalog, markdown_files, report, workers, cache_dir):
        entry.preview = preview and entry.state in (DRAFT, SCHEDULED)
        catalog.entries[entry.source] = entry
    _check_required_files(catalog, report)
    _check_unique_urls(catalog, report)
    _check_unique_topics(catalog, report)
    _check_threads(catalog, report)
    _render_bodies(catalog, report, workers, cache_dir)
    for source, name in data_files:
        table = _read_data(root, source, name, policy, report)
        if table is not None:
            catalog.data[name] = table
    _check_search_pages(catalog, report)
    return catalog


def site_urls(catalog: Catalog) -> set[str]:
    """Every page URL the site will have in this build, site-relative with '/'."""
    urls = {"/" + section.url for section in SITE.walk()}
    urls.update("/" + entry.url for entry in catalog.entries.values() if entry.is_published)
    return urls


def _check_search_pages(catalog: Catalog, report: _Reporter) -> None:
    hints = catalog.data.get("search")
    if not isinstance(hints, SearchHints):
        return
    urls = site_urls(catalog)
    for index, recommendation in enumerate(hints.recommend):
        for page in recommendation.pages:
            if page not in urls:
                report.add(
                    "data/search.yml",
                    0,
                    f"recommend[{index}].pages",
                    f"推荐页面 {page} 在网站上不存在（或尚未发布）。请核对网址。",
                    f"The recommended page {page} does not exist (or is not published).",
                )


# --- images and attachments ---------------------------------------------------


def _process_files(catalog: Catalog, report: _Reporter, workers: int) -> None:
    """Check and size images (decoded in forked workers; encoded by the images
    plugin before they are published); check attachments' size and real type."""
    accepted: list[str] = []
    published: dict[str, str] = {}  # published image path -> its source
    pipeline = catalog.pipeline
    assert pipeline is not None
    images = [s for s in catalog.static_files if PurePosixPath(s).suffix[1:].lower() in IMAGE_TYPES]

    def process(source: str) -> ProcessedImage | tuple[str, str]:
        try:
            return pipeline.process(source, encode=False)
        except ImageError as problem:  # as text: what a worker gives back is pickled
            return problem.zh, problem.en

    processed = map_by_item(process, images, workers, 2)
    for source in catalog.static_files:
        if source in processed:
            image = processed[source]
            if not isinstance(image, ProcessedImage):
                report.add(source, 0, "", *image)
                continue
            catalog.images[source] = image
            other = published.setdefault(image.main.path, source)
            if other != source:  # photo.heic is published as photo.jpg
                report.add(
                    source,
                    0,
                    "",
                    f"这张图片发布后是 {image.main.path}，与 {report.name(other)} 重名。请给其中一张改名。",
                    f"This image is published as {image.main.path}, like {other}; rename one.",
                )
            continue
        problem = check_attachment(catalog.root / source, catalog.policy.limits)
        if problem is None:
            accepted.append(source)
        else:
            report.add(source, 0, "", *problem)
    catalog.static_files = accepted


# --- where files belong -------------------------------------------------------

_PAGE_FILES = {f"{s.path}.md": s for s in SITE.walk() if s.kind.has_page_file}
_COLLECTIONS = {s.path: s for s in collection_sections()}
_TOPICS = topics_section()
_DATA_FILES = {f"data/{s.data_name}.yml": s for s in SITE.walk() if s.kind is Kind.DATA_TABLE}
_OPTIONAL_DATA_FILES = {f"data/{name}.yml": name for name in OPTIONAL_DATA_MODELS}
_SECTION_DIRS = {s.path for s in SITE.walk()}
_YEAR = re.compile(r"\d{4}")
#: The editors' guide shown when content/ is opened on GitHub or GitLab.
FOLDER_GUIDE = "README.md"


def _walk(
    root: Path, catalog: Catalog, report: _Reporter
) -> tuple[list[tuple[PurePosixPath, Section]], list[tuple[PurePosixPath, str]]]:
    """Classify every file under root; report the ones that belong nowhere."""
    markdown_files: list[tuple[PurePosixPath, Section]] = []
    data_files: list[tuple[PurePosixPath, str]] = []
    # Strings, not pathlib, until each file's source: a third of the time otherwise.
    for prefix, folders, files in walk(root):
        folders[:] = sorted((f for f in folders if not f.name.startswith(".")), key=_name)
        for folder in folders:
            if folder.is_symlink():
                report.add(PurePosixPath(prefix + folder.name), 0, "", *_SYMLINK)
        for file in sorted((f for f in files if not f.name.startswith(".")), key=_name):
            source = PurePosixPath(prefix + file.name)
            if file.is_symlink():
                report.add(source, 0, "", *_SYMLINK)
                continue
            _classify(source, markdown_files, data_files, catalog, report)
    return markdown_files, data_files


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


_SYMLINK = (
    "这是符号链接（symlink），不允许放在 content 中。请放入真实文件。",
    "Symbolic links are not allowed in content/; commit the real file.",
)


def _classify(
    source: PurePosixPath,
    markdown_files: list[tuple[PurePosixPath, Section]],
    data_files: list[tuple[PurePosixPath, str]],
    catalog: Catalog,
    report: _Reporter,
) -> None:
    key = str(source)
    if key == FOLDER_GUIDE:
        return
    if key in _DATA_FILES:
        data_files.append((source, _DATA_FILES[key].data_name))
    elif key in _OPTIONAL_DATA_FILES:
        data_files.append((source, _OPTIONAL_DATA_FILES[key]))
    elif source.suffix == ".md":
        section = _section_of_markdown(source)
        if section is None:
            report.add(source, 0, "", *_unknown_place(source))
        else:
            markdown_files.append((source, section))
    elif source.parts[0] == "data":
        names = "、".join(sorted([*_DATA_FILES, *_OPTIONAL_DATA_FILES]))
        report.add(
            source,
            0,
            "",
            f"content/data 中只能放这些数据文件：{names}。此文件不会被使用，请删除或改名。",
            f"content/data holds only these data files: {names}. Remove or rename this one.",
        )
    elif source.suffix.lower() == ".svg":
        report.add(
            source,
            0,
            "",
            "不接受 SVG 图片：SVG 文件里可以藏脚本。请导出为 PNG 或 JPEG 后再提交。",
            "SVG images are refused (they can carry scripts); export a PNG or JPEG.",
        )
    elif source.suffix[1:].lower() not in STATIC_TYPES:
        names = "、".join(sorted(STATIC_TYPES))
        report.add(
            source,
            0,
            "",
            f"不支持的文件类型“{source.suffix or '无扩展名'}”。content 中只能放 Markdown 文章（.md）"
            f"和这些类型的图片、附件：{names}。",
            f"Unsupported file type '{source.suffix}'. content/ holds Markdown (.md) and "
            f"images or attachments of these types: {names}.",
        )
    elif _is_known_folder(source.parent):
        catalog.static_files.append(key)
    else:
        report.add(source, 0, "", *_unknown_place(source))


def _section_of_markdown(source: PurePosixPath) -> Section | None:
    text = str(source)
    if text in _PAGE_FILES:
        return _PAGE_FILES[text]
    return _section_of_folder(text.rpartition("/")[0])


@functools.cache
def _section_of_folder(folder: str) -> Section | None:
    """The collection (or topics) whose items live in `folder` (POSIX, relative)."""
    if folder == _TOPICS.path:
        return _TOPICS
    if folder in _COLLECTIONS:
        return _COLLECTIONS[folder]
    parent, _, name = folder.rpartition("/")
    if _YEAR.fullmatch(name) and parent in _COLLECTIONS:
        return _COLLECTIONS[parent]
    return None


def _is_known_folder(folder: PurePosixPath) -> bool:
    text = "" if str(folder) == "." else str(folder)
    if text in _SECTION_DIRS or text == "media" or text.startswith("media/"):
        return True
    return bool(_YEAR.fullmatch(folder.name)) and str(folder.parent) in _COLLECTIONS


def _unknown_place(source: PurePosixPath) -> tuple[str, str]:
    folders = [*sorted(_COLLECTIONS), _TOPICS.path]
    guess = difflib.get_close_matches(str(source.parent), folders, n=1, cutoff=0.5)
    hint_zh = f"是不是要放在 content/{guess[0]}/？" if guess else ""
    hint_en = f" Did you mean content/{guess[0]}/?" if guess else ""
    return (
        f"这个位置不属于网站的任何栏目，文件不会被发布。{hint_zh}"
        "栏目和文件夹的对应关系见 docs/content-fields.md。",
        "This location belongs to no section of the site, so the file would never be "
        f"published.{hint_en} See docs/content-fields.md for the folders.",
    )


# --- reading one file ---------------------------------------------------------


def _read_entries(
    catalog: Catalog,
    files: list[tuple[PurePosixPath, Section]],
    report: _Reporter,
    workers: int,
    cache_dir: Path,
) -> list[Entry]:
    """Every readable entry, in file order; read in forked workers at archive scale.
    A file read without problems by the last build, with the same bytes and the
    same files around it, is not read again (watersite/memo.py); nor are its bytes
    digested again while its file is as when last digested."""
    memo: Memo[Entry] = Memo(cache_dir, "entries", _reading_salt(catalog, report))
    sources = [str(source) for source, _ in files]
    digests = file_digests(catalog.root, sources, "content-digests", cache_dir, workers)
    keys = [key_of(source, digest) for source, digest in zip(sources, digests, strict=True)]
    # Only files not remembered go to the workers (an entry is not worth pickling).
    unknown = [i for i, key in enumerate(keys) if key not in memo.last]

    def read(index: int) -> tuple[Entry | None, list[ContentError]]:
        own = report.fresh()
        return _read_entry(catalog, *files[index], own), own.errors

    read_now = map_by_item(read, unknown, workers)
    entries = []
    clean = {}
    for index, key in enumerate(keys):
        entry, errors = read_now.get(index) or (memo.last[key], [])
        report.errors.extend(errors)
        if entry is not None:
            entry.read_key = key_of(memo.salt, key)
            entry.file_key = key
            entry.state = _state_of(entry.meta, catalog.now)
            entries.append(entry)
            if not errors:
                clean[key] = entry
    memo.save(clean)
    return entries


def _reading_salt(catalog: Catalog, report: _Reporter) -> str:
    """What reading any file depends on besides its own bytes: the policy, how
    files are named in messages, and every path under content/ (validation
    checks that the files an item names exist)."""
    paths = sorted(
        prefix + entry.name for prefix, _, files in walk(catalog.root) for entry in files
    )
    return key_of(catalog.policy.model_dump_json(), report.prefix, *paths)


def _state_of(meta: models.Strict, now: datetime) -> str:
    """Published, draft, scheduled (an item waiting for its date) or withdrawn."""
    status = getattr(meta, "status", "published")
    if status == "draft":
        return DRAFT
    if isinstance(meta, models.Item) and meta.date > now:
        # Only dated items wait for their date; a page's date is when it was updated.
        return SCHEDULED
    return WITHDRAWN if status == "withdrawn" else PUBLISHED


def _read_entry(
    catalog: Catalog, source: PurePosixPath, section: Section, report: _Reporter
) -> Entry | None:
    root = catalog.root
    shown = report.name(source)
    try:
        text = frontmatter.decode((root / source).read_bytes(), shown)
        parsed = frontmatter.parse(text, shown)
    except ContentFileError as group:
        report.errors.extend(group.errors)
        return None
    if _report_placeholders(source, text, report):
        return None
    for found in scan_text(text, catalog.policy):
        report.add(source, found.line, "", found.zh, found.en)
    model = MODEL_BY_KIND[section.kind]
    meta, errors = validate(model, parsed, shown, root, source.parent)
    if meta is None:
        report.errors.extend(errors)
        return None
    slug = _slug_of(source, section, meta, report)
    if slug is None:
        return None
    date: datetime | None = getattr(meta, "date", None)
    if not _year_folder_matches(source, date, parsed, report):
        return None
    return Entry(
        source=str(source),
        section=section,
        meta=meta,
        slug=slug,
        url=_url_of(section, slug, date),
        state=_state_of(meta, catalog.now),
        body=parsed.body,
    )


def _slug_of(
    source: PurePosixPath, section: Section, meta: models.Strict, report: _Reporter
) -> str | None:
    if section.kind.has_page_file:
        return source.stem
    explicit = getattr(meta, "slug", None)
    if explicit:
        return explicit
    if is_slug(source.stem):
        return source.stem
    report.add(
        source,
        0,
        "slug",
        f"文件名“{source.name}”不能直接用作网址：网址只能有小写英文字母、数字和连字符。"
        "请把文件改名（例如 2024-05-water-plant.md），或在 front matter 中加一行"
        " slug: 2024-05-water-plant。",
        f"The file name '{source.name}' cannot be a URL: use lowercase a-z, 0-9 and "
        "hyphens. Rename the file or add 'slug: ...' to the front matter.",
    )
    return None


def _report_placeholders(source: PurePosixPath, text: str, report: _Reporter) -> bool:
    """Report each line that still holds a 【请填写…】 placeholder; True if any does."""
    lines = placeholder_lines(text)
    for number in lines:
        shown = text.split("\n")[number - 1].strip()
        report.add(
            source,
            number,
            "",
            f"这一行还有没填写的内容：{shown}。请把【请填写…】换成实际内容，不用的可选字段整行删掉。",
            "This line still holds a placeholder: replace 【请填写…】 with the real text.",
        )
    return bool(lines)


def _year_folder_matches(
    source: PurePosixPath,
    date: datetime | None,
    parsed: frontmatter.Document,
    report: _Reporter,
) -> bool:
    folder = source.parent.name
    if date is None or not _YEAR.fullmatch(folder) or int(folder) == date.year:
        return True
    report.add(
        source,
        parsed.line_of(("date",)),
        "date",
        f"发布时间是 {date.year} 年，文件却在 {folder} 文件夹中。请核对日期，或把文件移到"
        f" {date.year} 文件夹。",
        f"The date is in {date.year} but the file is in the {folder} folder; check the "
        f"date or move the file to {date.year}/.",
    )
    return False


def _url_of(section: Section, slug: str, date: datetime | None) -> str:
    if section.kind.has_page_file:
        return section.url
    if section.kind is Kind.TOPICS or date is None:
        return f"{section.url}{slug}/"
    return f"{section.url}{date.year}/{slug}/"


# --- checks across files ------------------------------------------------------


def _check_required_files(catalog: Catalog, report: _Reporter) -> None:
    for name, section in _PAGE_FILES.items():
        if name not in catalog.entries and not (catalog.root / name).exists():
            report.add(
                name,
                0,
                "",
                f"缺少“{section.title}”页面的文件。网站地图中的每个页面都必须存在，请创建此文件。",
                f"The page '{section.path}' has no file; every page of the site map must exist.",
            )
    for name, section in _DATA_FILES.items():
        if not (catalog.root / name).exists():
            report.add(
                name,
                0,
                "",
                f"缺少“{section.title}”的数据文件，请创建此文件（格式见 docs/content-fields.md）。",
                f"The data file for '{section.path}' is missing; create it.",
            )


def _check_unique_urls(catalog: Catalog, report: _Reporter) -> None:
    owners: dict[str, Entry] = {}
    for entry in catalog.entries.values():
        first = owners.setdefault(entry.url, entry)
        if first is not entry:
            report.add(
                entry.source,
                0,
                "slug",
                f"网址 /{entry.url} 与 {report.name(first.source)} 重复。两篇内容不能有同一个网址："
                "请给其中一篇改文件名，或加上不同的 slug。",
                f"The URL /{entry.url} is also used by {report.name(first.source)}. Rename "
                "one file or give it a different 'slug'.",
            )


def _check_unique_topics(catalog: Catalog, report: _Reporter) -> None:
    tags: dict[str, Entry] = {}
    for entry in catalog.entries.values():
        if isinstance(entry.meta, models.Topic):
            first = tags.setdefault(entry.meta.topic_tag, entry)
            if first is not entry:
                report.add(
                    entry.source,
                    0,
                    "tag",
                    f"标签“{entry.meta.topic_tag}”已被专题 {report.name(first.source)} 使用。"
                    "每个专题的标签必须不同。",
                    f"Tag '{entry.meta.topic_tag}' is already used by topic "
                    f"{report.name(first.source)}; each topic needs its own tag.",
                )


def _check_threads(catalog: Catalog, report: _Reporter) -> None:
    """A follow-up (`follows`) points at a published original of the same kind."""
    for entry in catalog.entries.values():
        target_file = getattr(entry.meta, "follows", None)
        if target_file is None:
            continue
        original = catalog.entries.get(target_file.path)
        if original is None or original.section.kind is not entry.section.kind:
            problem = (
                f"follows 指向的 {target_file.path} 不是一条{entry.section.kind.label}。请写原通知的文件名。",
                f"'follows' names {target_file.path}, which is not a {entry.section.kind.value} notice.",
            )
        elif getattr(original.meta, "follows", None) is not None:
            problem = (
                "follows 要指向最初的那条通知，而不是另一条后续通知。",
                "'follows' must name the original notice, not another follow-up.",
            )
        elif entry.is_published and not original.is_listed:
            problem = (
                "原通知还没有发布（草稿、定时发布或已撤回），后续通知不能先发布。",
                "The original notice is not published (draft, scheduled or withdrawn).",
            )
        else:
            continue
        report.add(entry.source, 0, "follows", *problem)


# --- bodies -------------------------------------------------------------------


def _render_bodies(catalog: Catalog, report: _Reporter, workers: int, cache_dir: Path) -> None:
    """Markdown to HTML for every entry, in forked workers at archive scale; bodies
    that the last build rendered from the same text and lookups are reused."""
    current: list[Entry] = []

    def url_of_source(target: str) -> str | None:
        entry = catalog.entries.get(target)
        if entry is None or (current[0].is_published and not entry.is_published):
            return None
        return entry.url

    lookups: dict[str, Callable[[Any], Any]] = {
        "url": url_of_source,
        "image": catalog.images.get,
        "file": lambda target: (catalog.root / target).is_file(),
    }
    made: list[Lookup] = []

    def recorded(kind: str) -> Callable[[Any], Any]:
        def lookup(argument: Any) -> Any:
            made.append((kind, argument, lookups[kind](argument)))
            return made[-1][2]

        return lookup

    renderer = BodyRenderer(
        catalog.root, recorded("url"), recorded("image"), catalog.policy, recorded("file")
    )
    bodies: Memo[Rendered] = Memo(cache_dir, "bodies", catalog.policy.model_dump_json())
    entries = list(catalog.entries.values())
    # By the file the body is read from: digesting 10,000 bodies again took 0.05 s.
    keys = [entry.file_key for entry in entries]

    def still_valid(index: int) -> bool:
        current[:] = [entries[index]]
        found = bodies.last.get(keys[index])
        return found is not None and found.still_valid(lambda kind, arg: lookups[kind](arg))

    # Only bodies not remembered go to the workers (a body is not worth pickling).
    unknown = [index for index in range(len(entries)) if not still_valid(index)]

    def render(index: int) -> Rendered:
        current[:] = [entries[index]]
        made.clear()
        html, problems = renderer.render(entries[index].body, PurePosixPath(entries[index].source))
        return Rendered(html, plain_summary(html), problems, list(made), key_of(html))

    rendered_now = map_by_item(render, unknown, workers)
    rendered = [
        (key, rendered_now.get(index) or bodies.last[key]) for index, key in enumerate(keys)
    ]
    bodies.save(dict(rendered))
    for entry, (_, body) in zip(entries, rendered, strict=True):
        entry.html, entry.html_digest = body.html, body.digest
        for found in body.problems:
            report.add(
                entry.source,
                _body_line(catalog.root, entry, found.target),
                "正文",
                found.zh,
                found.en,
            )
        written = getattr(entry.meta, "summary", None)
        entry.summary_text = written or body.plain


def _body_line(root: Path, entry: Entry, needle: str) -> int:
    text = (root / entry.source).read_text(encoding="utf-8-sig")
    body_start = text.count("\n") - entry.body.count("\n")
    for number, line in enumerate(entry.body.split("\n")):
        if needle in line:
            return body_start + number + 1
    return 0


# Block ends become a space; inline tags vanish, since Chinese has no spaces
# around a link or an emphasis.
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|td|th|tr|blockquote|dd|dt)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_summary(body_html: str, limit: int = SUMMARY_LENGTH) -> str:
    """The start of a body as plain text, cut at `limit` characters with an ellipsis."""
    text = _TAG.sub("", _BLOCK_END.sub(" ", body_html))
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


# --- data tables --------------------------------------------------------------


def _read_data(
    root: Path, source: PurePosixPath, name: str, policy: SafetyPolicy, report: _Reporter
) -> models.Strict | None:
    shown = report.name(source)
    try:
        text = frontmatter.decode((root / source).read_bytes(), shown)
        parsed = frontmatter.load_yaml_file(text, shown)
    except ContentFileError as group:
        report.errors.extend(group.errors)
        return None
    for found in scan_text(text, policy):
        report.add(source, found.line, "", found.zh, found.en)
    table, errors = validate(DATA_MODELS[name], parsed, shown, root, source.parent)
    report.errors.extend(errors)
    return table
