"""Facebook DYI (mojibake repaired) and Graph API loaders."""

from __future__ import annotations

import json

import pytest

from postmortem.errors import InputError
from postmortem.ingest import load, parse_raw
from postmortem.ingest.common import RawInput, fix_mojibake
from tests._shared_data import FIXTURES, shared_data

FB = FIXTURES / "facebook"


def test_dyi_posts_mojibake_repaired_and_counted() -> None:
    collection = load(FB / "your_posts_1.json")
    thread = collection.threads[0]
    assert collection.source.format == "facebook-dyi"
    first = thread.posts[0]
    assert first.text == (
        "Ordered a sofa from Möbelhaus Åkesson — 6 weeks, no delivery, no answer 😡 “we’ll call you back” they said."
    )
    assert first.author == "Zoë Núñez" and first.platform == "facebook" and first.kind == "post"
    assert "(دالية)" in thread.posts[1].text and "✅" in thread.posts[1].text
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.duplicates_merged) == (6, 3, 1)
    assert cov.skipped == {"no text of its own (check-in, photo, recommendation or update marker)": 2}
    assert cov.repaired == {"mojibake (UTF-8 written as Latin-1) repaired": 3}


def test_dyi_comments_file() -> None:
    thread = load(FB / "comments.json").threads[0]
    assert [p.kind for p in thread.posts] == ["comment", "comment"]
    assert thread.posts[0].text == "Same problem here in Malmö 😤 — “soon” means never"
    assert all(p.parent_id is None for p in thread.posts)


def test_dyi_folder_reads_posts_and_comments() -> None:
    collection = load(FB, fmt="facebook-dyi")
    assert collection.coverage.posts_loaded == 5


def test_fix_mojibake_leaves_real_text_alone() -> None:
    assert fix_mojibake("Zoë “ok” 😡") == "Zoë “ok” 😡"
    assert fix_mojibake("Zo\u00c3\u00ab \u00f0\u009f\u0098\u0082") == "Zoë 😂"


def test_graph_feed_nested_comments() -> None:
    collection = load(FB / "graph_feed.json")
    assert collection.source.format == "facebook-graph"
    posts = {p.id: p for p in collection.threads[0].posts}
    root = posts["104958162837_10150123456789"]
    assert (root.kind, root.likes, root.shares, root.author) == ("post", 12, 3, "Möbelhaus Åkesson")
    assert posts["10150123456789_2001"].parent_id == root.id and posts["10150123456789_2001"].kind == "comment"
    assert posts["10150123456789_2002"].parent_id == "10150123456789_2001"
    assert posts["10150123456789_2002"].kind == "reply"
    assert posts["10150123456789_2003"].author == "unknown"
    assert posts["104958162837_10150123450000"].text == "Möbelhaus Åkesson updated their cover photo."
    cov = collection.coverage
    assert cov.stubs == 2  # summary.total_count 4, two comments exported
    assert any("paging.next" in n for n in cov.notes)
    assert collection.threads[0].company_hint == ()  # the Graph export does not say who the company is


def test_graph_missing_created_time_names_record() -> None:
    doc = json.loads((FB / "graph_feed.json").read_text(encoding="utf-8"))
    del doc["data"][0]["comments"]["data"][1]["created_time"]
    raw = RawInput(path="feed.json", data=json.dumps(doc).encode())
    with pytest.raises(InputError) as err:
        parse_raw(raw, "facebook-graph")
    assert err.value.record == "record 1 comment 2" and err.value.field == "created_time"


def test_real_dyi_posts_counts() -> None:
    """Checked with json: 124 entries, 59 with a post text, 22 of them non-ASCII (mojibake)."""
    collection = load(shared_data("facebook_dyi/your_posts_1.json"))
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.duplicates_merged) == (124, 59, 0)
    assert sum(cov.skipped.values()) == 65
    assert cov.repaired == {"mojibake (UTF-8 written as Latin-1) repaired": 22}
    texts = " ".join(p.text for p in collection.threads[0].posts)
    assert "😂" in texts and "ð" not in texts
    assert collection.threads[0].posts[0].author == "Hunter Hillis"
