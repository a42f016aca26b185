"""Mastodon status context and archive outbox."""

from __future__ import annotations

from postmortem.ingest import load
from tests._shared_data import FIXTURES, shared_data

M = FIXTURES / "mastodon"


def test_status_context() -> None:
    collection = load(M / "context.json")
    posts = {p.id: p for p in collection.threads[0].posts}
    assert collection.source.format == "mastodon-context"
    assert posts["111000000000000001"].text == "Six weeks and no sofa from @acme 😡\n“we’ll call you back”"
    assert posts["111000000000000002"].author == "acme@shop.example"
    assert posts["111000000000000002"].parent_id == "111000000000000001"
    assert posts["111000000000000003"].text == "[CW: rant] مرحبا — same here"
    assert posts["111000000000000001"].likes == 9 and posts["111000000000000001"].shares == 4
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.orphans) == (5, 4, 1)
    assert cov.skipped == {"retweet/boost (no text of its own)": 1}


def test_outbox_duplicate_ordered_items_and_conversations() -> None:
    collection = load(M / "outbox.json")
    assert collection.source.format == "mastodon-outbox"
    assert len(collection.threads) == 2
    posts = {p.id.rsplit("/", 1)[-1]: p for t in collection.threads for p in t.posts}
    assert posts["111000000000000102"].text == "Orders to Zürich & Malmö ship Monday.\nRefunds for waits over 4 weeks."
    assert posts["111000000000000103"].text.startswith("[CW: support] @zoe so sorry, Zoë")
    assert posts["111000000000000101"].author == "acme@social.example"
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.orphans) == (4, 3, 1)
    assert cov.skipped == {"retweet/boost (no text of its own)": 1}


def test_real_outbox_counts() -> None:
    """Checked with json: 500 items (the last 'orderedItems'), 379 Create, 121 Announce,
    113 replies of which 70 answer a post in the file, 295 distinct conversations."""
    collection = load(shared_data("mastodon_archive/outbox.json"))
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.orphans) == (500, 379, 43)
    assert cov.skipped == {"retweet/boost (no text of its own)": 121}
    assert len(collection.threads) == 295
