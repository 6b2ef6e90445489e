"""Notices with a lifecycle: tenders, outages, jobs and documents.

Notices come in threads: a tender project (same `project_no`), an outage and
its follow-ups (延期, 恢复供水 ... via `follows`), a job posting and its
follow-ups (面试名单, 拟聘公示). For every notice this module sets what the
templates show, computed once as of the build time:

- `thread`: the notices of its thread, oldest first, and `thread_label`, what
  the notice is within it (招标公告, 延期, 拟聘公示 ...);
- `status_badge`: the thread's status (报名中, 停水中 ...);
- `status_data`: the times the browser script needs to keep that status true
  after the build (`data-*` attributes on the badge);
- `list_facts`: the lines a listing shows under the title (deadline, window);
- `filter_data`: values the listing filters narrow by (type, status, areas).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from watersite import status
from watersite.filters import iso, ymd_hm
from watersite.schema import models


@dataclass
class OutageThread:
    """An outage notice with its follow-ups, and what they amount to."""

    notices: list[Any]  # oldest first
    window: status.OutageWindow
    status: status.Status

    @property
    def latest(self) -> Any:
        """The newest notice: what the banner and the current list link to."""
        return self.notices[-1]


def _threads(articles: Iterable[Any], root_of: Callable[[Any], str]) -> list[list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for article in sorted(articles, key=lambda a: (a.date, a.source_path)):
        grouped[root_of(article)].append(article)
    return list(grouped.values())


def _follow_root(article: Any) -> str:
    follows = article.item.follows
    return follows.path if follows is not None else article.relative_source_path


def annotate(articles: list[Any], now: datetime, lead: timedelta) -> list[OutageThread]:
    """Annotate every notice among `articles`; return the outage threads."""
    for article in articles:
        article.thread = [article]
        article.thread_label = article.section.kind.label
        article.status_data = {}
        article.list_facts = []
        article.filter_data = {}
    _annotate_tenders([a for a in articles if isinstance(a.item, models.Tender)], now)
    _annotate_jobs([a for a in articles if isinstance(a.item, models.Job)], now)
    _annotate_documents([a for a in articles if isinstance(a.item, models.Document)])
    return _annotate_outages([a for a in articles if isinstance(a.item, models.Outage)], now, lead)


def _annotate_tenders(tenders: list[Any], now: datetime) -> None:
    for thread in _threads(tenders, lambda a: a.item.project_no):
        state = status.tender_status([n.item for n in thread], now)
        deadlines = [n.item.deadline for n in thread if n.item.deadline is not None]
        data = {"finished": "1" if state is status.TENDER_FINISHED else ""}
        if deadlines:
            data["deadline"] = iso(deadlines[-1])
        for notice in thread:
            notice.thread = thread
            notice.thread_label = notice.item.notice
            notice.status_badge = state
            notice.status_data = data
            notice.filter_data = {"type": notice.section.label, "status": state.label}
            if notice.item.deadline is not None:
                notice.list_facts = [f"投标截止：{ymd_hm(notice.item.deadline)}"]


def _annotate_jobs(jobs: list[Any], now: datetime) -> None:
    for thread in _threads(jobs, _follow_root):
        posting = thread[0].item
        if posting.deadline is None:  # the catalog guarantees the original has one
            continue
        state = status.job_status(posting, now)
        for notice in thread:
            notice.thread = thread
            notice.thread_label = "招聘公告" if notice is thread[0] else "后续通知"
            notice.status_badge = state
            notice.status_data = {"deadline": iso(posting.deadline), "finished": ""}
        thread[0].list_facts = [f"报名截止：{ymd_hm(posting.deadline)}"]


VALIDITY = {
    "现行有效": status.Status("valid", "现行有效"),
    "已修订": status.Status("revised", "已修订"),
    "已废止": status.Status("repealed", "已废止"),
}


def _annotate_documents(documents: list[Any]) -> None:
    for document in documents:
        document.status_badge = VALIDITY[document.item.validity]
        document.filter_data = {"validity": document.item.validity}
        facts = [f"发布机关：{document.item.issuer}"]
        if document.item.doc_no:
            facts.append(f"文号：{document.item.doc_no}")
        document.list_facts = ["　".join(facts)]


def _annotate_outages(outages: list[Any], now: datetime, lead: timedelta) -> list[OutageThread]:
    threads = []
    for notices in _threads(outages, _follow_root):
        window = status.outage_window([n.item for n in notices])
        state = status.outage_status(window, now, lead)
        thread = OutageThread(notices, window, state)
        data = {
            "start": iso(window.start),
            "end": iso(window.restored or window.end),
            "lead-hours": str(int(lead.total_seconds() // 3600)),
            "cancelled": "1" if window.cancelled else "",
        }
        areas = "、".join(window.areas)
        for notice in notices:
            notice.thread = notices
            notice.thread_label = notice.item.follow_up or notice.item.kind
            notice.outage = thread
            notice.status_badge = state
            notice.status_data = data
            notice.list_facts = [
                f"停水时间：{ymd_hm(window.start)} 至 {ymd_hm(window.end)}",
                f"影响范围：{areas}",
            ]
            notice.filter_data = {"areas": areas}
        threads.append(thread)
    return threads
