"""Folders deleted in the background while the build goes on."""

from __future__ import annotations

from pathlib import Path

from watersite.deleting import delete_in_background, wait_for_deletions


def test_a_folder_deleted_in_the_background_is_gone_once_waited_for(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    (folder / "fragment").mkdir(parents=True)
    for number in range(50):
        (folder / "fragment" / f"{number}.pf_fragment").write_text("x", encoding="utf-8")
    delete_in_background(folder)
    assert not folder.exists(), "its name is free at once"
    wait_for_deletions()
    assert list(tmp_path.iterdir()) == []


def test_what_is_made_under_the_name_meanwhile_is_kept(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    delete_in_background(folder)  # nothing there: nothing to delete
    (folder / "new").mkdir(parents=True)
    (folder / "new" / "index.html").write_text("<p>新</p>", encoding="utf-8")
    delete_in_background(tmp_path / "other")
    wait_for_deletions()
    assert (folder / "new" / "index.html").is_file()
