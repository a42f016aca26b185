"""Typed results of the analyses (frozen dataclasses; frames are kept beside them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from postmortem.model import Thread
from postmortem.timeline import CompanyAccounts

if TYPE_CHECKING:
    from postmortem.lessons.audit import ThreadAudit
    from postmortem.lessons.rules import ActionItem

Verdict = Literal["went_well", "went_badly"]
Severity = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything that changes the numbers (the report's appendix lists it)."""

    company: tuple[str, ...] = ()
    target_s: float = 3600.0
    tz: str = "UTC"
    sentiment: str = "vader+cs"
    """``vader+cs`` (VADER with the customer-service layer, default) or ``vader`` (plain)."""
    business_hours: str | None = None
    """``09:00-17:00``: report business-hours delays beside calendar ones."""
    weekdays: str = "mon-fri"
    rules_path: Path | None = None
    """A TOML rules file that overrides or extends the package's lesson rules."""


@dataclass(frozen=True)
class ComplainantResponse:
    """Time to the company's first reply to one complainant."""

    author: str
    first_post_id: str
    first_post_at: datetime
    first_reply_id: str | None
    response_s: float | None
    business_s: float | None = None


@dataclass(frozen=True)
class ResponseStats:
    """How fast the company answered posts addressed to it. Times in seconds."""

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
    first_inbound_id: str | None
    first_reply_id: str | None
    company_posts: int
    exchanges: int = 0
    """Company replies (posts with a parent) in the thread."""
    longest_silence_s: float | None = None
    longest_silence_start: datetime | None = None
    longest_silence_end: datetime | None = None
    resolution_s: float | None = None
    resolution_post: str | None = None
    resolution_basis: str = "none"
    per_complainant: tuple[ComplainantResponse, ...] = ()
    business_hours: str | None = None
    business_first_response_s: float | None = None
    business_median_response_s: float | None = None
    business_p90_response_s: float | None = None
    business_max_response_s: float | None = None
    business_breaches: int | None = None


@dataclass(frozen=True)
class SentimentEvent:
    """The crowd's and the complainant's mood in a window before and after one company reply."""

    reply_id: str
    at: datetime
    addressed_to: str | None
    before_mean: float | None
    before_n: int
    after_mean: float | None
    after_n: int
    complainant_before: float | None
    complainant_after: float | None

    @property
    def change(self) -> float | None:
        """After minus before, when both windows hold posts."""
        if self.before_mean is None or self.after_mean is None:
            return None
        return round(self.after_mean - self.before_mean, 4)


@dataclass(frozen=True)
class SentimentStats:
    """The crowd's (every non-company author's) mood over time, and the company's tone."""

    method: str
    window_s: float
    crowd_start: float | None
    crowd_end: float | None
    crowd_min: float | None
    crowd_min_at: datetime | None
    crowd_min_post: str | None
    drift: float | None
    company_mean: float | None
    crowd_posts: int
    company_posts: int
    complainant_mean: float | None = None
    events: tuple[SentimentEvent, ...] = ()
    largest_drops: tuple[tuple[datetime, float], ...] = ()
    """Window starts where the crowd's mean fell most from the window before, with the fall."""


@dataclass(frozen=True)
class Phase:
    """A stretch of the incident."""

    name: str
    start: datetime
    end: datetime
    posts: int
    description: str


@dataclass(frozen=True)
class KeyMoment:
    """A post that marks a turn in the incident."""

    kind: str
    label: str
    post_id: str
    at: datetime


@dataclass(frozen=True)
class TimelineStats:
    """Phases and key moments."""

    phases: tuple[Phase, ...] = ()
    moments: tuple[KeyMoment, ...] = ()
    peak_start: datetime | None = None
    peak_posts: int = 0


@dataclass(frozen=True)
class AmplificationStats:
    """How far the complaint spread beyond the person who raised it."""

    original_complainant: str | None
    participants: int
    others_share: float | None
    """Share of non-company posts written by people other than the original complainant."""
    time_to_peak_s: float | None
    spikes: tuple[datetime, ...]
    """Window starts with at least 3x the median posts of active windows (and at least 5 posts)."""
    likes: int | None
    shares: int | None
    most_liked_post: str | None


@dataclass(frozen=True)
class ConversationSummary:
    """One conversation of a multi-conversation report (e.g. a company's threads in the support CSV)."""

    conversation_id: str
    posts: int
    start: datetime
    inbound: int
    answered: int
    first_response_s: float | None
    median_response_s: float | None


@dataclass(frozen=True)
class Lesson:
    """One lesson learned, backed by posts in the thread."""

    id: str
    title: str
    verdict: Verdict
    severity: Severity | None
    evidence: tuple[str, ...]
    why: str
    recommendation: str


@dataclass(frozen=True, eq=False)
class Analysis:
    """Everything measured about one thread."""

    thread: Thread
    options: AnalysisOptions
    company: CompanyAccounts
    posts: pd.DataFrame
    """One row per post: the timeline columns plus role, sentiment and response delay."""
    windows: pd.DataFrame
    """One row per time window: posts by role, new participants, mean crowd sentiment."""
    window_s: float
    response: ResponseStats
    sentiment: SentimentStats
    timeline: TimelineStats = field(default_factory=TimelineStats)
    amplification: AmplificationStats | None = None
    conversations: tuple[ConversationSummary, ...] = ()
    """Per-conversation figures when the thread merges several conversations."""
    lessons: tuple[Lesson, ...] = field(default=())
    audit: ThreadAudit | None = None
    """Every company post checked against crisis-communication practice."""
    actions: tuple[ActionItem, ...] = ()
    summary_only: bool = False
    """Computed for a review (``analyse(..., summary_only=True)``): only the figures a review
    reads; windows, per-complainant delays, reply events, conversations, amplification, the
    timeline and suggested replies are left empty. Not for rendering a report."""

    @property
    def start(self) -> datetime:
        """Time of the first post."""
        return self.thread.posts[0].created_at

    @property
    def end(self) -> datetime:
        """Time of the last post."""
        return self.thread.posts[-1].created_at
