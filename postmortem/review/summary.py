"""One small, picklable record per analysed thread: all a review keeps of an :class:`Analysis`.

Reducing each analysis to a :class:`ThreadSummary` straight away keeps a review of thousands
of conversations in bounded memory (no post frames are kept) and lets worker processes send
results back cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from postmortem.analysis.results import Analysis
from postmortem.timeline import AUTHOR_HANDLE, CREATED_AT, ID, TEXT

QUOTE_CHARS = 140


@dataclass(frozen=True)
class LessonHit:
    """A lesson that fired in one thread."""

    id: str
    verdict: str
    severity: str | None
    title: str


@dataclass(frozen=True)
class ThreadSummary:
    """The figures of one thread (one conversation of a multi-conversation file)."""

    source: str
    format: str
    platform: str
    conversation_id: str | None
    multi: bool
    """The file holds several conversations (the report command then needs ``--conversation``)."""
    title: str | None
    company: str
    """The group this thread counts under (see docs/review.md, "Companies")."""
    company_accounts: tuple[str, ...]
    posts: int
    participants: int
    start: datetime
    end: datetime
    period_at: datetime
    """First inbound post, else the first post: decides the period the thread belongs to."""
    first_author: str | None
    first_text: str | None
    inbound: int
    answered: int
    unanswered: int
    first_response_s: float | None
    median_response_s: float | None
    p90_response_s: float | None
    max_response_s: float | None
    target_s: float
    breaches: int
    answered_late: int
    unanswered_overdue: int
    business_first_response_s: float | None
    business_breaches: int | None
    resolution_basis: str
    crowd_start: float | None
    crowd_end: float | None
    drift: float | None
    company_mean: float | None
    lessons: tuple[LessonHit, ...]

    @property
    def key(self) -> str:
        """Unique within a review: source plus conversation."""
        return f"{self.source}#{self.conversation_id}" if self.conversation_id else self.source


def _shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def summarise(
    analysis: Analysis,
    *,
    company: str,
    multi: bool,
) -> ThreadSummary:
    """Reduce an analysis to its summary."""
    r, s, thread = analysis.response, analysis.sentiment, analysis.thread
    posts = analysis.posts
    first_author = first_text = None
    period_at = analysis.start
    if r.first_inbound_id is not None:
        row = posts.loc[posts[ID] == r.first_inbound_id]
        if len(row):
            first = row.iloc[0]
            period_at = first[CREATED_AT].to_pydatetime()
            first_author = str(first[AUTHOR_HANDLE])
            first_text = _shorten(str(first[TEXT]))
    return ThreadSummary(
        source=thread.source.path,
        format=thread.source.format,
        platform=thread.platform,
        conversation_id=thread.conversation_id,
        multi=multi,
        title=thread.title,
        company=company,
        company_accounts=tuple(analysis.company.display),
        posts=len(posts),
        participants=int(posts["author"].nunique()),
        start=analysis.start,
        end=analysis.end,
        period_at=period_at,
        first_author=first_author,
        first_text=first_text,
        inbound=r.inbound,
        answered=r.answered,
        unanswered=r.unanswered,
        first_response_s=r.first_response_s,
        median_response_s=r.median_response_s,
        p90_response_s=r.p90_response_s,
        max_response_s=r.max_response_s,
        target_s=r.target_s,
        breaches=r.breaches,
        answered_late=r.answered_late,
        unanswered_overdue=r.unanswered_overdue,
        business_first_response_s=r.business_first_response_s,
        business_breaches=r.business_breaches,
        resolution_basis=r.resolution_basis,
        crowd_start=s.crowd_start,
        crowd_end=s.crowd_end,
        drift=s.drift,
        company_mean=s.company_mean,
        lessons=tuple(LessonHit(x.id, x.verdict, x.severity, x.title) for x in analysis.lessons),
    )
