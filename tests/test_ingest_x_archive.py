"""X/Twitter account archive: tweets.js alone, the archive folder and the zip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from postmortem.errors import InputError
from postmortem.ingest import load, parse_raw
from postmortem.ingest.common import RawInput
from tests._shared_data import FIXTURES, shared_data

ARCHIVE = FIXTURES / "x_archive"


def test_tweets_js_alone() -> None:
    collection = load(ARCHIVE / "tweets.js")
    thread = collection.threads[0]
    posts = {p.id: p for p in thread.posts}
    assert collection.source.format == "x-archive"
    assert {p.author for p in thread.posts} == {"AcmeHelp"}  # from its replies to its own tweets
    assert posts["1657435576369332226"].parent_id == "1657435576369332225"
    assert posts["1657435576369332226"].text == "2/2 Orders to Zürich and תל אביב ship Monday."
    quote = posts["1657435576369332228"]
    assert (quote.kind, quote.parent_id, quote.quoted_id) == ("quote", None, "1657435576369332201")
    assert posts["1657435576369332300"].text == "@zoe_nunez Sorry, Zoë! We’re on it 🙏 & will DM you."
    assert posts["1657435576369332225"].likes == 4 and posts["1657435576369332225"].shares == 2
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.orphans) == (6, 5, 1)
    assert cov.skipped == {"retweet/boost (no text of its own)": 1}


def test_archive_folder_uses_account_and_note_tweets() -> None:
    collection = load(ARCHIVE / "archive")
    posts = {p.id: p for p in collection.threads[0].posts}
    assert posts["1657435576369332229"].text.endswith("follow in replies. — Kim")
    assert posts["1657435576369332229"].author_name == "Acme Support"
    assert collection.coverage.repaired == {"long post text taken from note-tweet.js": 1}


def test_archive_zip(tmp_path: Path) -> None:
    target = tmp_path / "twitter-2023.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in (ARCHIVE / "archive").rglob("*.js"):
            archive.write(path, path.relative_to(ARCHIVE / "archive").as_posix())
    collection = load(target)
    assert collection.source.format == "x-archive" and collection.coverage.posts_loaded == 5


def test_truncated_archive_names_line_and_column() -> None:
    data = (ARCHIVE / "tweets.js").read_bytes()[:900]
    with pytest.raises(InputError, match=r"truncated JSON at line \d+ column \d+"):
        parse_raw(RawInput(path="tweets.js", data=data))


def test_real_archive_counts() -> None:
    """Checked with json: 2,161 tweets, 11 'RT @' retweets, 710 replies of which 10 have their parent here."""
    collection = load(shared_data("x_archive/tweets.js"))
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.orphans) == (2161, 2150, 700)
    assert cov.skipped == {"retweet/boost (no text of its own)": 11}
    assert {p.author for p in collection.threads[0].posts} == {"vovavasilina"}
