"""Property-based fuzzing of the analysis: random threads (cycles, self-replies, orphans,
replies before their parent, one post, no company post, hostile text) are measured without
any exception other than a PostmortemError; delays are never negative; the timeline is sorted.

Quick by default; ``pytest -m fuzz tests/test_fuzz_analysis.py --hypothesis-show-statistics``
makes :data:`FUZZ_EXAMPLES` cases.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem.analysis import analyse
from postmortem.analysis.results import AnalysisOptions
from postmortem.errors import PostmortemError
from postmortem.model import POST_KINDS, Post, Source, Thread
from postmortem.timeline import CREATED_AT

QUICK_EXAMPLES = 15
FUZZ_EXAMPLES = 2_000
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
AUTHORS = ["AcmeCo", "acmeco", "@AcmeHelp", "zoe", "bob", "mira", "", " ", "<b>x</b>", "\u202eeve", "a" * 60]
TEXTS = st.one_of(
    st.sampled_from(
        [
            "@AcmeCo where is my order??? six weeks!",
            "Sorry for the inconvenience, please DM us",
            "thanks, sorted now",
            "",
            "😡😡😡",
            "<script>alert(1)</script>",
            "=HYPERLINK(\"x\")",
            "\u202ereversed\u202c",
            "A" * 5000,
            "me too. terrible. refund NOW",
        ]
    ),
    st.text(max_size=80),
)


@st.composite
def threads(draw: Any) -> Thread:
    size = draw(st.integers(1, 25))
    ids = [str(i) for i in range(size)]
    posts = []
    for i in ids:
        parent = draw(st.one_of(st.none(), st.sampled_from(ids), st.just("missing")))
        offset = draw(
            st.one_of(
                st.integers(-3 * 86400, 30 * 86400),
                st.sampled_from([0, 0, 1, 59, 3600]),
                st.integers(-(10**9), 10**9),  # decades apart, both ways
            )
        )
        posts.append(
            Post(
                id=i,
                parent_id=parent,
                author=draw(st.sampled_from(AUTHORS)),
                created_at=T0 + timedelta(seconds=offset, microseconds=draw(st.integers(0, 999_999))),
                text=draw(TEXTS),
                platform=draw(st.sampled_from(["twitter", "facebook", "test"])),
                kind=draw(st.sampled_from(POST_KINDS)),
                likes=draw(st.none() | st.integers(0, 10**6)),
                shares=draw(st.none() | st.integers(0, 10**6)),
                conversation_id=draw(st.none() | st.sampled_from(["c1", "c2"])),
                is_company=draw(st.none() | st.booleans()),
            )
        )
    hint = draw(st.sampled_from([(), ("acmeco",), ("nobody",), ("zoe", "acmeco")]))
    return Thread(posts=tuple(posts), source=Source(path="fuzz", format="test", sha256="0" * 64), company_hint=hint)


OPTIONS = st.builds(
    AnalysisOptions,
    company=st.sampled_from([(), ("AcmeCo",), ("@acmehelp",), ("nobody",)]),
    target_s=st.sampled_from([1.0, 60.0, 3600.0, 86400.0]),
    tz=st.sampled_from(["UTC", "Europe/London", "Pacific/Kiritimati"]),
    business_hours=st.sampled_from([None, "09:00-17:00"]),
)


def check_analysis(thread: Thread, options: AnalysisOptions) -> None:
    try:
        result = analyse(thread, options)
    except PostmortemError:
        return
    posts = result.posts
    assert len(posts) == len(thread.posts)
    times = posts[CREATED_AT].tolist()
    assert times == sorted(times), "timeline not sorted"
    if "response_s" in posts:
        delays = [d for d in posts["response_s"].tolist() if d is not None and not math.isnan(d)]
        assert all(d >= 0 for d in delays), delays
    r = result.response
    for value in (r.first_response_s, r.median_response_s, r.p90_response_s, r.max_response_s, r.resolution_s,
                  r.longest_silence_s):
        assert value is None or value >= 0, r
    assert r.answered + r.unanswered == r.inbound
    if isinstance(result.windows, pd.DataFrame) and "start" in result.windows and len(result.windows):
        starts = result.windows["start"].tolist()
        assert starts == sorted(starts)


@settings(max_examples=QUICK_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(thread=threads(), options=OPTIONS)
def test_analysis_quick_fuzz(thread: Thread, options: AnalysisOptions) -> None:
    check_analysis(thread, options)


@pytest.mark.fuzz
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(thread=threads(), options=OPTIONS)
def test_analysis_long_fuzz(thread: Thread, options: AnalysisOptions) -> None:
    check_analysis(thread, options)
