"""twcs CSV loader and the conversation selection (select_thread, summarise_collection)."""

from __future__ import annotations

import pytest

from postmortem.errors import InputError, UsageError
from postmortem.ingest import load, parse_raw
from postmortem.ingest.common import RawInput
from postmortem.ingest.select import select_thread, summarise_collection
from tests._shared_data import FIXTURES, shared_data

SUPPORT = FIXTURES / "twcs" / "support.csv"


def test_support_csv_conversations_companies_and_coverage() -> None:
    collection = load(SUPPORT)
    assert collection.source.format == "twcs-csv"
    by_id = {t.conversation_id: t for t in collection.threads}
    assert set(by_id) == {"100", "200", "301"}
    assert [p.id for p in by_id["100"].posts] == ["100", "101", "103", "104"]
    assert by_id["100"].company_hint == ("acmehelp",)
    assert by_id["200"].company_hint == ("boltair",)
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.duplicates_merged, cov.orphans) == (9, 8, 1, 1)
    first = by_id["100"].posts[0]
    assert first.text == "@AcmeHelp my order never arrived 😡\nthird email, no answer — «шукаю» help"
    assert first.is_company is False and first.kind == "post" and first.platform == "twitter"
    reply = by_id["100"].posts[1]
    assert (reply.parent_id, reply.kind, reply.is_company) == ("100", "reply", True)
    assert "& we'll" in reply.text and "🙏" in reply.text
    assert all(p.conversation_id == "100" for p in by_id["100"].posts)


def test_spreadsheet_mangled_copy() -> None:
    collection = load(FIXTURES / "twcs" / "mangled.csv")
    thread = collection.threads[0]
    assert [p.id for p in thread.posts] == ["155156", "155157"]
    assert thread.posts[1].parent_id == "155156"
    assert thread.company_hint == ("caféco",)
    assert collection.coverage.repaired == {"ids with spreadsheet digit grouping (1,55,157) read as numbers": 2}


def test_bad_inbound_value_names_line_and_field() -> None:
    data = SUPPORT.read_bytes().replace(b"0,101,AcmeHelp,False", b"0,101,AcmeHelp,maybe")
    with pytest.raises(InputError) as err:
        parse_raw(RawInput(path="x.csv", data=data))
    assert err.value.record == "line 2" and err.value.field == "inbound"


def test_missing_column_is_one_clear_error() -> None:
    data = b"tweet_id,author_id,inbound,created_at,text,in_response_to_tweet_id\n1,a,True,nope,hi,\n"
    with pytest.raises(InputError, match="line 2, field 'created_at'"):
        parse_raw(RawInput(path="x.csv", data=data))


def test_select_by_company_merges_conversations() -> None:
    collection = load(SUPPORT)
    thread = select_thread(collection, company=["@ACMEHELP"])
    assert thread.company_hint == ("acmehelp",)
    assert {p.conversation_id for p in thread.posts} == {"100", "301"}
    assert len(thread.posts) == 5
    assert any("2 of 3 conversations selected" in n for n in thread.coverage.notes)


def test_select_by_conversation_or_any_post_in_it() -> None:
    collection = load(SUPPORT)
    assert select_thread(collection, conversation=["200"]).conversation_id == "200"
    assert select_thread(collection, conversation=["202"]).conversation_id == "200"
    both = select_thread(collection, company=["acmehelp"], conversation=["301"])
    assert [p.id for p in both.posts] == ["301"]


def test_select_errors_are_helpful() -> None:
    collection = load(SUPPORT)
    with pytest.raises(UsageError, match=r"3 conversations of 2 companies.*acmehelp \(2 conversations"):
        select_thread(collection)
    with pytest.raises(UsageError, match="companies in this file: acmehelp"):
        select_thread(collection, company=["nobody"])
    with pytest.raises(UsageError, match="no conversation of the chosen companies with id 200"):
        select_thread(collection, company=["acmehelp"], conversation=["200"])


def test_summarise_collection() -> None:
    summary = summarise_collection(load(SUPPORT))
    assert [(s.company, s.conversations, s.posts) for s in summary] == [("acmehelp", 2, 5), ("boltair", 1, 3)]


def test_real_twcs_slice_counts() -> None:
    """Counts checked independently with pandas and a union-find over both link columns."""
    collection = load(shared_data("twcs/twcs_dev.csv"))
    cov = collection.coverage
    assert (cov.records_read, cov.posts_loaded, cov.orphans, cov.duplicates_merged) == (2470, 2470, 4, 0)
    assert len(collection.threads) == 682
    summary = {s.company: s.conversations for s in summarise_collection(collection)}
    assert len(summary) == 38
    assert summary["chipotletweets"] == 172 and summary["sprintcare"] == 19
    sprint = select_thread(collection, company=["sprintcare"])
    assert len(sprint.posts) == 74 and len({p.conversation_id for p in sprint.posts}) == 19
