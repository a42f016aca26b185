from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from postmortem.model import Coverage, Post, normalise_handle
from tests.conftest import at, make_thread


def test_post_requires_timezone_aware_timestamp() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Post(id="1", parent_id=None, author="a", created_at=datetime(2024, 1, 1), text="x", platform="t")


def test_post_timestamps_are_converted_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    post = Post(id="1", parent_id=None, author="a", created_at=datetime(2024, 1, 1, 12, tzinfo=plus_two), text="x", platform="t")
    assert post.created_at == datetime(2024, 1, 1, 10, tzinfo=timezone.utc)
    assert post.created_at.utcoffset() == timedelta(0)


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        Post(id="1", parent_id=None, author="a", created_at=at(0), text="x", platform="t", kind="story")


def test_thread_sorts_posts_by_time() -> None:
    thread = make_thread([("b", None, "x", 5, "later"), ("a", None, "y", 1, "earlier")])
    assert [p.id for p in thread.posts] == ["a", "b"]


@pytest.mark.parametrize("raw", ["@AcmeCo", "acmeco", " @ACMECO "])
def test_normalise_handle(raw: str) -> None:
    assert normalise_handle(raw) == "acmeco"


def test_coverage_merge_and_lines() -> None:
    a = Coverage(records_read=3, posts_loaded=2, skipped={"no text": 1}, orphans=1)
    b = Coverage(records_read=2, posts_loaded=2, skipped={"no text": 2}, stubs=4)
    merged = a.merged(b)
    assert merged.records_read == 5
    assert merged.skipped == {"no text": 3}
    assert merged.is_partial
    assert "3 skipped: no text" in merged.lines()
    assert not Coverage(records_read=1, posts_loaded=1).is_partial
