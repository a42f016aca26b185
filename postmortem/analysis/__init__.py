"""Analyses: pure functions from a :class:`~postmortem.model.Thread` to an :class:`Analysis`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from postmortem.analysis.business import parse_business_hours
from postmortem.analysis.delays import annotate_responses, compute_response, conversation_breakdown, enrich_response
from postmortem.analysis.events import compute_amplification, largest_drops, reply_events
from postmortem.analysis.phases import INTENT, classify_intents, contains_where, first_complaint, resolution_post
from postmortem.analysis.results import Analysis, AnalysisOptions, Lesson, ResponseStats, SentimentStats
from postmortem.analysis.sentiment import (
    NEGATIVE_THRESHOLD,
    SentimentScorer,
    compute_sentiment,
    crowd_rolling,
    start_scoring,
)
from postmortem.errors import UsageError
from postmortem.ingest.common import parse_zone
from postmortem.model import Thread
from postmortem.timeline import (
    ADDRESSED,
    AUTHOR,
    CREATED_AT,
    DEPTH,
    IS_COMPANY,
    ROLE,
    ROLE_COMPANY,
    ROLE_COMPLAINANT,
    ROLE_CROWD,
    ROLES,
    SENTIMENT,
    TEXT,
    CompanyAccounts,
    identify_company,
    replies_to_company,
    to_frame,
)

SENTIMENT_MODES = ("vader+cs", "vader")
NICE_WINDOWS_S = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)
TARGET_WINDOWS = 12


def choose_window(duration_s: float) -> float:
    """A round window length giving about a dozen windows over the thread's duration."""
    for window in NICE_WINDOWS_S:
        if window * TARGET_WINDOWS >= duration_s:
            return float(window)
    return float(NICE_WINDOWS_S[-1])


def mark_addressed(posts: pd.DataFrame, company: CompanyAccounts) -> pd.Series:
    """Non-company posts addressed to the company: thread roots, direct replies to a
    company post, and posts that name a company account (``@handle`` or the handle as a word).
    """
    is_company = posts[IS_COMPANY]
    answers_company = pd.Series(replies_to_company(posts), index=posts.index)
    root = posts[DEPTH] == 0
    names = [h for h in company.handles if h]
    if names:
        pattern = "|".join(re.escape(h) for h in sorted(names, key=len, reverse=True))
        # Only posts not already addressed by position need reading.
        undecided = ~is_company & ~root & ~answers_company
        named = contains_where(posts[TEXT].fillna(""), undecided, re.compile(rf"(?<![\w]){pattern}(?!\w)", re.I))
    else:
        named = pd.Series(False, index=posts.index)
    return (~is_company) & (root | answers_company | named)


def assign_roles(posts: pd.DataFrame) -> pd.Series:
    """Company; complainant (author of a root post addressed to the company, or of a
    negative direct reply to a company post); crowd (everyone else)."""
    # On plain arrays: a review assigns roles in every small conversation, where each pandas
    # mask, isin and loc cost about as much as the work.
    addressed = posts[ADDRESSED].to_numpy(dtype=bool)
    starts = addressed & (posts[DEPTH].to_numpy() == 0)
    negative = posts[SENTIMENT].to_numpy(dtype="float64") <= NEGATIVE_THRESHOLD
    pushes_back = addressed & replies_to_company(posts) & negative
    authors = posts[AUTHOR].to_numpy()
    complainants = set(authors[starts | pushes_back].tolist())
    is_complainant = np.fromiter((a in complainants for a in authors), dtype=bool, count=len(authors))
    role = np.where(
        posts[IS_COMPANY].to_numpy(dtype=bool),
        ROLE_COMPANY,
        np.where(is_complainant, ROLE_COMPLAINANT, ROLE_CROWD),
    )
    return pd.Series(role, index=posts.index, dtype="object")


def compute_windows(posts: pd.DataFrame, window_s: float) -> pd.DataFrame:
    """Posts per window by role, new participants and the mean non-company sentiment."""
    if posts.empty:
        return pd.DataFrame(columns=["start", *ROLES, "participants_new", "participants_total", "crowd_sentiment"])
    freq = pd.Timedelta(seconds=window_s)
    origin = posts[CREATED_AT].min().floor(freq)
    bucket = origin + ((posts[CREATED_AT] - origin) // freq) * freq
    # (groupby + unstack: the same table as pd.crosstab at a third of its fixed cost per thread)
    counts = posts.groupby([bucket, posts[ROLE]]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(ROLES), fill_value=0)
    first_seen = posts.groupby(AUTHOR)[CREATED_AT].min()
    new = (origin + ((first_seen - origin) // freq) * freq).value_counts()
    crowd = posts[ROLE] != ROLE_COMPANY
    mood = posts.loc[crowd].groupby(bucket[crowd])[SENTIMENT].mean()
    full_index = pd.date_range(origin, bucket.max(), freq=freq)
    table = counts.reindex(full_index, fill_value=0)
    table["participants_new"] = new.reindex(full_index, fill_value=0).astype("int64")
    table["participants_total"] = table["participants_new"].cumsum()
    table["crowd_sentiment"] = mood.reindex(full_index)
    table.index.name = "start"
    return table.reset_index()


def analyse(
    thread: Thread,
    options: AnalysisOptions | None = None,
    scorer: SentimentScorer | None = None,
    *,
    summary_only: bool = False,
    measured: Callable[[Analysis], object] | None = None,
) -> Analysis:
    """Measure one thread: roles, response delays, sentiment, windows and lessons.

    ``summary_only`` computes only what a review keeps of each thread (response and sentiment
    figures, lessons): see :attr:`Analysis.summary_only`. A review of thousands of
    conversations or of one very large thread spends much less time per thread that way.

    ``measured`` is called with the analysis as soon as everything but the reply audit, the
    lessons and the timeline's key moments is measured (the report starts drawing its charts
    then: they need nothing else).
    """
    from postmortem.lessons import derive_lessons
    from postmortem.lessons.audit import start_reply_audit

    options = options or AnalysisOptions()
    if scorer is None:
        from postmortem.analysis.cs_sentiment import scorer_for

        try:
            scorer = scorer_for(options.sentiment)
        except ValueError as exc:
            raise UsageError(
                f"unknown sentiment mode {options.sentiment!r}; choose {' or '.join(SENTIMENT_MODES)}"
            ) from exc
    # A big thread's texts are scored by worker processes while the frame is built here.
    scores = start_scoring(scorer, [post.text for post in thread.posts])  # the frame's order
    try:
        posts = to_frame(thread)
        company = identify_company(thread, options.company)
        posts[IS_COMPANY] = posts[AUTHOR].isin(company.handles)
    except BaseException:
        scores.cancel()
        raise
    posts[SENTIMENT] = np.array(scores(), dtype="float64")
    # A big thread's replies are audited by a forked child while the rest is measured here.
    audit = start_reply_audit(posts, suggest=not summary_only)
    try:
        partial = _measure(thread, options, scorer, posts, company, summary_only)
        if measured is not None:
            measured(partial)
        return derive_lessons(partial, options.rules_path, audit)
    except BaseException:
        if audit is not None:
            audit.cancel()
        raise


def _measure(
    thread: Thread,
    options: AnalysisOptions,
    scorer: SentimentScorer,
    posts: pd.DataFrame,
    company: CompanyAccounts,
    summary_only: bool,
) -> Analysis:
    """:func:`analyse` from the frame with sentiment on: everything but the lessons."""
    posts[ADDRESSED] = mark_addressed(posts, company)
    posts[ROLE] = assign_roles(posts)
    posts[INTENT] = classify_intents(posts)
    posts = annotate_responses(posts)
    duration_s = (posts[CREATED_AT].max() - posts[CREATED_AT].min()).total_seconds()
    window_s = choose_window(duration_s)
    windows = compute_windows(posts.iloc[:0] if summary_only else posts, window_s)
    business = None
    if options.business_hours:
        business = parse_business_hours(options.business_hours, options.weekdays, parse_zone(options.tz), options.tz)
    complaint = first_complaint(posts)
    resolution, basis = resolution_post(posts)
    response = enrich_response(
        posts,
        compute_response(posts, options.target_s),
        resolution,
        basis,
        None if complaint is None else complaint[CREATED_AT],
        business,
        per_person=not summary_only,
    )
    sentiment = compute_sentiment(posts, window_s, scorer.method)
    complainants = posts.loc[posts[ROLE] == ROLE_COMPLAINANT, SENTIMENT]
    sentiment = replace(
        sentiment,
        complainant_mean=round(float(complainants.mean()), 4) if len(complainants) else None,
        events=() if summary_only else reply_events(posts, window_s),
        largest_drops=() if summary_only else largest_drops(windows),
    )
    return Analysis(
        thread=thread,
        options=options,
        company=company,
        posts=posts,
        windows=windows,
        window_s=window_s,
        response=response,
        sentiment=sentiment,
        # The timeline's key moments need the reply audit (worst reply, real apology):
        # derive_lessons computes it once the audit exists.
        conversations=() if summary_only else conversation_breakdown(posts, options.target_s),
        amplification=None
        if summary_only
        else compute_amplification(posts, windows, None if complaint is None else str(complaint[AUTHOR])),
        summary_only=summary_only,
    )


__all__ = [
    "Analysis",
    "AnalysisOptions",
    "Lesson",
    "ResponseStats",
    "SentimentStats",
    "analyse",
    "choose_window",
    "crowd_rolling",
]
