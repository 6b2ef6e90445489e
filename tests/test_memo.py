"""A memo gives back what the last build saved under the same salt, rewrites
only the files whose results changed, and ignores a damaged file instead of
trusting it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from watersite.memo import Memo, code_digest, key_of


def results(count: int) -> dict[str, str]:
    return {key_of(str(n)): f"结果 {n}" for n in range(count)}


def files(folder: Path) -> dict[str, int]:
    """Each memo file's inode: a file written again is a new file."""
    return {path.name: path.stat().st_ino for path in folder.iterdir()}


def test_a_memo_gives_back_the_last_results_under_the_same_salt(tmp_path: Path) -> None:
    Memo(tmp_path, "test", "a").save(results(100))
    assert Memo(tmp_path, "test", "a").last == results(100)
    assert Memo(tmp_path, "test", "b").last == {}
    Memo(tmp_path, "test", "b").save(results(3))
    assert Memo(tmp_path, "test", "a").last == {}, "one salt is kept: the newest"
    assert Memo(tmp_path, "test", "b").last == results(3)


def test_another_interpreter_does_not_trust_the_memo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Memo(tmp_path, "test", "a").save(results(3))
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    code_digest.cache_clear()
    try:
        assert Memo(tmp_path, "test", "a").last == {}
    finally:
        monkeypatch.undo()
        code_digest.cache_clear()
    assert Memo(tmp_path, "test", "a").last == results(3)


def test_saving_after_one_change_writes_one_file_again(tmp_path: Path) -> None:
    Memo(tmp_path, "test", "a").save(results(100))
    before = files(tmp_path / "test")
    memo: Memo[str] = Memo(tmp_path, "test", "a")
    changed = dict(memo.last)
    changed[next(iter(changed))] = "改过的结果"
    memo.save(changed)
    after = files(tmp_path / "test")
    assert after.keys() == before.keys()
    assert sum(after[name] != before[name] for name in after) == 1
    assert Memo(tmp_path, "test", "a").last == changed
    unchanged: Memo[str] = Memo(tmp_path, "test", "a")
    unchanged.save(dict(unchanged.last))
    assert files(tmp_path / "test") == after, "nothing changed: nothing written"


def test_a_damaged_memo_is_ignored_and_written_again(tmp_path: Path) -> None:
    Memo(tmp_path, "test", "a").save(results(100))
    damaged = sorted((tmp_path / "test").iterdir())[0]
    damaged.write_bytes(b"not a pickle")
    memo: Memo[str] = Memo(tmp_path, "test", "a")
    assert memo.last == {}
    memo.save(results(100))
    assert Memo(tmp_path, "test", "a").last == results(100)


def test_results_gone_and_new_rewrite_only_their_files(tmp_path: Path) -> None:
    Memo(tmp_path, "test", "a").save(results(100))
    before = files(tmp_path / "test")
    memo: Memo[str] = Memo(tmp_path, "test", "a")
    now = dict(memo.last)
    del now[key_of("7")]
    now[key_of("新的")] = "新的结果"
    memo.save(now)
    after = files(tmp_path / "test")
    assert 1 <= sum(after[name] != before[name] for name in after) <= 2
    assert Memo(tmp_path, "test", "a").last == now
    memo.save(results(100))  # the same memo saved again: what it saved last counts
    assert Memo(tmp_path, "test", "a").last == results(100)
