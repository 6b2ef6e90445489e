"""Machine-readable output: Atom feeds, calendars, sitemap.xml and robots.txt.

- An Atom feed per collection section (`/<section>/atom.xml`) and per section
  group (`/news/atom.xml` is all news), newest items first, with full content.
- iCalendar feeds people can subscribe to: outage windows
  (`/notices/outages/calendar.ics`) and tender deadlines (`/tenders/calendar.ics`).
- `sitemap.xml` lists every page readers can reach (items, pages, section
  pages), never drafts, scheduled or withdrawn items.
- `robots.txt` allows everything and names the sitemap.

Feeds and the sitemap need absolute URLs: they use `SITE_BASE_URL`
(127.0.0.1:8000 in development, `DEPLOY_BASE_URL` in the publish settings).
Pelican's own feeds are per category and would not know our sections, and
pelican-sitemap cannot see the pages our generator writes; both are small
enough to write here.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from feedgenerator import Atom1Feed
from pelican import signals
from pelican.generators import Generator

from watersite.clock import SITE_TIMEZONE
from watersite.memo import Memo, key_of
from watersite.output import write_unless_same
from watersite.plugins.section_pages import GROUP_LISTINGS, LISTED_ITEMS
from watersite.sections import BY_PATH, SITE, Kind, Section
from watersite.workers import map_by_item

FEED_FILE = "atom.xml"
OUTAGE_CALENDAR = "notices/outages/calendar.ics"
TENDER_CALENDAR = "tenders/calendar.ics"
#: Events to make below which making calendars in forked workers costs more than it saves.
_FORK_EVENTS = 1000
FEED_ITEMS = 20
#: `updated` of a feed with no items yet: a constant, so it never changes by itself.
EMPTY_FEED_UPDATED = datetime(2020, 1, 1, tzinfo=SITE_TIMEZONE)
_ROOT_RELATIVE = re.compile(r'(href|src)="/(?!/)')
_SRCSET = re.compile(r'srcset="([^"]*)"')


def feed_sections() -> list[Section]:
    """Sections with a feed: every collection, and every group that has one."""
    return [
        s
        for s in SITE.walk()
        if s.kind.is_collection
        or (s.kind is Kind.LANDING and any(c.kind.is_collection for c in s.children))
    ]


def absolute_html(html: str, base: str) -> str:
    """Make root-relative URLs in HTML absolute, for feed readers."""
    html = _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}="{base}/', html)
    return _SRCSET.sub(
        lambda m: (
            'srcset="'
            + ", ".join(
                base + part.strip() if part.strip().startswith("/") else part.strip()
                for part in m.group(1).split(",")
            )
            + '"'
        ),
        html,
    )


class _Feed(Atom1Feed):
    def latest_post_date(self) -> datetime:
        # feedgenerator falls back to the current time, which would make empty
        # feeds change on every build.
        dates = [item["updateddate"] or item["pubdate"] for item in self.items]
        return max(dates) if dates else EMPTY_FEED_UPDATED


#: Section path -> the calendar its pages offer (a group's calendar serves its sections).
CALENDARS = {
    section.path: "/" + calendar
    for group, calendar in (("notices/outages", OUTAGE_CALENDAR), ("tenders", TENDER_CALENDAR))
    for section in BY_PATH[group].walk()
}


class FeedsGenerator(Generator):
    """Writes feeds, calendars, the sitemap and robots.txt from the listed items."""

    def generate_context(self) -> None:
        """Let pages link the calendars."""
        self.context["CALENDARS"] = CALENDARS

    def generate_output(self, writer: Any) -> None:
        """Write every feed, sitemap.xml and robots.txt."""
        base = self.settings["SITE_BASE_URL"].rstrip("/")
        listed = self.context[LISTED_ITEMS]
        output = Path(self.output_path)
        positions: dict[str, list[int]] = defaultdict(list)  # in `listed`, by section
        for position, item in enumerate(listed):
            positions[item.section.path].append(position)
        cache = self.settings.get("WATERSITE_CACHE_DIR")
        made: Memo[bytes] = Memo(Path(cache) if cache else None, "feeds", "")
        now: dict[str, bytes] = {}
        for section in feed_sections():
            found = heapq.merge(*(positions[s.path] for s in section.walk()))
            items = [listed[position] for position in itertools.islice(found, FEED_ITEMS)]
            fields = self._feed_fields(section, items, base)
            key = key_of(repr(fields))
            now[key] = made.last.get(key) or _feed_bytes(*fields)
            write_unless_same(output, section.url + FEED_FILE, now[key])
        made.save(now)
        host = urlsplit(base).hostname or "localhost"
        self._write_calendars(
            {
                OUTAGE_CALENDAR: ("停水通知", outage_events(listed, base, host)),
                TENDER_CALENDAR: ("招标截止时间", tender_events(listed, base, host)),
            }
        )
        write_unless_same(output, "sitemap.xml", self._sitemap(listed, base).encode())
        robots = f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n"
        write_unless_same(output, "robots.txt", robots.encode())

    def _write_calendars(self, calendars: dict[str, tuple[str, list[EventFields]]]) -> None:
        """Write each calendar; one with the same events as in the last build is
        not made again (icalendar takes 0.2 s over each of a 10,000-item archive's),
        and those to make are made at once in forked workers."""
        cache = self.settings.get("WATERSITE_CACHE_DIR")
        made: Memo[bytes] = Memo(Path(cache) if cache else None, "calendars", "")
        keys = {
            path: key_of(path, name, repr(events)) for path, (name, events) in calendars.items()
        }
        unknown = [path for path in calendars if keys[path] not in made.last]
        events = sum(len(calendars[path][1]) for path in unknown)
        made_now = map_by_item(
            lambda path: calendar_bytes(*calendars[path]),
            unknown,
            self.settings.get("WATERSITE_RENDER_WORKERS", 0) if events >= _FORK_EVENTS else 1,
            jobs_per_worker=1,
        )
        now = {}
        for path, key in keys.items():
            now[key] = made_now[path] if path in made_now else made.last[key]
            write_unless_same(self.output_path, path, now[key])
        made.save(now)

    def _feed_fields(
        self, section: Section, items: list[Any], base: str
    ) -> tuple[dict[str, str], list[dict[str, Any]]]:
        """What the section's feed shows: its own fields and each item's (the
        arguments of feedgenerator's feed and `add_item`)."""
        organisation = self.settings["ORGANISATION"]
        feed = {
            "title": f"{section.title} - {organisation.name}",
            "link": f"{base}/{section.url}",
            "description": f"{organisation.name}{section.title}",
            "feed_url": f"{base}/{section.url}{FEED_FILE}",
            "feed_guid": f"{base}/{section.url}{FEED_FILE}",
            "language": "zh-CN",
            "author_name": organisation.name,
        }
        entries = [
            {
                "title": item.title,
                "link": f"{base}/{item.url}",
                "unique_id": f"{base}/{item.url}",
                "description": item.summary_text,
                "content": absolute_html(item.content, base),
                "pubdate": item.date,
                "updateddate": item.item.updated or item.date,
                "author_name": item.item.author or item.item.source or organisation.name,
                "categories": item.item.tags,
            }
            for item in items
        ]
        return feed, entries

    def _sitemap(self, listed: list[Any], base: str) -> str:
        newest_own: dict[str, datetime] = {}  # by the path of the items' own section
        entries: list[tuple[str, datetime | None]] = []
        for item in listed:
            modified = item.item.updated or item.date
            entries.append((item.url, modified))
            known = newest_own.get(item.section.path)
            if known is None or modified > known:
                newest_own[item.section.path] = modified
        newest: dict[str, datetime] = {}  # and of each section above them
        for path, modified in newest_own.items():
            for section in [BY_PATH[path], *BY_PATH[path].ancestors()]:
                newest[section.path] = max(newest.get(section.path, modified), modified)
        for page in self.context["pages"]:
            entries.append((page.url, page.item.date))
        for section in SITE.walk():
            if not section.kind.has_page_file and section.kind is not Kind.SEARCH:
                entries.append((section.url, newest.get(section.path)))
            if section.path in GROUP_LISTINGS:
                entries.append((GROUP_LISTINGS[section.path], newest.get(section.path)))
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ]
        for url, modified in sorted(entries, key=lambda e: e[0]):
            lastmod = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified else ""
            lines.append(f"<url><loc>{escape(f'{base}/{url}')}</loc>{lastmod}</url>")
        lines.append("</urlset>")
        return "\n".join(lines) + "\n"


def _feed_bytes(feed: dict[str, str], entries: list[dict[str, Any]]) -> bytes:
    """An Atom feed of `entries`. Written only where its fields changed since the
    last build (a memo): feedgenerator takes 0.15 s over a site's 24 feeds."""
    atom = _Feed(**feed)
    for entry in entries:
        atom.add_item(**entry)
    return atom.writeString("utf-8").encode()


#: One calendar event: (property, value) pairs, in the order they are written.
EventFields = tuple[tuple[str, Any], ...]


def calendar_bytes(name: str, events: list[EventFields]) -> bytes:
    """An iCalendar file named `name` with `events`."""
    # Imported here: a rebuild whose calendars are remembered needs no icalendar.
    from icalendar import Calendar, Event  # noqa: PLC0415

    calendar = Calendar()
    calendar.add("prodid", "-//watersite//calendar//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for fields in events:
        event = Event()
        for key, value in fields:
            event.add(key, value)
        calendar.add_component(event)
    return calendar.to_ical()


def _utc(moment: datetime) -> datetime:
    # UTC needs no VTIMEZONE; every calendar shows it in the reader's own zone.
    return moment.astimezone(UTC)


def outage_events(listed: list[Any], base: str, host: str) -> list[EventFields]:
    """One event per outage (a notice and its follow-ups), as it stands now."""
    threads = {id(a.outage): a.outage for a in listed if getattr(a, "outage", None) is not None}
    events = []
    for thread in sorted(
        threads.values(), key=lambda t: (t.window.start, t.notices[0].source_path)
    ):
        first, latest = thread.notices[0], thread.latest
        events.append(
            (
                ("uid", f"outage-{first.url.strip('/').replace('/', '-')}@{host}"),
                ("dtstamp", _utc(latest.item.updated or latest.date)),
                ("dtstart", _utc(thread.window.start)),
                ("dtend", _utc(thread.window.restored or thread.window.end)),
                ("summary", f"{latest.item.kind}：{first.title}"),
                ("location", "、".join(thread.window.areas)),
                ("description", f"{latest.item.reason or ''}\n{base}/{latest.url}".strip()),
                ("url", f"{base}/{latest.url}"),
                ("status", "CANCELLED" if thread.window.cancelled else "CONFIRMED"),
            )
        )
    return events


def tender_events(listed: list[Any], base: str, host: str) -> list[EventFields]:
    """One event per tender project at its bid deadline (the newest one set)."""
    projects: dict[str, Any] = {}
    # vars: getattr of a missing field raises inside pydantic
    notices = [a for a in listed if vars(a.item).get("deadline") is not None]
    for notice in sorted(notices, key=lambda a: (a.date, a.source_path)):
        if vars(notice.item).get("notice") is not None:
            projects[notice.item.project_no] = notice
    return [
        (
            ("uid", f"tender-{project_no}@{host}"),
            ("dtstamp", _utc(notice.item.updated or notice.date)),
            ("dtstart", _utc(notice.item.deadline)),
            ("dtend", _utc(notice.item.deadline + timedelta(minutes=30))),
            ("summary", f"投标截止：{notice.thread[0].title}"),
            ("description", f"项目编号 {project_no}\n{base}/{notice.url}"),
            ("url", f"{base}/{notice.url}"),
        )
        for project_no, notice in sorted(projects.items())
    ]


def get_generators(pelican: Any) -> type[Generator]:
    """Register the feeds generator."""
    return FeedsGenerator


def register() -> None:
    """Connect to Pelican's signals."""
    signals.get_generators.connect(get_generators)
