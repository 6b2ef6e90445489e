"""The demo content: builds cleanly, covers every section, serves every site-map URL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from tests.conftest import DEMO_CONTENT, DEMO_NOW
from tests.sitemap_contract import SITEMAP_URLS
from watersite.clock import SITE_TIMEZONE
from watersite.sections import collection_sections

pytestmark = pytest.mark.slow


def _front_matter(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text.split("---\n")[1], Loader=yaml.BaseLoader)


def _dated_sources() -> list[tuple[Path, dict[str, str]]]:
    """Every dated item, read here independently of the catalog."""
    folders = [DEMO_CONTENT / s.path for s in collection_sections()]
    return [(p, _front_matter(p)) for folder in folders for p in sorted(folder.rglob("*.md"))]


def _is_published(front: dict[str, str]) -> bool:
    date = datetime.fromisoformat(front["date"]).replace(tzinfo=SITE_TIMEZONE)
    return front.get("status", "published") != "draft" and date <= DEMO_NOW


def test_every_site_map_url_exists(demo_site: Path) -> None:
    missing = [
        url for url in SITEMAP_URLS if not (demo_site / url.lstrip("/") / "index.html").is_file()
    ]
    assert not missing


def test_at_least_sixty_items_across_every_section() -> None:
    sources = _dated_sources()
    assert len(sources) >= 60
    for section in collection_sections():
        count = sum(1 for p, _ in sources if (DEMO_CONTENT / section.path) in p.parents)
        assert count >= 2, f"{section.path} has {count} items"
    years = {front["date"][:4] for _, front in sources}
    assert len(years) >= 3, "dates spread over several years"


def test_published_items_equal_non_draft_sources(demo_site: Path) -> None:
    expected = sum(1 for _, front in _dated_sources() if _is_published(front))
    built = [
        p
        for section in collection_sections()
        for p in (demo_site / section.path).glob("[0-9][0-9][0-9][0-9]/*/index.html")
    ]
    assert len(built) == expected
    assert any(not _is_published(front) for _, front in _dated_sources()), (
        "demo has drafts or scheduled items"
    )


def test_images_and_attachments_are_published(demo_site: Path) -> None:
    assert len(list(demo_site.rglob("*.jpg"))) >= 4
    assert len(list(demo_site.rglob("*.pdf"))) >= 3
    assert not list(demo_site.rglob("*.md"))
