"""The review context: every value the review template shows, computed once, typed and tested.

``build_review_context(result)`` turns a :class:`~postmortem.review.ReviewResult` into a
:class:`ReviewContext`; ``render_review_html`` renders ``review.html`` with the report's Jinja2
environment, and ``review_markdown`` writes the short Markdown summary (``--md``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem import __version__
from postmortem.api import logo_data_uri
from postmortem.report.context import DEFAULT_ACCENT, Chart, chart_uri
from postmortem.units import format_duration

if TYPE_CHECKING:
    from postmortem.review import ReviewResult
    from postmortem.review.stats import Kpis, Trend
    from postmortem.review.summary import ThreadSummary

WORST_SHOWN = 10
THREAD_ROWS = 50
QUOTE_IN_STORY = 90


@dataclass(frozen=True)
class KpiTile:
    """A period KPI with its trend."""

    key: str
    label: str
    value: str
    note: str
    tone: str = "neutral"
    arrow: str = ""
    delta: str = ""
    verdict: str = ""
    """better, worse, same or empty: colours the arrow."""


@dataclass(frozen=True)
class TrendRow:
    """One line of the trends table."""

    label: str
    current: str
    previous: str
    delta: str
    arrow: str
    verdict: str
    better: str


@dataclass(frozen=True)
class CompanyRow:
    """One company of the per-company table."""

    company: str
    threads: int
    inbound: int
    response_rate: str
    first_median: str
    first_p90: str
    breaches: int
    unanswered_threads: int
    worsened: int


@dataclass(frozen=True)
class IncidentView:
    """One of the worst incidents."""

    rank: int
    company: str
    where: str
    score: int
    story: str
    command: str
    lessons: tuple[str, ...]


@dataclass(frozen=True)
class ThreadRow:
    """One line of the per-thread table."""

    rank: int
    score: int
    company: str
    where: str
    started: str
    posts: int
    answered: str
    first_response: str
    breaches: int
    drift: str
    worst_lesson: str


@dataclass(frozen=True)
class LessonRow:
    """How often one lesson fired."""

    id: str
    threads: int
    share: str
    high: int
    medium: int
    low: int
    example: str


@dataclass(frozen=True)
class ReviewContext:
    """Everything the review template shows."""

    title: str
    version: str
    generated: str
    period: str
    tz: str
    accent: str
    logo: str | None
    """A ``data:`` URI (the renderer fetches nothing else)."""
    summary: tuple[str, ...]
    tiles: tuple[KpiTile, ...]
    trends_against: str | None
    trends: tuple[TrendRow, ...]
    companies: tuple[CompanyRow, ...]
    show_companies: bool
    worst: tuple[IncidentView, ...]
    lessons_bad: tuple[LessonRow, ...]
    lessons_good: tuple[LessonRow, ...]
    threads: tuple[ThreadRow, ...]
    threads_total: int
    failures: tuple[tuple[str, str], ...]
    inputs: tuple[tuple[str, str], ...]
    settings: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]
    charts: dict[str, Chart] = field(default_factory=dict)


def _zone(tz: str) -> Any:
    from postmortem.ingest.common import parse_zone

    return parse_zone(tz)


def format_time(moment: datetime, zone: tzinfo) -> str:
    """``Mon 12 Oct 2026 09:00`` in the review's zone (with the year: reviews span months)."""
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M")


def _share(value: float | None) -> str:
    return "\u2014" if value is None else f"{value:.0%}"


def _signed(value: float | None) -> str:
    return "\u2014" if value is None else f"{value:+.2f}"


def _plural(n: int, word: str) -> str:
    plural = {"breach": "breaches", "company": "companies"}.get(word, word + "s")
    return f"{n} {word}" if n == 1 else f"{n} {plural}"


def story(s: ThreadSummary, tz: str) -> str:
    """One line telling what happened in a thread."""
    zone = _zone(tz)
    who = s.first_author or "someone"
    quote = ""
    if s.first_text:
        text = (
            s.first_text
            if len(s.first_text) <= QUOTE_IN_STORY
            else s.first_text[: QUOTE_IN_STORY - 1].rstrip() + "\u2026"
        )
        quote = f" \u201c{text}\u201d"
    from postmortem.review.collect import NO_COMPANY

    company = "the company" if s.company == NO_COMPANY else s.company
    if s.inbound == 0:
        reply = "no post was addressed to the company"
    elif s.first_response_s is None:
        reply = f"{company} never replied"
    else:
        reply = f"{company} first replied after {format_duration(s.first_response_s)}"
    parts = [
        f"{who} wrote on {format_time(s.period_at, zone)}:{quote}",
        reply,
        f"{s.answered}/{s.inbound} addressed posts answered, {_plural(s.breaches, 'breach')} "
        f"of the {format_duration(s.target_s)} target",
    ]
    if s.drift is not None:
        parts.append(f"crowd mood {_signed(s.crowd_start)} \u2192 {_signed(s.crowd_end)}")
    worst = next((h for h in s.lessons if h.verdict == "went_badly"), None)
    line = "; ".join(parts) + "."
    return line + (f" Worst: {worst.title}." if worst else "")


def report_command(s: ThreadSummary) -> str:
    """The command that renders this thread's own post-mortem report."""
    words = ["postmortem", "report", s.source]
    for account in s.company_accounts[:3]:
        words += ["--company", account]
    if s.multi and s.conversation_id:
        words += ["--conversation", s.conversation_id]
    stem = Path(s.source).stem or "thread"
    name = f"{stem}-{s.conversation_id}" if s.multi and s.conversation_id else stem
    words += ["-o", f"{name}-postmortem.pdf"]
    return " ".join(shlex.quote(w) for w in words)


def _where(s: ThreadSummary, base: str | None = None) -> str:
    """The thread's file (relative to ``base``, the inputs' common folder, when given) and its
    conversation in a multi-conversation file."""
    source = s.source
    if base:
        with contextlib.suppress(ValueError):
            source = os.path.relpath(source, base)
    return f"{source} #{s.conversation_id}" if s.multi and s.conversation_id else source


def _common_folder(summaries: Sequence[ThreadSummary]) -> str | None:
    """The folder all the threads' files are in (None if there is no common one)."""
    try:
        folder = os.path.commonpath([os.path.dirname(s.source) for s in summaries])
    except ValueError:  # no thread, or absolute and relative paths mixed
        return None
    return folder or None


def _value(key: str, kpis: Kpis) -> str:
    value = getattr(kpis, key)
    if value is None:
        return "\u2014"
    if key.endswith("_s"):
        return format_duration(value)
    if key in ("response_rate", "breach_rate"):
        return _share(value)
    if key.startswith("drift_mean"):
        return _signed(value)
    return str(value)


def _delta(t: Trend) -> str:
    if t.delta is None:
        return ""
    if t.key.endswith("_s"):
        sign = "+" if t.delta > 0 else "\u2212" if t.delta < 0 else "\u00b1"
        return f"{sign}{format_duration(abs(t.delta))}"
    if t.key in ("response_rate", "breach_rate"):
        return f"{t.delta * 100:+.1f} pts"
    if t.key == "drift_mean":
        return f"{t.delta:+.2f}"
    return f"{t.delta:+.0f}"


def _tile(key: str, label: str, kpis: Kpis, note: str, trends: dict[str, Trend], target_s: float) -> KpiTile:
    t = trends.get(key)
    tone = "neutral"
    if key == "first_response_median_s" and kpis.first_response_median_s is not None:
        tone = "good" if kpis.first_response_median_s <= target_s else "bad"
    if key == "response_rate" and kpis.response_rate is not None:
        tone = "good" if kpis.response_rate >= 0.9 else "bad" if kpis.response_rate < 0.7 else "neutral"
    return KpiTile(
        key=key,
        label=label,
        value=_value(key, kpis),
        note=note,
        tone=tone,
        arrow=t.arrow if t else "",
        delta=_delta(t) if t else "",
        verdict=(t.verdict or "") if t else "",
    )


def build_tiles(result: ReviewResult) -> tuple[KpiTile, ...]:
    """The KPI tiles, each with its trend arrow when there is one."""
    k = result.kpis
    trends = {t.key: t for t in result.trends.rows} if result.trends else {}
    target = result.config.target_s
    tiles = [
        _tile("threads", "Threads", k, f"{k.posts} posts, {k.inbound} addressed to the company", trends, target),
        _tile(
            "response_rate", "Response rate", k, f"{k.answered} of {k.inbound} addressed posts answered", trends, target
        ),
        _tile(
            "first_response_median_s",
            "First response, median",
            k,
            f"over {k.threads_answered} answered threads",
            trends,
            target,
        ),
        _tile(
            "first_response_p90_s", "First response, p90", k, "nine in ten threads were answered faster", trends, target
        ),
        _tile(
            "breaches",
            "Target breaches",
            k,
            f"{format_duration(target)} target; in {_plural(k.threads_with_breach, 'thread')}",
            trends,
            target,
        ),
        _tile(
            "threads_unanswered",
            "Threads never answered",
            k,
            f"of {k.threads_with_inbound} with addressed posts",
            trends,
            target,
        ),
        _tile(
            "drift_mean",
            "Mean sentiment drift",
            k,
            f"worse in {k.drift_worsened}, stable in {k.drift_stable}, better in {k.drift_improved}",
            trends,
            target,
        ),
    ]
    if result.business_label:
        tiles.append(
            _tile(
                "business_first_response_median_s",
                "First response, business hours",
                k,
                f"median; {k.business_breaches} breaches counting business hours ({result.business_label})",
                trends,
                target,
            )
        )
    return tuple(tiles)


def build_summary(result: ReviewResult) -> tuple[str, ...]:
    """A few plain sentences for the first page."""
    k = result.kpis
    if k.threads == 0:
        return ("No thread of the inputs starts in this period.",)
    companies = len(result.companies)
    sentences = [
        f"{_plural(k.threads, 'thread')} from {_plural(companies, 'company')} in {result.period.label}: "
        f"{k.inbound} posts addressed to the company, {_share(k.response_rate)} of them answered.",
    ]
    if k.first_response_median_s is not None:
        sentences.append(
            f"Half the answered threads got a first reply within {format_duration(k.first_response_median_s)}, "
            f"nine in ten within {format_duration(k.first_response_p90_s)} "
            f"(target {format_duration(result.config.target_s)}); {k.breaches} target breaches."
        )
    bad, good = result.lessons
    if bad:
        top = bad[0]
        sentences.append(f"Most frequent mistake: {top.id} in {_plural(top.threads, 'thread')} ({_share(top.share)}).")
    if good:
        sentences.append(f"Most frequent strength: {good[0].id} in {_plural(good[0].threads, 'thread')}.")
    if result.trends is not None:
        better = sum(1 for t in result.trends.rows if t.verdict == "better")
        worse = sum(1 for t in result.trends.rows if t.verdict == "worse")
        sentences.append(f"Against {result.trends.against}: {better} KPIs better, {worse} worse.")
    if result.failures:
        sentences.append(f"{_plural(len(result.failures), 'input')} could not be reviewed (listed at the end).")
    return tuple(sentences)


def _fmt(key: str, value: float | None) -> str:
    if value is None:
        return "\u2014"
    if key.endswith("_s"):
        return format_duration(value)
    if key in ("response_rate", "breach_rate"):
        return _share(value)
    if key == "drift_mean":
        return _signed(value)
    return f"{value:g}"


def build_review_charts(result: ReviewResult) -> dict[str, Chart]:
    """Weekly KPIs, first-response distribution and lesson frequency, as SVG data URIs."""
    from postmortem.charts import figure_to_svg
    from postmortem.review.charts import build_first_response_chart, build_lesson_chart, build_weekly_chart

    charts: dict[str, Chart] = {}
    target = result.config.target_s
    if result.weekly:
        charts["weekly"] = Chart(
            "weekly",
            "KPIs per week",
            "Top: threads (by the week of their first addressed post) and target breaches. Bottom: the week's "
            f"first-response median and p90 in hours; dotted line: the {format_duration(target)} target.",
            chart_uri(figure_to_svg(build_weekly_chart(result.weekly, target))),
        )
    firsts = [s.first_response_s for s in result.summaries if s.first_response_s is not None and s.inbound]
    if firsts:
        charts["first_response"] = Chart(
            "first_response",
            "First response across threads",
            "Threads by the time the company took to reply first; orange bars are slower than the target. "
            "Threads never answered are not shown.",
            chart_uri(figure_to_svg(build_first_response_chart(firsts, target))),
        )
    bad, good = result.lessons
    if bad or good:
        charts["lessons"] = Chart(
            "lessons",
            "Lesson frequency",
            "Threads in which each lesson fired: orange went badly, green went well.",
            chart_uri(figure_to_svg(build_lesson_chart(bad, good))),
        )
    return charts


def build_review_context(result: ReviewResult, *, charts: bool = True) -> ReviewContext:
    """Everything the review template needs."""
    zone = _zone(result.config.tz)
    bad, good = result.lessons
    trends = result.trends
    worst = tuple(
        IncidentView(
            rank=n,
            company=s.company,
            where=_where(s),
            score=sev.score,
            story=story(s, result.config.tz),
            command=report_command(s),
            lessons=tuple(h.id for h in s.lessons if h.verdict == "went_badly"),
        )
        for n, (s, sev) in enumerate(result.ranked[:WORST_SHOWN], start=1)
        if sev.score > 0
    )
    base = _common_folder([s for s, _ in result.ranked[:THREAD_ROWS]])
    threads = tuple(
        ThreadRow(
            rank=n,
            score=sev.score,
            company=s.company,
            where=_where(s, base),
            started=s.period_at.astimezone(zone).strftime("%d %b %Y %H:%M"),  # wraps before the time
            posts=s.posts,
            answered=f"{s.answered}/{s.inbound}",
            first_response="never" if s.first_response_s is None and s.inbound else format_duration(s.first_response_s),
            breaches=s.breaches,
            drift=_signed(s.drift),
            worst_lesson=next((h.id for h in s.lessons if h.verdict == "went_badly"), ""),
        )
        for n, (s, sev) in enumerate(result.ranked[:THREAD_ROWS], start=1)
    )
    settings = [
        ("Companies", ", ".join(result.config.company) or "from each export (named or inferred)"),
        ("Response target", format_duration(result.config.target_s)),
        ("Time zone", result.config.tz),
        ("Business hours", result.business_label or "not set"),
        ("Sentiment", result.config.sentiment),
        ("Lessons rules", str(result.config.rules) if result.config.rules else "package rulebook"),
        ("Configuration file", str(result.config.source) if result.config.source else "none"),
    ]
    inputs = [
        ("Paths given", " ".join(result.inputs.paths)),
        ("Files loaded", str(result.inputs.files_loaded)),
        ("Inputs failed", str(len(result.failures))),
        ("Threads read", str(result.inputs.threads_read)),
        ("Threads in the period", str(len(result.summaries))),
        ("Threads outside the period", str(result.inputs.threads_outside)),
        ("Run time", f"{result.elapsed_s:.1f} s"),
    ]
    return ReviewContext(
        title=result.config.title or f"Customer-service review: {result.period.label}",
        version=__version__,
        generated=format_time(result.generated_at, zone),
        period=result.period.label,
        tz=result.config.tz,
        accent=result.config.accent or DEFAULT_ACCENT,
        logo=logo_data_uri(result.config.logo) if result.config.logo else None,
        summary=build_summary(result),
        tiles=build_tiles(result),
        trends_against=None if trends is None else trends.against,
        trends=()
        if trends is None
        else tuple(
            TrendRow(
                t.label,
                _fmt(t.key, t.current),
                _fmt(t.key, t.previous),
                _delta(t),
                t.arrow,
                t.verdict or "",
                t.better or "neither",
            )
            for t in trends.rows
        ),
        companies=tuple(
            CompanyRow(
                c.company,
                c.kpis.threads,
                c.kpis.inbound,
                _share(c.kpis.response_rate),
                format_duration(c.kpis.first_response_median_s),
                format_duration(c.kpis.first_response_p90_s),
                c.kpis.breaches,
                c.kpis.threads_unanswered,
                c.kpis.drift_worsened,
            )
            for c in result.companies
        ),
        show_companies=len(result.companies) > 1,
        worst=worst,
        lessons_bad=tuple(_lesson_row(c) for c in bad),
        lessons_good=tuple(_lesson_row(c) for c in good),
        threads=threads,
        threads_total=len(result.ranked),
        failures=tuple((f.path, f.message) for f in result.failures),
        inputs=tuple(inputs),
        settings=tuple(settings),
        notes=result.notes,
        charts=build_review_charts(result) if charts else {},
    )


def _lesson_row(c: Any) -> LessonRow:
    return LessonRow(c.id, c.threads, _share(c.share), c.high, c.medium, c.low, c.example_title)


def review_context_fields() -> Sequence[str]:
    """Names the template may use (the contract test keeps template and context in sync)."""
    return [f.name for f in dataclasses.fields(ReviewContext)]


def render_review_html(
    ctx: ReviewContext, template_dir: Path | None = None, *, paper: str = "A4", for_pdf: bool = False
) -> str:
    """The review as one self-contained HTML document (the report's Jinja2 environment;
    ``for_pdf``: the variant WeasyPrint renders, with the bundled fonts and emoji spelt out)."""
    from postmortem.report.render import default_template_dir, environment

    env = environment(template_dir or default_template_dir(), for_pdf=for_pdf)
    values: dict[str, Any] = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
    return env.get_template("review.html").render(ctx=ctx, paper=paper, for_pdf=for_pdf, **values)


def _md(text: str) -> str:
    """Escape table pipes and line breaks for Markdown cells."""
    return " ".join(str(text).split()).replace("|", "\\|")


def review_markdown(result: ReviewResult) -> str:
    """A short Markdown summary: KPIs with trends, companies, worst incidents, lessons, failures."""
    ctx = build_review_context(result, charts=False)
    lines = [
        f"# {_md(ctx.title)}",
        "",
        f"Period: {ctx.period} ({ctx.tz}). Generated {ctx.generated} by postmortem {ctx.version}.",
        "",
    ]
    lines += [" ".join(ctx.summary), "", "## KPIs", "", "| KPI | value | trend | note |", "| --- | --- | --- | --- |"]
    for t in ctx.tiles:
        trend = f"{t.arrow} {t.delta}".strip() + (f" ({t.verdict})" if t.verdict else "")
        lines.append(f"| {_md(t.label)} | {_md(t.value)} | {_md(trend)} | {_md(t.note)} |")
    if ctx.trends_against:
        lines += ["", f"Trends against {_md(ctx.trends_against)}."]
    if ctx.show_companies:
        lines += [
            "",
            "## Companies",
            "",
            "| company | threads | inbound | answered | first response median | p90 | breaches |",
        ]
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for c in ctx.companies:
            lines.append(
                f"| {_md(c.company)} | {c.threads} | {c.inbound} | {c.response_rate} | {c.first_median} "
                f"| {c.first_p90} | {c.breaches} |"
            )
    if ctx.worst:
        lines += ["", "## Worst incidents", ""]
        for w in ctx.worst:
            lines.append(f"{w.rank}. **{_md(w.where)}** (severity {w.score}): {_md(w.story)}  ")
            lines.append(f"   `{w.command}`")
    if ctx.lessons_bad:
        lines += [
            "",
            "## Recurring mistakes",
            "",
            "| lesson | threads | share | high | medium | low |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {_md(r.id)} | {r.threads} | {r.share} | {r.high} | {r.medium} | {r.low} |" for r in ctx.lessons_bad
        ]
    if ctx.lessons_good:
        lines += ["", "## What went well", "", "| lesson | threads | share |", "| --- | ---: | ---: |"]
        lines += [f"| {_md(r.id)} | {r.threads} | {r.share} |" for r in ctx.lessons_good]
    if ctx.failures:
        lines += ["", "## Inputs that failed", ""]
        lines += [f"- `{_md(path)}`: {_md(message)}" for path, message in ctx.failures]
    if ctx.notes:
        lines += ["", "## Notes", ""] + [f"- {_md(n)}" for n in ctx.notes]
    return "\n".join(lines) + "\n"
