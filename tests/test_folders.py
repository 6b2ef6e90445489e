"""Walking a folder tree gives os.walk's folders and answers (watersite/folders.py),
links told apart without asking the file system about each entry."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from watersite.folders import walk


def make_tree(root: Path) -> None:
    for name in ("a/b/c/page.html", "a/x.md", "a/b/y.md", "d/z.md", ".hidden/h.md", "top.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    (root / "a/link-to-d").symlink_to(root / "d", target_is_directory=True)
    (root / "a/link-to-file.md").symlink_to(root / "top.md")
    (root / "a/broken.md").symlink_to(root / "nowhere.md")
    (root / "empty").mkdir()


def as_os_walk_gives(root: Path) -> list[tuple[str, list[str], list[str]]]:
    found = []
    for folder, folders, files in os.walk(root):
        relative = os.path.relpath(folder, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.append((prefix, sorted(folders), sorted(files)))
    return sorted(found)


def test_the_tree_is_walked_as_os_walk_walks_it(tmp_path: Path) -> None:
    make_tree(tmp_path)
    found = [
        (prefix, sorted(f.name for f in folders), sorted(e.name for e in files))
        for prefix, folders, files in walk(tmp_path)
    ]
    assert sorted(found) == as_os_walk_gives(tmp_path)
    assert ("a/", ["b", "link-to-d"], ["broken.md", "link-to-file.md", "x.md"]) in found
    assert not any(prefix.startswith("a/link-to-d") for prefix, _, _ in found)


def test_folders_come_before_what_is_under_them_and_links_are_told(tmp_path: Path) -> None:
    make_tree(tmp_path)
    prefixes = [prefix for prefix, _, _ in walk(tmp_path)]
    assert prefixes.index("a/") < prefixes.index("a/b/") < prefixes.index("a/b/c/")
    links = {
        prefix + entry.name
        for prefix, folders, files in walk(tmp_path)
        for entry in [*folders, *files]
        if entry.is_symlink()
    }
    assert links == {"a/link-to-d", "a/link-to-file.md", "a/broken.md"}


def test_folders_removed_from_the_list_are_not_walked(tmp_path: Path) -> None:
    make_tree(tmp_path)
    walked = []
    for prefix, folders, _ in walk(tmp_path):
        walked.append(prefix)
        folders[:] = [f for f in folders if f.name not in ("b", ".hidden")]
    assert "a/b/" not in walked and ".hidden/" not in walked and "d/" in walked


def test_a_folder_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    """os.walk skips it in silence."""
    make_tree(tmp_path)
    walking = walk(tmp_path)
    next(walking)  # the top folder, listed
    shutil.rmtree(tmp_path / "d")  # gone before it is read
    with pytest.raises(FileNotFoundError):
        list(walking)
