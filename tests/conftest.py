"""Shared fixtures: small hand-written threads, the examples, and ../shared/data when present."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import pytest

from postmortem.analysis import analyse
from postmortem.analysis.results import Analysis, AnalysisOptions
from postmortem.ingest import load
from postmortem.model import Post, Source, Thread

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REPO = HERE.parent
EXAMPLES = REPO / "examples"
SHARED_DATA = REPO.parent / "shared" / "data"

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def benchmark_generator() -> ModuleType:
    """``benchmarks.generate`` (the seeded synthetic incidents), imported from the repository
    root; the calling test is skipped where it cannot be imported."""
    import sys

    sys.path.insert(0, str(REPO))
    try:
        return pytest.importorskip("benchmarks.generate")
    finally:
        sys.path.remove(str(REPO))


def at(minutes: float) -> datetime:
    """A timestamp ``minutes`` after 2024-03-01 09:00 UTC."""
    return T0 + timedelta(minutes=minutes)


def make_thread(rows: list[tuple[str, str | None, str, float, str]], company: tuple[str, ...] = ()) -> Thread:
    """A thread from (id, parent_id, author, minutes after T0, text) tuples."""
    posts = tuple(
        Post(id=i, parent_id=p, author=a, created_at=at(m), text=t, platform="test", kind="post" if p is None else "reply")
        for i, p, a, m, t in rows
    )
    return Thread(posts=posts, source=Source(path="test", format="test", sha256="0" * 64), company_hint=company)


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; skipped where it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present (a user's clone): real-data tests need it beside the checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def small_thread() -> Thread:
    """tests/data/generic/small.csv: 6 posts, AcmeCo answers two of four inbound posts."""
    return load(DATA / "generic" / "small.csv").threads[0]


@pytest.fixture(scope="session")
def small_analysis(small_thread: Thread) -> Analysis:
    """The analysis of the small thread with a 1 h target."""
    return analyse(small_thread, AnalysisOptions(target_s=3600))


@pytest.fixture(scope="session")
def bodybugg_analysis() -> Analysis:
    """The BodyBugg example with --company BodyBugg."""
    from postmortem import api

    thread = api.load_thread(EXAMPLES / "bodybugg" / "bodybugg_facebook_graph.json")
    return api.analyse(thread, company=["BodyBugg"])


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty temporary folder."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path
