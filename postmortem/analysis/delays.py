"""Response delays: for each post addressed to the company, the company's first reply in
its reply subtree. Definitions (with a worked example) are in docs/metrics.md.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd

from postmortem.analysis.business import BusinessHours
from postmortem.analysis.results import ComplainantResponse, ConversationSummary, ResponseStats
from postmortem.timeline import (
    ADDRESSED,
    ANSWERED_BY,
    AUTHOR,
    AUTHOR_HANDLE,
    CONVERSATION,
    CREATED_AT,
    DEPTH,
    ID,
    IS_COMPANY,
    PARENT_ID,
    RESPONSE_S,
    ROLE,
    ROLE_COMPLAINANT,
    company_posts_to,
    first_post_to,
)

#: From this many posts :func:`first_company_reply` works on arrays.
ARRAY_WALK_FROM = 2_000


def first_company_reply(posts: pd.DataFrame) -> tuple[list[str | None], list[float]]:
    """For every post, the id and delay (s) of the earliest company post among its descendants.

    Delays are never negative: a company reply stamped before the post it answers
    (clock skew between platforms) counts as immediate. On a tie the reply found first wins:
    the post's own (if it is the company's), else the earliest-listed child's subtree.

    Works a depth level at a time on arrays, deepest first: each post hands its subtree's
    best to its parent, and a parent keeps its children's minimum (1M posts: ~1.3 s -> 0.3 s).
    """
    if len(posts) < ARRAY_WALK_FROM:  # small threads: the loop costs less than building an index
        return _first_company_reply_loop(posts)
    ids = posts[ID].tolist()
    index = pd.Index(ids, dtype=object)
    if not index.is_unique:
        return _first_company_reply_loop(posts)
    parent = index.get_indexer(pd.Index(posts[PARENT_ID].tolist(), dtype=object))
    times = epoch_seconds(posts[CREATED_AT])
    company = posts[IS_COMPANY].to_numpy(dtype=bool)
    best_time = np.full(len(ids), np.inf)
    best_pos = np.full(len(ids), -1, dtype=np.int64)
    order = np.argsort(-posts[DEPTH].to_numpy(), kind="stable")  # deepest first, then list order
    levels = np.split(order, np.flatnonzero(np.diff(posts[DEPTH].to_numpy()[order])) + 1)
    for level in levels:
        level = level[parent[level] >= 0]
        if not len(level):
            continue
        own_time = np.where(company[level], times[level], np.inf)
        from_below = best_time[level] < own_time
        time = np.where(from_below, best_time[level], own_time)
        pos = np.where(from_below, best_pos[level], np.where(company[level], level, -1))
        parents = parent[level]
        # Per parent: the smallest time, the first-listed child on a tie.
        ranked = np.lexsort((np.arange(len(level)), time, parents))
        first = np.ones(len(ranked), dtype=bool)
        first[1:] = parents[ranked[1:]] != parents[ranked[:-1]]
        chosen = ranked[first]
        found = time[chosen] < np.inf
        best_time[parents[chosen[found]]] = time[chosen[found]]
        best_pos[parents[chosen[found]]] = pos[chosen[found]]
    answered_by = [ids[p] if p >= 0 else None for p in best_pos.tolist()]
    delays = np.where(np.isinf(best_time), np.nan, np.maximum(best_time - times, 0.0))
    return answered_by, delays.tolist()


def _first_company_reply_loop(posts: pd.DataFrame) -> tuple[list[str | None], list[float]]:
    """:func:`first_company_reply` one post at a time (for duplicate ids; the tests' reference)."""
    ids = posts[ID].tolist()
    parents = posts[PARENT_ID].tolist()
    times = epoch_seconds(posts[CREATED_AT])
    company = posts[IS_COMPANY].to_numpy(dtype=bool)
    index = {post_id: n for n, post_id in enumerate(ids)}
    best_time = [math.inf] * len(ids)
    best_id: list[str | None] = [None] * len(ids)
    # Children before parents: walk posts by decreasing depth so each subtree is finished first.
    order = np.argsort(-posts[DEPTH].to_numpy(), kind="stable")
    for n in order:
        parent = parents[n]
        if parent is None:
            continue
        p = index[parent]
        candidate_time, candidate_id = (times[n], ids[n]) if company[n] else (math.inf, None)
        if best_time[n] < candidate_time:
            candidate_time, candidate_id = best_time[n], best_id[n]
        if candidate_time < best_time[p]:
            best_time[p], best_id[p] = candidate_time, candidate_id
    delays = [max(0.0, bt - t) if bt != math.inf else math.nan for bt, t in zip(best_time, times, strict=True)]
    return best_id, delays


def epoch_seconds(times: pd.Series) -> np.ndarray:
    """Seconds since the epoch as floats, whatever the datetime resolution."""
    epoch = pd.Timestamp(0, tz="UTC")
    seconds: np.ndarray = (times - epoch).dt.total_seconds().to_numpy(dtype="float64")
    return seconds


def annotate_responses(posts: pd.DataFrame) -> pd.DataFrame:
    """Add ``response_s`` and ``answered_by`` to inbound posts (NaN / None elsewhere)."""
    answered_by, delays = first_company_reply(posts)
    out = posts.copy(deep=False)  # (whole columns are set below, never written into: ``posts`` is untouched)
    inbound = out[ADDRESSED].to_numpy(dtype=bool)
    out[RESPONSE_S] = np.where(inbound, np.array(delays, dtype="float64"), np.nan)
    out[ANSWERED_BY] = [a if flag else None for a, flag in zip(answered_by, inbound, strict=True)]
    return out


def _quantile(values: Iterable[float], q: float) -> float | None:
    data = np.array(list(values), dtype="float64")
    if data.size == 0:
        return None
    return float(np.quantile(data, q, method="linear"))


def compute_response(posts: pd.DataFrame, target_s: float) -> ResponseStats:
    """Summary of response delays over the inbound posts of an annotated frame."""
    inbound = posts.loc[posts[ADDRESSED]]
    answered = inbound.loc[inbound[RESPONSE_S].notna(), RESPONSE_S]
    unanswered = inbound.loc[inbound[RESPONSE_S].isna()]
    end = posts[CREATED_AT].max() if len(posts) else None
    overdue = 0
    if end is not None and len(unanswered):
        age_s = (end - unanswered[CREATED_AT]).dt.total_seconds()
        overdue = int((age_s > target_s).sum())
    late = int((answered > target_s).sum())
    first_inbound_id = first_reply_id = None
    first_response_s = None
    if len(inbound):
        first_inbound = inbound.iloc[0]
        first_inbound_id = str(first_inbound[ID])
        replies = posts.loc[
            posts[IS_COMPANY] & posts[PARENT_ID].notna() & (posts[CREATED_AT] >= first_inbound[CREATED_AT])
        ]
        if len(replies):
            first_reply_id = str(replies.iloc[0][ID])
            first_response_s = float((replies.iloc[0][CREATED_AT] - first_inbound[CREATED_AT]).total_seconds())
    return ResponseStats(
        inbound=len(inbound),
        answered=len(answered),
        unanswered=len(unanswered),
        first_response_s=first_response_s,
        median_response_s=_quantile(answered, 0.5),
        p90_response_s=_quantile(answered, 0.9),
        max_response_s=float(answered.max()) if len(answered) else None,
        target_s=float(target_s),
        breaches=late + overdue,
        answered_late=late,
        unanswered_overdue=overdue,
        first_inbound_id=first_inbound_id,
        first_reply_id=first_reply_id,
        company_posts=int(posts[IS_COMPANY].sum()),
    )


def longest_silence(posts: pd.DataFrame) -> tuple[float | None, pd.Timestamp | None, pd.Timestamp | None]:
    """The longest stretch without a company post while the incident was open.

    The incident runs from the first inbound post to the later of the last inbound post and
    the last company post; its edges and every company post inside split it into gaps.
    """
    inbound = posts.loc[posts[ADDRESSED], CREATED_AT]
    if inbound.empty:
        return None, None, None
    company = posts.loc[posts[IS_COMPANY], CREATED_AT]
    start = inbound.min()
    end = max(inbound.max(), company.max()) if len(company) else inbound.max()
    points = sorted([start, *company[(company > start) & (company < end)].tolist(), end])
    gaps = [(b - a, a, b) for a, b in itertools.pairwise(points)]
    if not gaps:
        return 0.0, start, end
    gap, a, b = max(gaps, key=lambda g: g[0])
    return gap.total_seconds(), a, b


def per_complainant(posts: pd.DataFrame, business: BusinessHours | None = None) -> tuple[ComplainantResponse, ...]:
    """For each complainant: their first inbound post and the company's first reply to them.

    A reply is "to them" when its parent is one of their posts or it names their handle
    (``@handle``, any case). One index of company posts by addressee serves every complainant.
    """
    index = company_posts_to(posts)
    time_of = dict(zip(posts[ID].astype(str), posts[CREATED_AT], strict=True))
    results = []
    inbound = posts.loc[posts[ADDRESSED] & (posts[ROLE] == ROLE_COMPLAINANT)]
    firsts = inbound.drop_duplicates(subset=AUTHOR, keep="first")
    for first in firsts.itertuples(index=False):
        first_at = getattr(first, CREATED_AT)
        reply_id = first_post_to(index, str(getattr(first, AUTHOR)), first_at, strictly=False)
        delay = business_s = None
        if reply_id is not None:
            reply_at = time_of[reply_id]
            delay = float((reply_at - first_at).total_seconds())
            if business is not None:
                business_s = business.seconds_between(first_at.to_pydatetime(), reply_at.to_pydatetime())
        results.append(
            ComplainantResponse(
                author=str(getattr(first, AUTHOR_HANDLE)),
                first_post_id=str(getattr(first, ID)),
                first_post_at=first_at.to_pydatetime(),
                first_reply_id=reply_id,
                response_s=delay,
                business_s=business_s,
            )
        )
    results.sort(key=lambda c: c.first_post_at)
    return tuple(results)


def business_figures(
    posts: pd.DataFrame, stats: ResponseStats, business: BusinessHours
) -> dict[str, float | int | None]:
    """Business-hours versions of the first, median, p90 and max response and of the breaches."""
    inbound = posts.loc[posts[ADDRESSED]]
    end = posts[CREATED_AT].max()
    answered = inbound.loc[inbound[RESPONSE_S].notna()]
    delays = [
        business.seconds_between(t.to_pydatetime(), t.to_pydatetime() + timedelta(seconds=float(d)))
        for t, d in zip(answered[CREATED_AT], answered[RESPONSE_S], strict=True)
    ]
    open_ages = [
        business.seconds_between(t.to_pydatetime(), end.to_pydatetime())
        for t in inbound.loc[inbound[RESPONSE_S].isna(), CREATED_AT]
    ]
    first = None
    if stats.first_response_s is not None and stats.first_inbound_id is not None:
        start = inbound.loc[inbound[ID] == stats.first_inbound_id, CREATED_AT].iloc[0]
        begin = start.to_pydatetime()
        first = business.seconds_between(begin, begin + timedelta(seconds=stats.first_response_s))
    breaches = sum(d > stats.target_s for d in delays) + sum(a > stats.target_s for a in open_ages)
    return {
        "business_first_response_s": first,
        "business_median_response_s": _quantile(delays, 0.5),
        "business_p90_response_s": _quantile(delays, 0.9),
        "business_max_response_s": max(delays) if delays else None,
        "business_breaches": int(breaches),
    }


def enrich_response(
    posts: pd.DataFrame,
    stats: ResponseStats,
    resolution: pd.Series | None,
    basis: str,
    complaint_at: pd.Timestamp | None,
    business: BusinessHours | None = None,
    *,
    per_person: bool = True,
) -> ResponseStats:
    """Add turn-taking, silence, resolution, per-complainant (unless not ``per_person``) and
    business-hours figures."""
    silence, silence_start, silence_end = longest_silence(posts)
    resolution_s = None
    if resolution is not None and complaint_at is not None:
        resolution_s = max(0.0, float((resolution[CREATED_AT] - complaint_at).total_seconds()))
    extra: dict[str, object] = {
        "exchanges": int((posts[IS_COMPANY] & posts[PARENT_ID].notna()).sum()),
        "longest_silence_s": silence,
        "longest_silence_start": None if silence_start is None else silence_start.to_pydatetime(),
        "longest_silence_end": None if silence_end is None else silence_end.to_pydatetime(),
        "resolution_s": resolution_s,
        "resolution_post": None if resolution is None else str(resolution[ID]),
        "resolution_basis": basis,
        "per_complainant": per_complainant(posts, business) if per_person else (),
    }
    if business is not None:
        extra["business_hours"] = business.label
        extra.update(business_figures(posts, stats, business))
    return replace(stats, **extra)  # type: ignore[arg-type]


def conversation_breakdown(posts: pd.DataFrame, target_s: float) -> tuple[ConversationSummary, ...]:
    """Response figures per conversation, when the frame holds more than one."""
    if posts[CONVERSATION].nunique(dropna=True) < 2:
        return ()
    summaries = []
    for key, group in posts.groupby(CONVERSATION, sort=False):
        stats = compute_response(group, target_s)
        summaries.append(
            ConversationSummary(
                conversation_id=str(key),
                posts=len(group),
                start=group[CREATED_AT].min().to_pydatetime(),
                inbound=stats.inbound,
                answered=stats.answered,
                first_response_s=stats.first_response_s,
                median_response_s=stats.median_response_s,
            )
        )
    summaries.sort(key=lambda c: c.start)
    return tuple(summaries)
