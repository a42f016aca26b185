"""Intents, phases, key moments, silence, resolution, events and amplification on small.csv.

Times (2024-03-01 UTC): 1 alice 09:00 root; 2 bob 09:20; 3 AcmeCo 10:30 (apology, reply to 1);
4 alice 10:45 "done. Thanks."; 5 AcmeCo 11:00; 6 carol 12:00 root. Window: 15 min (3 h / 12).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from postmortem.analysis import analyse
from postmortem.analysis.phases import INTENT, classify_intents
from postmortem.timeline import ADDRESSED, IS_COMPANY, PARENT_ID, ROLE, SENTIMENT, TEXT
from tests.conftest import make_thread


def utc(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, 1, hour, minute, tzinfo=timezone.utc)


def test_window_and_phases(small_analysis) -> None:
    assert small_analysis.window_s == 900
    phases = {p.name: (p.start, p.end, p.posts) for p in small_analysis.timeline.phases}
    assert phases["trigger"] == (utc(9), utc(9, 15), 1)
    assert phases["escalation"] == (utc(9, 15), utc(10, 30), 2)  # bob 09:20 and the reply at 10:30
    assert phases["response"] == (utc(10, 30), utc(11), 3)
    assert phases["decay"] == (utc(11), utc(12), 2)
    assert phases["peak"][:2] == (utc(9), utc(9, 15))


def test_key_moments(small_analysis) -> None:
    moments = {m.kind: m.post_id for m in small_analysis.timeline.moments}
    assert moments["first_complaint"] == "1"
    assert moments["first_company_reply"] == "3"
    assert moments["apology"] == "3"
    assert moments["lowest_sentiment"] == "6"
    assert moments["resolution"] == "5"  # no customer confirmation: the last company reply
    assert moments["last_word"] == "6"
    assert "worst_company_reply" not in moments  # judged by the reply audit, not by sentiment


def test_silence_resolution_exchanges(small_analysis) -> None:
    r = small_analysis.response
    # Open from 09:00 (first inbound) to 12:00; company posts at 10:30 and 11:00 -> gaps 90, 30, 60 min.
    assert r.longest_silence_s == 5400
    assert (r.longest_silence_start, r.longest_silence_end) == (utc(9), utc(10, 30))
    assert r.exchanges == 2
    assert (r.resolution_post, r.resolution_basis, r.resolution_s) == ("5", "last company reply", 7200)


def test_per_complainant(small_analysis) -> None:
    rows = [(c.author, c.first_post_id, c.first_reply_id, c.response_s) for c in small_analysis.response.per_complainant]
    assert rows == [("alice", "1", "3", 5400), ("carol", "6", None, None)]


def test_customer_confirmation_is_the_resolution() -> None:
    thread = make_thread(
        [
            ("1", None, "cust", 0, "@shop my parcel never arrived"),
            ("2", "1", "shop", 30, "@cust So sorry! We've sent a replacement today."),
            ("3", "2", "cust", 300, "@shop it arrived, thank you so much, great service!"),
            ("4", None, "x", 400, "nice"),
        ],
        company=("shop",),
    )
    r = analyse(thread).response
    assert (r.resolution_post, r.resolution_basis, r.resolution_s) == ("3", "customer confirmed", 300 * 60)


def test_events_before_and_after_a_reply(small_analysis) -> None:
    first = small_analysis.sentiment.events[0]
    assert first.reply_id == "3" and first.addressed_to == "alice"
    assert (first.before_mean, first.before_n) == (None, 0)  # nothing from 10:15 to 10:30
    assert first.after_n == 1 and first.after_mean == pytest.approx(0.4404)  # alice at 10:45
    assert first.complainant_after == pytest.approx(0.4404)
    assert first.change is None


def test_amplification(small_analysis) -> None:
    amp = small_analysis.amplification
    assert amp is not None
    assert amp.original_complainant == "alice"
    assert amp.others_share == 0.5  # bob and carol wrote 2 of the 4 non-company posts
    assert amp.participants == 4
    assert amp.likes == 10 and amp.most_liked_post == "1"
    assert amp.time_to_peak_s == 0 and amp.spikes == ()
    windows = small_analysis.windows
    assert windows["participants_total"].iloc[-1] == 4


@pytest.mark.parametrize(
    ("text", "role", "sentiment", "is_company", "parent", "intent"),
    [
        ("Same here, mine broke too", "crowd", -0.4, False, "1", "pile_on"),
        ("RT @alice: worst service", "crowd", -0.6, False, None, "pile_on"),
        ("Still waiting for my refund", "complainant", 0.0, False, None, "complaint"),
        ("Does the warranty cover this?", "crowd", 0.0, False, "1", "question"),
        ("Thank you, great service!", "complainant", 0.8, False, "2", "praise"),
        ("We're on it", "company", 0.0, True, "1", "company_reply"),
        ("Fare sale today!", "company", 0.5, True, None, "company_post"),
        ("ok", "crowd", 0.0, False, "1", "other"),
    ],
)
def test_intents(text: str, role: str, sentiment: float, is_company: bool, parent: str | None, intent: str) -> None:
    frame = pd.DataFrame(
        {TEXT: [text], ROLE: [role], SENTIMENT: [sentiment], IS_COMPANY: [is_company], PARENT_ID: [parent], ADDRESSED: [False]}
    )
    assert classify_intents(frame).tolist() == [intent]


def test_intent_column_in_analysis(small_analysis) -> None:
    assert small_analysis.posts[INTENT].tolist()[2] == "company_reply"


def test_thread_crossing_midnight_and_deleted_parent() -> None:
    # 23:50 complaint, a reply to a deleted post at 00:05, company answers at 00:20 the next day.
    thread = make_thread(
        [
            ("1", None, "cust", 14 * 60 + 50, "@shop card declined twice, order gone"),
            ("2", "gone", "cust2", 15 * 60 + 5, "@shop same problem"),
            ("3", "1", "shop", 15 * 60 + 20, "@cust sorry, DM us"),
        ],
        company=("shop",),
    )
    analysis = analyse(thread)
    assert analysis.response.first_response_s == 30 * 60
    assert analysis.response.unanswered == 1  # the orphan's parent is gone; nobody answered it
    assert analysis.posts.loc[analysis.posts["id"] == "2", "orphan"].item()
