"""Period statistics on hand-made thread summaries, with answers computed by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from postmortem.review.stats import (
    company_breakdown,
    compare_kpis,
    compute_kpis,
    lesson_frequency,
    quantile,
    rank_threads,
    severity,
    weekly_series,
)
from postmortem.review.summary import LessonHit, ThreadSummary

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)  # a Monday


def summary(n: int, **changes: object) -> ThreadSummary:
    """A thread of 4 posts, 2 inbound, both answered, first reply after 10 minutes."""
    base = ThreadSummary(
        source=f"t{n}.json",
        format="generic-json",
        platform="test",
        conversation_id=None,
        multi=False,
        title=None,
        company="Acme",
        company_accounts=("Acme",),
        posts=4,
        participants=3,
        start=T0 + timedelta(days=n),
        end=T0 + timedelta(days=n, hours=1),
        period_at=T0 + timedelta(days=n),
        first_author="zoe",
        first_text="@Acme where is my sofa",
        inbound=2,
        answered=2,
        unanswered=0,
        first_response_s=600.0,
        median_response_s=600.0,
        p90_response_s=600.0,
        max_response_s=600.0,
        target_s=3600.0,
        breaches=0,
        answered_late=0,
        unanswered_overdue=0,
        business_first_response_s=None,
        business_breaches=None,
        resolution_basis="last company reply",
        crowd_start=-0.5,
        crowd_end=-0.5,
        drift=0.0,
        company_mean=0.2,
        lessons=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


BAD_HIGH = LessonHit("unanswered-complaints", "went_badly", "high", "never replied")
BAD_MEDIUM = LessonHit("no-apology", "went_badly", "medium", "no apology")
BAD_LOW = LessonHit("slow-first-response", "went_badly", "low", "slow")
GOOD = LessonHit("prompt-response", "went_well", None, "fast")


@pytest.fixture
def threads() -> list[ThreadSummary]:
    return [
        summary(0, first_response_s=600.0, drift=0.3, lessons=(GOOD,)),
        summary(1, first_response_s=1800.0, drift=-0.1, lessons=(BAD_MEDIUM, GOOD)),
        summary(
            2, first_response_s=7200.0, breaches=2, answered=1, unanswered=1, drift=-0.6, lessons=(BAD_LOW, BAD_MEDIUM)
        ),
        summary(
            3, first_response_s=None, answered=0, unanswered=3, inbound=3, breaches=3, drift=None, lessons=(BAD_HIGH,)
        ),
        summary(9, company="Bolt", posts=2, inbound=1, answered=1, first_response_s=300.0, drift=0.02),
    ]


def test_quantile_matches_linear_interpolation() -> None:
    assert quantile([], 0.5) is None
    assert quantile([5.0], 0.9) == 5.0
    assert quantile([5400.0, 900.0], 0.9) == pytest.approx(4950.0)  # docs/metrics.md worked example
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_kpis_by_hand(threads: list[ThreadSummary]) -> None:
    k = compute_kpis(threads)
    assert (k.threads, k.posts) == (5, 18)
    assert (k.inbound, k.answered, k.unanswered) == (10, 6, 4)
    assert k.response_rate == pytest.approx(0.6)
    assert (k.threads_with_inbound, k.threads_answered, k.threads_unanswered) == (5, 4, 1)
    # first responses 300, 600, 1800, 7200: median (600+1800)/2; p90 at position 2.7
    assert k.first_response_median_s == 1200.0
    assert k.first_response_p90_s == pytest.approx(1800 + 0.7 * 5400)
    assert (k.breaches, k.threads_with_breach) == (5, 2)
    assert k.breach_rate == pytest.approx(0.5)
    # drifts 0.3, -0.1, -0.6, 0.02 (one unknown)
    assert (k.drift_worsened, k.drift_stable, k.drift_improved, k.drift_unknown) == (2, 1, 1, 1)
    assert k.drift_mean == pytest.approx(-0.095)
    assert k.drift_median == pytest.approx(-0.04)
    assert k.business_breaches is None and k.business_first_response_median_s is None


def test_business_hours_figures_only_when_measured(threads: list[ThreadSummary]) -> None:
    measured = [
        replace(s, business_first_response_s=60.0 * (n + 1), business_breaches=n) for n, s in enumerate(threads)
    ]
    k = compute_kpis(measured, business=True)
    assert k.business_breaches == 0 + 1 + 2 + 3 + 4
    # the never-answered thread has a business figure too; inbound > 0 everywhere: 60..300
    assert k.business_first_response_median_s == 180.0


def test_empty_period() -> None:
    k = compute_kpis([])
    assert (k.threads, k.response_rate, k.first_response_median_s, k.drift_mean) == (0, None, None, None)


def test_company_breakdown(threads: list[ThreadSummary]) -> None:
    rows = company_breakdown(threads)
    assert [(r.company, r.kpis.threads) for r in rows] == [("Acme", 4), ("Bolt", 1)]
    assert rows[1].kpis.first_response_median_s == 300.0


def test_severity_score_by_hand(threads: list[ThreadSummary]) -> None:
    # thread 2: lessons low + medium = 3, breaches 2, mood -0.6 -> 2 full quarters
    sev = severity(threads[2])
    assert (sev.lesson_points, sev.breach_points, sev.mood_points, sev.score) == (3, 2, 2, 7)
    # thread 3: high lesson = 3, 3 breaches, no drift
    assert severity(threads[3]).score == 6
    assert severity(summary(0, breaches=9, drift=-2.0)).score == 5 + 4  # both capped
    assert severity(threads[0]).score == 0  # went-well lessons score nothing


def test_ranking_worst_first_with_ties(threads: list[ThreadSummary]) -> None:
    ranked = [s.source for s, _ in rank_threads(threads)]
    assert ranked[:2] == ["t2.json", "t3.json"]
    # t1 scores 2; t0 and t9 score 0: the tie goes to the slower first response (t0: 600 s)
    assert ranked[2:] == ["t1.json", "t0.json", "t9.json"]


def test_lesson_frequency(threads: list[ThreadSummary]) -> None:
    doubled = [*threads, summary(20, lessons=(BAD_MEDIUM, BAD_MEDIUM))]  # counted once per thread
    bad, good = lesson_frequency(doubled)
    assert [(c.id, c.threads, c.medium) for c in bad] == [
        ("no-apology", 3, 3),
        ("unanswered-complaints", 1, 0),
        ("slow-first-response", 1, 0),
    ]
    assert bad[1].high == 1 and bad[2].low == 1
    assert [(c.id, c.threads) for c in good] == [("prompt-response", 2)]
    assert good[0].share == pytest.approx(2 / 6)


def test_trends_directions_and_verdicts() -> None:
    current = {"threads": 10, "response_rate": 0.8, "first_response_median_s": 900.0, "breaches": 4, "drift_mean": 0.1}
    previous = {
        "threads": 8,
        "response_rate": 0.9,
        "first_response_median_s": 1200.0,
        "breaches": 4,
        "drift_mean": None,
    }
    rows = {t.key: t for t in compare_kpis(current, previous)}
    assert (rows["threads"].delta, rows["threads"].arrow, rows["threads"].verdict) == (2.0, "\u2191", None)
    assert (rows["response_rate"].direction, rows["response_rate"].verdict) == ("down", "worse")
    assert rows["response_rate"].delta == pytest.approx(-0.1)
    assert (rows["first_response_median_s"].delta, rows["first_response_median_s"].verdict) == (-300.0, "better")
    assert (rows["breaches"].arrow, rows["breaches"].verdict) == ("\u2192", "same")
    assert rows["drift_mean"].delta is None and rows["drift_mean"].arrow == ""
    assert "business_breaches" not in rows  # KPIs absent from the current review are left out


def test_weekly_series_fills_a_bounded_period(threads: list[ThreadSummary]) -> None:
    weeks = weekly_series(threads, UTC, date(2026, 10, 1), date(2026, 10, 31))
    assert [w.start for w in weeks] == [
        date(2026, 9, 28),
        date(2026, 10, 5),
        date(2026, 10, 12),
        date(2026, 10, 19),
        date(2026, 10, 26),
    ]
    assert [w.threads for w in weeks] == [0, 4, 1, 0, 0]
    assert weeks[1].breaches == 5 and weeks[1].first_response_median_s == 1800.0
    assert weeks[0].response_rate is None
    assert [w.start for w in weekly_series(threads, UTC)] == [date(2026, 10, 5), date(2026, 10, 12)]
