"""X API v2 response pages and twarc2 flattened lines."""

from __future__ import annotations

import pytest

from postmortem.errors import InputError
from postmortem.ingest import load, parse_raw
from postmortem.ingest.common import RawInput
from tests._shared_data import FIXTURES, shared_data

X = FIXTURES / "x_api"


@pytest.mark.parametrize(
    ("name", "fmt", "records", "dups", "stubs"),
    [
        ("search_page.json", "x-api-v2", 7, 1, 1),
        ("flat.jsonl", "twarc2-jsonl", 6, 0, 0),
    ],
)
def test_v2_shapes(name: str, fmt: str, records: int, dups: int, stubs: int) -> None:
    collection = load(X / name)
    assert collection.source.format == fmt
    posts = {p.id: p for t in collection.threads for p in t.posts}
    root = posts["1700000000000000001"]  # only in the expansions: added so the thread has its root
    assert (root.author, root.author_name, root.kind) == ("zoe_nunez", "Zoë Núñez", "post")
    reply = posts["1700000000000000002"]
    assert (reply.parent_id, reply.kind, reply.author) == ("1700000000000000001", "reply", "AcmeHelp")
    assert "& we’ll" in reply.text
    quote = posts["1700000000000000004"]
    assert (quote.kind, quote.parent_id, quote.quoted_id) == ("quote", None, "1700000000000000001")
    assert "1700000000000000005" not in posts  # the retweet
    assert "مرحبا" in posts["1700000000000000003"].text
    assert {t.conversation_id for t in collection.threads} == {"1700000000000000001", "1700000000000000004"}
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.duplicates_merged, cov.orphans, cov.stubs) == (
        records,
        5,
        dups,
        1,
        stubs,
    )
    assert cov.skipped == {"retweet/boost (no text of its own)": 1}


def test_flat_line_error_names_line() -> None:
    data = (X / "flat.jsonl").read_bytes().replace(b'"created_at": "2024-03-01T09:25:00.000Z"', b'"created_at": 5e400')
    with pytest.raises(InputError) as err:
        parse_raw(RawInput(path="flat.jsonl", data=data))
    assert err.value.record == "line 2"


def test_real_twarc2_flat_counts() -> None:
    """Checked with a separate json script: 100 tweets, 47 retweets; 53 kept plus 29 inlined
    replied-to parents = 82; 12 of those reply to a tweet in neither; 11 quotes (8 + 3 parents)."""
    collection = load(shared_data("twarc2/flat.jsonl"))
    cov = collection.coverage
    assert cov.skipped == {"retweet/boost (no text of its own)": 47}
    assert (cov.records_read, cov.posts_loaded, cov.orphans) == (129, 82, 12)
    kinds = [p.kind for t in collection.threads for p in t.posts]
    assert kinds.count("quote") == 11
