"""Sentiment tied to events (before/after each company reply) and amplification (pile-on)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from postmortem.analysis.results import AmplificationStats, SentimentEvent
from postmortem.timeline import (
    AUTHOR,
    CREATED_AT,
    ID,
    IS_COMPANY,
    LIKES,
    PARENT_ID,
    ROLE,
    ROLE_COMPANY,
    SENTIMENT,
    SHARES,
)

MAX_EVENTS = 200
SPIKE_FACTOR = 3.0
SPIKE_MIN_POSTS = 5


def _mean(values: pd.Series | np.ndarray) -> float | None:
    """Mean to 4 places, None when empty (a float64 array's mean is the Series' mean: same summation)."""
    return None if len(values) == 0 else round(float(values.mean()), 4)


def reply_events(posts: pd.DataFrame, window_s: float) -> tuple[SentimentEvent, ...]:
    """For each company reply: non-company mood in the window before vs the window after.

    Before is [t - window, t), after is (t, t + window]. The complainant's mood uses only the
    posts of the person the reply answered (the author of its parent), in the same windows.
    """
    window = pd.Timedelta(seconds=window_s)
    crowd = posts.loc[posts[ROLE] != ROLE_COMPANY, [CREATED_AT, AUTHOR, SENTIMENT]]
    times = crowd[CREATED_AT]
    ordered = times.is_monotonic_increasing  # the posts frame is in time order: slice by binary search
    replies = posts.loc[posts[IS_COMPANY] & posts[PARENT_ID].notna()].head(MAX_EVENTS)
    answered = posts.loc[posts[ID].isin(set(replies[PARENT_ID])), [ID, AUTHOR]]
    author_of = dict(zip(answered[ID], answered[AUTHOR], strict=True))
    # Positions (in ``crowd``) of the posts of each person answered, in time order.
    people = crowd[AUTHOR].isin(set(author_of.values())).to_numpy(dtype=bool)
    own: dict[str, list[int]] = {}
    for position, author in zip(np.flatnonzero(people), crowd[AUTHOR].to_numpy()[people], strict=True):
        own.setdefault(author, []).append(int(position))
    mood = crowd[SENTIMENT]
    scores = mood.to_numpy(dtype="float64")
    events = []
    for _, reply in replies.iterrows():
        t = reply[CREATED_AT]
        person = author_of.get(reply[PARENT_ID])
        before: pd.Series | np.ndarray
        after: pd.Series | np.ndarray
        person_before: pd.Series | np.ndarray
        person_after: pd.Series | np.ndarray
        if ordered:  # slices of a plain array: a pandas slice and mean per window cost 0.1 ms each
            lo = int(times.searchsorted(t - window, side="left"))
            end_before = int(times.searchsorted(t, side="left"))
            start_after = int(times.searchsorted(t, side="right"))
            hi = int(times.searchsorted(t + window, side="right"))
            before, after = scores[lo:end_before], scores[start_after:hi]
            mine = np.asarray(own.get(person, []) if person is not None else [], dtype=np.int64)
            person_before = scores[mine[np.searchsorted(mine, lo) : np.searchsorted(mine, end_before)]]
            person_after = scores[mine[np.searchsorted(mine, start_after) : np.searchsorted(mine, hi)]]
        else:
            before_rows = crowd.loc[(times >= t - window) & (times < t)]
            after_rows = crowd.loc[(times > t) & (times <= t + window)]
            before, after = before_rows[SENTIMENT], after_rows[SENTIMENT]
            person_before = before_rows.loc[before_rows[AUTHOR] == person, SENTIMENT]
            person_after = after_rows.loc[after_rows[AUTHOR] == person, SENTIMENT]
        events.append(
            SentimentEvent(
                reply_id=str(reply[ID]),
                at=t.to_pydatetime(),
                addressed_to=person,
                before_mean=_mean(before),
                before_n=len(before),
                after_mean=_mean(after),
                after_n=len(after),
                complainant_before=_mean(person_before),
                complainant_after=_mean(person_after),
            )
        )
    return tuple(events)


def largest_drops(windows: pd.DataFrame, count: int = 3) -> tuple[tuple[pd.Timestamp, float], ...]:
    """Windows where the crowd's mean sentiment fell most from the previous window with posts."""
    mood = windows[["start", "crowd_sentiment"]].dropna()
    if len(mood) < 2:
        return ()
    change = mood["crowd_sentiment"].diff()
    falls = mood.assign(change=change).dropna().sort_values("change").head(count)
    return tuple(
        (row.start.to_pydatetime(), round(float(row.change), 4)) for row in falls.itertuples() if row.change < 0
    )


def compute_amplification(posts: pd.DataFrame, windows: pd.DataFrame, original: str | None) -> AmplificationStats:
    """Participants, the share of others' posts, time to peak, spikes and engagement."""
    non_company = posts.loc[posts[ROLE] != ROLE_COMPANY]
    others_share = None
    if len(non_company) and original is not None:
        others_share = round(float((non_company[AUTHOR] != original).mean()), 4)
    totals = windows[["company", "complainant", "crowd"]].sum(axis=1) if len(windows) else pd.Series(dtype=float)
    time_to_peak = None
    spikes: tuple[datetime, ...] = ()
    if len(totals):
        peak_start = windows["start"].iloc[int(totals.to_numpy().argmax())]
        time_to_peak = float((peak_start - windows["start"].iloc[0]).total_seconds())
        active = totals[totals > 0]
        baseline = float(np.median(active)) if len(active) else 0.0
        spike_mask = (totals >= SPIKE_FACTOR * baseline) & (totals >= SPIKE_MIN_POSTS)
        spikes = tuple(pd.Timestamp(s).to_pydatetime() for s in windows.loc[spike_mask, "start"])
    likes = posts[LIKES].dropna()
    shares = posts[SHARES].dropna()
    most_liked = None
    if len(likes) and int(likes.max()) > 0:
        most_liked = str(posts.loc[posts[LIKES].fillna(-1).astype("int64").idxmax(), ID])
    return AmplificationStats(
        original_complainant=original,
        participants=int(posts[AUTHOR].nunique()),
        others_share=others_share,
        time_to_peak_s=time_to_peak,
        spikes=spikes,
        likes=int(likes.sum()) if len(likes) else None,
        shares=int(shares.sum()) if len(shares) else None,
        most_liked_post=most_liked,
    )
