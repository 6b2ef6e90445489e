"""Split CPU-bound build work over forked worker processes.

Forked workers inherit every object of the build (templates, the catalog,
Markdown renderers) without pickling; only what each returns is pickled back.
Each share is every `count`-th job from `index` on, so work of all sizes mixes
evenly. `map_items` gives the results back in item order, which keeps the output
the same as a serial run's.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import weakref
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
Item = TypeVar("Item")
Key = TypeVar("Key", bound=Hashable)

#: Jobs per worker below which forking costs more than it saves.
MIN_JOBS_PER_WORKER = 50

# The work the forked workers run: set just before forking, read in the workers.
_work: list[Callable[[int, int], Any]] = []
# Whether workers forked now collect cycles, innermost `collection_paused` last.
_workers_collect: list[bool] = []


@contextmanager
def collection_paused(workers_collect: bool = True) -> Iterator[None]:
    """Pause Python's cycle collector in this process meanwhile.

    A build makes millions of objects that live until it ends; the collector
    walks them all again each time enough new ones pile up, and finds almost
    nothing to free (0.6 s of a 6 s rebuild at 10,000 items). Workers forked
    meanwhile collect their own garbage (rendering makes cycles) unless
    `workers_collect` is False, never walking what they inherited.

    When the pause ends, what is left is set aside from the collector (frozen)
    instead of walked once more the moment it starts again (0.15 s at 10,000
    items, and a process that builds once and ends never needs it); the next
    pause collects it as it begins, so a process that builds again (the preview
    server, the tests) keeps at most one build's garbage meanwhile.
    """
    was_enabled = gc.isenabled()
    if was_enabled and gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    gc.disable()
    _workers_collect.append(workers_collect)
    try:
        yield
    finally:
        _workers_collect.pop()
        if was_enabled:
            gc.freeze()
            gc.enable()


def worker_count(setting: int | None, jobs: int, jobs_per_worker: int | None = None) -> int:
    """How many workers `jobs` jobs deserve, at least `jobs_per_worker` each
    (MIN_JOBS_PER_WORKER unless given); `setting` 0 or None means one per CPU."""
    wanted = setting or os.cpu_count() or 1
    return max(1, min(wanted, jobs // (jobs_per_worker or MIN_JOBS_PER_WORKER)))


def run_shares(work: Callable[[int, int], T], workers: int) -> list[T]:
    """`work(index, workers)` for each index, in forked workers (or here, if one)."""
    if workers <= 1:
        return [work(0, 1)]
    return _start_shares(work, workers)()


def in_background(
    function: Callable[[Item], T], items: Sequence[Item], setting: int | None
) -> Callable[[], list[T]]:
    """`function(item)` for every item in one forked worker while this process
    goes on; call what is returned for the results, in item order (it waits).
    With `setting` 1 (a serial build) the items are done here, when asked for."""
    if setting == 1 or not items:
        return lambda: [function(item) for item in items]
    shares = _start_shares(_share_of(function, items), 1)
    return lambda: shares()[0]


def map_in_background(
    function: Callable[[Item], T], items: Sequence[Item], setting: int | None
) -> Callable[[], list[T]]:
    """`map_items`, in workers forked now while this process goes on; call what
    is returned for the results, in item order (it waits). Where forking would
    not pay, the items are done here, when asked for."""
    share = _share_of(function, items)
    workers = worker_count(setting, len(items))
    if workers == 1:
        return lambda: share(0, 1)
    shares = _start_shares(share, workers)
    return lambda: _in_item_order(shares(), len(items))


def _start_shares(work: Callable[[int, int], T], workers: int) -> Callable[[], list[T]]:
    """`run_shares`, in workers forked now; call what is returned for the results."""
    _work[:] = [work]
    try:
        pool = multiprocessing.get_context("fork").Pool(workers)  # forks now, with `_work`
    finally:
        _work.clear()
    pending = pool.map_async(_run_share, [(index, workers) for index in range(workers)])
    pool.close()  # each worker ends once its share is done, asked for or not
    ending = weakref.finalize(pending, pool.terminate)

    def results() -> list[T]:
        try:
            return list(pending.get())
        finally:
            ending()

    return results


def map_items(
    function: Callable[[Item], T],
    items: Sequence[Item],
    setting: int | None,
    jobs_per_worker: int | None = None,
) -> list[T]:
    """`function(item)` for every item, in item order; in forked workers where that pays
    (`setting` and `jobs_per_worker` as in `worker_count`: fewer for heavier jobs)."""

    share = _share_of(function, items)
    shares = run_shares(share, worker_count(setting, len(items), jobs_per_worker))
    return _in_item_order(shares, len(items))


def _share_of(
    function: Callable[[Item], T], items: Sequence[Item]
) -> Callable[[int, int], list[T]]:
    """The work of a share: `function` over every `count`-th item from `index` on."""
    return lambda index, count: [function(item) for item in items[index::count]]


def _in_item_order(shares: list[list[T]], count: int) -> list[T]:
    """The results of `count` items dealt out to shares by `_share_of`, in item order."""
    return [shares[i % len(shares)][i // len(shares)] for i in range(count)]


def map_by_item(
    function: Callable[[Key], T],
    items: Sequence[Key],
    setting: int | None,
    jobs_per_worker: int | None = None,
) -> dict[Key, T]:
    """`map_items`, its results by item: what the steps that only work on items the
    last build did not leave (unknown pages, unread files) look them up by."""
    return dict(zip(items, map_items(function, items, setting, jobs_per_worker), strict=True))


def _run_share(share: tuple[int, int]) -> Any:
    if _workers_collect and _workers_collect[-1]:
        gc.freeze()  # what the worker inherited lives as long as the build
        gc.enable()
    return _work[0](*share)
