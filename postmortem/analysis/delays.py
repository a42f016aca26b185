"""Response delays: for each post addressed to the company, the company's first reply in
its reply subtree. Definitions (with a worked example) are in docs/metrics.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from postmortem.analysis.results import ResponseStats
from postmortem.timeline import (
    ADDRESSED,
    ANSWERED_BY,
    CREATED_AT,
    DEPTH,
    ID,
    IS_COMPANY,
    PARENT_ID,
    RESPONSE_S,
)


def first_company_reply(posts: pd.DataFrame) -> tuple[list[str | None], list[float]]:
    """For every post, the id and delay (s) of the earliest company post among its descendants.

    Delays are never negative: a company reply stamped before the post it answers
    (clock skew between platforms) counts as immediate.
    """
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
    return (times - epoch).dt.total_seconds().to_numpy(dtype="float64")


def annotate_responses(posts: pd.DataFrame) -> pd.DataFrame:
    """Add ``response_s`` and ``answered_by`` to inbound posts (NaN / None elsewhere)."""
    answered_by, delays = first_company_reply(posts)
    out = posts.copy()
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
