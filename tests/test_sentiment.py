from __future__ import annotations

import pandas as pd
import pytest

from postmortem.analysis import analyse, choose_window
from postmortem.analysis.sentiment import VaderScorer, classify, compute_sentiment
from postmortem.timeline import CREATED_AT, ID, ROLE, SENTIMENT
from tests.conftest import at


def frame(rows: list[tuple[str, float, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            ID: [r[0] for r in rows],
            CREATED_AT: pd.to_datetime([at(r[1]) for r in rows], utc=True),
            ROLE: [r[2] for r in rows],
            SENTIMENT: [r[3] for r in rows],
        }
    )


def test_vader_scores_match_the_reference() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = ["I love this!", "Worst service ever.", "ok", "I love this!"]
    reference = SentimentIntensityAnalyzer()
    assert VaderScorer().score(texts) == [reference.polarity_scores(t)["compound"] for t in texts]


@pytest.mark.parametrize(("score", "label"), [(0.05, "positive"), (0.049, "neutral"), (-0.05, "negative"), (0.0, "neutral")])
def test_three_classes(score: float, label: str) -> None:
    assert classify(score) == label


def test_drift_start_end_and_minimum_by_hand() -> None:
    # Window 10 min. Crowd posts at 0, 5, 12, 20, 25. The first window holds 2 posts and the last
    # window (15-25) 2 posts: both are widened to the minimum sample of 3 posts.
    # Start = mean(0.4, 0.0, -0.2) = 0.0667; end = mean(-0.2, -0.6, -0.8) = -0.5333.
    posts = frame(
        [
            ("a", 0, "complainant", 0.4),
            ("b", 5, "crowd", 0.0),
            ("c", 8, "company", 0.9),
            ("d", 12, "crowd", -0.2),
            ("e", 20, "crowd", -0.6),
            ("f", 25, "crowd", -0.8),
        ]
    )
    stats = compute_sentiment(posts, 600, "vader")
    assert stats.crowd_start == pytest.approx(0.0667, abs=1e-4)
    assert stats.crowd_end == pytest.approx(-0.5333, abs=1e-4)
    assert stats.drift == pytest.approx(-0.6, abs=1e-4)
    # Trailing 10-min means where the window is full (t >= 10): d -0.1, e -0.4 (d, e), f -0.7 (e, f).
    assert stats.crowd_min == pytest.approx(-0.7)
    assert stats.crowd_min_post == "f"
    assert stats.company_mean == pytest.approx(0.9)
    assert (stats.crowd_posts, stats.company_posts) == (5, 1)


def test_no_crowd_posts() -> None:
    stats = compute_sentiment(frame([("c", 0, "company", 0.5)]), 600, "vader")
    assert stats.drift is None and stats.crowd_start is None and stats.company_mean == 0.5


@pytest.mark.parametrize(
    ("duration_s", "window_s"), [(0, 60), (3600, 300), (2 * 3600, 600), (3 * 86400, 21600), (400 * 86400, 604800)]
)
def test_window_adapts_to_duration(duration_s: float, window_s: float) -> None:
    assert choose_window(duration_s) == window_s


def test_windows_table_counts_every_post(small_analysis) -> None:
    windows = small_analysis.windows
    assert int(windows[["company", "complainant", "crowd"]].to_numpy().sum()) == len(small_analysis.posts)
    assert int(windows["participants_new"].sum()) == small_analysis.posts["author"].nunique()


def test_thread_of_one_post(tmp_path) -> None:
    from tests.conftest import make_thread

    analysis = analyse(make_thread([("1", None, "a", 0, "@shop my order is lost")]))
    assert analysis.sentiment.drift == 0
    assert len(analysis.windows) == 1


def test_full_windows_are_not_widened() -> None:
    # 40 crowd posts: minimum sample max(3, 10% of 40) = 4; the first window holds 10 posts.
    rows = [(f"p{n}", n * 1.0, "crowd", 0.5 if n < 10 else -0.5) for n in range(40)]
    stats = compute_sentiment(frame(rows), 600, "vader")
    assert stats.crowd_start == pytest.approx(0.5)
    assert stats.crowd_end == pytest.approx(-0.5)
