"""Synthetic archives for the build-speed benchmark, in our schema and in Pelican's.

The corpus grows the demo content to N dated items by cloning each demo item
(every section, notices with their statuses, tags, images and attachments) next
to its original under a new file name, a numbered title and a date a few hours
earlier in the same year, so every clone passes the same checks as the demo.
Follow-up notices are not cloned: each points at one original notice. The
clones of one round of a tender project's notices form a project of their own.

The baseline corpus holds the same Markdown bodies with Pelican's own metadata
header, for plain Pelican and its default theme.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from watersite.sections import collection_sections

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_TITLE = re.compile(r"^title: (.*)$", re.MULTILINE)
_DATE = re.compile(r"^date: (\d{4}-\d\d-\d\d \d\d:\d\d)$", re.MULTILINE)
_TAG_ITEM = re.compile(r"^tags:\n((?:  - .*\n?)+)", re.MULTILINE)
_PAPER_ISSUE = re.compile(r"^issue: 第 (\d+) 期$", re.MULTILINE)
_PROJECT_NO = re.compile(r"^project_no: (.*)$", re.MULTILINE)
_DATE_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Template:
    """One demo item that clones are made from."""

    path: Path  # relative to the content folder
    text: str


def templates(content: Path) -> list[Template]:
    """Dated demo items that can be cloned, in a stable order."""
    found = []
    for section in collection_sections():
        for path in sorted((content / section.path).rglob("*.md")):
            text = path.read_text(encoding="utf-8")
            if not re.search(r"^follows:", text, re.MULTILINE):
                found.append(Template(path.relative_to(content), text))
    return found


def write_corpus(demo: Path, target: Path, items: int) -> list[Path]:
    """Copy `demo` to `target` and add clones until it holds `items` dated items.

    Returns the dated item files, originals first, relative to `target`.
    """
    shutil.copytree(demo, target)
    sources = templates(demo)
    files = [t.path for t in sources] + _follow_ups(demo)
    copy = 0
    while len(files) < items:
        template = sources[copy % len(sources)]
        round_ = copy // len(sources) + 1
        clone = template.path.with_name(f"{template.path.stem}-c{round_:03d}.md")
        (target / clone).write_text(_clone_text(template.text, round_), encoding="utf-8")
        files.append(clone)
        copy += 1
    return files


def _follow_ups(content: Path) -> list[Path]:
    return [
        path.relative_to(content)
        for section in collection_sections()
        for path in sorted((content / section.path).rglob("*.md"))
        if re.search(r"^follows:", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]


def _clone_text(text: str, round_: int) -> str:
    """The template's text with a numbered title and an earlier date in the same year."""
    text = _TITLE.sub(lambda m: f"title: {m.group(1)}（{round_}）", text, count=1)
    text = _DATE.sub(lambda m: f"date: {_earlier(m.group(1), round_)}", text, count=1)
    # A tender project's clones of one round form a project of their own, as real
    # projects have a few notices each.
    text = _PROJECT_NO.sub(lambda m: f"project_no: {m.group(1)}-{round_:03d}", text, count=1)
    # Newspaper issues are numbered; a clone is a later issue of its own.
    return _PAPER_ISSUE.sub(lambda m: f"issue: 第 {int(m.group(1)) + 1000 * round_} 期", text)


def _earlier(date: str, round_: int) -> str:
    parsed = datetime.strptime(date, _DATE_FORMAT)
    shifted = parsed - timedelta(hours=3 * round_)
    if shifted.year != parsed.year:  # stay in the item's year folder
        shifted = parsed + timedelta(minutes=round_)
    return shifted.strftime(_DATE_FORMAT)


def write_baseline(corpus: Path, items: list[Path], target: Path) -> None:
    """The same items as Markdown with Pelican's metadata header, one category per section."""
    for item in items:
        text = (corpus / item).read_text(encoding="utf-8")
        header, body = _split(text)
        title = _TITLE.search(header).group(1)  # type: ignore[union-attr]
        date = _DATE.search(header).group(1)  # type: ignore[union-attr]
        lines = [f"Title: {title}", f"Date: {date}", f"Category: {item.parts[0]}"]
        tags = _TAG_ITEM.search(header + "\n")
        if tags:
            names = [line.strip()[2:] for line in tags.group(1).splitlines()]
            lines.append("Tags: " + ", ".join(names))
        lines.append(f"Slug: {'-'.join(item.with_suffix('').parts)}")
        out = target / item
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")


def _split(text: str) -> tuple[str, str]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ValueError("no front matter")
    return match.group(1), text[match.end() :]


def edit_one_item(corpus: Path, item: Path) -> None:
    """An editor's one-line fix: a sentence added to the end of one item's body."""
    path = corpus / item
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(text + "\n\n（本文已更正一处笔误。）\n", encoding="utf-8")
