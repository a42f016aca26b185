"""The case-study context: the anonymised story, the discussion questions and the facilitator's notes.

``build_case_context(analysis, mapping, ...)`` turns the analysis of an *anonymised* thread into a
:class:`CaseContext`. The handout template shows the story, the key figures and the questions;
the facilitator template adds the talking points, the reply audit, the lessons and the outcome.
Nothing here judges in the handout's fields: verdicts live only in facilitator fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

import pandas as pd

from postmortem import __version__
from postmortem.analysis.results import Analysis, Lesson
from postmortem.casestudy.anonymise import ROLE_COMPLAINANT, ROLE_CROWD, PseudonymMap
from postmortem.report.context import BAD_FLAGS, DEFAULT_ACCENT, FLAG_LABELS, format_time
from postmortem.timeline import AUTHOR, AUTHOR_HANDLE, AUTHOR_NAME, CREATED_AT, ID, IS_COMPANY, PARENT_ID, ROLE, TEXT
from postmortem.units import format_duration

MAX_STORY_POSTS = 250
QUOTE_CHARS = 220
PROMPTS: dict[str, tuple[str, ...]] = {
    "first_complaint": (
        "What would you reply, and when?",
        "Who on the team should answer, and what must the first reply say?",
    ),
    "first_company_reply": (
        "Read the company's first reply. What does it do for the person it answers?",
        "How do you expect the customer and the onlookers to react?",
    ),
    "worst_company_reply": (
        "What did this reply do to the crowd?",
        "What would you have posted instead, and who should have signed it?",
    ),
    "peak": (
        "The thread is at its busiest here. Who is posting now, and why?",
        "What can the company still do at this point, in public and in private?",
    ),
    "end": (
        "This is where the thread ends. What would you do next?",
        "What would you change in how the team works before the next incident?",
    ),
}
ORDER = ("first_complaint", "first_company_reply", "worst_company_reply", "peak", "end")


def relative_time(moment: datetime | pd.Timestamp, origin: datetime | pd.Timestamp, zone: tzinfo) -> str:
    """``Day 1 09:14``: the local time, and the day counted from the first post's local date (Day 1)."""
    value = moment.to_pydatetime() if isinstance(moment, pd.Timestamp) else moment
    start = origin.to_pydatetime() if isinstance(origin, pd.Timestamp) else origin
    local, first = value.astimezone(zone), start.astimezone(zone)
    return f"Day {(local.date() - first.date()).days + 1} {local:%H:%M}"


@dataclass(frozen=True)
class CasePost:
    """One post as the case shows it (anonymised; time relative unless dates are kept)."""

    number: int
    id: str
    time: str
    author: str
    """Pseudonym (``Customer A``), the company's name, or a kept public figure's handle."""
    handle: str
    role: str
    text: str
    reply_to: int | None = None
    reply_to_author: str | None = None


@dataclass(frozen=True)
class Question:
    """A discussion question placed after a decision point in the story."""

    number: int
    kinds: tuple[str, ...]
    after_post: int
    prompts: tuple[str, ...]
    talking_points: tuple[str, ...] = ()
    """Facilitator only: facts and lessons to steer the discussion (2-3)."""
    happened_next: str | None = None
    """Facilitator only: what the company actually did next."""


@dataclass(frozen=True)
class StoryItem:
    """A post, a question, or a note that some posts are not shown."""

    post: CasePost | None = None
    question: Question | None = None
    omitted: int = 0


@dataclass(frozen=True)
class CastMember:
    """Someone in the story and how much they posted."""

    name: str
    role: str
    posts: int


@dataclass(frozen=True)
class AuditItem:
    """Facilitator only: one company post as the reply audit judged it."""

    post: CasePost
    verdict: str
    strategy: str
    strategy_reason: str
    good: tuple[tuple[str, str], ...]
    bad: tuple[tuple[str, str], ...]
    suggestion: str | None


@dataclass(frozen=True)
class LessonItem:
    """Facilitator only: a lesson with its evidence."""

    title: str
    verdict: str
    severity: str | None
    why: str
    recommendation: str
    quotes: tuple[CasePost, ...]


@dataclass(frozen=True)
class CaseContext:
    """Everything the two case templates show."""

    title: str
    company: str
    platform: str
    period: str
    duration: str
    time_note: str
    version: str
    intro: tuple[str, ...]
    figures: tuple[tuple[str, str, str], ...]
    cast: tuple[CastMember, ...]
    followers: str
    story: tuple[StoryItem, ...]
    questions: tuple[Question, ...]
    anonymisation: tuple[str, ...]
    accent: str = DEFAULT_ACCENT
    # Facilitator only: never shown in the handout.
    outcome: tuple[str, ...] = ()
    phases: tuple[tuple[str, str, str, str, int], ...] = ()
    audit: tuple[AuditItem, ...] = ()
    audit_notes: tuple[str, ...] = ()
    lessons_bad: tuple[LessonItem, ...] = ()
    lessons_good: tuple[LessonItem, ...] = ()
    actions: tuple[str, ...] = ()


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


class _Views:
    """Turns rows of the posts frame into :class:`CasePost` values, with the case's clock."""

    def __init__(self, analysis: Analysis, zone: tzinfo, keep_dates: bool) -> None:
        self.posts = analysis.posts
        self.zone = zone
        self.keep_dates = keep_dates
        self.origin = analysis.start
        self.number = {str(i): n + 1 for n, i in enumerate(self.posts[ID])}
        self.rows = {str(row[ID]): row for _, row in self.posts.iterrows()}

    def time(self, moment: datetime | pd.Timestamp) -> str:
        return format_time(moment, self.zone) if self.keep_dates else relative_time(moment, self.origin, self.zone)

    def author(self, row: pd.Series) -> str:
        name = row[AUTHOR_NAME]
        return str(name) if isinstance(name, str) and name else "@" + str(row[AUTHOR_HANDLE])

    def post(self, post_id: str, limit: int | None = None) -> CasePost:
        row = self.rows[post_id]
        parent = row[PARENT_ID]
        parent_row = self.rows.get(str(parent)) if isinstance(parent, str) else None
        text = str(row[TEXT])
        return CasePost(
            number=self.number[post_id],
            id=post_id,
            time=self.time(row[CREATED_AT]),
            author=self.author(row),
            handle="@" + str(row[AUTHOR_HANDLE]),
            role=str(row[ROLE]),
            text=_shorten(text, limit) if limit else text,
            reply_to=None if parent_row is None else self.number[str(parent)],
            reply_to_author=None if parent_row is None else self.author(parent_row),
        )


def decision_points(analysis: Analysis) -> dict[str, str]:
    """Question kind -> the post after which it is asked (first complaint, first and worst reply, peak, end)."""
    points = {m.kind: m.post_id for m in analysis.timeline.moments if m.kind in ORDER}
    if len(analysis.posts):
        points["end"] = str(analysis.posts[ID].iloc[-1])
    return points


def _next_company_post(analysis: Analysis, after: str, views: _Views) -> str | None:
    posts = analysis.posts
    position = views.number[after] - 1
    later = posts.iloc[position + 1 :]
    company = later.loc[later[IS_COMPANY]]
    if company.empty:
        return "The company posted nothing more in the thread."
    row = company.iloc[0]
    delay = format_duration((row[CREATED_AT] - posts[CREATED_AT].iloc[position]).total_seconds())
    quote = _shorten(str(row[TEXT]), 160)
    return f"{delay} later (post {views.number[str(row[ID])]}), the company posted: \u201c{quote}\u201d"


def _lessons_for(analysis: Analysis, ids: set[str]) -> list[Lesson]:
    return [lesson for lesson in analysis.lessons if ids & set(lesson.evidence)]


def _reply_points(analysis: Analysis, post_id: str) -> list[str]:
    points = []
    audit = analysis.audit.by_id().get(post_id) if analysis.audit else None
    if audit is not None:
        bad = [
            f"{FLAG_LABELS.get(f.name, f.name)} (\u201c{f.evidence}\u201d)" for f in audit.flags if f.name in BAD_FLAGS
        ]
        good = [FLAG_LABELS.get(f.name, f.name) for f in audit.flags if f.name not in BAD_FLAGS]
        verdict = audit.verdict.replace("_", " ")
        detail = "; ".join(
            filter(None, ["broke: " + ", ".join(bad) if bad else "", "did: " + ", ".join(good) if good else ""])
        )
        points.append(
            f"The reply audit says it {verdict} ({audit.strategy} strategy){': ' + detail if detail else ''}."
        )
    event = next((e for e in analysis.sentiment.events if e.reply_id == post_id), None)
    if event is not None and event.change is not None:
        points.append(
            f"The crowd's mood went from {event.before_mean:+.2f} ({event.before_n} posts) in the window before "
            f"to {event.after_mean:+.2f} ({event.after_n} posts) after (change {event.change:+.2f})."
        )
    elif event is not None:
        points.append(f"{event.after_n} non-company posts followed within one window of this reply.")
    return points


def _complaint_points(analysis: Analysis, post_id: str, views: _Views) -> list[str]:
    r, posts = analysis.response, analysis.posts
    if r.first_response_s is None:
        return [
            f"The company never replied in the thread; {r.unanswered} of {r.inbound} posts addressed to it "
            "went unanswered."
        ]
    start = views.rows[post_id][CREATED_AT]
    before = posts.loc[
        (posts[CREATED_AT] > start) & (posts[CREATED_AT] < start + pd.Timedelta(seconds=r.first_response_s))
    ]
    return [
        f"The company's first reply came {format_duration(r.first_response_s)} after this post "
        f"(the case uses a {format_duration(r.target_s)} target); {len(before)} posts from "
        f"{before[AUTHOR].nunique()} people appeared in between."
    ]


def _peak_points(analysis: Analysis, post_id: str, views: _Views) -> list[str]:
    points = []
    amp, t = analysis.amplification, analysis.timeline
    if amp is not None and amp.time_to_peak_s is not None:
        points.append(
            f"{t.peak_posts} posts in the busiest {format_duration(analysis.window_s)} window, "
            f"{format_duration(amp.time_to_peak_s)} after the first post; {amp.participants} people took part overall."
        )
    if amp is not None and amp.others_share is not None:
        points.append(f"{amp.others_share:.0%} of non-company posts came from people other than the first complainant.")
    return points


def _end_points(analysis: Analysis) -> list[str]:
    r, s = analysis.response, analysis.sentiment
    points = [f"{r.answered} of {r.inbound} posts addressed to the company were answered; {r.unanswered} never were."]
    if r.resolution_s is not None:
        points.append(
            f"Resolution ({r.resolution_basis}) came {format_duration(r.resolution_s)} after the first complaint."
        )
    if s.drift is not None:
        points.append(f"The crowd's mood drifted {s.drift:+.2f} from the first window to the last.")
    return points


def _talking_points(
    analysis: Analysis, kinds: tuple[str, ...], post_id: str, segment: set[str], views: _Views
) -> tuple[str, ...]:
    points: list[str] = []
    for kind in kinds:
        if kind == "first_complaint":
            points += _complaint_points(analysis, post_id, views)
        elif kind in ("first_company_reply", "worst_company_reply"):
            points += [p for p in _reply_points(analysis, post_id) if p not in points]
        elif kind == "peak":
            points += _peak_points(analysis, post_id, views)
        elif kind == "end":
            points += _end_points(analysis)
    lessons = _lessons_for(analysis, segment | {post_id})
    if kinds == ("first_complaint",):
        speed = ("slow-first-response", "prompt-response", "unanswered-complaints")
        by_id = {lesson.id: lesson for lesson in analysis.lessons}
        lessons = [by_id[i] for i in speed if i in by_id] or lessons
    for lesson in lessons[:1]:
        points.append(f"Lesson: {lesson.title}. {lesson.recommendation}")
    return tuple(points[:2] + points[-1:] if len(points) > 3 else points)


def build_questions(analysis: Analysis, views: _Views) -> tuple[Question, ...]:
    """One question block per decision-point post (kinds that share a post share a block)."""
    points = decision_points(analysis)
    by_post: dict[str, list[str]] = {}
    for kind in ORDER:
        if kind in points:
            by_post.setdefault(points[kind], []).append(kind)
    ordered = sorted(by_post.items(), key=lambda item: views.number[item[0]])
    questions = []
    previous = 0
    for n, (post_id, kinds) in enumerate(ordered, start=1):
        number = views.number[post_id]
        segment = {str(i) for i in analysis.posts[ID].iloc[previous:number]}
        previous = number
        prompts: list[str] = []
        for kind in kinds:
            prompts += [p for p in PROMPTS[kind] if p not in prompts]
        if "end" in kinds and analysis.response.first_response_s is None and analysis.response.inbound:
            prompts.insert(0, "The company did not reply in this thread. What did its silence say?")
        questions.append(
            Question(
                number=n,
                kinds=tuple(kinds),
                after_post=number,
                prompts=tuple(prompts[:3]),
                talking_points=_talking_points(analysis, tuple(kinds), post_id, segment, views),
                happened_next=None if kinds == ["end"] else _next_company_post(analysis, post_id, views),
            )
        )
    return tuple(questions)


def _story_ids(analysis: Analysis, must: set[str]) -> list[str]:
    """Post ids to show, in time order: all of them, or within the cap the company's posts, the
    decision points and their parents first, then the earliest others."""
    ids = [str(i) for i in analysis.posts[ID]]
    if len(ids) <= MAX_STORY_POSTS:
        return ids
    posts = analysis.posts
    keep = set(must) | {str(i) for i in posts.loc[posts[IS_COMPANY], ID]}
    keep |= {str(p) for p in posts.loc[posts[ID].isin(keep), PARENT_ID].dropna()}
    for post_id in ids:
        if len(keep) >= MAX_STORY_POSTS:
            break
        keep.add(post_id)
    return [i for i in ids if i in keep]


def build_story(analysis: Analysis, views: _Views, questions: tuple[Question, ...]) -> tuple[StoryItem, ...]:
    """Posts in time order with the questions after their decision points and gaps marked."""
    after = {q.after_post: q for q in questions}
    must = {str(analysis.posts[ID].iloc[q.after_post - 1]) for q in questions}
    shown = _story_ids(analysis, must)
    items: list[StoryItem] = []
    last = 0
    for post_id in shown:
        number = views.number[post_id]
        if number - last > 1:
            items.append(StoryItem(omitted=number - last - 1))
        items.append(StoryItem(post=views.post(post_id)))
        if number in after:
            items.append(StoryItem(question=after[number]))
        last = number
    if len(analysis.posts) > last:
        items.append(StoryItem(omitted=len(analysis.posts) - last))
    return tuple(items)


def _cast(analysis: Analysis, views: _Views) -> tuple[tuple[CastMember, ...], str]:
    """The company, the customers and any kept public figures by name; followers as a count."""
    posts = analysis.posts
    counts = posts[AUTHOR].value_counts()
    cast = []
    followers = set()
    for _, row in posts.drop_duplicates(AUTHOR).iterrows():
        name, role = views.author(row), str(row[ROLE])
        if role == ROLE_CROWD and name.startswith("Follower "):
            followers.add(row[AUTHOR])
            continue
        cast.append(CastMember(name, role, int(counts[row[AUTHOR]])))
    follower_posts = int(sum(counts[a] for a in followers))
    note = (
        f"{len(followers)} followers (Follower 1, 2, \u2026) wrote {follower_posts} posts."
        if followers
        else "No other followers joined in."
    )
    order = {"company": 0, ROLE_COMPLAINANT: 1, ROLE_CROWD: 2}
    return tuple(sorted(cast, key=lambda c: order.get(c.role, 3))), note


def _figures(analysis: Analysis) -> tuple[tuple[str, str, str], ...]:
    r, s, posts = analysis.response, analysis.sentiment, analysis.posts
    complainants = posts.loc[posts[ROLE] == ROLE_COMPLAINANT, AUTHOR].nunique()
    crowd = posts.loc[posts[ROLE] == ROLE_CROWD, AUTHOR].nunique()
    span = format_duration((analysis.end - analysis.start).total_seconds())
    mood = (
        "\u2014" if s.crowd_start is None or s.crowd_end is None else f"{s.crowd_start:+.2f} \u2192 {s.crowd_end:+.2f}"
    )
    return (
        ("Posts", f"{len(posts)}", f"over {span}"),
        ("People", f"{posts[AUTHOR].nunique()}", f"{complainants} customers, {crowd} followers, the company"),
        ("Addressed to the company", f"{r.inbound}", "posts that start a thread, answer it or name it"),
        ("Company posts", f"{r.company_posts}", f"{r.exchanges} of them replies"),
        (
            "First company reply",
            "none" if r.first_response_s is None else format_duration(r.first_response_s),
            "after the first complaint",
        ),
        ("Crowd mood", mood, "mean sentiment, first to last window (\u22121 to +1)"),
    )


def _audit(analysis: Analysis, views: _Views) -> tuple[tuple[AuditItem, ...], tuple[str, ...]]:
    audit = analysis.audit
    if audit is None:
        return (), ()
    items = []
    for reply in sorted(audit.replies, key=lambda r: views.number.get(r.post_id, 0)):
        if reply.post_id not in views.rows:
            continue
        items.append(
            AuditItem(
                post=views.post(reply.post_id, 400),
                verdict=reply.verdict.replace("_", " "),
                strategy=reply.strategy,
                strategy_reason=reply.strategy_reason,
                good=tuple(
                    (FLAG_LABELS.get(f.name, f.name), f.evidence) for f in reply.flags if f.name not in BAD_FLAGS
                ),
                bad=tuple((FLAG_LABELS.get(f.name, f.name), f.evidence) for f in reply.flags if f.name in BAD_FLAGS),
                suggestion=reply.suggestion,
            )
        )

    def numbers(ids: tuple[str, ...]) -> str:
        return ", ".join(str(views.number[i]) for i in ids[:10] if i in views.number)

    notes = [f"{len(g)} identical or near-identical replies: posts {numbers(g)}." for g in audit.canned_groups]
    if audit.broken_promises:
        notes.append(f"Promised follow-up never came: posts {numbers(audit.broken_promises)}.")
    if audit.kept_promises:
        notes.append(f"Promised follow-up was kept: posts {numbers(audit.kept_promises)}.")
    if audit.promotions_during_crisis:
        notes.append(
            f"Promotional posts while complaints were unanswered: posts {numbers(audit.promotions_during_crisis)}."
        )
    return tuple(items), tuple(notes)


def _lesson(lesson: Lesson, views: _Views) -> LessonItem:
    quotes = tuple(views.post(i, QUOTE_CHARS) for i in lesson.evidence if i in views.rows)[:4]
    return LessonItem(lesson.title, lesson.verdict, lesson.severity, lesson.why, lesson.recommendation, quotes)


def _outcome(analysis: Analysis, views: _Views) -> tuple[str, ...]:
    r, s = analysis.response, analysis.sentiment
    lines = []
    if r.first_response_s is None:
        lines.append("The company never replied to anyone in the thread.")
    else:
        lines.append(
            f"The company first replied {format_duration(r.first_response_s)} after the first complaint and answered "
            f"{r.answered} of the {r.inbound} posts addressed to it "
            f"(median delay {format_duration(r.median_response_s)}); "
            f"{r.breaches} breached the {format_duration(r.target_s)} target."
        )
    if r.resolution_post and r.resolution_post in views.number:
        lines.append(
            f"Resolution: {r.resolution_basis}, post {views.number[r.resolution_post]}, "
            f"{format_duration(r.resolution_s)} after the first complaint."
        )
    if s.drift is not None and s.crowd_min_at is not None:
        lines.append(
            f"The crowd's mood went from {s.crowd_start:+.2f} to {s.crowd_end:+.2f} "
            f"and was lowest ({s.crowd_min:+.2f}) "
            f"at {views.time(s.crowd_min_at)}."
        )
    last = analysis.posts.iloc[-1]
    lines.append(f"The last word ({views.time(last[CREATED_AT])}) went to {views.author(last)}.")
    return tuple(lines)


def _anonymisation_notes(mapping: PseudonymMap, keep_dates: bool, tz: str) -> tuple[str, ...]:
    counts = mapping.counts()
    notes = [
        f"Every person other than the company has a pseudonym: {counts.get(ROLE_COMPLAINANT, 0)} customers "
        f"(Customer A, B, \u2026), {counts.get(ROLE_CROWD, 0) + counts.get('mentioned', 0)} followers "
        f"(Follower 1, 2, \u2026), used in author fields and wherever they are named or @mentioned.",
    ]
    redacted = {k: v for k, v in sorted(mapping.redactions.items()) if v}
    if redacted:
        notes.append("Removed from the text: " + ", ".join(f"{v} \u00d7 {k}" for k, v in redacted.items()) + ".")
    notes.append(
        "The company's name and accounts are replaced by \u201cthe Company\u201d."
        if mapping.hide_company
        else "The company keeps its own name."
    )
    if mapping.kept:
        notes.append(
            "Left un-anonymised on purpose (public figures): " + ", ".join("@" + h for h in mapping.kept) + "."
        )
    notes.append(
        f"Times are shown in {tz}."
        if keep_dates
        else f"Times are relative: Day 1 is the date of the first post, clock times in {tz}."
    )
    notes.append("Post numbers follow the order of the story; they are not the platform's post ids.")
    return tuple(notes)


def _company_name(analysis: Analysis) -> str:
    """The company's display name as its posts give it, else its handles."""
    posts = analysis.posts
    names = posts.loc[posts[IS_COMPANY], AUTHOR_NAME].dropna()
    if len(names) and str(names.iloc[0]).strip():
        return str(names.iloc[0])
    return ", ".join("@" + h for h in analysis.company.display) or "the company"


def build_case_context(
    analysis: Analysis,
    mapping: PseudonymMap,
    *,
    tz: str = "UTC",
    keep_dates: bool = False,
    title: str | None = None,
    accent: str = DEFAULT_ACCENT,
) -> CaseContext:
    """Everything the handout and the facilitator guide show, from the anonymised analysis."""
    from postmortem.ingest.common import parse_zone

    zone = parse_zone(tz)
    views = _Views(analysis, zone, keep_dates)
    questions = build_questions(analysis, views)
    company = mapping.company_name or _company_name(analysis)
    platform = analysis.thread.platform.capitalize()
    cast, followers = _cast(analysis, views)
    audit, notes = _audit(analysis, views)
    lessons = [_lesson(lesson, views) for lesson in analysis.lessons]
    span = format_duration((analysis.end - analysis.start).total_seconds())
    intro = (
        f"A public thread on {platform} in which customers address {company}. It runs for {span} "
        f"and holds {len(analysis.posts)} posts. You read it as it unfolded, in time order.",
        "The thread stops at a few decision points with questions. Answer each one before you read on: "
        "you know only what the company could have known at that moment.",
    )
    return CaseContext(
        title=title or f"{company[:1].upper()}{company[1:]} on {platform}",
        company=company,
        platform=platform,
        period=f"{views.time(analysis.start)} \u2013 {views.time(analysis.end)}",
        duration=span,
        time_note=f"Times in {tz}" if keep_dates else f"Day 1 is the first post's date; times in {tz}",
        version=__version__,
        intro=intro,
        figures=_figures(analysis),
        cast=cast,
        followers=followers,
        story=build_story(analysis, views, questions),
        questions=questions,
        anonymisation=_anonymisation_notes(mapping, keep_dates, tz),
        accent=accent,
        outcome=_outcome(analysis, views),
        phases=tuple(
            (
                p.name.capitalize(),
                views.time(p.start),
                views.time(p.end),
                format_duration((p.end - p.start).total_seconds()),
                p.posts,
            )
            for p in analysis.timeline.phases
        ),
        audit=audit,
        audit_notes=notes,
        lessons_bad=tuple(item for item in lessons if item.verdict == "went_badly"),
        lessons_good=tuple(item for item in lessons if item.verdict == "went_well"),
        actions=tuple(a.title for a in analysis.actions),
    )
