"""Process-level helpers (postmortem.perf): the forked half of a batch gives the same result
as computing it here, and a child that fails is made up for, not trusted."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from postmortem.lessons import audit as audit_module
from postmortem.lessons.audit import audit_thread, audit_to_dict
from postmortem.perf import fork_pair, fork_start, fork_usable
from tests.conftest import benchmark_generator

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking helpers are used on Linux only")


def test_fork_pair_returns_both_results() -> None:
    parent = os.getpid()
    here, there = fork_pair(lambda: os.getpid(), lambda: (os.getpid() != parent, [("a", 1)] * 3))
    assert here == parent
    assert there == (True, [("a", 1)] * 3)  # computed in the child, pickled back


def _children() -> set[str]:
    found: set[str] = set()
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with open(f"/proc/{os.getpid()}/task/{task}/children") as listing:
            found |= set(listing.read().split())
    return found


def test_fork_start_runs_in_a_child_and_can_be_cancelled() -> None:
    parent = os.getpid()
    before = _children()
    pending = fork_start(lambda: (os.getpid() != parent, "x" * 1_000_000))  # more than a pipe holds
    assert _children() > before  # running meanwhile
    assert pending() == (True, "x" * 1_000_000)
    assert _children() <= before  # reaped
    stopped = fork_start(lambda: os.getpid() != parent)
    stopped.cancel()
    assert _children() <= before
    assert stopped() is False  # asked for after all: computed here


def test_a_failing_child_is_made_up_for_here() -> None:
    parent = os.getpid()

    def there() -> str:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return "computed here"

    assert fork_pair(lambda: 1, there) == (1, "computed here")


def test_an_error_here_propagates_and_the_child_is_reaped() -> None:
    def here() -> None:
        raise ValueError("here fails")

    before = _children()
    with pytest.raises(ValueError, match="here fails"):
        fork_pair(here, lambda: "x" * 1_000_000)  # more than a pipe holds: the child must not hang
    assert _children() <= before  # reaped, not left as a zombie


@pytest.mark.skipif(not fork_usable(), reason="needs 2+ CPUs and no other thread")
def test_audit_thread_on_its_own_uses_a_child_from_background_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Called directly (not from analyse), audit_thread begins the child's audit itself."""
    from postmortem.analysis import analyse
    from tests.test_scale import synthetic_thread

    posts = analyse(synthetic_thread(3000)).posts
    monkeypatch.setattr(audit_module, "BACKGROUND_REPLIES", 10**9)
    whole = audit_to_dict(audit_thread(posts))
    monkeypatch.setattr(audit_module, "BACKGROUND_REPLIES", 10)
    calls = []
    real = audit_module._unflat
    monkeypatch.setattr(audit_module, "_unflat", lambda *a: calls.append(1) or real(*a))
    assert audit_to_dict(audit_thread(posts)) == whole
    assert calls, "the child's path was not taken"


@pytest.mark.skipif(not fork_usable(), reason="needs 2+ CPUs and no other thread")
@pytest.mark.parametrize("summary_only", [False, True])
def test_background_audit_is_identical(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, summary_only: bool
) -> None:
    """From BACKGROUND_REPLIES company posts, analyse() has a forked child audit the replies while it
    measures the rest: the audit (suggestions, canned marks), lessons and actions are the same."""
    from postmortem import api
    from postmortem.analysis import analyse
    from postmortem.lessons.audit import audit_to_dict

    write_csv = benchmark_generator().write_csv
    path = write_csv(tmp_path / "thread.csv", 3000, seed=3)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    bad = ["Maybe read the manual before complaining.", "lol relax, it is just a delay", "Sorry you feel that way."]
    replies = [row for row in rows if row["author"] == "AcmeAir" and row["parent_id"]]
    for n, row in enumerate(replies[::7]):  # the generator's company never answers badly
        row["text"] = f"{row['text'].split()[0]} {bad[n % len(bad)]}"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    thread = api.load_thread(path)
    monkeypatch.setattr(audit_module, "BACKGROUND_REPLIES", 10**9)
    alone = analyse(thread, summary_only=summary_only)
    assert alone.audit is not None and alone.audit.canned_groups  # canned marks are made after the child's audit
    assert any(r.suggestion for r in alone.audit.replies) != summary_only
    monkeypatch.setattr(audit_module, "BACKGROUND_REPLIES", 10)
    started: list[object] = []
    real = audit_module.start_reply_audit
    monkeypatch.setattr(audit_module, "start_reply_audit", lambda *a, **k: started.append(p := real(*a, **k)) or p)
    background = analyse(thread, summary_only=summary_only)
    assert started and started[0] is not None, "the background path was not taken"
    assert background.audit is not None
    assert audit_to_dict(background.audit) == audit_to_dict(alone.audit)
    assert background.lessons == alone.lessons and background.actions == alone.actions


@pytest.mark.skipif(not fork_usable(), reason="needs 2+ CPUs and no other thread")
def test_map_distinct_split_matches_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from postmortem import perf

    values = [f"text {n % 700}" for n in range(3000)]
    calls: list[str] = []

    def length(text: str) -> int:
        calls.append(text)
        return len(text) * (2 if text.endswith("7") else 1)

    expected = [length(v) for v in values]
    calls.clear()
    assert perf.map_distinct(length, values) == expected
    assert len(calls) == 700  # once per distinct value
    monkeypatch.setattr(perf, "SPLIT_DISTINCT", 100)
    calls.clear()
    assert perf.map_distinct(length, values) == expected
    assert len(calls) == 700  # not asked to: all here (the loaders' use)
    calls.clear()
    assert perf.map_distinct(length, values, in_parallel=True) == expected
    assert len(calls) == 350  # the other half was computed in the child


def test_a_forked_helper_forks_no_helper_of_its_own() -> None:
    from postmortem.perf import fork_usable as usable

    assert fork_pair(lambda: None, usable)[1] is False
