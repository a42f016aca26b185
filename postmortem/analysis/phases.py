"""The incident's story: per-post intent, phases and key moments. Definitions: docs/metrics.md."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from postmortem.analysis.results import KeyMoment, Phase, TimelineStats
from postmortem.analysis.sentiment import NEGATIVE_THRESHOLD
from postmortem.perf import map_distinct
from postmortem.timeline import (
    ADDRESSED,
    CREATED_AT,
    ID,
    IS_COMPANY,
    PARENT_ID,
    ROLE,
    ROLE_COMPLAINANT,
    ROLE_CROWD,
    SENTIMENT,
    TEXT,
)

INTENT = "intent"
INTENTS = ("complaint", "question", "praise", "pile_on", "company_reply", "company_post", "other")

_ME_TOO = re.compile(
    r"\b(?:me too|same here|same (?:thing|problem|issue|here)|happened to me|(?:i|we) had the same|"
    r"not (?:just|only) you|join the club|you'?re not alone|also (?:had|have|got)|mine (?:too|as well|is|was|did)|"
    r"my (?:own )?(?:unit|device|order) (?:too|also|as well))\b|^\s*\+1\b|^\s*RT @",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(?:still waiting|waiting (?:for|since|on)|on hold|no (?:reply|response|answer|one)|"
    r"never (?:arrived|came|got|again|heard)|"
    r"refund|broken|defective|doesn'?t work|not working|stopped working|cancel+ed|delayed|lost|worst|terrible|"
    r"awful|disappointed|unacceptable|ridiculous|complain\w*|ignored|rude)\b",
    re.IGNORECASE,
)
_PRAISE = re.compile(
    r"\b(?:thank(?:s| you)|love|great|awesome|amazing|excellent|brilliant|well done|appreciate\w*)\b", re.IGNORECASE
)
_RESOLVED_CUSTOMER = re.compile(
    r"\b(?:(?:all )?sorted(?: now| out)?|fixed|resolved|works (?:now|again|perfectly)|working (?:now|again)|"
    r"(?:received|got) (?:it|my|the)|(?:it )?arrived|problem solved|"
    r"thanks? (?:you )?(?:so much|for (?:sorting|fixing|helping|the help|your help|resolving|"
    r"the refund|the replacement)))\b",
    re.IGNORECASE,
)
_RESOLVED_COMPANY = re.compile(
    r"\b(?:resolved|has been (?:fixed|sorted|refunded|replaced)|we'?ve (?:fixed|refunded|replaced|sent)|"
    r"(?:refund|replacement) (?:has been|was) (?:issued|sent|processed)|closing (?:this|the) (?:case|ticket))\b",
    re.IGNORECASE,
)
_APOLOGY = re.compile(
    r"\b(?:sorry|apologi[sz]e\w*|apologies|my bad|our fault|we got (?:this|it) wrong)\b", re.IGNORECASE
)


def classify_intents(posts: pd.DataFrame) -> pd.Series:
    """One intent per post from its role, text and sentiment (see docs/metrics.md, "Intent")."""
    text = posts[TEXT].fillna("")
    negative = posts[SENTIMENT] <= NEGATIVE_THRESHOLD
    company = posts[IS_COMPANY].astype(bool)
    crowd = posts[ROLE] == ROLE_CROWD
    # Each pattern runs only on the posts whose intent it can decide (company posts are
    # decided first; "me too" only matters for the crowd; complaint words only without a
    # negative score; praise only with a positive one).
    me_too = contains_where(text, crowd, _ME_TOO)
    complaint_words = contains_where(text, ~company & ~negative, _COMPLAINT)
    question = text.str.contains("?", regex=False)
    praise = contains_where(text, ~company & (posts[SENTIMENT] >= 0.3), _PRAISE)
    intent = np.select(
        [
            company & posts[PARENT_ID].notna(),
            company,
            crowd & (me_too | (negative & posts[ADDRESSED])),
            (negative | complaint_words) & ~praise,
            question,
            praise,
        ],
        ["company_reply", "company_post", "pile_on", "complaint", "question", "praise"],
        default="other",
    )
    return pd.Series(intent, index=posts.index, dtype="object")


def contains_where(text: pd.Series, mask: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """``text.str.contains(pattern)`` where ``mask`` holds, False elsewhere (each distinct text
    searched once, half of them in a forked child when there are many: see ``map_distinct``)."""
    found = np.zeros(len(text), dtype=bool)
    where = np.flatnonzero(mask.to_numpy(dtype=bool))
    if len(where):
        found[where] = map_distinct(
            lambda t: pattern.search(t) is not None, text.to_numpy()[where].tolist(), in_parallel=True
        )
    return pd.Series(found, index=text.index)


def peak_window(windows: pd.DataFrame, window_s: float) -> tuple[pd.Timestamp, pd.Timestamp, int] | None:
    """The densest window (first of equals): start, end and number of posts."""
    if windows.empty:
        return None
    totals = windows[["company", "complainant", "crowd"]].sum(axis=1)
    best = int(totals.to_numpy().argmax())
    start = pd.Timestamp(windows["start"].iloc[best])
    return start, start + pd.Timedelta(seconds=window_s), int(totals.iloc[best])


def _first_matching(posts: pd.DataFrame, mask: pd.Series, pattern: re.Pattern[str]) -> pd.Series | None:
    """The first post under ``mask`` whose text matches ``pattern`` (stops at the first)."""
    texts = posts[TEXT].to_numpy()
    for n in np.flatnonzero(mask.to_numpy(dtype=bool)):
        if pattern.search(str(texts[n])):
            return posts.iloc[int(n)]
    return None


def _first(posts: pd.DataFrame, mask: pd.Series) -> pd.Series | None:
    hits = np.flatnonzero(mask.to_numpy(dtype=bool))
    return None if len(hits) == 0 else posts.iloc[int(hits[0])]


def first_complaint(posts: pd.DataFrame) -> pd.Series | None:
    """The first post addressed to the company (the trigger; the same post first response starts from)."""
    return _first(posts, posts[ADDRESSED])


def resolution_post(posts: pd.DataFrame) -> tuple[pd.Series | None, str]:
    """Where the thread shows resolution, and on what basis.

    In order: a complainant's positive thanks or "sorted/fixed" in a direct reply to a company
    post; the company saying it resolved, refunded or replaced; else the last company reply.
    """
    replies = posts.loc[posts[IS_COMPANY] & posts[PARENT_ID].notna()]
    if replies.empty:
        return None, "none"
    to_company = posts[PARENT_ID].isin(set(replies[ID]))
    customer = (posts[ROLE] == ROLE_COMPLAINANT) & to_company & (posts[SENTIMENT] > 0.3)
    found = _first_matching(posts, customer, _RESOLVED_CUSTOMER)
    if found is not None:
        return found, "customer confirmed"
    found = _first_matching(posts, posts[IS_COMPANY], _RESOLVED_COMPANY)
    if found is not None:
        return found, "company marked resolved"
    return replies.iloc[-1], "last company reply"


Peak = tuple[pd.Timestamp, pd.Timestamp, int] | None
Resolution = tuple[pd.Series | None, str]


def compute_phases(
    posts: pd.DataFrame,
    windows: pd.DataFrame,
    window_s: float,
    *,
    peak: Peak | None = None,
    resolution: Resolution | None = None,
) -> tuple[Phase, ...]:
    """Trigger, escalation, response and decay/resolution as consecutive intervals, plus the peak window.

    Trigger: the first complaint's window. Escalation: from there to the company's first
    reply (or the end). Response: first to last company reply. Then decay, or resolution
    when the thread shows one. Peak: the densest window (it may overlap the others).
    """
    complaint = first_complaint(posts)
    if complaint is None:
        return ()
    end = posts[CREATED_AT].max()
    t0 = complaint[CREATED_AT]
    window = pd.Timedelta(seconds=window_s)
    replies = posts.loc[posts[IS_COMPANY] & posts[PARENT_ID].notna() & (posts[CREATED_AT] >= t0)]
    trigger_end = min(t0 + window, replies[CREATED_AT].iloc[0] if len(replies) else end + window)
    spans: list[tuple[str, pd.Timestamp, pd.Timestamp]] = [("trigger", t0, trigger_end)]
    if len(replies):
        first_reply, last_reply = replies[CREATED_AT].iloc[0], replies[CREATED_AT].iloc[-1]
        if first_reply > trigger_end:
            spans.append(("escalation", trigger_end, first_reply))
        spans.append(("response", first_reply, max(last_reply, first_reply)))
        if end > last_reply:
            _, basis = resolution or resolution_post(posts)
            spans.append(("resolution" if basis != "last company reply" else "decay", last_reply, end))
    elif end > trigger_end:
        spans.append(("escalation", trigger_end, end))
    phases = [_phase(posts, name, start, stop) for name, start, stop in spans]
    peak = peak or peak_window(windows, window_s)
    if peak is not None:
        phases.append(_phase(posts, "peak", peak[0], peak[1]))
    return tuple(phases)


_DESCRIPTIONS = {
    "trigger": "the first complaint and what followed within one window",
    "escalation": "until the company's first reply",
    "response": "from the company's first to its last reply",
    "decay": "after the company's last reply",
    "resolution": "after the company's last reply; the thread shows a resolution",
    "peak": "the busiest window",
}


def _phase(posts: pd.DataFrame, name: str, start: pd.Timestamp, stop: pd.Timestamp) -> Phase:
    inside = (posts[CREATED_AT] >= start) & ((posts[CREATED_AT] < stop) | (posts[CREATED_AT] == stop))
    return Phase(
        name=name,
        start=start.to_pydatetime(),
        end=stop.to_pydatetime(),
        posts=int(inside.sum()),
        description=_DESCRIPTIONS[name],
    )


def compute_moments(
    posts: pd.DataFrame,
    windows: pd.DataFrame,
    window_s: float,
    lowest_post: str | None,
    worst_reply: str | None = None,
    apology: str | None = None,
    *,
    peak: Peak | None = None,
    resolution: Resolution | None = None,
) -> tuple[KeyMoment, ...]:
    """Key moments with post ids, in time order (see docs/metrics.md)."""
    found: list[tuple[str, str, pd.Series | None]] = []
    ids = posts[ID].to_numpy()

    def by_id(post_id: str | None) -> pd.Series | None:
        if post_id is None:
            return None
        hits = np.flatnonzero(ids == post_id)
        return posts.iloc[int(hits[0])] if len(hits) else None

    complaint = first_complaint(posts)
    found.append(("first_complaint", "First complaint", complaint))
    reply_mask = posts[IS_COMPANY] & posts[PARENT_ID].notna()
    if complaint is not None:
        reply_mask &= posts[CREATED_AT] >= complaint[CREATED_AT]
    found.append(("first_company_reply", "First company reply", _first(posts, reply_mask)))
    # The worst reply is judged by the reply audit (lessons), not by sentiment: an apology
    # full of "sorry" scores lower than a sarcastic joke.
    found.append(("worst_company_reply", "Worst company reply", by_id(worst_reply)))
    apology_row = _first_matching(posts, posts[IS_COMPANY], _APOLOGY) if apology is None else by_id(apology)
    found.append(("apology", "First apology", apology_row))
    peak = peak or peak_window(windows, window_s)
    if peak is not None:
        inside = posts.loc[(posts[CREATED_AT] >= peak[0]) & (posts[CREATED_AT] < peak[1])]
        if len(inside):
            replies = posts[PARENT_ID].value_counts()
            most = inside.assign(_n=inside[ID].map(replies).fillna(0)).sort_values(
                ["_n", CREATED_AT], ascending=[False, True]
            )
            found.append(("peak", f"Peak ({peak[2]} post{'s' if peak[2] != 1 else ''} in one window)", most.iloc[0]))
    found.append(("lowest_sentiment", "Lowest crowd mood", by_id(lowest_post)))
    resolved, basis = resolution or resolution_post(posts)
    if resolved is not None:
        found.append(("resolution", f"Resolution ({basis})", resolved))
    found.append(("last_word", "Last word", posts.iloc[-1] if len(posts) else None))
    moments = [
        KeyMoment(kind=kind, label=label, post_id=str(row[ID]), at=row[CREATED_AT].to_pydatetime())
        for kind, label, row in found
        if row is not None
    ]
    moments.sort(key=lambda m: (m.at, m.kind))
    return tuple(moments)


def compute_timeline(
    posts: pd.DataFrame,
    windows: pd.DataFrame,
    window_s: float,
    lowest_post: str | None,
    worst_reply: str | None = None,
    apology: str | None = None,
) -> TimelineStats:
    """Phases, key moments and the peak window of an analysed thread."""
    peak = peak_window(windows, window_s)
    resolution = resolution_post(posts)
    return TimelineStats(
        phases=compute_phases(posts, windows, window_s, peak=peak, resolution=resolution),
        moments=compute_moments(
            posts, windows, window_s, lowest_post, worst_reply, apology, peak=peak, resolution=resolution
        ),
        peak_start=None if peak is None else peak[0].to_pydatetime(),
        peak_posts=0 if peak is None else peak[2],
    )
