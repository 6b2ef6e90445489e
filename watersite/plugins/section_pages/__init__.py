"""Section pages: the home page, landing pages, paginated listings, the topics
index, data-table pages, search and 404 — every page of the site map that is
not a single content file.

It also computes what item templates show besides front matter (statuses,
downloads with type and size, topic lists, project timelines), so that no
template compares dates or walks collections itself.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import segno
from pelican import signals
from pelican.generators import Generator

from watersite import notices, status
from watersite.clock import SITE_TIMEZONE
from watersite.listing import newest_first, paginate
from watersite.memo import Memo, key_of
from watersite.output import write_unless_same
from watersite.plugins.contract import catalog_of
from watersite.relations import link_neighbours, link_related_remembered
from watersite.schema import models
from watersite.schema.types import ATTACHMENT_TYPES, IMAGE_TYPES, ContentFile
from watersite.sections import BY_PATH, NAVIGATION, SITE, Kind, Section

DEFAULTS = {
    "LISTING_PAGE_SIZE": 15,  # items per numbered page (the index shows 1-2 chunks)
    "LANDING_ITEMS": 5,  # newest items per subsection on a landing page
    "HOME_ITEMS": 6,  # items per block on the home page
    "HOME_PHOTOS": 4,  # photo news (newest items with a cover)
    "OUTAGE_LEAD_HOURS": 72,  # an outage is announced this long before it starts
}

_NEVER = datetime.min.replace(tzinfo=SITE_TIMEZONE)


@dataclass(frozen=True)
class FilterSpec:
    """Controls the filter script builds above a listing (watersite JS 4-filter)."""

    selects: str = ""  # "key:标签,key:标签": a select per key, options from the items
    text: str = ""  # "key:说明": a text box matching within the items' values


#: Listing filters by section kind, and for section-group listings.
FILTERS = {
    Kind.TENDERS: FilterSpec(selects="status:状态"),
    Kind.DOCUMENTS: FilterSpec(selects="validity:效力"),
    Kind.OUTAGES: FilterSpec(text="areas:查一查是否影响您：输入街道或小区名称"),
}
GROUP_FILTERS = {
    "tenders": FilterSpec(selects="type:类型,status:状态"),
    "library": FilterSpec(selects="validity:效力"),
}

#: Section groups with a chronological listing of all their items, and its URL.
GROUP_LISTINGS = {
    group.path: f"{group.url}all/"
    for group in SITE.children
    if sum(child.kind.is_collection for child in group.children) >= 2
}

#: The context's list of the items that listings, feeds and the sitemap show (not
#: withdrawn), newest first: sorted once for all of them.
LISTED_ITEMS = "LISTED_ITEMS"
#: Sections whose newest items with a cover become photo news on the home page.
PHOTO_NEWS_GROUPS = ("news", "culture")


@dataclass(frozen=True)
class Download:
    """A file readers can download, with what they need to know before they tap."""

    url: str
    title: str
    kind: str  # e.g. "PDF"
    size: str  # e.g. "236 KB"


@dataclass
class Block:
    """A titled list of items linking to its full listing."""

    title: str
    url: str
    items: list[Any] = field(default_factory=list)
    section: Section | None = None


@dataclass(frozen=True)
class QrImage:
    """A QR code of an external service link, made at build time (segno)."""

    url: str  # where the PNG is published
    width: int
    height: int
    data: bytes = field(repr=False)


def qr_code(link: str, published_at: str) -> QrImage:
    """A PNG QR code of `link`, to be written at `published_at` (site-relative)."""
    code = segno.make(link, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=6, border=2)
    width, height = code.symbol_size(scale=6, border=2)
    return QrImage(published_at, width, height, buffer.getvalue())


def setting(settings: dict[str, Any], name: str) -> Any:
    """A WATERSITE_<name> setting, or its documented default."""
    return settings.get(f"WATERSITE_{name}", DEFAULTS[name])


def human_size(size: int) -> str:
    """File size as readers expect it: 820 B, 236 KB, 1.2 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / 1024 / 1024:.1f} MB"


_FILE_KINDS = ATTACHMENT_TYPES | IMAGE_TYPES


def downloads_of(item: models.Strict, root: Path) -> list[Download]:
    """The item's main file (document, newspaper PDF) and its attachments."""
    files: list[tuple[ContentFile, str]] = []
    # A pydantic model keeps its fields in __dict__; getattr of a field the model
    # lacks raises inside pydantic, a quarter of a second over 10,000 items.
    fields = vars(item)
    main = fields.get("file") or fields.get("pdf")
    if main is not None:
        files.append((main, "原文" if isinstance(item, models.Document) else "本期 PDF"))
    files.extend((a.file, a.title) for a in fields.get("attachments", []))
    return [
        Download(f.url, title, _FILE_KINDS[f.extension], human_size((root / f.path).stat().st_size))
        for f, title in files
    ]


class SectionPagesGenerator(Generator):
    """Enriches content and writes the pages every section needs."""

    def generate_context(self) -> None:
        """Group items by section and compute statuses for templates."""
        catalog = catalog_of(self.settings)
        self.now = catalog.now
        everything = newest_first(self.context["articles"])
        # Withdrawn items keep their pages but leave every listing.
        self.articles = [a for a in everything if not a.withdrawn]
        self.context[LISTED_ITEMS] = self.articles
        # Looked up once for all listings, not once per listing for every item
        # (0.1 s at 10,000 items).
        self.section_paths = [a.section.path for a in self.articles]
        self.pinned = {id(a) for a in self.articles if a.item.is_pinned(self.now)}
        self.pages = self.context["pages"]
        self.by_section: dict[str, list[Any]] = defaultdict(list)
        for article in self.articles:
            self.by_section[article.section.path].append(article)
        for content in [*everything, *self.pages]:
            content.downloads = downloads_of(content.item, catalog.root)
            content.status_badge = None
            content.newer = content.older = None
            content.related = []
            cover = vars(content.item).get("cover")
            content.cover_image = catalog.images.get(cover.path) if cover else None
        link_neighbours(self.by_section.values())
        cache = self.settings.get("WATERSITE_CACHE_DIR")
        link_related_remembered(self.articles, Path(cache) if cache else None)
        self._attach_configured_links(Path(cache) if cache else None)
        self._apply_statuses()
        self._attach_topic_items()
        self.context.update(
            SITE=SITE,
            NAVIGATION=NAVIGATION,
            BUILD_YEAR=self.now.year,
            ACTIVE_OUTAGES=self.active_outages,
            TOPIC_URLS={t.item.topic_tag: "/" + t.url for t in self.topics},
            GROUP_LISTINGS=GROUP_LISTINGS,
        )

    def _attach_configured_links(self, cache: Path | None) -> None:
        """External service links and contact channels come from organisation.yml;
        QR codes made by the last build for the same link are used again (making
        them was 0.04 s of every build)."""
        organisation = self.settings["ORGANISATION"]
        made: Memo[QrImage] = Memo(cache, "qr-codes", "")
        now: dict[str, QrImage] = {}
        for page in self.pages:
            key = page.section.path.rsplit("/", 1)[-1]
            if page.section.kind is Kind.SERVICE_LINK:
                page.service = organisation.services[key]
                published_at = f"/{page.section.url}qr.png"
                known = key_of(page.service.url, published_at)
                now[known] = made.last.get(known) or qr_code(page.service.url, published_at)
                page.service_qr = now[known]
            elif page.section.kind is Kind.CHANNELS:
                page.channels = organisation.channels[key]
        made.save(now)

    def _apply_statuses(self) -> None:
        lead = timedelta(hours=setting(self.settings, "OUTAGE_LEAD_HOURS"))
        threads = notices.annotate(self.articles, self.now, lead)
        threads.sort(key=lambda t: (t.window.start, t.latest.source_path))
        #: Announced on every page: under way, or starting within the lead time.
        self.active_outages = [t for t in threads if status.is_outage_active(t.status)]
        #: First on the outage listing: everything not yet over, soonest first.
        self.current_outages = [
            t for t in threads if t.status not in (status.OUTAGE_ENDED, status.OUTAGE_CANCELLED)
        ]

    def _attach_topic_items(self) -> None:
        by_tag: dict[str, list[Any]] = defaultdict(list)
        for article in self.articles:
            for tag in article.item.tags:
                by_tag[tag].append(article)
        topics = sorted(
            (p for p in self.pages if isinstance(p.item, models.Topic)),
            key=lambda p: p.source_path,
        )
        # Newest first; topics without a date after the dated ones.
        self.topics = sorted(topics, key=lambda p: p.item.date or _NEVER, reverse=True)
        for topic in self.topics:
            topic.topic_items = by_tag.get(topic.item.topic_tag, [])

    # --- output -------------------------------------------------------------

    def generate_output(self, writer: Any) -> None:
        """Write one page per site-map section (several for paginated listings)."""
        for section in SITE.walk():
            writer_for_kind = {
                Kind.HOME: self._write_home,
                Kind.LANDING: self._write_landing,
                Kind.TOPICS: self._write_topics,
                Kind.DATA_TABLE: self._write_data_table,
                Kind.SEARCH: self._write_search,
            }.get(section.kind)
            if writer_for_kind is not None:
                writer_for_kind(writer, section)
            elif section.kind.is_collection:
                self._write_listing(writer, section)
            if section.path in GROUP_LISTINGS:
                self._write_group_listing(writer, section)
        self._write(writer, "404.html", "404", None, page_title="页面未找到")
        for page in self.pages:
            qr = getattr(page, "service_qr", None)
            if qr is not None:
                write_unless_same(self.output_path, qr.url.lstrip("/"), qr.data)

    def _write(
        self,
        writer: Any,
        save_as: str,
        template: str,
        section: Section | None,
        **values: Any,
    ) -> None:
        writer.write_file(
            save_as,
            self.get_template(template),
            self.context,
            relative_urls=False,
            section=section,
            **values,
        )

    def _write_home(self, writer: Any, section: Section) -> None:
        count = setting(self.settings, "HOME_ITEMS")
        photos = [
            a
            for a in self.articles
            if a.cover_image is not None and a.section.path.split("/")[0] in PHOTO_NEWS_GROUPS
        ][: setting(self.settings, "HOME_PHOTOS")]
        culture = BY_PATH["culture"]
        blocks = [
            self._block(BY_PATH["news/group"], count),
            self._block(BY_PATH["news/industry"], count),
            Block(
                culture.title,
                "/" + culture.url,
                self._items_under(culture)[:count],
                culture,
            ),
        ]
        tenders_section = BY_PATH["tenders"]
        tenders = Block(
            "招标信息",
            "/" + tenders_section.url,
            self._items_under(tenders_section)[:count],
        )
        self._write(
            writer,
            section.save_as,
            "home",
            section,
            photo_news=photos,
            blocks=blocks,
            tenders=tenders,
            outages_url="/" + BY_PATH["notices/outages"].url,
        )

    def _block(self, section: Section, count: int) -> Block:
        return Block(
            section.title,
            "/" + section.url,
            self.by_section[section.path][:count],
            section,
        )

    def _items_under(self, group: Section) -> list[Any]:
        paths = {s.path for s in group.walk()}
        return [
            a for a, path in zip(self.articles, self.section_paths, strict=True) if path in paths
        ]

    def _write_landing(self, writer: Any, section: Section) -> None:
        count = setting(self.settings, "LANDING_ITEMS")
        blocks = [
            Block(child.title, "/" + child.url, self.by_section[child.path][:count], child)
            for child in section.children
        ]
        self._write(
            writer,
            section.save_as,
            "landing",
            section,
            blocks=blocks,
            page_title=section.title,
        )

    def _write_listing(self, writer: Any, section: Section) -> None:
        if section.kind is Kind.PAPER:
            self._write_paper_archive(writer, section)
            return
        items = self.by_section[section.path]
        self._write_pages(
            writer,
            section,
            items,
            url="/" + section.url,
            title=section.title,
            filters=FILTERS.get(section.kind),
        )

    def _write_group_listing(self, writer: Any, group: Section) -> None:
        """All items of a section group in one chronology, at /<group>/all/."""
        url = "/" + GROUP_LISTINGS[group.path]
        items = self._items_under(group)
        self._write_pages(
            writer,
            group,
            items,
            url=url,
            title=f"全部{group.title}",
            sections=True,
            filters=GROUP_FILTERS.get(group.path),
        )

    def _write_pages(
        self,
        writer: Any,
        section: Section,
        items: list[Any],
        *,
        url: str,
        title: str,
        sections: bool = False,
        filters: FilterSpec | None = None,
    ) -> None:
        pinned = [a for a in items if id(a) in self.pinned] if self.pinned else []
        for page in paginate(url, items, setting(self.settings, "LISTING_PAGE_SIZE"), pinned):
            self._write(
                writer,
                page.save_as.lstrip("/"),
                "listing",
                section,
                listing=page,
                total=len(items),
                current_outages=self.current_outages if section.kind is Kind.OUTAGES else [],
                filters=filters,
                page_title=title if page.number is None else f"{title}（第 {page.number} 页）",
                show_sections=sections,
            )

    def _write_paper_archive(self, writer: Any, section: Section) -> None:
        """水报: the newest year's issues on the section page, one page per year."""
        by_year: dict[int, list[Any]] = defaultdict(list)
        for issue in self.by_section[section.path]:
            by_year[issue.date.year].append(issue)
        years = sorted(by_year, reverse=True)
        newspaper = self.settings["ORGANISATION"].newspaper
        for year in [None, *years]:
            shown = year or (years[0] if years else None)
            self._write(
                writer,
                f"{section.url}{year}/index.html" if year else section.save_as,
                "paper_archive",
                section,
                issues=by_year.get(shown, []) if shown else [],
                year=shown,
                years=years,
                newspaper=newspaper,
                page_title=f"{section.title}（{year} 年）" if year else section.title,
            )

    def _write_topics(self, writer: Any, section: Section) -> None:
        self._write(
            writer,
            section.save_as,
            "topics",
            section,
            topics=self.topics,
            page_title=section.title,
        )

    def _write_data_table(self, writer: Any, section: Section) -> None:
        table = catalog_of(self.settings).data[section.data_name]
        downloads = []
        for name, data in getattr(table, "files", dict)().items():
            write_unless_same(self.output_path, section.url + name, data)
            downloads.append(
                Download(
                    f"/{section.url}{name}",
                    name,
                    name.rsplit(".", 1)[-1].upper(),
                    human_size(len(data)),
                )
            )
        self._write(
            writer,
            section.save_as,
            f"data_{section.data_name}",
            section,
            table=table,
            downloads=downloads,
            page_title=section.title,
        )

    def _write_search_hints(self, section: Section) -> None:
        """/search/hints.json: synonyms and recommended pages (content/data/search.yml)
        for the search script, with each page's title resolved at build time."""
        hints = catalog_of(self.settings).data.get("search")
        titles = {"/" + s.url: s.title for s in SITE.walk()}
        titles.update({"/" + c.url: c.title for c in [*self.context["articles"], *self.pages]})
        payload = {
            "synonyms": hints.synonyms if hints else [],
            "recommend": [
                {
                    "keywords": r.keywords,
                    "pages": [{"url": url, "title": titles[url]} for url in r.pages],
                }
                for r in (hints.recommend if hints else [])
            ],
        }
        hints_json = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        write_unless_same(self.output_path, section.url + "hints.json", hints_json.encode())

    def _write_search(self, writer: Any, section: Section) -> None:
        self._write_search_hints(section)
        self._write(writer, section.save_as, "search", section, page_title=section.title)


def get_generators(pelican: Any) -> type[Generator]:
    """Add our generator after Pelican's article and page generators."""
    return SectionPagesGenerator


def register() -> None:
    """Connect to Pelican's signals."""
    signals.get_generators.connect(get_generators)
