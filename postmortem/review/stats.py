"""Period statistics: pure functions from thread summaries to KPIs, rankings, lessons and trends.

Definitions (with the severity score) are in docs/review.md; tests check them on hand-made
summaries with answers computed by hand (tests/test_review_stats.py).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from postmortem.review.summary import ThreadSummary

DRIFT_THRESHOLD = 0.05
"""A drift within ±0.05 counts as stable (the sentiment classes' boundary)."""
LESSON_POINTS = {"high": 3, "medium": 2, "low": 1}
BREACH_POINTS_MAX = 5
MOOD_POINTS_STEP = 0.25
MOOD_POINTS_MAX = 4


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation quantile (numpy's default), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass(frozen=True)
class Kpis:
    """Figures over a set of threads (seconds for times, shares from 0 to 1)."""

    threads: int
    posts: int
    inbound: int
    answered: int
    unanswered: int
    response_rate: float | None
    """Answered inbound posts over inbound posts."""
    threads_with_inbound: int
    threads_answered: int
    """Threads with at least one inbound post where the company replied."""
    threads_unanswered: int
    """Threads with inbound posts and no company reply."""
    first_response_median_s: float | None
    first_response_p90_s: float | None
    breaches: int
    breach_rate: float | None
    """Breaches over inbound posts."""
    threads_with_breach: int
    business_first_response_median_s: float | None
    business_first_response_p90_s: float | None
    business_breaches: int | None
    drift_worsened: int
    drift_stable: int
    drift_improved: int
    drift_unknown: int
    drift_mean: float | None
    drift_median: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return asdict(self)


def compute_kpis(summaries: Sequence[ThreadSummary], business: bool = False) -> Kpis:
    """The period KPIs over ``summaries`` (``business``: business-hours figures were measured)."""
    inbound = sum(s.inbound for s in summaries)
    answered = sum(s.answered for s in summaries)
    breaches = sum(s.breaches for s in summaries)
    with_inbound = [s for s in summaries if s.inbound > 0]
    first = [s.first_response_s for s in with_inbound if s.first_response_s is not None]
    business_first = [s.business_first_response_s for s in with_inbound if s.business_first_response_s is not None]
    drifts = [s.drift for s in summaries if s.drift is not None]
    return Kpis(
        threads=len(summaries),
        posts=sum(s.posts for s in summaries),
        inbound=inbound,
        answered=answered,
        unanswered=sum(s.unanswered for s in summaries),
        response_rate=_ratio(answered, inbound),
        threads_with_inbound=len(with_inbound),
        threads_answered=len(first),
        threads_unanswered=len(with_inbound) - len(first),
        first_response_median_s=quantile(first, 0.5),
        first_response_p90_s=quantile(first, 0.9),
        breaches=breaches,
        breach_rate=_ratio(breaches, inbound),
        threads_with_breach=sum(1 for s in summaries if s.breaches > 0),
        business_first_response_median_s=quantile(business_first, 0.5) if business else None,
        business_first_response_p90_s=quantile(business_first, 0.9) if business else None,
        business_breaches=sum(s.business_breaches or 0 for s in summaries) if business else None,
        drift_worsened=sum(1 for d in drifts if d < -DRIFT_THRESHOLD),
        drift_stable=sum(1 for d in drifts if -DRIFT_THRESHOLD <= d <= DRIFT_THRESHOLD),
        drift_improved=sum(1 for d in drifts if d > DRIFT_THRESHOLD),
        drift_unknown=len(summaries) - len(drifts),
        drift_mean=sum(drifts) / len(drifts) if drifts else None,
        drift_median=quantile(drifts, 0.5),
    )


@dataclass(frozen=True)
class CompanyKpis:
    """One company's figures."""

    company: str
    kpis: Kpis


def company_breakdown(summaries: Sequence[ThreadSummary], business: bool = False) -> tuple[CompanyKpis, ...]:
    """KPIs per company, most threads first (ties by name)."""
    groups: dict[str, list[ThreadSummary]] = defaultdict(list)
    for s in summaries:
        groups[s.company].append(s)
    ordered = sorted(groups, key=lambda c: (-len(groups[c]), c.casefold()))
    return tuple(CompanyKpis(c, compute_kpis(groups[c], business)) for c in ordered)


# --- severity ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Severity:
    """A thread's severity score and its parts (docs/review.md, "Severity score")."""

    score: int
    lesson_points: int
    breach_points: int
    mood_points: int


def severity(summary: ThreadSummary) -> Severity:
    """Lesson points (3/2/1 per high/medium/low went-badly lesson) + breaches (at most 5)
    + one point per full 0.25 the crowd's mood fell (at most 4)."""
    lesson_points = sum(LESSON_POINTS.get(h.severity or "", 0) for h in summary.lessons if h.verdict == "went_badly")
    breach_points = min(summary.breaches, BREACH_POINTS_MAX)
    mood_points = 0
    if summary.drift is not None and summary.drift < 0:
        mood_points = min(MOOD_POINTS_MAX, int(-summary.drift / MOOD_POINTS_STEP + 1e-9))
    return Severity(lesson_points + breach_points + mood_points, lesson_points, breach_points, mood_points)


def rank_threads(summaries: Iterable[ThreadSummary]) -> list[tuple[ThreadSummary, Severity]]:
    """Threads worst first: score, then unanswered posts, slower first response (never = slowest),
    more posts, then source and conversation for a stable order."""

    def key(item: tuple[ThreadSummary, Severity]) -> tuple[Any, ...]:
        s, sev = item
        slowest = math.inf if s.first_response_s is None and s.inbound else (s.first_response_s or 0.0)
        return (-sev.score, -s.unanswered, -slowest, -s.posts, s.source, s.conversation_id or "")

    return sorted(((s, severity(s)) for s in summaries), key=key)


# --- lessons -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonCount:
    """How often one lesson fired across the period."""

    id: str
    verdict: str
    threads: int
    share: float
    """Of the period's threads."""
    high: int = 0
    medium: int = 0
    low: int = 0
    example_title: str = ""


def lesson_frequency(summaries: Sequence[ThreadSummary]) -> tuple[tuple[LessonCount, ...], tuple[LessonCount, ...]]:
    """(went badly, went well) lesson counts, most frequent first; a lesson counts once per thread."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    titles: dict[tuple[str, str], str] = {}
    for s in summaries:
        seen: set[tuple[str, str]] = set()
        for hit in s.lessons:
            key = (hit.verdict, hit.id)
            if key in seen:
                continue
            seen.add(key)
            counts[key]["threads"] += 1
            if hit.severity:
                counts[key][hit.severity] += 1
            titles.setdefault(key, hit.title)
    total = len(summaries)

    def build(verdict: str) -> tuple[LessonCount, ...]:
        rows = [
            LessonCount(
                id=lesson_id,
                verdict=verdict,
                threads=c["threads"],
                share=c["threads"] / total if total else 0.0,
                high=c["high"],
                medium=c["medium"],
                low=c["low"],
                example_title=titles[(v, lesson_id)],
            )
            for (v, lesson_id), c in counts.items()
            if v == verdict
        ]
        return tuple(sorted(rows, key=lambda r: (-r.threads, -r.high, r.id)))

    return build("went_badly"), build("went_well")


# --- trends ------------------------------------------------------------------------------------

TREND_KPIS: tuple[tuple[str, str, str | None], ...] = (
    ("threads", "Threads", None),
    ("inbound", "Posts addressed to the company", None),
    ("response_rate", "Response rate", "higher"),
    ("threads_unanswered", "Threads never answered", "lower"),
    ("first_response_median_s", "First response, median", "lower"),
    ("first_response_p90_s", "First response, p90", "lower"),
    ("breaches", "Target breaches", "lower"),
    ("breach_rate", "Breaches per inbound post", "lower"),
    ("business_first_response_median_s", "First response in business hours, median", "lower"),
    ("business_breaches", "Breaches in business hours", "lower"),
    ("drift_mean", "Mean sentiment drift", "higher"),
    ("drift_worsened", "Threads whose mood worsened", "lower"),
)
"""(KPI key, label, which direction is better: higher, lower, or None for volumes)."""
ARROWS = {"up": "\u2191", "down": "\u2193", "flat": "\u2192"}


@dataclass(frozen=True)
class Trend:
    """One KPI against the previous period or review."""

    key: str
    label: str
    current: float | None
    previous: float | None
    delta: float | None
    direction: str | None
    """up, down, flat; None when either value is missing."""
    better: str | None
    """higher, lower, or None (a volume: neither is better)."""
    verdict: str | None
    """better, worse, same, or None (volume or missing)."""

    @property
    def arrow(self) -> str:
        """↑, ↓ or → (empty when not comparable)."""
        return ARROWS.get(self.direction or "", "")


@dataclass(frozen=True)
class Trends:
    """KPI trends and what they compare against."""

    basis: str
    """``compare`` (a previous review's JSON) or ``previous_period`` (the same inputs)."""
    against: str
    """A description: the file, or the previous period's label."""
    previous_threads: int
    rows: tuple[Trend, ...]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def compare_kpis(current: Mapping[str, object], previous: Mapping[str, object]) -> tuple[Trend, ...]:
    """Deltas and directions for every trend KPI present in ``current`` (values rounded to 4
    decimals before comparing, so float noise is "flat")."""
    rows = []
    for key, label, better in TREND_KPIS:
        now, before = _number(current.get(key)), _number(previous.get(key))
        if key not in current or (now is None and before is None):
            continue
        delta = direction = verdict = None
        if now is not None and before is not None:
            delta = round(now - before, 4)
            direction = "flat" if delta == 0 else "up" if delta > 0 else "down"
            if better is not None:
                verdict = (
                    "same"
                    if direction == "flat"
                    else "better"
                    if (direction == "up") == (better == "higher")
                    else "worse"
                )
        rows.append(Trend(key, label, now, before, delta, direction, better, verdict))
    return tuple(rows)


# --- weekly series -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """The KPIs of one week (Monday to Sunday in the review's zone)."""

    start: date
    threads: int
    inbound: int
    response_rate: float | None
    first_response_median_s: float | None
    first_response_p90_s: float | None
    breaches: int


def week_start(moment: datetime, zone: tzinfo) -> date:
    """The Monday of ``moment``'s week in ``zone``."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def weekly_series(
    summaries: Sequence[ThreadSummary], zone: tzinfo, first: date | None = None, last: date | None = None
) -> tuple[Week, ...]:
    """KPIs per week. With ``first`` and ``last`` (a bounded period) every week from ``first``'s
    to ``last``'s is listed, empty ones included; otherwise only the weeks that have threads."""
    groups: dict[date, list[ThreadSummary]] = defaultdict(list)
    for s in summaries:
        groups[week_start(s.period_at, zone)].append(s)
    starts: list[date] = sorted(groups)
    if first is not None and last is not None:
        begin, end = first - timedelta(days=first.weekday()), last - timedelta(days=last.weekday())
        starts = [begin + timedelta(days=7 * n) for n in range((end - begin).days // 7 + 1)]
    weeks = []
    for start in starts:
        k = compute_kpis(groups.get(start, []))
        weeks.append(
            Week(
                start,
                k.threads,
                k.inbound,
                k.response_rate,
                k.first_response_median_s,
                k.first_response_p90_s,
                k.breaches,
            )
        )
    return tuple(weeks)
