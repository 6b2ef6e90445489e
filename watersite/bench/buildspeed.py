"""Build speed at archive scale: our build against plain Pelican, measured in one run.

For each corpus size: a cold build (empty output and caches), a rebuild with
nothing changed, and a rebuild after an editor's one-line fix to one article,
with peak memory and the number of output files whose bytes changed. Each is
timed REBUILDS times (the one-line fix made again each time) and the median
reported: this machine is shared, and one build can take a fifth longer than
the next. The cold builds of the two systems alternate, each into empty folders
of its own, so both meet the same hours, and every size's cold builds come
before any rebuild (deleting many files slows the next minutes' file creation
on this disk: nothing is deleted before the last cold build, see `run`). Each
build runs in its own process (`python -m watersite.bench.buildspeed`), so
imports count and peak memory is that build's alone; its child processes (the
Pagefind runs and the forked workers, which share the build's pages until they
write to them) are reported apart: the largest one's peak.

The baseline is plain Pelican with its default theme and content cache on the
same Markdown bodies (watersite.bench.corpus.write_baseline).
"""

from __future__ import annotations

import compileall
import hashlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from watersite.bench.corpus import edit_one_item, write_baseline, write_corpus

#: The build clock of every benchmark build, so statuses do not drift between runs.
BENCH_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone(timedelta(hours=8)))
SIZES = (1_000, 5_000, 10_000)
#: Targets at the largest size (issue 10).
TARGET_RATIO = 1.0
TARGET_EDIT_SECONDS = 5.0
TARGET_PEAK_MB = 400
#: Times each rebuild is timed; the median is reported.
REBUILDS = 3
#: The article the one-line fix goes to: an ordinary news item in the middle of the archive.
EDITED_ITEM = Path("news/group/2024/2024-05-water-saving-week.md")

_BASELINE_SETTINGS = """\
PATH = {content!r}
OUTPUT_PATH = {output!r}
CACHE_PATH = {cache!r}
SITENAME = "Baseline"
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
PLUGINS = []
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
DELETE_OUTPUT_DIRECTORY = True
"""


@dataclass
class Build:
    """One timed build, as the child process reports it."""

    seconds: float
    peak_mb: float  # the build process
    child_peak_mb: float  # its largest child process (a Pagefind part or a forked worker)


@dataclass
class Row:
    """One system at one corpus size."""

    system: str
    items: int
    cold: Build
    unchanged: Build
    edited: Build
    changed_unchanged: int  # output files whose bytes differ after a no-change rebuild
    changed_edited: int  # ... after the one-line fix
    output_files: int

    @property
    def peak_mb(self) -> float:
        return max(b.peak_mb for b in (self.cold, self.unchanged, self.edited))

    @property
    def child_peak_mb(self) -> float:
        return max(b.child_peak_mb for b in (self.cold, self.unchanged, self.edited))


class Workspace:
    """A corpus and its output and cache folders, for one system at one size."""

    def __init__(self, folder: Path, system: str):
        self.system = system
        self.content = folder / "content"
        self.output = folder / "output"
        self.cache = folder / "cache"

    def build(self, output: Path | None = None, cache: Path | None = None) -> Build:
        """One build in its own process, into the workspace's output and cache
        unless others are given."""
        command = [sys.executable, "-m", "watersite.bench.buildspeed", self.system]
        command += [str(self.content), str(output or self.output), str(cache or self.cache)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode:
            raise RuntimeError(f"{self.system} build failed:\n{result.stdout}{result.stderr}")
        return Build(**json.loads(result.stdout.splitlines()[-1]))

    def fingerprint(self) -> dict[str, str]:
        return {
            path.relative_to(self.output).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in self.output.rglob("*")
            if path.is_file()
        }


def cold_builds(workspaces: list[Workspace]) -> list[Build]:
    """Each workspace's cold build, the median of REBUILDS, the workspaces taking
    turns (first one, then the other first); the last round builds into the
    workspaces' own folders, which the rebuilds then start from."""
    builds: list[list[Build]] = [[] for _ in workspaces]
    for round_ in range(REBUILDS):
        order = list(enumerate(workspaces))
        for index, workspace in order if round_ % 2 == 0 else order[::-1]:
            if round_ == REBUILDS - 1:
                builds[index].append(workspace.build())
            else:
                spare = workspace.output.parent / f"cold-{round_}"
                builds[index].append(workspace.build(spare / "output", spare / "cache"))
    return [_median(found) for found in builds]


def measure(system: str, workspace: Workspace, cold: Build, edited: Path) -> Row:
    """No-change and one-edit rebuilds of `workspace`, after its `cold` builds."""
    before = workspace.fingerprint()
    unchanged = [workspace.build() for _ in range(REBUILDS)]
    after_unchanged = workspace.fingerprint()
    edits = []
    for number in range(REBUILDS):
        edit_one_item(workspace.content, edited)
        edits.append(workspace.build())
        if number == 0:
            after_edit = workspace.fingerprint()
    return Row(
        system=system,
        items=0,
        cold=cold,
        unchanged=_median(unchanged),
        edited=_median(edits),
        changed_unchanged=_changed(before, after_unchanged),
        changed_edited=_changed(after_unchanged, after_edit),
        output_files=len(after_edit),
    )


def _median(builds: list[Build]) -> Build:
    """The median time of `builds`, and the highest peak memory of any of them."""
    return Build(
        seconds=sorted(build.seconds for build in builds)[len(builds) // 2],
        peak_mb=max(build.peak_mb for build in builds),
        child_peak_mb=max(build.child_peak_mb for build in builds),
    )


def _changed(before: dict[str, str], after: dict[str, str]) -> int:
    return sum(before.get(name) != after.get(name) for name in before.keys() | after.keys())


def run(
    demo: Path, folder: Path, sizes: list[int], progress: Callable[[str], None] | None = None
) -> list[Row]:
    """Ours and the baseline at each corpus size, built in `folder`: first the cold
    builds of every size, then the rebuilds of every size.

    Nothing is deleted before the last cold build: on this machine's disk (ext4
    without a journal, Linux 6.18) making a file is slower, up to two and a half
    times, for one to six minutes after many files were deleted, as the kernel
    steps over each inode freed meanwhile. The rebuilds delete (Pelican its whole
    output before each, ours what the last output kept), and a cold build within
    minutes of that would pay for it, ours three times as much as Pelican's (it
    makes three times the files). `folder` is left for the caller to delete;
    `progress` is told what is measured next.
    """
    # Our modules byte-compiled, as pip compiled Pelican's when it installed it: where
    # PYTHONDONTWRITEBYTECODE is set (this machine), each build compiled them again.
    compileall.compile_dir(Path(__file__).resolve().parent.parent, quiet=1)
    measured = []
    for items in sizes:
        if progress:
            progress(f"冷构建 / cold builds: {items} items…")
        ours = Workspace(folder / str(items) / "ours", "ours")
        files = write_corpus(demo, ours.content, items)
        baseline = Workspace(folder / str(items) / "pelican", "pelican")
        write_baseline(ours.content, files, baseline.content)
        measured.append((items, ours, baseline, cold_builds([ours, baseline])))
    rows = []
    for items, ours, baseline, (ours_cold, baseline_cold) in measured:
        if progress:
            progress(f"重新构建 / rebuilds: {items} items…")
        for row in (
            measure("ours", ours, ours_cold, EDITED_ITEM),
            measure("pelican", baseline, baseline_cold, EDITED_ITEM),
        ):
            row.items = items
            rows.append(row)
    return rows


def interpreter() -> str:
    """Which Python ran both systems' builds: how it was built is a large part of
    their speed (`run` says which one it picks, and why)."""
    return f"Python {sys.version.split()[0]} ({Path(sys.executable).resolve()})"


def table(rows: list[Row]) -> str:
    """The README table: our figures, the baseline's, and the ratios."""
    lines = [
        "| items | build | cold s | no change s | one edit s | peak MB (build / largest child)"
        " | files changed by one edit | output files |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        peak = f"{row.peak_mb:.0f}" + (
            f" / {row.child_peak_mb:.0f}" if row.system == "ours" else ""
        )
        lines.append(
            f"| {row.items:,} | {row.system} | {row.cold.seconds:.1f} | {row.unchanged.seconds:.1f}"
            f" | {row.edited.seconds:.1f} | {peak} | {row.changed_edited} | {row.output_files:,} |"
        )
    lines += [
        "",
        "| items | cold ratio | no change ratio | one edit ratio |",
        "|---:|---:|---:|---:|",
    ]
    for ours, base in _pairs(rows):
        lines.append(
            f"| {ours.items:,} | {ours.cold.seconds / base.cold.seconds:.2f}"
            f" | {ours.unchanged.seconds / base.unchanged.seconds:.2f}"
            f" | {ours.edited.seconds / base.edited.seconds:.2f} |"
        )
    return "\n".join(lines)


def _pairs(rows: list[Row]) -> list[tuple[Row, Row]]:
    by_key = {(row.system, row.items): row for row in rows}
    sizes = sorted({row.items for row in rows})
    return [(by_key["ours", n], by_key["pelican", n]) for n in sizes]


def misses(rows: list[Row]) -> list[str]:
    """The issue's targets that the largest corpus misses, in words."""
    ours, base = _pairs(rows)[-1]
    found = []
    if ours.cold.seconds / base.cold.seconds > TARGET_RATIO:
        found.append(
            f"cold build ratio {ours.cold.seconds / base.cold.seconds:.2f} > {TARGET_RATIO}"
        )
    if ours.edited.seconds >= TARGET_EDIT_SECONDS:
        found.append(f"one-edit rebuild {ours.edited.seconds:.1f} s ≥ {TARGET_EDIT_SECONDS} s")
    if max(ours.peak_mb, ours.child_peak_mb) >= TARGET_PEAK_MB:
        found.append(
            f"peak memory {ours.peak_mb:.0f} MB / largest child {ours.child_peak_mb:.0f} MB"
            f" ≥ {TARGET_PEAK_MB} MB"
        )
    if ours.changed_unchanged:
        found.append(f"a no-change rebuild changed {ours.changed_unchanged} files")
    return found


def _timed_build(system: str, content: Path, output: Path, cache: Path) -> Build:
    """One build in this process (the child side of Workspace.build)."""
    start = time.perf_counter()
    # Imported here, after the clock starts: imports are part of each build's cost,
    # and the baseline must not pay for ours.
    if system == "ours":
        from watersite.build import build, load_settings  # noqa: PLC0415

        settings = load_settings(content=content, output=output, now=BENCH_NOW)
        settings["WATERSITE_CACHE_DIR"] = str(cache)
        build(settings)
    else:
        from pelican import Pelican  # noqa: PLC0415
        from pelican.settings import read_settings  # noqa: PLC0415

        cache.mkdir(parents=True, exist_ok=True)
        conf = cache.parent / "pelicanconf.py"
        conf.write_text(
            _BASELINE_SETTINGS.format(content=str(content), output=str(output), cache=str(cache)),
            encoding="utf-8",
        )
        Pelican(read_settings(str(conf))).run()
    seconds = time.perf_counter() - start
    return Build(
        seconds=seconds,
        peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        child_peak_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


if __name__ == "__main__":
    system, content, output, cache = sys.argv[1:5]
    build = _timed_build(system, Path(content), Path(output), Path(cache))
    sys.stdout.write(json.dumps(build.__dict__) + "\n")
