"""The report context: every value the templates show, computed once, typed and tested.

``build_context(analysis, meta)`` turns an :class:`~postmortem.analysis.Analysis` into a
:class:`ReportContext`; the PDF, HTML and Markdown twins all render from it.
"""

from __future__ import annotations

import base64
import secrets
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

import pandas as pd

from postmortem import __version__
from postmortem.analysis.results import Analysis, Lesson, SentimentEvent
from postmortem.analysis.sentiment import classify
from postmortem.perf import fork_usable
from postmortem.timeline import (
    ADDRESSED,
    AUTHOR,
    AUTHOR_HANDLE,
    AUTHOR_NAME,
    CREATED_AT,
    DEPTH,
    ID,
    IS_COMPANY,
    PARENT_ID,
    RESPONSE_S,
    ROLE,
    ROLE_COMPANY,
    ROLE_COMPLAINANT,
    SENTIMENT,
    TEXT,
    children_map,
)
from postmortem.units import format_duration

DEFAULT_ACCENT = "#0b4f8a"
QUOTE_CHARS = 280
TREE_ROWS = 120
"""A thread of up to this many posts is shown whole in "The conversation" (a typical incident)."""
TREE_SAMPLE_ROWS = 60
"""A longer thread shows this many rows of its most active branches (three pages): a sample to
read, not a record; the CSV export holds every post."""
TABLE_ROWS = 12
CONVERSATION_ROWS = 40


@dataclass(frozen=True)
class ReportMeta:
    """What the report needs besides the analysis: display choices and provenance."""

    tz: str = "UTC"
    title: str | None = None
    generated_at: datetime | None = None
    """Fixed in tests (golden files); now when None."""
    accent: str = DEFAULT_ACCENT
    """Brand colour as #rrggbb."""
    logo_uri: str | None = None
    """A ``data:`` URI of the brand logo."""
    company_name: str | None = None
    """Display name for the company (default: its handles)."""


@dataclass(frozen=True)
class Tile:
    """A key figure on the summary page."""

    label: str
    value: str
    note: str
    tone: str = "neutral"
    """good, bad or neutral: colours the tile."""


@dataclass(frozen=True)
class PostView:
    """A post as shown in tables and quotes."""

    id: str
    time: str
    author: str
    author_name: str
    role: str
    text: str
    sentiment: float
    mood: str
    depth: int = 0
    response: str | None = None


@dataclass(frozen=True)
class Moment:
    """A key moment in the timeline."""

    label: str
    post: PostView


@dataclass(frozen=True)
class PhaseView:
    """A phase of the incident."""

    name: str
    start: str
    end: str
    duration: str
    posts: int
    description: str


@dataclass(frozen=True)
class EventView:
    """The crowd's mood before and after one company reply."""

    reply: PostView
    before: str
    before_n: int
    after: str
    after_n: int
    change: str
    change_value: float


@dataclass(frozen=True)
class LessonView:
    """A lesson with its evidence quoted."""

    id: str
    title: str
    verdict: str
    severity: str | None
    why: str
    recommendation: str
    quotes: tuple[PostView, ...]


@dataclass(frozen=True)
class ActionView:
    """An action item for the team."""

    title: str
    owner: str
    due: str
    lessons: tuple[str, ...]


@dataclass(frozen=True)
class AuditView:
    """One company post as the reply audit judged it."""

    post: PostView
    verdict: str
    strategy: str
    strategy_reason: str
    good: tuple[tuple[str, str], ...]
    """(flag label, matched words) for practices followed."""
    bad: tuple[tuple[str, str], ...]
    """(flag label, matched words) for practices broken."""
    suggestion: str | None
    addressed_to: str | None


FLAG_LABELS = {
    "apology": "apology",
    "empathy": "empathy",
    "explanation": "explanation",
    "solution": "solution or offer",
    "next_steps": "next step / time frame",
    "offline": "took it offline",
    "personal_touch": "personal touch",
    "follow_up_promise": "promised follow-up",
    "sarcasm": "sarcasm / condescension",
    "arguing": "arguing / blaming",
    "made_light": "made light of criticism",
    "no_problem": "\u201cno problem\u201d",
    "customer_burden": "pushed work onto the customer",
}
BAD_FLAGS = frozenset({"sarcasm", "arguing", "made_light", "no_problem", "customer_burden"})
AUDIT_ROWS = 30
"""Company posts audited one by one in the report (five pages), the ones that went badly first;
the JSON export holds every reply's audit."""
CANNED_NOTE_GROUPS = 8
"""Canned texts listed (largest first) in the reply audit's note about them."""


@dataclass(frozen=True)
class Chart:
    """An SVG chart ready to embed (``data:`` URI), with its caption."""

    id: str
    title: str
    caption: str
    data_uri: str


@dataclass(frozen=True)
class ReportContext:
    """Everything the templates show."""

    title: str
    company: str
    company_reason: str
    platform: str
    period: str
    duration: str
    tz: str
    generated: str
    source_path: str
    source_format: str
    sha256: str
    version: str
    summary: tuple[str, ...]
    tiles: tuple[Tile, ...]
    impact: tuple[tuple[str, str], ...]
    charts: Mapping[str, Chart]
    moments: tuple[Moment, ...]
    phases: tuple[PhaseView, ...]
    response_rows: tuple[tuple[str, str, str | None], ...]
    business_hours: str | None
    complainants: tuple[tuple[str, str, str, str], ...]
    events: tuple[EventView, ...]
    movers: tuple[EventView, ...]
    conversations: tuple[tuple[str, str, int, str, str, str], ...]
    conversations_total: int
    slowest: tuple[PostView, ...]
    unanswered: tuple[PostView, ...]
    unanswered_total: int
    conversation: tuple[PostView, ...]
    conversation_omitted: int
    lessons_bad: tuple[LessonView, ...]
    lessons_good: tuple[LessonView, ...]
    coverage: tuple[str, ...]
    partial: bool
    settings: tuple[tuple[str, str], ...]
    sentiment_method: str
    response_target: str
    sentiment_accuracy: tuple[tuple[str, str, str, str, str, str], ...] = ()
    """(mode, accuracy, macro-F1, recall negative, recall neutral, r) measured on labelled data."""
    audit: tuple[AuditView, ...] = ()
    audit_total: int = 0
    audit_notes: tuple[str, ...] = ()
    accent: str = DEFAULT_ACCENT
    logo_uri: str | None = None
    actions: tuple[ActionView, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _zone(tz: str) -> tzinfo:
    from postmortem.ingest.common import parse_zone

    return parse_zone(tz)


def format_time(value: datetime | pd.Timestamp, zone: tzinfo, *, year: bool = False) -> str:
    """``Mon 12 Apr 14:03`` (tables) or ``Mon 12 Apr 2010 14:03`` (``year``) in the report's zone."""
    moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    local = moment.astimezone(zone)
    return local.strftime("%a %d %b %Y %H:%M" if year else "%a %d %b %H:%M")


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _post_view(row: pd.Series, zone: tzinfo, limit: int = QUOTE_CHARS) -> PostView:
    response = row.get(RESPONSE_S)
    return PostView(
        id=str(row[ID]),
        time=format_time(row[CREATED_AT], zone),
        author="@" + str(row[AUTHOR_HANDLE]),
        author_name=str(row[AUTHOR_NAME] or ""),
        role=str(row[ROLE]),
        text=_shorten(str(row[TEXT]), limit),
        sentiment=round(float(row[SENTIMENT]), 2),
        mood=classify(float(row[SENTIMENT])),
        depth=int(row[DEPTH]),
        response=None if response is None or pd.isna(response) else format_duration(float(response)),
    )


def _signed(value: float | None) -> str:
    return "\u2014" if value is None else f"{value:+.2f}"


def build_tiles(analysis: Analysis) -> tuple[Tile, ...]:
    """The key figures: first response, median response, unanswered, breaches, drift, people."""
    r, s = analysis.response, analysis.sentiment
    target = format_duration(r.target_s)
    first_tone = (
        "neutral"
        if r.first_response_s is None and r.inbound == 0
        else ("good" if r.first_response_s is not None and r.first_response_s <= r.target_s else "bad")
    )
    participants = int(analysis.posts[AUTHOR].nunique())
    return (
        Tile(
            "First response",
            format_duration(r.first_response_s) if r.first_response_s is not None else "never",
            f"target {target}",
            first_tone,
        ),
        Tile(
            "Median response",
            format_duration(r.median_response_s),
            f"over {r.answered} answered posts",
            "good"
            if r.median_response_s is not None and r.median_response_s <= r.target_s
            else "neutral"
            if r.median_response_s is None
            else "bad",
        ),
        Tile(
            "Unanswered",
            f"{r.unanswered} of {r.inbound}",
            "posts addressed to the company",
            "good" if r.unanswered == 0 and r.inbound else "bad" if r.unanswered else "neutral",
        ),
        Tile(
            "Target breaches",
            str(r.breaches),
            f"{r.answered_late} answered late, {r.unanswered_overdue} still open",
            "bad" if r.breaches else "good",
        ),
        Tile(
            "Sentiment drift",
            _signed(s.drift),
            f"crowd mood {_signed(s.crowd_start)} \u2192 {_signed(s.crowd_end)}",
            "neutral" if s.drift is None or abs(s.drift) < 0.05 else "good" if s.drift > 0 else "bad",
        ),
        Tile("People involved", str(participants), f"{len(analysis.posts)} posts", "neutral"),
    )


def build_summary(analysis: Analysis, zone: tzinfo, company: str) -> tuple[str, ...]:
    """Three to five sentences written from the measured facts."""
    posts, r, s = analysis.posts, analysis.response, analysis.sentiment
    people = int(posts[AUTHOR].nunique())
    span = format_duration((analysis.end - analysis.start).total_seconds())
    sentences = []
    first = posts.loc[posts[ADDRESSED]].head(1)
    if len(first):
        row = first.iloc[0]
        sentences.append(
            f"On {format_time(row[CREATED_AT], zone, year=True)}, @{row[AUTHOR_HANDLE]} "
            "posted a complaint addressed to "
            f"{company}; over {span}, {len(posts)} posts from {people} people followed."
        )
    else:
        sentences.append(f"The thread holds {len(posts)} posts from {people} people over {span}.")
    if r.inbound and r.first_response_s is None:
        sentences.append(
            f"{company} never replied in the thread: all {r.inbound} posts addressed to it went unanswered."
        )
    elif r.inbound:
        verdict = "within" if r.first_response_s is not None and r.first_response_s <= r.target_s else "outside"
        sentences.append(
            f"{company} first replied after {format_duration(r.first_response_s)}, {verdict} the "
            f"{format_duration(r.target_s)} target, and answered {r.answered} of the {r.inbound} posts addressed to it "
            f"(median delay {format_duration(r.median_response_s)})."
        )
    if s.drift is not None and s.crowd_min_at is not None:
        direction = "fell" if s.drift < -0.05 else "rose" if s.drift > 0.05 else "held roughly level"
        sentences.append(
            f"The crowd's mood {direction} from {_signed(s.crowd_start)} to {_signed(s.crowd_end)} "
            f"(drift {_signed(s.drift)}), at its lowest ({_signed(s.crowd_min)}) "
            f"on {format_time(s.crowd_min_at, zone)}."
        )
    bad = [lesson for lesson in analysis.lessons if lesson.verdict == "went_badly"]
    if bad:
        sentences.append(f"The lesson that matters most: {bad[0].title[0].lower()}{bad[0].title[1:]}.")
    return tuple(sentences)


class RowsById:
    """The rows of the posts frame by post id, looked up when asked (a thread may hold a
    million posts; a report quotes a few hundred)."""

    def __init__(self, posts: pd.DataFrame) -> None:
        self._posts = posts
        self._position = {post_id: n for n, post_id in enumerate(posts[ID].astype(str))}
        self._created = posts[CREATED_AT].to_numpy(dtype="datetime64[ns]")

    def __contains__(self, post_id: object) -> bool:
        return post_id in self._position

    def __getitem__(self, post_id: str) -> pd.Series:
        return self._posts.iloc[self._position[post_id]]

    def created_at(self, post_id: str) -> Any:
        """The post's time, comparable with other posts' (no row is built)."""
        return self._created[self._position[post_id]]


def _lesson_view(lesson: Lesson, by_id: RowsById, zone: tzinfo) -> LessonView:
    quotes = tuple(_post_view(by_id[i], zone, 220) for i in lesson.evidence if i in by_id)[:4]
    return LessonView(
        lesson.id, lesson.title, lesson.verdict, lesson.severity, lesson.why, lesson.recommendation, quotes
    )


def _moments(analysis: Analysis, by_id: RowsById, zone: tzinfo) -> tuple[Moment, ...]:
    """The timeline's key moments, one row per (moment, post)."""
    return tuple(
        Moment(m.label, _post_view(by_id[m.post_id], zone)) for m in analysis.timeline.moments if m.post_id in by_id
    )


def _phases(analysis: Analysis, zone: tzinfo) -> tuple[PhaseView, ...]:
    return tuple(
        PhaseView(
            name=p.name.capitalize(),
            start=format_time(p.start, zone),
            end=format_time(p.end, zone),
            duration=format_duration((p.end - p.start).total_seconds()),
            posts=p.posts,
            description=p.description,
        )
        for p in analysis.timeline.phases
    )


def _response_rows(analysis: Analysis) -> tuple[tuple[str, str, str | None], ...]:
    """(measure, calendar value, business-hours value or None) for the response table."""
    r = analysis.response
    business = r.business_hours is not None
    rows = [
        (
            "First response",
            format_duration(r.first_response_s) if r.first_response_s is not None else "never",
            format_duration(r.business_first_response_s) if business and r.first_response_s is not None else None,
        ),
        (
            "Median response",
            format_duration(r.median_response_s),
            format_duration(r.business_median_response_s) if business else None,
        ),
        (
            "90th percentile",
            format_duration(r.p90_response_s),
            format_duration(r.business_p90_response_s) if business else None,
        ),
        (
            "Slowest answered",
            format_duration(r.max_response_s),
            format_duration(r.business_max_response_s) if business else None,
        ),
        (
            f"Target breaches ({format_duration(r.target_s)})",
            str(r.breaches),
            str(r.business_breaches) if business else None,
        ),
        ("Company replies", str(r.exchanges), None),
        ("Longest silence while open", format_duration(r.longest_silence_s), None),
        (f"Resolution ({r.resolution_basis})", format_duration(r.resolution_s), None),
    ]
    return tuple(rows)


def _complainants(analysis: Analysis, zone: tzinfo) -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    for c in analysis.response.per_complainant[:TABLE_ROWS]:
        delay = "no reply" if c.response_s is None else format_duration(c.response_s)
        if c.business_s is not None:
            delay += f" ({format_duration(c.business_s)} in business hours)"
        rows.append(("@" + c.author, format_time(c.first_post_at, zone), delay, c.first_reply_id or "—"))
    return tuple(rows)


def _event_view(e: SentimentEvent, by_id: RowsById, zone: tzinfo) -> EventView:
    return EventView(
        reply=_post_view(by_id[e.reply_id], zone, 140),
        before=_signed(e.before_mean),
        before_n=e.before_n,
        after=_signed(e.after_mean),
        after_n=e.after_n,
        change=_signed(e.change),
        change_value=e.change if e.change is not None else 0.0,
    )


def _events(analysis: Analysis, by_id: RowsById, zone: tzinfo) -> tuple[tuple[EventView, ...], tuple[EventView, ...]]:
    """(the first ``TABLE_ROWS`` events in time order, the four that moved the mood most).

    A long thread has hundreds of company replies; only these are shown, so only these get a
    view (each looks its post up in the posts frame).
    """
    found = [e for e in analysis.sentiment.events if e.reply_id in by_id]
    movers = sorted((e for e in found if e.change is not None), key=lambda e: -abs(e.change or 0.0))[:4]
    views: dict[int, EventView] = {}

    def view(e: SentimentEvent) -> EventView:
        if id(e) not in views:
            views[id(e)] = _event_view(e, by_id, zone)
        return views[id(e)]

    return tuple(view(e) for e in found[:TABLE_ROWS]), tuple(view(e) for e in movers)


def conversation_rows(posts: pd.DataFrame, limit: int = TREE_ROWS, sample: int | None = None) -> tuple[list[str], int]:
    """Post ids in reply-tree order (each branch under its parent, by time): every post when
    there are at most ``limit``, else ``sample`` rows (default ``limit``).

    A sample keeps branches in order of how many company posts and how many posts they hold,
    the last one cut to fit; the rest are counted as omitted.
    """
    children = children_map(posts)
    roots = posts.loc[posts[PARENT_ID].isna(), ID].tolist()

    def walk(node: str) -> list[str]:
        order, stack = [], [node]
        while stack:
            current = stack.pop()
            order.append(current)
            stack.extend(reversed(children.get(current, [])))
        return order

    branches = [walk(root) for root in roots]
    if sum(len(b) for b in branches) <= limit:
        return [i for b in branches for i in b], 0
    limit = limit if sample is None else sample
    company = set(posts.loc[posts[IS_COMPANY], ID])
    ranked = sorted(range(len(branches)), key=lambda n: (-sum(i in company for i in branches[n]), -len(branches[n])))
    keep: dict[int, int] = {}  # branch -> rows it gets, most active branches first
    used = 0
    for n in ranked:
        size = min(len(branches[n]), limit - used)
        if size <= 0:
            break
        keep[n] = size
        used += size
    rows: list[str] = []
    for n, branch in enumerate(branches):  # shown in time order, each cut to the rows it got
        if n in keep:
            rows.extend(branch[: keep[n]])
    return rows, len(posts) - len(rows)


def _amplification_rows(analysis: Analysis, zone: tzinfo) -> list[tuple[str, str]]:
    amp = analysis.amplification
    if amp is None:
        return []
    rows = []
    if amp.others_share is not None and amp.original_complainant:
        rows.append(("Posts by people other than the first complainant", f"{amp.others_share:.0%}"))
    if amp.time_to_peak_s is not None and analysis.timeline.peak_start is not None:
        rows.append(
            (
                "Busiest window",
                f"{analysis.timeline.peak_posts} posts from {format_time(analysis.timeline.peak_start, zone)}, "
                f"{format_duration(amp.time_to_peak_s)} after the first post",
            )
        )
    if amp.spikes:
        rows.append(("Spikes (3× the usual volume)", ", ".join(format_time(t, zone) for t in amp.spikes[:5])))
    return rows


def _audit(analysis: Analysis, by_id: RowsById, zone: tzinfo) -> tuple[AuditView, ...]:
    """Company posts with their audit, the ones that went badly first, then in time order; one
    post of each canned text (the audit notes above them count the copies)."""
    audit = analysis.audit
    if audit is None:
        return ()
    order = {"went_badly": 0, "neutral": 1, "went_well": 2}
    replies = sorted(
        (r for r in audit.replies if r.post_id in by_id),
        key=lambda r: (order.get(r.verdict, 1), by_id.created_at(r.post_id)),
    )
    group_of = {post_id: n for n, group in enumerate(audit.canned_groups) for post_id in group}
    shown_groups: set[int] = set()
    chosen = []
    for r in replies:
        group = group_of.get(r.post_id)
        if group is not None:
            if group in shown_groups:
                continue
            shown_groups.add(group)
        chosen.append(r)
        if len(chosen) == AUDIT_ROWS:
            break
    views = []
    for r in chosen:
        good = tuple((FLAG_LABELS.get(f.name, f.name), f.evidence) for f in r.flags if f.name not in BAD_FLAGS)
        bad = tuple((FLAG_LABELS.get(f.name, f.name), f.evidence) for f in r.flags if f.name in BAD_FLAGS)
        views.append(
            AuditView(
                post=_post_view(by_id[r.post_id], zone, 400),
                verdict=r.verdict.replace("_", " "),
                strategy=r.strategy,
                strategy_reason=r.strategy_reason,
                good=good,
                bad=bad,
                suggestion=r.suggestion,
                addressed_to=r.addressed_to,
            )
        )
    return tuple(views)


def _audit_notes(analysis: Analysis) -> tuple[str, ...]:
    audit = analysis.audit
    if audit is None:
        return ()
    notes = []
    groups = audit.canned_groups  # largest first
    if groups:
        listed = []
        for group in groups[:CANNED_NOTE_GROUPS]:
            ids = ", ".join(group[:4]) + (", \u2026" if len(group) > 4 else "")
            listed.append(f"{len(group)} \u00d7 (posts {ids})")
        more = f"; and {len(groups) - CANNED_NOTE_GROUPS} more" if len(groups) > CANNED_NOTE_GROUPS else ""
        notes.append(
            f"Canned replies: {len(groups)} {'text' if len(groups) == 1 else 'texts'} went word for word "
            "(or nearly) to several people, "
            f"{sum(len(g) for g in groups):,} posts in all; the cards below show each such text at most once. "
            f"{'; '.join(listed)}{more}."
        )
    if audit.broken_promises:
        notes.append(f"Promised follow-up never came: posts {', '.join(audit.broken_promises[:8])}.")
    if audit.kept_promises:
        notes.append(f"Promised follow-up was kept: posts {', '.join(audit.kept_promises[:8])}.")
    if audit.promotions_during_crisis:
        notes.append(
            "Promotional posts while complaints were unanswered: posts "
            f"{', '.join(audit.promotions_during_crisis[:8])}."
        )
    return tuple(notes)


def sentiment_accuracy() -> tuple[tuple[str, str, str, str, str, str], ...]:
    """The measured accuracy of both sentiment modes (postmortem/data/sentiment_accuracy.json).

    The file is written by ``scripts/evaluate_sentiment.py --write``; a test recomputes it.
    """
    import json
    from importlib import resources

    try:
        data = json.loads(resources.files("postmortem").joinpath("data/sentiment_accuracy.json").read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return ()
    rows = []
    for mode, m in data.get("modes", {}).items():
        rows.append(
            (
                mode,
                f"{m['accuracy']:.2f}",
                f"{m['macro_f1']:.2f}",
                f"{m['recall']['negative']:.2f}",
                f"{m['recall']['neutral']:.2f}",
                f"{m['pearson_r_ground_truth']:.3f}",
            )
        )
    return tuple(rows)


def chart_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI (the renderer fetches nothing else)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def draw_chart_svgs(analysis: Analysis, tz: str) -> dict[str, str]:
    """The three report charts as SVG text, by chart id."""
    from postmortem import charts
    from postmortem.analysis.phases import compute_phases

    # ChartsInAdvance draws them from an analysis without lessons, audit or timeline yet: the
    # timeline's phases are these.
    all_phases = (
        analysis.timeline.phases
        if analysis.audit is not None
        else compute_phases(analysis.posts, analysis.windows, analysis.window_s)
    )
    phases = [
        (pd.Timestamp(p.start).tz_convert(tz), pd.Timestamp(p.end).tz_convert(tz), p.name)
        for p in all_phases
        if p.name != "peak"
    ]
    volume = charts.build_volume_chart(charts.volume_data(analysis, tz), tz, phases)
    sentiment = charts.build_sentiment_chart(analysis, tz)
    delays = charts.build_delay_chart(charts.delay_data(analysis), analysis.response.target_s)
    return {
        "volume": charts.figure_to_svg(volume),
        "sentiment": charts.figure_to_svg(sentiment),
        "delays": charts.figure_to_svg(delays),
    }


def chart_views(analysis: Analysis, tz: str, source: Callable[[str], str]) -> dict[str, Chart]:
    """The charts with their titles and captions; ``source(chart_id)`` gives each one's image URI."""
    window = format_duration(analysis.window_s)
    return {
        "volume": Chart(
            "volume",
            "Posts over time",
            f"Posts per {window} window, stacked by role; triangles mark company replies; "
            f"the line is the mean sentiment of non-company posts in each window; shaded bands are the phases. "
            f"Times in {tz}.",
            source("volume"),
        ),
        "sentiment": Chart(
            "sentiment",
            "Sentiment over time",
            f"Rolling mean sentiment of non-company posts over a trailing {window} window "
            f"(VADER compound, \u22121 to +1; shaded band is negative); triangles are company posts at their own tone.",
            source("sentiment"),
        ),
        "delays": Chart(
            "delays",
            "Response delays",
            f"Delay from each answered post to the company's first reply in its thread; bars past the dashed line "
            f"breach the {format_duration(analysis.response.target_s)} target.",
            source("delays"),
        ),
    }


def build_charts(analysis: Analysis, tz: str) -> dict[str, Chart]:
    """Render the charts to SVG data URIs (in this process)."""
    return charts_from_svgs(analysis, tz, draw_chart_svgs(analysis, tz))


def charts_from_svgs(analysis: Analysis, tz: str, svgs: Mapping[str, str]) -> dict[str, Chart]:
    """The chart views for SVGs drawn by :func:`draw_chart_svgs` (here or in a child process)."""
    return chart_views(analysis, tz, lambda chart_id: chart_uri(svgs[chart_id]))


#: How long to wait for the chart process before drawing the charts here instead.
CHART_WORKER_TIMEOUT_S = 120.0


def _chart_child(connection: Any, analysis: Analysis, tz: str) -> None:
    """In the forked process: draw the charts, send them back (or the error's text)."""
    import gc

    gc.freeze()  # the inherited objects are alive: collecting over them would copy every page
    try:
        payload: tuple[str, Any] = ("ok", draw_chart_svgs(analysis, tz))
    except BaseException as error:  # reported to the parent, which then draws them itself
        payload = ("error", f"{type(error).__name__}: {error}")
    connection.send(payload)
    connection.close()


#: URL scheme of a chart still being drawn, in the HTML that WeasyPrint renders (see LazyCharts.for_pdf).
CHART_URL_SCHEME = "postmortem-chart"
_PENDING_CHARTS: weakref.WeakValueDictionary[str, LazyCharts] = weakref.WeakValueDictionary()


class LazyCharts(Mapping[str, Chart]):
    """The report's charts, drawn while the caller goes on; the first lookup waits for them.

    Drawing three matplotlib charts costs ~0.5 s of CPU (importing matplotlib, laying the
    figures out, writing SVG), all of it independent of the rest of the rendering. Where
    :func:`~postmortem.perf.fork_usable`, a forked child process draws them meanwhile. The HTML report
    looks them up (and waits) when its template is rendered; the PDF's HTML refers to them by
    URL instead (:meth:`for_pdf`), so WeasyPrint parses and styles the document before it asks
    for the pictures. Anywhere else, or if the child fails or times out, they are drawn here on
    first use; the result is the same either way.
    """

    def __init__(self, analysis: Analysis, tz: str, *, background: bool | None = None) -> None:
        self._analysis: Analysis | None = analysis
        self.tz = tz
        """The zone the charts' time axes are drawn in."""
        self._svgs: dict[str, str] | None = None
        self._charts: dict[str, Chart] | None = None
        self._process: Any = None
        self._connection: Any = None
        if background if background is not None else fork_usable():
            self._start()

    def _start(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        try:
            process = context.Process(target=_chart_child, args=(sender, self._analysis, self.tz), daemon=True)
            process.start()
        except (OSError, AssertionError, ValueError):  # no fork here (limits, daemonic parent): draw them here
            receiver.close()
            return
        finally:
            sender.close()
        self._process, self._connection = process, receiver
        self._cleanup = weakref.finalize(self, _stop_chart_child, process, receiver)  # if never looked at

    def _from_child(self) -> dict[str, str] | None:
        process, connection = self._process, self._connection
        if process is None:
            return None
        self._process = self._connection = None
        try:
            if not connection.poll(CHART_WORKER_TIMEOUT_S):
                return None
            status, value = connection.recv()
        except (EOFError, OSError):  # the child died before answering
            return None
        finally:
            self._cleanup()
        return value if status == "ok" else None

    def svgs(self) -> dict[str, str]:
        """The charts' SVG text by id (waits for the child process, or draws them here)."""
        if self._svgs is None:
            assert self._analysis is not None
            self._svgs = self._from_child() or draw_chart_svgs(self._analysis, self.tz)
        return self._svgs

    def _resolve(self) -> dict[str, Chart]:
        if self._charts is None:
            assert self._analysis is not None
            self._charts = charts_from_svgs(self._analysis, self.tz, self.svgs())
            self._analysis = None
        return self._charts

    def for_pdf(self) -> dict[str, Chart]:
        """The charts for the HTML WeasyPrint renders: while the child process is still drawing,
        each image is ``postmortem-chart:TOKEN/ID``, served by :func:`pending_chart_svg` (the
        renderer's URL fetcher waits there); the token is random and lives as long as this object."""
        if self._process is None or self._analysis is None:
            return dict(self)
        token = secrets.token_urlsafe(16)
        _PENDING_CHARTS[token] = self
        return chart_views(self._analysis, self.tz, lambda chart_id: f"{CHART_URL_SCHEME}:{token}/{chart_id}")

    def __getitem__(self, key: str) -> Chart:
        return self._resolve()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolve())

    def __len__(self) -> int:
        return len(self._resolve())

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self._resolve(),))  # pickled or deep-copied as the plain dict it stands for


def pending_chart_svg(url: str) -> str | None:
    """The SVG of a chart referred to by :meth:`LazyCharts.for_pdf` (None for any other URL,
    or once those charts are gone)."""
    scheme, _, rest = url.partition(":")
    token, _, chart_id = rest.partition("/")
    charts = _PENDING_CHARTS.get(token) if scheme == CHART_URL_SCHEME else None
    return None if charts is None else charts.svgs().get(chart_id)


def _stop_chart_child(process: Any, connection: Any) -> None:
    connection.close()
    if process.is_alive():
        process.terminate()
    process.join(5)


def derive_title(analysis: Analysis, company: str, zone: tzinfo) -> str:
    """The export's own title when a person wrote one (generic files), else company, platform and date."""
    thread = analysis.thread
    if thread.title and thread.source.format.startswith("generic"):
        return thread.title
    day = analysis.start.astimezone(zone).strftime("%d %B %Y").lstrip("0")
    return f"{company} on {thread.platform.capitalize()}, {day}"


class ChartsInAdvance:
    """The report's charts, started from an analysis as soon as it is measured (``analyse(...,
    measured=this)``: before the reply audit and lessons, about a third of a report's analysis)
    and handed to :func:`build_context` (``charts=this.charts``). The charts read only what is
    measured by then (the timeline's phases are computed from the same posts and windows)."""

    def __init__(self) -> None:
        self.charts: LazyCharts | None = None

    def __call__(self, measured: Analysis) -> None:
        if self.charts is None and not measured.summary_only and fork_usable():
            self.charts = LazyCharts(measured, measured.options.tz, background=True)


def build_context(
    analysis: Analysis,
    meta: ReportMeta | None = None,
    *,
    with_charts: bool = True,
    charts: LazyCharts | None = None,
) -> ReportContext:
    """Everything the templates need, computed from one analysis (``charts``: drawn from it in
    advance, see :class:`ChartsInAdvance`; used if drawn in the report's zone)."""
    meta = meta or ReportMeta()
    if not with_charts:
        views: Mapping[str, Chart] = {}
    elif charts is not None and charts.tz == meta.tz:
        views = charts
    else:
        views = LazyCharts(analysis, meta.tz)  # first: drawn meanwhile
    zone = _zone(meta.tz)
    posts = analysis.posts
    thread = analysis.thread
    by_id = RowsById(posts)
    company = meta.company_name or ", ".join("@" + h for h in analysis.company.display) or "the company"
    r = analysis.response
    answered = posts.loc[posts[RESPONSE_S].notna()].sort_values(RESPONSE_S, ascending=False)
    open_posts = posts.loc[posts[ADDRESSED] & posts[RESPONSE_S].isna()]
    open_sorted = open_posts.assign(_c=open_posts[ROLE] != ROLE_COMPLAINANT).sort_values(["_c", CREATED_AT])
    tree_ids, omitted = conversation_rows(posts, sample=TREE_SAMPLE_ROWS)
    generated = meta.generated_at or datetime.now(UTC)
    title = meta.title or derive_title(analysis, company, zone)
    engagement = []
    likes = posts["likes"].dropna()
    shares = posts["shares"].dropna()
    if len(likes):
        engagement.append(("Likes on posts", f"{int(likes.sum()):,}"))
    if len(shares):
        engagement.append(("Shares", f"{int(shares.sum()):,}"))
    complainants = posts.loc[posts[ROLE] == ROLE_COMPLAINANT, AUTHOR].nunique()
    non_company = posts.loc[posts[ROLE] != ROLE_COMPANY]
    impact = (
        ("Posts", f"{len(posts):,}"),
        (
            "People",
            f"{posts[AUTHOR].nunique():,} ({complainants} complainants, "
            f"{non_company[AUTHOR].nunique() - complainants} others, {len(analysis.company.handles)} company)",
        ),
        ("Company posts", f"{r.company_posts:,}"),
        ("Posts addressed to the company", f"{r.inbound:,}"),
        (
            "Negative posts from customers and crowd",
            f"{int((non_company[SENTIMENT] <= -0.05).sum()):,} of {len(non_company):,}",
        ),
        ("Duration", format_duration((analysis.end - analysis.start).total_seconds())),
        *engagement,
        *_amplification_rows(analysis, zone),
    )
    cov = thread.coverage
    settings = (
        ("Company accounts", f"{company} ({analysis.company.reason})"),
        ("Response target", format_duration(r.target_s)),
        ("Time zone for display", meta.tz),
        (
            "Naive timestamps read in",
            thread.source.timezone_assumed or "not applicable (all timestamps carried an offset)",
        ),
        ("Sentiment method", analysis.sentiment.method),
        ("Time window", format_duration(analysis.window_s)),
    )
    lessons = [_lesson_view(lesson, by_id, zone) for lesson in analysis.lessons]
    events, movers = _events(analysis, by_id, zone)
    return ReportContext(
        title=title,
        company=company,
        company_reason=analysis.company.reason,
        platform=thread.platform.capitalize(),
        period=(
            f"{format_time(analysis.start, zone, year=True)} \u2013 "
            f"{format_time(analysis.end, zone, year=True)} ({meta.tz})"
        ),
        duration=format_duration((analysis.end - analysis.start).total_seconds()),
        tz=meta.tz,
        generated=generated.astimezone(UTC).strftime("%d %b %Y %H:%M UTC"),
        source_path=thread.source.path,
        source_format=thread.source.format,
        sha256=thread.source.sha256,
        version=__version__,
        summary=build_summary(analysis, zone, company),
        tiles=build_tiles(analysis),
        impact=impact,
        charts=views,
        moments=_moments(analysis, by_id, zone),
        phases=_phases(analysis, zone),
        response_rows=_response_rows(analysis),
        business_hours=analysis.response.business_hours,
        complainants=_complainants(analysis, zone),
        events=events,
        conversations=tuple(
            (
                c.conversation_id,
                format_time(c.start, zone),
                c.posts,
                f"{c.answered} of {c.inbound}",
                "never" if c.first_response_s is None else format_duration(c.first_response_s),
                format_duration(c.median_response_s),
            )
            for c in analysis.conversations[:CONVERSATION_ROWS]
        ),
        conversations_total=len(analysis.conversations),
        movers=movers,
        slowest=tuple(_post_view(row, zone, 160) for _, row in answered.head(TABLE_ROWS).iterrows()),
        unanswered=tuple(_post_view(row, zone, 160) for _, row in open_sorted.head(TABLE_ROWS).iterrows()),
        unanswered_total=len(open_posts),
        conversation=tuple(_post_view(by_id[i], zone, 400) for i in tree_ids),
        conversation_omitted=omitted,
        lessons_bad=tuple(v for v in lessons if v.verdict == "went_badly"),
        lessons_good=tuple(v for v in lessons if v.verdict == "went_well"),
        coverage=tuple(cov.lines()),
        partial=cov.is_partial,
        settings=settings,
        sentiment_method=analysis.sentiment.method,
        response_target=format_duration(r.target_s),
        sentiment_accuracy=sentiment_accuracy(),
        audit=_audit(analysis, by_id, zone),
        audit_total=0 if analysis.audit is None else len(analysis.audit.replies),
        audit_notes=_audit_notes(analysis),
        accent=meta.accent,
        logo_uri=meta.logo_uri,
        actions=tuple(ActionView(a.title, a.owner, a.due, a.lesson_ids) for a in analysis.actions),
    )


def context_fields() -> Sequence[str]:
    """Names of the context's fields (the template contract test uses it)."""
    from dataclasses import fields

    return [f.name for f in fields(ReportContext)]
