from __future__ import annotations

import re
from datetime import datetime, timezone

from postmortem.report.context import ReportMeta, build_context, context_fields, conversation_rows
from tests.conftest import REPO

FIXED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_tiles_show_the_measured_figures(small_analysis) -> None:
    ctx = build_context(small_analysis, ReportMeta(generated_at=FIXED), with_charts=False)
    tiles = {t.label: t for t in ctx.tiles}
    assert tiles["First response"].value == "1 h 30 min" and tiles["First response"].tone == "bad"
    assert tiles["Median response"].value == "52 min"
    assert tiles["Unanswered"].value == "2 of 4"
    assert tiles["Target breaches"].value == "2"
    assert tiles["People involved"].value == "4"
    assert ctx.company == "@AcmeCo"
    assert ctx.generated == "01 Jan 2026 00:00 UTC"


def test_summary_is_written_from_facts(small_analysis) -> None:
    ctx = build_context(small_analysis, ReportMeta(generated_at=FIXED), with_charts=False)
    text = " ".join(ctx.summary)
    assert "@alice posted a complaint addressed to @AcmeCo" in text
    assert "first replied after 1 h 30 min, outside the 1 h target" in text
    assert "answered 2 of the 4 posts" in text
    assert 3 <= len(ctx.summary) <= 5


def test_times_shown_in_the_report_zone(small_analysis) -> None:
    ctx = build_context(small_analysis, ReportMeta(tz="America/New_York", generated_at=FIXED), with_charts=False)
    first = next(m for m in ctx.moments if m.label == "First complaint")
    assert first.post.time == "Fri 01 Mar 04:00"


def test_conversation_is_in_tree_order(small_analysis) -> None:
    ids, omitted = conversation_rows(small_analysis.posts)
    assert ids == ["1", "2", "3", "4", "5", "6"] and omitted == 0
    ids, omitted = conversation_rows(small_analysis.posts, limit=3)
    assert omitted == 3 and len(ids) == 3


def test_lessons_carry_quotes(small_analysis) -> None:
    ctx = build_context(small_analysis, ReportMeta(generated_at=FIXED), with_charts=False)
    slow = next(v for v in ctx.lessons_bad if v.id == "slow-first-response")
    assert [q.id for q in slow.quotes] == ["1", "3"]


def test_every_context_field_is_used_by_the_templates() -> None:
    """Contract: a field nobody shows is dead; a template name nobody provides fails (StrictUndefined)."""
    templates = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "report_templates").glob("*.html"))
    unused = [name for name in context_fields() if not re.search(rf"\b{name}\b", templates)]
    assert unused == []
