"""Reading the content keeps its results between builds: an unchanged file is
not read again (its state still follows the clock), an unchanged body is not
rendered again, and a body is rendered again when its text, or anything it
looked up (a linked item's URL or state, a linked file), changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW
from watersite import catalog as catalog_module
from watersite.build import ROOT
from watersite.catalog import PUBLISHED, SCHEDULED, Catalog, build_catalog
from watersite.markdown import BodyRenderer
from watersite.safety import load_policy

POLICY = load_policy(ROOT / "safety.yml")
ARTICLE = "news/group/2024/plant-upgrade.md"  # links to standard-news.md and report.pdf
LINKED = "news/industry/standard-news.md"


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources rendered by the catalog (in this process: one worker)."""
    rendered: list[str] = []
    render = BodyRenderer.render

    def counting(self: BodyRenderer, body: str, source: object) -> object:
        rendered.append(str(source))
        return render(self, body, source)  # type: ignore[arg-type]

    monkeypatch.setattr(BodyRenderer, "render", counting)
    return rendered


def read(content: Path, cache: Path) -> Catalog:
    return build_catalog(content, FIXED_NOW, POLICY, cache, workers=1)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unchanged_body_is_not_rendered_again(
    content_copy: Path, tmp_path: Path, renders: list[str]
) -> None:
    first = read(content_copy, tmp_path / "cache")
    assert ARTICLE in renders
    renders.clear()
    second = read(content_copy, tmp_path / "cache")
    assert renders == []
    assert {s: e.html for s, e in first.entries.items()} == {
        s: e.html for s, e in second.entries.items()
    }
    edit(content_copy / ARTICLE, "详见", "另见")
    third = read(content_copy, tmp_path / "cache")
    assert renders == [ARTICLE], "only the edited body is rendered"
    assert "另见" in third.entries[ARTICLE].html


def test_a_body_is_rendered_again_when_a_linked_item_is_no_longer_published(
    content_copy: Path, tmp_path: Path
) -> None:
    assert not read(content_copy, tmp_path / "cache").errors
    edit(content_copy / LINKED, "title:", "status: draft\ntitle:")
    errors = read(content_copy, tmp_path / "cache").errors
    assert any(e.path.endswith(ARTICLE) and "standard-news.md" in e.zh for e in errors)


def test_a_body_is_rendered_again_when_a_linked_file_is_gone(
    content_copy: Path, tmp_path: Path
) -> None:
    assert not read(content_copy, tmp_path / "cache").errors
    (content_copy / "news/group/2024/report.pdf").unlink()
    errors = read(content_copy, tmp_path / "cache").errors
    assert any(e.path.endswith(ARTICLE) and "report.pdf" in e.zh for e in errors)


def test_a_damaged_cache_is_rendered_again_not_trusted(
    content_copy: Path, tmp_path: Path, renders: list[str]
) -> None:
    read(content_copy, tmp_path / "cache")
    for file in (tmp_path / "cache/bodies").iterdir():
        file.write_bytes(b"not a pickle")
    renders.clear()
    catalog = read(content_copy, tmp_path / "cache")
    assert ARTICLE in renders and not catalog.errors


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the catalog read and validated (in this process: one worker)."""
    read_files: list[str] = []
    read_entry = catalog_module._read_entry

    def counting(catalog: Catalog, source: object, *args: object) -> object:
        read_files.append(str(source))
        return read_entry(catalog, source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_module, "_read_entry", counting)
    return read_files


def test_an_unchanged_file_is_not_read_again_and_its_state_follows_the_clock(
    content_copy: Path, tmp_path: Path, reads: list[str]
) -> None:
    early = build_catalog(
        content_copy, FIXED_NOW.replace(year=2023), POLICY, tmp_path / "cache", workers=1
    )
    assert early.entries[ARTICLE].state == SCHEDULED, "dated 2024: waiting in 2023"
    reads.clear()
    later = read(content_copy, tmp_path / "cache")
    assert reads == [], "nothing changed: nothing read again"
    assert later.entries[ARTICLE].state == PUBLISHED, "its date has come"
    edit(content_copy / LINKED, "行业新闻的摘要。", "新摘要。")
    read(content_copy, tmp_path / "cache")
    assert reads == [LINKED]


def test_a_new_file_in_the_content_folder_reads_everything_again(
    content_copy: Path, tmp_path: Path, reads: list[str]
) -> None:
    read(content_copy, tmp_path / "cache")
    reads.clear()
    (content_copy / "news/group/2024/extra.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    read(content_copy, tmp_path / "cache")
    assert ARTICLE in reads, "validation checks linked files exist: the list of files matters"
