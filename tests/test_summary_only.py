"""``summary_only`` analyses (what review and inspect use) give the same headline figures and
lessons as full ones, skip the rest, and cannot be rendered."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from postmortem import api
from postmortem.errors import UsageError
from postmortem.outputs import Outputs
from postmortem.review.summary import summarise
from tests.conftest import EXAMPLES

CASES = [
    (EXAMPLES / "bodybugg" / "bodybugg_facebook_graph.json", ["BodyBugg"]),
    (EXAMPLES / "restaurant" / "restaurant_x_api.json", []),
    (EXAMPLES / "airline" / "airline_twarc2.jsonl", []),
]


def _pair(path: Path, company: list[str]) -> tuple[api.Analysis, api.Analysis]:
    thread = api.load_thread(path, company=company)
    return api.analyse(thread, company=company), api.analyse(thread, company=company, summary_only=True)


def _without(value: object, *names: str) -> dict[str, object]:
    fields = dataclasses.asdict(value)  # type: ignore[call-overload]
    return {k: v for k, v in fields.items() if k not in names}


@pytest.mark.parametrize(("path", "company"), CASES, ids=[p.parent.name for p, _ in CASES])
def test_summary_only_keeps_every_figure_a_review_reads(path: Path, company: list[str]) -> None:
    full, quick = _pair(path, company)
    assert quick.summary_only and not full.summary_only
    assert summarise(quick, company="x", multi=False) == summarise(full, company="x", multi=False)
    assert _without(quick.response, "per_complainant") == _without(full.response, "per_complainant")
    assert _without(quick.sentiment, "events", "largest_drops") == _without(full.sentiment, "events", "largest_drops")
    assert quick.lessons == full.lessons and quick.actions == full.actions
    assert quick.audit is not None and full.audit is not None
    assert [dataclasses.replace(r, suggestion=None) for r in full.audit.replies] == list(quick.audit.replies)
    assert quick.posts.equals(full.posts)
    # and it skipped what only the report shows
    assert full.response.per_complainant and not quick.response.per_complainant
    assert full.sentiment.events and not quick.sentiment.events
    assert full.timeline.phases and not quick.timeline.phases
    assert full.amplification is not None and quick.amplification is None
    assert quick.windows.empty and not full.windows.empty
    assert all(r.suggestion is None for r in quick.audit.replies)


def test_twcs_conversations_summarise_the_same(shared_data: Path) -> None:
    """Every conversation of the real support slice: the review's summaries do not change."""
    from postmortem.ingest import load

    collection = load(shared_data / "twcs" / "twcs_dev.csv")
    for thread in collection.threads[:150]:
        full = api.analyse(thread)
        quick = api.analyse(thread, summary_only=True)
        assert summarise(quick, company="x", multi=True) == summarise(full, company="x", multi=True), thread.conversation_id


def test_summary_only_analysis_cannot_be_rendered(tmp_path: Path) -> None:
    thread = api.load_thread(EXAMPLES / "bodybugg" / "bodybugg_facebook_graph.json")
    quick = api.analyse(thread, company=["BodyBugg"], summary_only=True)
    with pytest.raises(UsageError, match="summary_only"):
        api.write_report(quick, Outputs(json=tmp_path / "m.json"))
    assert not (tmp_path / "m.json").exists()
