"""Process-level helpers (postmortem.perf): the forked half of a batch gives the same result
as computing it here, and a child that fails is made up for, not trusted."""

from __future__ import annotations

import os
import sys

import pytest

from postmortem.lessons import audit as audit_module
from postmortem.lessons.audit import audit_thread, audit_to_dict
from postmortem.perf import fork_pair, fork_usable

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking helpers are used on Linux only")


def test_fork_pair_returns_both_results() -> None:
    parent = os.getpid()
    here, there = fork_pair(lambda: os.getpid(), lambda: (os.getpid() != parent, [("a", 1)] * 3))
    assert here == parent
    assert there == (True, [("a", 1)] * 3)  # computed in the child, pickled back


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

    def children() -> set[str]:
        found: set[str] = set()
        for task in os.listdir(f"/proc/{os.getpid()}/task"):
            with open(f"/proc/{os.getpid()}/task/{task}/children") as listing:
                found |= set(listing.read().split())
        return found

    before = children()
    with pytest.raises(ValueError, match="here fails"):
        fork_pair(here, lambda: "x" * 1_000_000)  # more than a pipe holds: the child must not hang
    assert children() <= before  # reaped, not left as a zombie


@pytest.mark.skipif(not fork_usable(), reason="needs 2+ CPUs and no other thread")
def test_split_audit_is_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above SPLIT_REPLIES a child audits half the replies and finds the resolved posts."""
    from postmortem.analysis import analyse
    from tests.test_scale import synthetic_thread

    posts = analyse(synthetic_thread(3000)).posts
    whole = audit_to_dict(audit_thread(posts))
    monkeypatch.setattr(audit_module, "SPLIT_REPLIES", 10)
    calls = []
    real = audit_module._from_compact
    monkeypatch.setattr(audit_module, "_from_compact", lambda *a: calls.append(1) or real(*a))
    assert audit_to_dict(audit_thread(posts)) == whole
    assert calls, "the split path was not taken"


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
