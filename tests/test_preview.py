"""The local preview (`invoke serve`) shows drafts and scheduled items, each clearly
marked as a preview; development and publish builds never contain them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, FIXTURE_CONTENT
from watersite.build import DEV_SETTINGS, PUBLISH_SETTINGS, build, load_settings
from watersite.devserver import rebuilder

DRAFT = "culture/integrity/2024/draft-speech/index.html"
SCHEDULED = "tenders/works/2024/main-pipe-result/index.html"


@pytest.fixture(scope="module")
def preview_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("preview")
    settings = load_settings(content=FIXTURE_CONTENT, output=output, now=FIXED_NOW)
    settings["WATERSITE_PREVIEW"] = True
    build(settings)
    return output


def test_a_draft_is_shown_marked_as_a_draft(preview_site: Path) -> None:
    page = (preview_site / DRAFT).read_text(encoding="utf-8")
    assert "预览：草稿" in page and "正式网站上看不到" in page
    assert "draft-speech" in (preview_site / "culture/integrity/index.html").read_text(
        encoding="utf-8"
    ), "listed where it will appear"


def test_a_scheduled_item_is_shown_with_its_publication_time(preview_site: Path) -> None:
    page = (preview_site / SCHEDULED).read_text(encoding="utf-8")
    assert "预览：定时发布" in page and "之后的第一次构建时发布" in page


def test_published_items_carry_no_preview_mark(preview_site: Path, fixture_site: Path) -> None:
    published = [p for p in fixture_site.rglob("index.html") if "/20" in p.as_posix()]
    assert published
    for path in published:
        assert "sw-notice--preview" not in (
            preview_site / path.relative_to(fixture_site)
        ).read_text(encoding="utf-8")


def test_development_and_publish_builds_leave_drafts_out(fixture_site: Path) -> None:
    assert load_settings(DEV_SETTINGS)["WATERSITE_PREVIEW"] is False
    assert load_settings(PUBLISH_SETTINGS)["WATERSITE_PREVIEW"] is False
    assert not (fixture_site / DRAFT).exists() and not (fixture_site / SCHEDULED).exists()


def test_the_preview_server_builds_the_preview(tmp_path: Path) -> None:
    assert rebuilder(DEV_SETTINGS, FIXTURE_CONTENT, tmp_path)()
    assert "预览：草稿" in (tmp_path / DRAFT).read_text(encoding="utf-8")
