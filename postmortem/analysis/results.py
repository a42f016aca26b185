"""Typed results of the analyses (frozen dataclasses; frames are kept beside them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import pandas as pd

from postmortem.model import Thread
from postmortem.timeline import CompanyAccounts

Verdict = Literal["went_well", "went_badly"]
Severity = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything that changes the numbers (the report's appendix lists it)."""

    company: tuple[str, ...] = ()
    target_s: float = 3600.0
    tz: str = "UTC"
    sentiment: str = "vader"


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
    lessons: tuple[Lesson, ...] = field(default=())

    @property
    def start(self) -> datetime:
        """Time of the first post."""
        return self.thread.posts[0].created_at

    @property
    def end(self) -> datetime:
        """Time of the last post."""
        return self.thread.posts[-1].created_at
