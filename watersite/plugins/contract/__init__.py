"""Content contract: Pelican reads our content through the validated catalog.

Pelican's default is to log an error and drop a bad file while the build exits
0. This plugin makes the build fail instead, naming file and field:

- at the start of every run (`get_generators`, the one signal Pelican sends per
  run before it cleans the output folder) it builds the catalog and stops on
  any content problem, before anything is written;
- it limits static copying to the images and attachments the catalog accepted;
- it replaces Pelican's Markdown reader with one that hands over the catalog's
  validated metadata, URL, template and rendered body;
- after reading (`all_generators_finalized`) it checks that Pelican kept every
  published item, and at the end (`finalized`) that Pelican logged no error.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, ClassVar

from pelican import signals
from pelican.readers import BaseReader

from watersite.catalog import PREVIEW_LABELS, WITHDRAWN, Catalog, Entry, build_catalog
from watersite.clock import build_now
from watersite.errors import ContentError, ContentErrors
from watersite.output import wrote
from watersite.sections import Kind

CATALOG = "WATERSITE_CATALOG"
ERROR_LOG = "WATERSITE_ERROR_LOG"

#: Template (without .html) for each kind of content file.
TEMPLATE_BY_KIND = {
    Kind.PAGE: "page",
    Kind.SERVICE_LINK: "service_link",
    Kind.CHANNELS: "channels",
    Kind.ARTICLES: "article",
    Kind.PAPER: "paper",
    Kind.TOPICS: "topic",
    Kind.OUTAGES: "outage",
    Kind.GUIDES: "guide",
    Kind.DOCUMENTS: "document",
    Kind.TENDERS: "tender",
    Kind.JOBS: "job",
}


def catalog_of(settings: dict[str, Any]) -> Catalog:
    """The catalog of the current run."""
    return settings[CATALOG]


def pelican_metadata(entry: Entry) -> dict[str, Any]:
    """What Pelican needs to place and render one entry. Pelican's article is
    kept by a key of the entry's fields this reads (`kept_articles.article_key`):
    a field read here must be in that key."""
    if not entry.is_published:
        # Drafts and scheduled items are not part of this build at all.
        return {"title": entry.meta.title, "status": "skip"}
    metadata: dict[str, Any] = {
        "title": entry.meta.title,
        "slug": entry.slug,
        "status": "published",
        "url": entry.url,
        "save_as": entry.save_as,
        "template": TEMPLATE_BY_KIND[entry.section.kind],
        "item": entry.meta,
        "section": entry.section,
        "summary_text": entry.summary_text,
        "withdrawn": entry.state == WITHDRAWN,
        # In the local preview only: what the item really is ("草稿", "定时发布").
        "preview": PREVIEW_LABELS[entry.state] if entry.preview else "",
    }
    date = getattr(entry.meta, "date", None)
    if date is not None:
        metadata["date"] = date
    return metadata


class CatalogReader(BaseReader):
    """Reads `.md` files from the run's catalog instead of parsing them again."""

    enabled = True
    file_extensions: ClassVar[list[str]] = ["md"]

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        """Body HTML and metadata of one validated entry."""
        catalog = catalog_of(self.settings)
        root = f"{catalog.root}{os.sep}"
        if source_path.startswith(root):  # Pelican joins its PATH with the file's path
            relative = source_path[len(root) :].replace(os.sep, "/")
        else:
            relative = Path(source_path).resolve().relative_to(catalog.root.resolve()).as_posix()
        entry = catalog.entries[relative]
        return entry.html, pelican_metadata(entry)


class _ErrorLog(logging.Handler):
    """Remembers every ERROR Pelican logs during a run."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def validate_content(pelican: Any) -> None:
    """Build the catalog for this run; stop with every problem if there are any."""
    settings = pelican.settings
    catalog = build_catalog(
        Path(settings["PATH"]),
        build_now(settings),
        settings["SAFETY"],
        Path(settings["WATERSITE_CACHE_DIR"]),
        settings.get("WATERSITE_RENDER_WORKERS", 0),
        preview=settings.get("WATERSITE_PREVIEW", False),
    )
    if catalog.errors:
        raise ContentErrors(catalog.errors)
    settings[CATALOG] = catalog
    # Copy exactly the attachments the catalog accepted (images are published
    # processed, by the images plugin). Pelican's default copies every file no
    # generator claimed, which would publish the Markdown source of drafts.
    settings["STATIC_PATHS"] = list(catalog.static_files)
    _watch_error_log(settings)


def _watch_error_log(settings: dict[str, Any]) -> None:
    logger = logging.getLogger("pelican")
    previous = settings.get(ERROR_LOG)
    if previous is not None:
        logger.removeHandler(previous)
    settings[ERROR_LOG] = handler = _ErrorLog()
    logger.addHandler(handler)


def register_reader(readers: Any) -> None:
    """Make our reader handle `.md` (Pelican's own Markdown reader would re-parse)."""
    readers.reader_classes["md"] = CatalogReader


def note_attachments(generator: Any) -> None:
    """The attachments Pelican's static generator is about to copy are written
    by this build (watersite/output.py)."""
    wrote(generator.output_path, [static.save_as for static in generator.staticfiles])


def check_nothing_dropped(generators: list[Any]) -> None:
    """Every published entry must have become a Pelican article or page."""
    settings = generators[0].settings
    catalog = catalog_of(settings)
    kept = {
        content.relative_source_path.replace(os.sep, "/")
        for generator in generators
        for content in [
            *getattr(generator, "articles", []),
            *getattr(generator, "pages", []),
        ]
    }
    missing = [e for e in catalog.published() if e.source not in kept]
    if missing:
        raise ContentErrors(
            [
                ContentError(
                    f"content/{entry.source}",
                    0,
                    "",
                    "这篇内容通过了检查，却没有被 Pelican 生成。请把构建日志交给技术人员。",
                    "This item passed the checks but Pelican did not keep it; report the build log.",
                )
                for entry in missing
            ]
        )


def check_no_errors_logged(pelican: Any) -> None:
    """Fail the build if Pelican logged an error while building."""
    handler: _ErrorLog | None = pelican.settings.pop(ERROR_LOG, None)
    if handler is None:
        return
    logging.getLogger("pelican").removeHandler(handler)
    if handler.messages:
        raise ContentErrors(
            [
                ContentError("(build)", 0, "", "构建过程中出现错误：" + message, message)
                for message in handler.messages
            ]
        )


def register() -> None:
    """Connect to Pelican's signals."""
    # Imported here: it uses the page keys' digests, whose module imports this one.
    from watersite.plugins.contract.kept_articles import (  # noqa: PLC0415
        finish_saving,
        keep_articles,
    )

    signals.get_generators.connect(validate_content)
    signals.readers_init.connect(register_reader)
    signals.article_generator_init.connect(keep_articles)
    signals.all_generators_finalized.connect(check_nothing_dropped)
    signals.static_generator_finalized.connect(note_attachments)
    signals.finalized.connect(check_no_errors_logged)
    signals.finalized.connect(finish_saving)
