"""Statuses that depend on the clock, computed once per build from `build_now`.

Templates only render these; they never compare dates themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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

TENDER_OPEN = Status("open", "报名中")
TENDER_CLOSED = Status("closed", "已截止")
TENDER_FINISHED = Status("finished", "已结束")
TENDER_NOTICE = Status("notice", "公告")

JOB_OPEN = Status("open", "报名中")
JOB_CLOSED = Status("closed", "已截止")


def outage_status(outage: Outage, now: datetime, lead: timedelta = DEFAULT_OUTAGE_LEAD) -> Status:
    """Upcoming (within `lead` of its start), ongoing, ended, or further ahead."""
    end = outage.restored or outage.end
    if now >= end:
        return OUTAGE_ENDED
    if now >= outage.start:
        return OUTAGE_ONGOING
    if now >= outage.start - lead:
        return OUTAGE_UPCOMING
    return OUTAGE_SCHEDULED


def is_outage_active(outage: Outage, now: datetime, lead: timedelta = DEFAULT_OUTAGE_LEAD) -> bool:
    """True while an outage should be announced on every page."""
    return outage_status(outage, now, lead) in (OUTAGE_UPCOMING, OUTAGE_ONGOING)


def tender_projects(tenders: Iterable[Any]) -> dict[str, list[Any]]:
    """Published tender notices grouped by project number, oldest first."""
    projects: dict[str, list[Any]] = defaultdict(list)
    for content in sorted(tenders, key=lambda c: (c.date, c.source_path)):
        projects[content.item.project_no].append(content)
    return dict(projects)


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
