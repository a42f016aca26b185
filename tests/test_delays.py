"""Response delays checked against answers computed by hand.

small.csv (times on 2024-03-01, UTC):
  1 09:00 alice  "@AcmeCo ..."         inbound (root)      answered by 3 at 10:30 -> 5400 s
  2 09:20 bob    reply to 1, names Acme inbound             no company post below -> unanswered
  3 10:30 AcmeCo reply to 1
  4 10:45 alice  reply to 3             inbound (to company) answered by 5 at 11:00 -> 900 s
  5 11:00 AcmeCo reply to 4
  6 12:00 carol  root "@AcmeCo ..."     inbound              unanswered, but 0 s old at the end
First response: 09:00 -> 10:30 = 5400 s. Median of (5400, 900) = 3150; p90 = 900 + 0.9*4500 = 4950.
Breaches at 1 h: 1 answered late (post 1) + 1 open older than 1 h at 12:00 (post 2, 2 h 40 min) = 2.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem.analysis import AnalysisOptions, analyse
from postmortem.analysis.delays import _first_company_reply_loop, first_company_reply
from postmortem.timeline import ADDRESSED, ANSWERED_BY, AUTHOR, ID, IS_COMPANY, RESPONSE_S, ROLE, to_frame
from tests.conftest import make_thread


def test_per_post_delays(small_analysis) -> None:
    posts = small_analysis.posts.set_index(ID)
    assert posts[ADDRESSED].to_dict() == {"1": True, "2": True, "3": False, "4": True, "5": False, "6": True}
    assert posts.loc["1", RESPONSE_S] == 5400
    assert posts.loc["1", ANSWERED_BY] == "3"
    assert posts.loc["4", RESPONSE_S] == 900
    assert math.isnan(posts.loc["2", RESPONSE_S]) and math.isnan(posts.loc["6", RESPONSE_S])
    assert posts[ROLE].to_dict() == {
        "1": "complainant", "2": "crowd", "3": "company", "4": "complainant", "5": "company", "6": "complainant",
    }


def test_summary_figures(small_analysis) -> None:
    r = small_analysis.response
    assert (r.inbound, r.answered, r.unanswered) == (4, 2, 2)
    assert r.first_response_s == 5400
    assert r.median_response_s == 3150
    assert r.p90_response_s == pytest.approx(4950)
    assert r.max_response_s == 5400
    assert (r.breaches, r.answered_late, r.unanswered_overdue) == (2, 1, 1)
    assert (r.first_inbound_id, r.first_reply_id) == ("1", "3")


def test_target_changes_breaches(small_thread) -> None:
    r = analyse(small_thread, AnalysisOptions(target_s=2 * 3600)).response
    assert (r.answered_late, r.unanswered_overdue) == (0, 1)
    r = analyse(small_thread, AnalysisOptions(target_s=3 * 3600)).response
    assert r.breaches == 0


def test_company_reply_deep_in_subtree_answers_the_root() -> None:
    thread = make_thread(
        [
            ("1", None, "cust", 0, "@shop broken"),
            ("2", "1", "friend", 10, "same"),
            ("3", "2", "shop", 70, "@friend sorry"),
        ],
        company=("shop",),
    )
    posts = analyse(thread).posts.set_index(ID)
    assert posts.loc["1", RESPONSE_S] == 70 * 60
    # "same" neither names the company nor replies to it: not inbound, so no delay of its own.
    assert math.isnan(posts.loc["2", RESPONSE_S])


def test_reply_stamped_before_its_parent_counts_as_immediate() -> None:
    thread = make_thread([("1", None, "cust", 10, "@shop help"), ("2", "1", "shop", 5, "on it")], company=("shop",))
    posts = analyse(thread).posts.set_index(ID)
    assert posts.loc["1", RESPONSE_S] == 0


def test_company_never_replied() -> None:
    thread = make_thread([("1", None, "cust", 0, "@shop help"), ("2", "1", "x", 90, "+1")], company=("shop",))
    analysis = analyse(thread)
    r = analysis.response
    assert r.first_response_s is None and r.answered == 0 and r.inbound == 1
    assert r.unanswered_overdue == 1
    assert [lesson.id for lesson in analysis.lessons] == ["unanswered-complaints"]
    assert "never replied" in analysis.lessons[0].title


def test_self_reply_by_customer_is_not_an_answer() -> None:
    thread = make_thread([("1", None, "cust", 0, "@shop help"), ("2", "1", "cust", 5, "anyone?")], company=("shop",))
    posts = analyse(thread).posts.set_index(ID)
    assert math.isnan(posts.loc["1", RESPONSE_S])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_first_company_reply_matches_the_post_by_post_walk(data: st.DataObject) -> None:
    """The level-at-a-time version agrees with the one-post-at-a-time reference, ties included
    (several company replies at the same minute, replies stamped before their parent)."""
    n = data.draw(st.integers(1, 30))
    rows = []
    for k in range(n):
        parent = data.draw(st.one_of(st.none(), st.integers(0, k - 1).map(str))) if k else None
        author = data.draw(st.sampled_from(["acme", "ann", "bob"]))
        rows.append((str(k), parent, author, data.draw(st.integers(0, 20)), "text"))
    posts = to_frame(make_thread(rows))
    posts[IS_COMPANY] = posts[AUTHOR] == "acme"
    from unittest import mock

    with mock.patch("postmortem.analysis.delays.ARRAY_WALK_FROM", 0):  # the array version, on small inputs
        fast_ids, fast_delays = first_company_reply(posts)
    slow_ids, slow_delays = _first_company_reply_loop(posts)
    assert fast_ids == slow_ids
    assert [None if math.isnan(d) else d for d in fast_delays] == [None if math.isnan(d) else d for d in slow_delays]
