"""FastVaderScorer gives exactly the reference vaderSentiment compound scores."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from postmortem.analysis.fast_vader import FastVader, FastVaderScorer

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

PHRASES = [
    "VADER is smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Not such a badass after all.",
    "yeah right, great service",
    "no good, no bad, no or nor good",
    "It was the kiss of death for the plan, to die for though",
    "good but good but bad but good",
    "good good good but bad bad",
    "GREAT but TERRIBLE and OK",
    "ALL CAPS GREAT TEXT",
    "I am waiting?? Why??? Seriously????",
    "!!!!!! great !!!!!!",
    "",
    "   ",
    "😡😡😡",
    "love😍it",
    "no",
    "no problem",
    "not a problem at all",
    "thanks for nothing @company",
    "@delta still waiting for my refund... on hold for 2 hours!!",
    "sort of good, kind of bad, just enough",
    "I don't like it, I never liked it, it isn't nice",
    "the bomb the shit bad ass bus stop",
    "least bad, very least good, at least ok",
]

WORDS = [
    "good",
    "bad",
    "not",
    "very",
    "NO",
    "but",
    "never",
    "so",
    "this",
    "least",
    "kind",
    "of",
    "GREAT",
    "!",
    "?",
    "😁",
]


def _varied_texts() -> list[str]:
    """Hand-picked phrases plus systematic combinations of rule-triggering words."""
    combos = [" ".join(c) for c in itertools.product(WORDS[:8], WORDS[4:12], WORDS[:6])]
    return PHRASES + combos


@pytest.fixture(scope="module")
def reference() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def _assert_identical(texts: list[str], reference: SentimentIntensityAnalyzer) -> None:
    expected = [reference.polarity_scores(t)["compound"] for t in texts]
    got = FastVaderScorer(workers=1).score(texts)
    mismatches = [(t, e, g) for t, e, g in zip(texts, expected, got, strict=True) if e != g]
    assert not mismatches, mismatches[:5]


def test_identical_on_varied_texts(reference: SentimentIntensityAnalyzer) -> None:
    texts = _varied_texts()
    assert len(texts) > 300
    _assert_identical(texts, reference)


def test_single_text_engine_matches_batch(reference: SentimentIntensityAnalyzer) -> None:
    engine = FastVader()
    for text in PHRASES:
        assert engine.compound(text) == reference.polarity_scores(text)["compound"]
    assert engine.compound_many(PHRASES) == [reference.polarity_scores(t)["compound"] for t in PHRASES]


def test_cache_and_duplicates_keep_order(reference: SentimentIntensityAnalyzer) -> None:
    scorer = FastVaderScorer(workers=1)
    texts = ["good", "bad", "good", "", "bad", "meh"]
    first = scorer.score(texts)
    assert first == [reference.polarity_scores(t)["compound"] for t in texts]
    assert scorer.score(texts[::-1]) == first[::-1]
    assert scorer.method == "vader"


def test_process_pool_path_is_identical(reference: SentimentIntensityAnalyzer) -> None:
    texts = _varied_texts()[:200]
    pooled = FastVaderScorer(workers=2, parallel_threshold=10).score(texts)
    assert pooled == [reference.polarity_scores(t)["compound"] for t in texts]


def _shared_texts(relative: str, column: str) -> list[str]:
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"../shared/data not present (a user's clone): {path}")
    with open(path, encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_identical_on_real_twcs_texts(reference: SentimentIntensityAnalyzer) -> None:
    _assert_identical(_shared_texts("twcs/twcs_dev.csv", "text"), reference)


def test_identical_on_real_airline_texts(reference: SentimentIntensityAnalyzer) -> None:
    _assert_identical(_shared_texts("airline_sentiment/tweets_dev.csv", "text"), reference)


def test_identical_on_vader_ground_truth(reference: SentimentIntensityAnalyzer) -> None:
    path = SHARED_DATA / "vader_groundtruth" / "tweets_GroundTruth.txt"
    if not path.is_file():
        pytest.skip(f"../shared/data not present (a user's clone): {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    _assert_identical([line.split("\t", 2)[2] for line in lines if line.count("\t") >= 2], reference)
