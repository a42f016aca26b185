"""``postmortem inspect``: a quick terminal summary of a thread, before rendering a report.

:func:`summarise` is pure: an :class:`~postmortem.analysis.results.Analysis` (one thread) or a
:class:`~postmortem.model.Collection` (a multi-conversation file nobody chose from yet) in, an
:class:`InspectSummary` out. Three renderers show it: :func:`render_rich` (tables on a
terminal), :func:`render_plain` (stable ``key: value`` lines for scripts and pipes, no colour)
and :func:`summary_json` (one JSON document). :func:`inspect_path` runs the command's whole
path (load, choose, analyse, summarise) for the CLI and for notebooks.

Nothing here imports pandas, rich or the analysis at module level: a collection overview
(e.g. the support CSV without ``--company``) never loads them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.model import Collection, normalise_handle

if TYPE_CHECKING:
    from rich.console import Console

    from postmortem.analysis.results import Analysis

SCHEMA = "postmortem-inspect/1"
TOP_LESSONS = 3
TOP_COMPANIES = 15


@dataclass(frozen=True)
class KeyFigure:
    """One key figure, as the report's tiles show it."""

    key: str
    """Stable identifier (``first_response``, ``median_response``, ``unanswered``, ``target_breaches``,
    ``sentiment_drift``, ``people_involved``)."""
    label: str
    value: str
    detail: str
    tone: str
    """``good``, ``bad`` or ``neutral``."""


@dataclass(frozen=True)
class LessonLine:
    """One lesson, shortened to its headline."""

    id: str
    title: str
    verdict: str
    severity: str | None


@dataclass(frozen=True)
class CompanyCount:
    """A company's share of a multi-conversation file."""

    company: str
    conversations: int
    posts: int


@dataclass(frozen=True)
class InspectSummary:
    """What ``postmortem inspect`` shows. ``kind`` is ``thread`` (analysed) or ``collection``
    (a multi-company file without a selection: ``companies`` holds the per-company counts and
    the figures and lessons are empty)."""

    kind: str
    source: str
    format: str
    platform: str
    title: str | None
    posts: int
    participants: int
    conversations: int
    start: datetime | None
    end: datetime | None
    tz: str
    company: tuple[str, ...] = ()
    company_reason: str = ""
    numbers: Mapping[str, float | int | None] | None = None
    """Raw figures for scripts: seconds, counts and sentiment scores (thread only)."""
    figures: tuple[KeyFigure, ...] = ()
    lessons: tuple[LessonLine, ...] = ()
    lessons_total: int = 0
    lessons_went_badly: int = 0
    companies: tuple[CompanyCount, ...] = ()
    companies_total: int = 0
    warnings: tuple[str, ...] = ()
    hint: str | None = None

    @property
    def duration_s(self) -> float | None:
        """Seconds from the first to the last post."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds()


# --- summarising ------------------------------------------------------------------------------


def summarise(
    source: Analysis | Collection, *, tz: str | None = None, top: int = TOP_LESSONS, top_companies: int = TOP_COMPANIES
) -> InspectSummary:
    """The summary of an analysed thread, or the per-company overview of a collection.

    ``tz`` is the display zone (default: the analysis's ``--tz``; UTC for a collection).
    """
    if isinstance(source, Collection):
        return _summarise_collection(source, tz or "UTC", top_companies)
    return _summarise_analysis(source, tz or source.options.tz, top)


def _summarise_analysis(analysis: Analysis, tz: str, top: int) -> InspectSummary:
    from postmortem.report.context import build_tiles
    from postmortem.timeline import AUTHOR, CONVERSATION

    thread, posts, r, s = analysis.thread, analysis.posts, analysis.response, analysis.sentiment
    figures = tuple(KeyFigure(_slug(t.label), t.label, t.value, t.note, t.tone) for t in build_tiles(analysis))
    numbers: dict[str, float | int | None] = {
        "inbound": r.inbound,
        "answered": r.answered,
        "unanswered": r.unanswered,
        "first_response_s": _round(r.first_response_s, 1),
        "median_response_s": _round(r.median_response_s, 1),
        "p90_response_s": _round(r.p90_response_s, 1),
        "target_s": _round(r.target_s, 1),
        "breaches": r.breaches,
        "company_posts": r.company_posts,
        "crowd_start": _round(s.crowd_start, 4),
        "crowd_end": _round(s.crowd_end, 4),
        "drift": _round(s.drift, 4),
        "company_mean": _round(s.company_mean, 4),
    }
    conversations = int(posts[CONVERSATION].nunique()) if len(posts) and posts[CONVERSATION].notna().any() else 1
    warnings = list(thread.coverage.lines()[1:])
    if not analysis.company.handles:
        warnings.append(f"company: {analysis.company.reason}")
    elif "none of these accounts posted" in analysis.company.reason:
        warnings.append(f"company: {', '.join(analysis.company.display)} never posted in this thread")
    if r.inbound == 0:
        warnings.append("no post is addressed to the company: response figures are empty")
    lessons = analysis.lessons
    return InspectSummary(
        kind="thread",
        source=thread.source.path,
        format=thread.source.format,
        platform=thread.platform,
        title=thread.title,
        posts=len(posts),
        participants=int(posts[AUTHOR].nunique()),
        conversations=max(conversations, 1) if len(posts) else 0,
        start=analysis.start if thread.posts else None,
        end=analysis.end if thread.posts else None,
        tz=tz,
        company=tuple(analysis.company.display),
        company_reason=analysis.company.reason,
        numbers=numbers,
        figures=figures,
        lessons=tuple(LessonLine(x.id, x.title, x.verdict, x.severity) for x in lessons[: max(top, 0)]),
        lessons_total=len(lessons),
        lessons_went_badly=sum(1 for x in lessons if x.verdict == "went_badly"),
        warnings=tuple(warnings),
    )


def _summarise_collection(collection: Collection, tz: str, top_companies: int) -> InspectSummary:
    from postmortem.ingest.select import summarise_collection

    counts = summarise_collection(collection)
    times = [p.created_at for t in collection.threads for p in t.posts]
    authors = {normalise_handle(p.author) for t in collection.threads for p in t.posts}
    platforms = [t.platform for t in collection.threads if t.posts]
    hint = None
    if len(counts) > 1:
        hint = (
            f"{len(collection.threads)} conversations of {len(counts)} companies: choose with --company HANDLE "
            f"and/or --conversation ID (e.g. --company {counts[0].company})"
        )
    return InspectSummary(
        kind="collection",
        source=collection.source.path,
        format=collection.source.format,
        platform=max(set(platforms), key=platforms.count) if platforms else "unknown",
        title=None,
        posts=collection.posts,
        participants=len(authors),
        conversations=len(collection.threads),
        start=min(times) if times else None,
        end=max(times) if times else None,
        tz=tz,
        companies=tuple(CompanyCount(c.company, c.conversations, c.posts) for c in counts[: max(top_companies, 0)]),
        companies_total=len(counts),
        warnings=tuple(collection.coverage.lines()[1:]),
        hint=hint,
    )


def needs_selection(collection: Collection, company: Iterable[str] = (), conversation: Iterable[str] = ()) -> bool:
    """True when ``report`` would refuse the file without ``--company``/``--conversation``:
    several conversations naming several companies and no selection given."""
    if any(c.strip() for c in company) or any(c.strip() for c in conversation):
        return False
    if len(collection.threads) <= 1:
        return False
    from postmortem.ingest.select import summarise_collection

    return len(summarise_collection(collection)) > 1


def inspect_path(
    path: str | Path,
    *,
    company: Iterable[str] = (),
    conversation: Iterable[str] = (),
    fmt: str | None = None,
    tz: str = "UTC",
    mapping: Mapping[str, str] | None = None,
    date_order: str = "auto",
    target: str | float = 3600.0,
    sentiment: str = "vader+cs",
    rules: Path | None = None,
    top: int = TOP_LESSONS,
) -> InspectSummary:
    """The command's whole path: load, choose the conversations, analyse, summarise.

    A multi-company file without a selection is not an error here: its per-company overview
    is returned (without importing pandas or analysing anything).
    """
    from postmortem.ingest import load
    from postmortem.ingest.common import parse_zone

    company, conversation = tuple(company), tuple(conversation)
    parse_zone(tz)  # a bad --tz fails before the file is read
    collection = load(path, fmt, tz=tz, mapping=mapping, date_order=date_order)
    if needs_selection(collection, company, conversation):
        return summarise(collection, tz=tz)
    from postmortem import api

    thread = api.select(collection, company, conversation)
    analysis = api.analyse(
        thread, company=company, target=target, tz=tz, sentiment=sentiment, rules=rules, summary_only=True
    )
    return summarise(analysis, top=top)


# --- rendering -------------------------------------------------------------------------------


def format_period(summary: InspectSummary) -> str:
    """``2010-08-12 14:03 CDT -> 2010-08-13 09:10 CDT (19 h 07 min)`` in the summary's zone."""
    from postmortem.units import format_duration

    if summary.start is None or summary.end is None:
        return "no posts"
    zone = _zone(summary.tz)
    first, last = summary.start.astimezone(zone), summary.end.astimezone(zone)
    return f"{_stamp(first)} -> {_stamp(last)} ({format_duration(summary.duration_s)})"


def render_plain(summary: InspectSummary) -> str:
    """Stable ``key: value`` lines (one fact a line, ASCII keys, no colour) ending in a newline.

    Keys: ``source format platform title posts participants conversations period company
    company_reason figure.<key> lesson warning companies company.<n> hint``; repeated keys
    (``lesson``, ``warning``) keep their order.
    """
    lines = [
        f"source: {summary.source}",
        f"format: {summary.format}",
        f"platform: {summary.platform}",
    ]
    if summary.title:
        lines.append(f"title: {_one_line(summary.title)}")
    lines += [
        f"posts: {summary.posts}",
        f"participants: {summary.participants}",
        f"conversations: {summary.conversations}",
        f"period: {format_period(summary)}",
    ]
    if summary.kind == "thread":
        lines.append(f"company: {', '.join(summary.company) or 'none identified'}")
        lines.append(f"company_reason: {summary.company_reason}")
        for fig in summary.figures:
            lines.append(f"figure.{fig.key}: {fig.value} ({fig.detail})")
        lines.append(
            f"lessons: {summary.lessons_total} ({summary.lessons_went_badly} went badly, "
            f"{summary.lessons_total - summary.lessons_went_badly} went well)"
        )
        for lesson in summary.lessons:
            lines.append(f"lesson: [{_lesson_tag(lesson)}] {lesson.id}: {_one_line(lesson.title)}")
    else:
        lines.append(f"companies: {summary.companies_total}")
        for n, c in enumerate(summary.companies, 1):
            lines.append(f"company.{n}: {c.company} {c.conversations} conversations, {c.posts} posts")
        if summary.companies_total > len(summary.companies):
            lines.append(f"companies_more: {summary.companies_total - len(summary.companies)}")
    for warning in summary.warnings:
        lines.append(f"warning: {_one_line(warning)}")
    if summary.hint:
        lines.append(f"hint: {summary.hint}")
    return "\n".join(lines) + "\n"


def summary_json(summary: InspectSummary) -> str:
    """The summary as one JSON document (times ISO 8601 UTC, durations in seconds)."""
    data: dict[str, Any] = {"schema": SCHEMA, **asdict(summary)}
    data["numbers"] = dict(summary.numbers) if summary.numbers is not None else None
    for key in ("start", "end"):
        value = data[key]
        data[key] = None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    data["duration_s"] = summary.duration_s
    data["period"] = format_period(summary)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


_TONE_STYLE = {"good": "green", "bad": "bold red", "neutral": ""}


def render_rich(summary: InspectSummary, console: Console) -> None:
    """Print the summary as rich panels and tables (colour only where the console has it)."""
    from rich import box
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Format", f"{summary.format} ({summary.platform})")
    if summary.title:
        head.add_row("Title", Text(_one_line(summary.title)))
    head.add_row("Posts", f"{summary.posts} from {summary.participants} participants")
    head.add_row("Conversations", str(summary.conversations))
    head.add_row("Period", f"{format_period(summary)}")
    if summary.kind == "thread":
        who = ", ".join(summary.company) or "none identified"
        head.add_row("Company", Text(f"{who} ({summary.company_reason})"))
    console.print(Panel(head, title=Text(summary.source), title_align="left", box=box.ROUNDED))

    if summary.kind == "thread":
        figures = Table(title="Key figures", box=box.SIMPLE_HEAD, title_justify="left")
        figures.add_column("Figure", style="bold")
        figures.add_column("Value", justify="right")
        figures.add_column("Detail", style="dim")
        for fig in summary.figures:
            figures.add_row(fig.label, Text(fig.value, style=_TONE_STYLE.get(fig.tone, "")), fig.detail)
        console.print(figures)
        shown = f"top {len(summary.lessons)} of {summary.lessons_total}" if summary.lessons else "none"
        lessons = Table(title=f"Lessons ({shown})", box=box.SIMPLE_HEAD, title_justify="left")
        lessons.add_column("", no_wrap=True)
        lessons.add_column("Lesson")
        lessons.add_column("id", style="dim")
        for lesson in summary.lessons:
            style = "red" if lesson.verdict == "went_badly" else "green"
            lessons.add_row(Text(_lesson_tag(lesson), style=style), Text(_one_line(lesson.title)), lesson.id)
        if summary.lessons:
            console.print(lessons)
    else:
        companies = Table(title="Companies in this file", box=box.SIMPLE_HEAD, title_justify="left")
        companies.add_column("Company", style="bold")
        companies.add_column("Conversations", justify="right")
        companies.add_column("Posts", justify="right")
        for c in summary.companies:
            companies.add_row(Text(c.company), str(c.conversations), str(c.posts))
        if summary.companies_total > len(summary.companies):
            companies.add_row(f"... {summary.companies_total - len(summary.companies)} more", "", "")
        console.print(companies)
    if summary.warnings:
        body = Text("\n".join(f"- {w}" for w in summary.warnings))
        console.print(Panel(body, title="Coverage warnings", title_align="left", border_style="yellow"))
    if summary.hint:
        console.print(Text(summary.hint, style="bold"))


# --- helpers ----------------------------------------------------------------------------------


def _slug(label: str) -> str:
    return "_".join("".join(ch if ch.isalnum() else " " for ch in label.lower()).split())


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _lesson_tag(lesson: LessonLine) -> str:
    verdict = "went badly" if lesson.verdict == "went_badly" else "went well"
    return f"{verdict}, {lesson.severity}" if lesson.severity else verdict


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _zone(tz: str) -> tzinfo:
    from postmortem.ingest.common import parse_zone

    return parse_zone(tz)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M ") + (moment.tzname() or "")
