"""Statuses that depend on the clock, computed once per build from `build_now`.

Templates only render these; they never compare dates themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from watersite.schema.models import Job, Outage, Tender

#: How long before its start an outage counts as upcoming (banner, home page).
DEFAULT_OUTAGE_LEAD = timedelta(days=3)


@dataclass(frozen=True)
class Status:
    """A status label and its machine name (used as a CSS modifier)."""

    key: str
    label: str


OUTAGE_UPCOMING = Status("upcoming", "即将停水")
OUTAGE_ONGOING = Status("ongoing", "停水中")
OUTAGE_ENDED = Status("ended", "已恢复供水")
OUTAGE_SCHEDULED = Status("scheduled", "计划中")
OUTAGE_CANCELLED = Status("cancelled", "已取消")

TENDER_OPEN = Status("open", "报名中")
TENDER_CLOSED = Status("closed", "已截止")
TENDER_FINISHED = Status("finished", "已结束")
TENDER_NOTICE = Status("notice", "公告")

JOB_OPEN = Status("open", "报名中")
JOB_CLOSED = Status("closed", "已截止")


@dataclass(frozen=True)
class OutageWindow:
    """What an outage thread (a notice and its follow-ups) amounts to."""

    start: datetime
    end: datetime
    areas: tuple[str, ...]
    restored: datetime | None = None
    cancelled: bool = False


def outage_window(thread: list[Outage]) -> OutageWindow:
    """The effective window of a notice and its follow-ups (oldest first):
    延期/变更 replace the window and areas, 恢复供水 records the restoration,
    取消 cancels."""
    first = thread[0]
    window = OutageWindow(first.start, first.end, tuple(first.areas), first.restored)
    for notice in thread[1:]:
        if notice.follow_up in ("延期", "变更"):
            window = OutageWindow(notice.start, notice.end, tuple(notice.areas), notice.restored)
        elif notice.follow_up == "恢复供水":
            window = OutageWindow(window.start, window.end, window.areas, notice.restored)
        elif notice.follow_up == "取消":
            window = OutageWindow(window.start, window.end, window.areas, cancelled=True)
    return window


def outage_status(
    window: OutageWindow, now: datetime, lead: timedelta = DEFAULT_OUTAGE_LEAD
) -> Status:
    """Upcoming (within `lead` of its start), ongoing, ended, cancelled, or further ahead."""
    if window.cancelled:
        return OUTAGE_CANCELLED
    end = window.restored or window.end
    if now >= end:
        return OUTAGE_ENDED
    if now >= window.start:
        return OUTAGE_ONGOING
    if now >= window.start - lead:
        return OUTAGE_UPCOMING
    return OUTAGE_SCHEDULED


def is_outage_active(status: Status) -> bool:
    """True while an outage should be announced on every page."""
    return status in (OUTAGE_UPCOMING, OUTAGE_ONGOING)


def tender_status(project: list[Tender], now: datetime) -> Status:
    """State of a project (its notices oldest first), as bidders need to know it."""
    if any(n.notice in ("中标结果公告", "终止公告") for n in project):
        return TENDER_FINISHED
    deadlines = [n.deadline for n in project if n.deadline is not None]
    if not deadlines:
        return TENDER_NOTICE
    # A correction notice (更正公告) may move the deadline: the newest notice counts.
    return TENDER_OPEN if now < deadlines[-1] else TENDER_CLOSED


def job_status(job: Job, now: datetime) -> Status:
    """Open for applications until the deadline."""
    return JOB_OPEN if now < job.deadline else JOB_CLOSED
