"""The review on the real customer-support slice (../shared/data/twcs), checked with plain pandas.

The check rebuilds what the review measures straight from the CSV, without postmortem:
conversations (reply-graph components), the period (first customer post in October 2017),
posts addressed to the company (docs/metrics.md), which of them got a company reply below
them, and each conversation's first response. It takes about a minute (682 conversations).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest

from postmortem.review import ReviewOptions, ReviewResult, run_review

TWCS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "twcs" / "twcs_dev.csv"


@pytest.fixture(scope="module")
def review() -> ReviewResult:
    if not TWCS.is_file():
        pytest.skip(f"../shared/data is not present (a user's clone): {TWCS} is needed for the real-data review")
    started = time.perf_counter()
    result = run_review([TWCS], ReviewOptions(month="2017-10"))
    print(f"twcs review: {time.perf_counter() - started:.1f} s")  # shown with -s
    return result


def independent_figures() -> dict[str, float]:
    """The period's figures computed from the raw CSV with pandas only."""
    d = pd.read_csv(TWCS, dtype={"tweet_id": str})
    d["at"] = pd.to_datetime(d.created_at, format="%a %b %d %H:%M:%S %z %Y", utc=True)
    d["parent"] = d.in_response_to_tweet_id.dropna().astype("int64").astype(str).reindex(d.index)
    ids, parent = set(d.tweet_id), d.set_index("tweet_id").parent.to_dict()

    def root(t: str) -> str:
        while isinstance(parent.get(t), str) and parent[t] in ids:
            t = parent[t]
        return t

    d["conv"] = d.tweet_id.map(root)
    company = set(d.tweet_id[~d.inbound])
    answered: set[str] = set()  # tweets with a company tweet somewhere below them
    for t in company:
        p = parent.get(t)
        while isinstance(p, str) and p in ids and p not in answered:
            answered.add(p)
            p = parent.get(p)
    handles = d[~d.inbound].groupby("conv").author_id.agg(lambda s: sorted(set(s)))

    def addressed(r: pd.Series) -> bool:  # root, reply to the company, or names it
        if not r.inbound:
            return False
        if not (isinstance(r.parent, str) and r.parent in ids) or r.parent in company:
            return True
        return any(re.search(rf"(?<!\w){re.escape(h)}(?!\w)", r.text, re.I) for h in handles.get(r.conv, []))

    d["addr"] = d.apply(addressed, axis=1)
    first = d[d.addr].sort_values(["at", "tweet_id"]).groupby("conv")["at"].first()
    october = first[(first >= "2017-10-01") & (first < "2017-11-01")]
    sel = d[d.conv.isin(october.index)]
    replies = sel[~sel.inbound & sel.parent.notna()].join(october.rename("t0"), on="conv")
    replies = replies[replies["at"] >= replies.t0]
    first_response = (replies.groupby("conv")["at"].min() - october.reindex(replies.conv.unique())).dt.total_seconds()
    return {
        "threads_with_inbound": len(october),
        "inbound": int(sel.addr.sum()),
        "answered": int(sel[sel.addr].tweet_id.isin(answered).sum()),
        "threads_answered": len(first_response),
        "first_response_median_s": float(first_response.median()),
        "first_response_p90_s": float(first_response.quantile(0.9)),
        "companies": sel[~sel.inbound].groupby("conv").author_id.first().nunique(),
    }


def test_twcs_october_review_matches_pandas(review: ReviewResult) -> None:
    expected = independent_figures()
    k = review.kpis
    assert review.failures == ()
    assert k.threads_with_inbound == expected["threads_with_inbound"]
    assert (k.inbound, k.answered) == (expected["inbound"], expected["answered"])
    assert k.threads_answered == expected["threads_answered"]
    assert k.first_response_median_s == pytest.approx(expected["first_response_median_s"])
    assert k.first_response_p90_s == pytest.approx(expected["first_response_p90_s"])
    assert len(review.companies) == expected["companies"]


def test_twcs_review_shape(review: ReviewResult) -> None:
    assert review.inputs.threads_read == 682
    assert len(review.summaries) + review.inputs.threads_outside == 682
    assert len(review.companies) > 10 and review.companies[0].company == "ChipotleTweets"
    assert sum(c.kpis.threads for c in review.companies) == review.kpis.threads
    # every thread in the period is one conversation of the file, pointed at with --conversation
    assert all(s.multi and s.conversation_id for s in review.summaries)
    bad, _ = review.lessons
    assert bad and all(0 < c.threads <= review.kpis.threads for c in bad)
    assert review.trends is not None and review.trends.against == "2017-09"
