"""The output's pages and their digests, read again only where a file changed."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

import watersite.memo
from watersite.output import built_pages


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The pages each call of built_pages read (by index)."""
    calls: list[list[int]] = []
    real = watersite.memo.map_items

    def recording(function, items, workers):  # type: ignore[no-untyped-def]
        calls.append(list(items))
        return real(function, items, workers)

    monkeypatch.setattr(watersite.memo, "map_items", recording)
    return calls


def test_pages_are_listed_sorted_with_the_digest_of_their_bytes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for name in ("news/b/index.html", "index.html", "news/a/index.html", "theme/site.css"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(f"<p>{name}</p>", encoding="utf-8")
    built = built_pages(site, 1)
    assert built.pages == ["index.html", "news/a/index.html", "news/b/index.html"]
    assert built.digests == [_digest(site / page) for page in built.pages]


def test_a_page_is_read_again_only_when_its_file_changed(
    tmp_path: Path, reads: list[list[int]]
) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    pages = [site / f"p{number}/index.html" for number in range(3)]
    for page in pages:
        page.parent.mkdir(parents=True)
        page.write_text("<p>一</p>", encoding="utf-8")
    built_pages(site, 1, cache)
    assert built_pages(site, 1, cache).digests == [_digest(page) for page in pages]
    assert reads[-1] == [], "unchanged files are not read again"

    time.sleep(0.05)  # a later edit: the clock the file system stamps files with moves on
    pages[0].write_text("<p>二</p>", encoding="utf-8")  # same size, same inode
    replacement = tmp_path / "new.html"
    replacement.write_text("<p>三</p>", encoding="utf-8")
    os.utime(replacement, ns=(0, pages[1].stat().st_mtime_ns))  # same size and time
    replacement.replace(pages[1])  # another inode
    built = built_pages(site, 1, cache)
    assert reads[-1] == [0, 1]
    assert built.digests == [_digest(page) for page in pages]


def test_a_damaged_digest_memo_is_not_trusted(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    (site / "index.html").parent.mkdir(parents=True)
    (site / "index.html").write_text("<p>一</p>", encoding="utf-8")
    built_pages(site, 1, cache)
    for memo_file in (cache / "page-digests").iterdir():
        memo_file.write_bytes(b"damaged")
    assert built_pages(site, 1, cache).digests == [_digest(site / "index.html")]
