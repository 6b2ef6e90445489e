"""Notices with a lifecycle on the fixture site: outage threads and their
status before, during and after the window; tender, job and document states;
follow-up rules; listings, filters and calendar feeds."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar

from tests.conftest import FIXED_NOW, build_into
from watersite import status
from watersite.build import ROOT, build, check, load_settings
from watersite.clock import SITE_TIMEZONE
from watersite.errors import ContentErrors
from watersite.plugins import feeds

OUTAGE = "notices/outages/2024/east-pipe.md"
OUTAGE_URL = "/notices/outages/2024/east-pipe/"


def at(day: int, hour: int = 12, month: int = 6) -> datetime:
    return datetime(2024, month, day, hour, 0, tzinfo=SITE_TIMEZONE)


def soup_of(output: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup(
        (output / url.strip("/") / "index.html").read_text(encoding="utf-8"), "html.parser"
    )


def badge(soup: BeautifulSoup) -> str:
    return soup.select_one("main .sw-badge").text


def follow_up(content: Path, name: str, kind: str, **fields: str) -> None:
    lines = {
        "title": f"东片区停水{kind}",
        "date": "2024-06-02 09:00",
        "kind": "计划停水",
        "follows": "east-pipe.md",
        "follow_up": kind,
        "start": "2024-06-03 22:00",
        "end": "2024-06-04 06:00",
        **fields,
    }
    front = "\n".join(f"{k}: {v}" for k, v in lines.items())
    (content / "notices/outages/2024" / name).write_text(
        f"---\n{front}\nareas:\n  - 滨江花园小区\n---\n{kind}的说明。\n", encoding="utf-8"
    )


# --- outages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "label", "banner"),
    [
        (at(1, 12), "即将停水", True),  # within 72 hours of the start
        (at(3, 23), "停水中", True),
        (at(4, 7), "已恢复供水", False),
    ],
)
def test_outage_status_before_during_and_after(
    now: datetime, label: str, banner: bool, tmp_path: Path
) -> None:
    from tests.conftest import FIXTURE_CONTENT

    output = build_into(FIXTURE_CONTENT, tmp_path / "out", now=now)
    assert badge(soup_of(output, OUTAGE_URL)) == label
    home = soup_of(output, "/")
    assert bool(home.select("aside.sw-banner")) is banner
    assert bool(soup_of(output, "/about/profile/").select("aside.sw-banner")) is banner


def test_postponed_outage_takes_the_new_window(content_copy: Path, tmp_path: Path) -> None:
    follow_up(
        content_copy, "east-pipe-later.md", "延期", start="2024-06-10 22:00", end="2024-06-11 06:00"
    )
    output = build_into(content_copy, tmp_path / "out", now=at(3, 23))
    original = soup_of(output, OUTAGE_URL)
    assert badge(original) == "计划中", "the old window no longer counts"
    facts = original.find(class_="sw-notice-facts").get_text()
    assert "2024-06-10 22:00 至 2024-06-11 06:00" in facts and "以最新通知为准" in facts
    timeline = [a["href"] for a in original.select(".sw-timeline__list a")]
    assert timeline == ["/notices/outages/2024/east-pipe-later/"]
    later = soup_of(output, "/notices/outages/2024/east-pipe-later/")
    assert [a["href"] for a in later.select(".sw-timeline__list a")] == [OUTAGE_URL], (
        "linked both ways"
    )
    assert not soup_of(output, "/").select("aside.sw-banner")


def test_restored_and_cancelled_outages_end_the_thread(content_copy: Path, tmp_path: Path) -> None:
    follow_up(
        content_copy,
        "east-pipe-back.md",
        "恢复供水",
        date="2024-06-04 05:00",
        restored="2024-06-04 04:30",
    )
    output = build_into(content_copy, tmp_path / "out", now=at(4, 5))
    assert badge(soup_of(output, OUTAGE_URL)) == "已恢复供水"
    facts = soup_of(output, OUTAGE_URL).find(class_="sw-facts").get_text(" ", strip=True)
    assert "实际恢复供水 2024-06-04 04:30" in facts
    (content_copy / "notices/outages/2024/east-pipe-back.md").unlink()
    follow_up(content_copy, "east-pipe-off.md", "取消")
    output = build_into(content_copy, tmp_path / "out2", now=at(2, 12))
    assert badge(soup_of(output, OUTAGE_URL)) == "已取消"
    assert not soup_of(output, "/").select("aside.sw-banner")


def test_outage_listing_puts_current_and_upcoming_first(tmp_path: Path) -> None:
    from tests.conftest import FIXTURE_CONTENT

    output = build_into(FIXTURE_CONTENT, tmp_path / "out", now=at(2))
    soup = soup_of(output, "/notices/outages/")
    current = soup.find("h2", string="当前及即将停水").find_next("ul")
    assert current.select_one("a")["href"] == OUTAGE_URL
    assert "2024-06-03 22:00 至 2024-06-04 06:00" in current.get_text()
    scope = soup.select_one("[data-filter-scope]")
    assert scope["data-filter-text"].startswith("areas:")
    assert (
        soup.select_one("li[data-filter-areas]")["data-filter-areas"]
        == "临澜大道（滨江路至望江路段）、滨江花园小区"
    )


# --- follow-up rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"follows": "../../../news/group/2024/plant-upgrade.md"}, "follows", "不是一条停水通知"),
        ({"follow_up": "推迟"}, "follow_up", "不是允许的值"),
        ({"follow_up": "恢复供水"}, "restored", "须写实际恢复时间"),
        ({"follows": "nope.md"}, "follows", "找不到文件"),
    ],
)
def test_follow_up_rules(
    fields: dict[str, str], field: str, message: str, content_copy: Path
) -> None:
    follow_up(content_copy, "east-pipe-bad.md", "延期", **fields)
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    assert any(e.field == field and message in e.zh for e in raised.value.errors), (
        raised.value.report()
    )


def test_a_follow_up_must_name_the_original(content_copy: Path) -> None:
    follow_up(content_copy, "east-pipe-later.md", "延期")
    follow_up(content_copy, "east-pipe-again.md", "延期", follows="east-pipe-later.md")
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    assert any("最初的那条通知" in e.zh for e in raised.value.errors)


def test_job_posting_needs_positions_unless_it_follows_one(
    content_copy: Path, tmp_path: Path
) -> None:
    job = content_copy / "jobs/2024-interviews.md"
    job.write_text(
        "---\ntitle: 面试名单\ndate: 2024-03-25\nfollows: 2024-spring.md\n---\n名单。\n",
        encoding="utf-8",
    )
    output = build_into(content_copy, tmp_path / "out", now=FIXED_NOW)
    posting = soup_of(output, "/jobs/2024/2024-spring/")
    assert [a["href"] for a in posting.select(".sw-timeline__list a")] == [
        "/jobs/2024/2024-interviews/"
    ]
    assert badge(soup_of(output, "/jobs/2024/2024-interviews/")) == "已截止"
    job.write_text("---\ntitle: 没有岗位的公告\ndate: 2024-03-25\n---\n正文。\n", encoding="utf-8")
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    assert {e.field for e in raised.value.errors} == {"deadline", "positions"}


# --- tenders, jobs, documents ------------------------------------------------------------------


def test_tender_status_follows_corrections_and_results(content_copy: Path, tmp_path: Path) -> None:
    (content_copy / "tenders/works/2024/main-pipe-fix.md").write_text(
        "---\ntitle: 城东主干管改造工程更正公告\ndate: 2024-05-20 09:00\nnotice: 更正公告\n"
        "project_no: QLSW-2024-GC-001\ndeadline: 2024-06-05 09:30\n---\n截止时间延后。\n",
        encoding="utf-8",
    )
    for now, label in ((at(1), "报名中"), (at(6), "已截止"), (at(11), "已结束")):
        output = build_into(content_copy, tmp_path / f"out-{now.day}", now=now)
        assert badge(soup_of(output, "/tenders/works/2024/main-pipe/")) == label, now
    listing = soup_of(output, "/tenders/works/")
    item = listing.select_one("li[data-filter-status]")
    assert item["data-filter-status"] == "已结束" and item["data-filter-type"] == "工程"
    assert "投标截止：2024-05-27 09:30" in listing.get_text()
    group = soup_of(output, "/tenders/all/").select_one("[data-filter-scope]")
    assert group["data-filter-selects"] == "type:类型,status:状态"


def test_job_is_open_until_its_deadline(tmp_path: Path) -> None:
    from tests.conftest import FIXTURE_CONTENT

    for now, label in ((at(10, month=3), "报名中"), (at(21, month=3), "已截止")):
        output = build_into(FIXTURE_CONTENT, tmp_path / f"out-{now.day}", now=now)
        job = soup_of(output, "/jobs/2024/2024-spring/")
        assert badge(job) == label
        assert "2024-03-01 00:00 至 2024-03-20 17:00" in job.find(class_="sw-facts").get_text()


def test_document_validity_badge_and_filter(html_page) -> None:  # type: ignore[no-untyped-def]
    soup = html_page("/library/laws/2023/water-law/")
    assert (
        badge(soup) == "现行有效"
        and "sw-badge--valid" in soup.select_one("main .sw-badge")["class"]
    )
    listing = html_page("/library/laws/")
    assert listing.select_one("li[data-filter-validity]")["data-filter-validity"] == "现行有效"
    assert listing.select_one("[data-filter-scope]")["data-filter-selects"] == "validity:效力"


def test_status_data_lets_the_browser_keep_statuses_true(html_page) -> None:  # type: ignore[no-untyped-def]
    outage = html_page(OUTAGE_URL).select_one("main .sw-badge")
    assert (outage["data-start"], outage["data-end"], outage["data-lead-hours"]) == (
        "2024-06-03T22:00+08:00",
        "2024-06-04T06:00+08:00",
        "72",
    )
    tender = html_page("/tenders/works/2024/main-pipe/").select_one("main .sw-badge")
    assert tender["data-deadline"] == "2024-05-27T09:30+08:00"


def test_status_script_labels_match_the_build() -> None:
    script = (ROOT / "theme/assets/js/3-status.js").read_text(encoding="utf-8")
    labels = dict(re.findall(r"(\w+): \"([^\"]+)\"", script))
    for state in (
        status.OUTAGE_UPCOMING, status.OUTAGE_ONGOING, status.OUTAGE_ENDED, status.OUTAGE_SCHEDULED,
        status.OUTAGE_CANCELLED, status.TENDER_OPEN, status.TENDER_CLOSED, status.TENDER_FINISHED,
    ):  # fmt: skip
        assert labels[state.key] == state.label


# --- calendars and feeds ------------------------------------------------------------------------


def test_calendars_carry_outage_windows_and_tender_deadlines(
    content_copy: Path, tmp_path: Path
) -> None:
    follow_up(
        content_copy, "east-pipe-later.md", "延期", start="2024-06-10 22:00", end="2024-06-11 06:00"
    )
    output = build_into(content_copy, tmp_path / "out", now=at(2))
    outages = Calendar.from_ical((output / "notices/outages/calendar.ics").read_bytes())
    events = list(outages.walk("VEVENT"))
    assert len(events) == 1, "one event per outage, not per notice"
    assert events[0].decoded("dtstart") == datetime(2024, 6, 10, 22, 0, tzinfo=SITE_TIMEZONE)
    assert "滨江花园小区" in str(events[0]["location"]) and str(events[0]["status"]) == "CONFIRMED"
    tenders = Calendar.from_ical((output / "tenders/calendar.ics").read_bytes())
    deadline = next(iter(tenders.walk("VEVENT")))
    assert deadline.decoded("dtstart") == datetime(2024, 5, 27, 9, 30, tzinfo=SITE_TIMEZONE)
    assert str(deadline["summary"]) == "投标截止：城东主干管改造工程招标公告"
    listing = soup_of(output, "/notices/outages/")
    assert listing.find("a", href="/notices/outages/calendar.ics")


def test_each_notice_type_has_an_atom_feed(fixture_site: Path) -> None:
    for feed in ("notices/outages", "tenders/works", "tenders", "jobs", "library/laws"):
        assert (fixture_site / feed / "atom.xml").is_file()


def test_a_correction_must_leave_fifteen_days_before_the_deadline(content_copy: Path) -> None:
    (content_copy / "tenders/works/2024/main-pipe-fix.md").write_text(
        "---\ntitle: 更正公告\ndate: 2024-05-20 09:00\nnotice: 更正公告\n"
        "project_no: QLSW-2024-GC-001\ndeadline: 2024-05-27 09:30\n---\n更正。\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentErrors) as raised:
        check(content_copy, FIXED_NOW)
    assert any(e.field == "deadline" and "不足 15 天" in e.zh for e in raised.value.errors)


def test_calendars_made_in_workers_are_the_bytes_made_in_one_process(
    content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "_FORK_EVENTS", 0)  # the fixture has a few events only
    made = {}
    for workers in (1, 2):
        settings = load_settings(content=content_copy, output=tmp_path / f"out{workers}")
        settings["WATERSITE_RENDER_WORKERS"] = workers
        settings["WATERSITE_CACHE_DIR"] = str(tmp_path / f"cache{workers}")
        build(settings)
        made[workers] = [
            (tmp_path / f"out{workers}" / path).read_bytes()
            for path in (feeds.OUTAGE_CALENDAR, feeds.TENDER_CALENDAR)
        ]
    assert made[1] == made[2]
    assert all(b"BEGIN:VEVENT" in calendar for calendar in made[2])
