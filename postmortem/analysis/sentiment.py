"""Sentiment scoring (VADER compound per post) and the crowd's drift over time.

Scorers follow the :class:`SentimentScorer` protocol so a faster or richer one can be
swapped in without touching the analyses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from postmortem.analysis.results import SentimentStats
from postmortem.perf import Pending
from postmortem.timeline import CREATED_AT, ID, ROLE, ROLE_COMPANY, SENTIMENT

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

MIN_SAMPLE_POSTS = 3
MIN_SAMPLE_SHARE = 0.1
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05


class SentimentScorer(Protocol):
    """Anything that turns texts into compound scores in [-1, 1]."""

    method: str

    def score(self, texts: Sequence[str]) -> list[float]:
        """One compound score per text."""
        ...


def start_scoring(scorer: SentimentScorer, texts: Sequence[str]) -> Pending[list[float]]:
    """``scorer.score(texts)``, started where the scorer can work in the background (the
    package's scorers score big batches in worker processes: the caller builds its frames
    meanwhile); otherwise scored when the result is asked for."""
    begin = getattr(scorer, "score_in_background", None)
    if begin is None:
        return Pending(lambda: scorer.score(texts))
    pending: Pending[list[float]] = begin(texts)
    return pending


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


class VaderScorer:
    """Plain VADER (Hutto & Gilbert 2014) compound scores; identical texts are scored once."""

    method = "vader"

    def score(self, texts: Sequence[str]) -> list[float]:
        """Compound score per text."""
        analyzer = _vader()
        cache: dict[str, float] = {}
        out = []
        for text in texts:
            value = cache.get(text)
            if value is None:
                value = float(analyzer.polarity_scores(text)["compound"])
                cache[text] = value
            out.append(value)
        return out


def classify(score: float) -> str:
    """The usual three classes at +-0.05."""
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def crowd_rolling(posts: pd.DataFrame, window_s: float) -> pd.Series:
    """Trailing time-window mean of non-company sentiment, indexed by post time."""
    crowd = posts.loc[posts[ROLE] != ROLE_COMPANY, [CREATED_AT, SENTIMENT]]
    if crowd.empty:
        return pd.Series(dtype="float64")
    series = crowd.set_index(CREATED_AT)[SENTIMENT].astype("float64")
    return series.rolling(pd.Timedelta(seconds=window_s), min_periods=1).mean()


def compute_sentiment(posts: pd.DataFrame, window_s: float, method: str) -> SentimentStats:
    """Start, end, lowest point and drift of the crowd's rolling mean; the company's mean.

    Start is the mean of the non-company posts in the first window, end the mean of those
    in the last window; a window holding fewer than :data:`MIN_SAMPLE_POSTS` posts or
    :data:`MIN_SAMPLE_SHARE` of them is widened to that many (a quiet tail of two or three
    posts would otherwise decide the drift). The lowest point is taken where the trailing
    window is full.
    """
    company = posts.loc[posts[ROLE] == ROLE_COMPANY, SENTIMENT]
    crowd = posts.loc[posts[ROLE] != ROLE_COMPANY, [ID, CREATED_AT, SENTIMENT]]
    company_mean = float(company.mean()) if len(company) else None
    if crowd.empty:
        return SentimentStats(method, window_s, None, None, None, None, None, None, company_mean, 0, len(company))
    window = pd.Timedelta(seconds=window_s)
    first, last = crowd[CREATED_AT].iloc[0], crowd[CREATED_AT].iloc[-1]
    scores = crowd[SENTIMENT].to_numpy(dtype="float64")
    sample = min(len(crowd), max(MIN_SAMPLE_POSTS, math.ceil(MIN_SAMPLE_SHARE * len(crowd))))
    in_first = int((crowd[CREATED_AT] < first + window).sum())
    in_last = int((crowd[CREATED_AT] > last - window).sum())
    start = float(scores[: max(in_first, sample)].mean())
    end = float(scores[len(scores) - max(in_last, sample) :].mean())
    rolling = crowd_rolling(posts, window_s)
    values = rolling.to_numpy()
    full = (crowd[CREATED_AT] >= first + window).to_numpy()
    candidates = np.flatnonzero(full) if full.any() else np.arange(len(values))
    low = int(candidates[np.argmin(values[candidates])])
    return SentimentStats(
        method=method,
        window_s=window_s,
        crowd_start=round(start, 4),
        crowd_end=round(end, 4),
        crowd_min=round(float(values[low]), 4),
        crowd_min_at=crowd[CREATED_AT].iloc[low].to_pydatetime(),
        crowd_min_post=str(crowd[ID].iloc[low]),
        drift=round(end - start, 4),
        company_mean=None if company_mean is None else round(company_mean, 4),
        crowd_posts=len(crowd),
        company_posts=len(company),
    )
