"""An output updated in place: once all is written, what the build did not write
is deleted (watersite/output.py), files gone meanwhile no error."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from watersite.deleting import wait_for_deletions
from watersite.output import files_of_build, update_in_place, wait_for_listing, wrote


def test_files_gone_since_the_listing_are_no_error(tmp_path: Path) -> None:
    output = tmp_path / "output"
    for name in ("a/page.html", "a/gone.txt", "a/old.txt", "b/c/old.txt"):
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_text(name, encoding="utf-8")
    update_in_place(output)
    wait_for_listing(output)
    (output / "a/gone.txt").unlink()  # moved away by a step of the build
    (output / "a/page.html").write_text("新页面", encoding="utf-8")
    wrote(output, [output / "a/page.html", "a/new.txt"])
    (output / "a/new.txt").write_text("新文件", encoding="utf-8")
    pelican = SimpleNamespace(settings={"OUTPUT_PATH": str(output)})
    assert files_of_build(pelican) == ["a/new.txt", "a/page.html"]
    wait_for_deletions()
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*")) == [
        "a",
        "a/new.txt",
        "a/page.html",
    ]
