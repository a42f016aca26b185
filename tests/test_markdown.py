from __future__ import annotations

from datetime import datetime, timezone

from postmortem.analysis import analyse
from postmortem.report.context import ReportMeta, build_context
from postmortem.report.markdown import escape_markdown, render_markdown
from tests.conftest import make_thread

FIXED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_escape_markdown_and_html() -> None:
    raw = "[click](http://evil.test) ![x](http://evil.test/i.png) <b>hi</b> *bold* # mid\n| pipe"
    out = escape_markdown(raw)
    assert "[click](" not in out and "\\[click\\](" in out
    assert "![x]" not in out and "\\!\\[x\\]" in out
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert "\\*bold\\*" in out and "\\|" in out
    assert "\n" not in out
    assert escape_markdown("# heading") == "\\# heading"
    assert escape_markdown("1. first") == "1\\. first"
    assert escape_markdown("costs -0.50 today.") == "costs -0.50 today."


def test_markdown_summary(small_analysis) -> None:
    md = render_markdown(build_context(small_analysis, ReportMeta(generated_at=FIXED), with_charts=False))
    assert md.startswith("# ")
    assert "## Key figures" in md and "| First response | 1 h 30 min |" in md
    assert "## What went badly" in md and "slow-first-response" in md


def test_markdown_quotes_are_inert() -> None:
    thread = make_thread(
        [("1", None, "cust", 0, "@shop [free money](http://evil.test) <img src=x onerror=alert(1)>"), ("2", "1", "x", 90, "+1")],
        company=("shop",),
    )
    md = render_markdown(build_context(analyse(thread), ReportMeta(generated_at=FIXED), with_charts=False))
    assert "<img" not in md
    assert "[free money](http" not in md
