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


def test_conversation_sample_keeps_the_most_active_branch_whole() -> None:
    """A long quiet branch listed first must not crowd out the branch the company answered."""
    from postmortem.timeline import AUTHOR, IS_COMPANY, to_frame
    from tests.conftest import make_thread

    rows = [("a", None, "ann", 0, "root a")] + [(f"a{n}", "a", "bob", 1 + n, "me too") for n in range(5)]
    rows += [("b", None, "cat", 10, "@shop help"), ("b1", "b", "shop", 11, "sorry"), ("b2", "b1", "cat", 12, "ok")]
    posts = to_frame(make_thread(rows))
    posts[IS_COMPANY] = posts[AUTHOR] == "shop"
    ids, omitted = conversation_rows(posts, limit=5)
    assert {"b", "b1", "b2"} <= set(ids) and len(ids) == 5 and omitted == len(posts) - 5
    assert ids == ["a", "a0", "b", "b1", "b2"]  # time order kept, the quiet branch cut to fit
