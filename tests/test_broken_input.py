"""Broken input (issue 9): each case has a defined behaviour and, where data was repaired or
dropped, a line in the coverage report. Also the regression tests for crashes the fuzz run found."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from postmortem.errors import InputError
from postmortem.ingest import formats, parse_raw
from postmortem.ingest.common import LoadOptions, RawInput, as_int, clean_text, parse_timestamp

HEADER = "id,parent_id,author,created_at,text\n"


def _csv(body: str, **kw: object) -> object:
    return parse_raw(RawInput(path="t.csv", data=(HEADER + body).encode()), **kw)  # type: ignore[arg-type]


def _json(posts: list[dict[str, object]]) -> object:
    return parse_raw(RawInput(path="t.json", data=json.dumps(posts).encode()))


def test_truncated_json_is_one_clear_error() -> None:
    data = json.dumps([{"id": "1", "parent_id": None, "author": "a", "created_at": "2024-03-01T09:00:00Z",
                        "text": "x"}]).encode()
    with pytest.raises(InputError, match=r"t.json: (truncated|invalid) JSON at line 1"):
        parse_raw(RawInput(path="t.json", data=data[:-5]), "generic-json")


def test_truncated_csv_keeps_complete_rows() -> None:
    c = _csv('1,,alice,2024-03-01T09:00:00Z,hello\n2,1,bob,2024-03-01T09:05:00Z,"unterminated')
    assert [p.id for p in c.threads[0].posts] == ["1", "2"]


def test_utf16_with_bom_is_read() -> None:
    data = (HEADER + "1,,zoë,2024-03-01T09:00:00Z,café\n").encode("utf-16")
    assert parse_raw(RawInput(path="t.csv", data=data)).threads[0].posts[0].text == "café"
    js = json.dumps([{"id": "1", "parent_id": None, "author": "a", "created_at": "2024-03-01T09:00:00Z",
                      "text": "héllo"}], ensure_ascii=False).encode("utf-16")
    assert parse_raw(RawInput(path="t.json", data=js)).threads[0].posts[0].text == "héllo"


def test_latin1_is_read_and_counted() -> None:
    data = (HEADER + "1,,zoe,2024-03-01T09:00:00Z,caf\xe9\n").encode("latin-1")
    c = parse_raw(RawInput(path="t.csv", data=data))
    assert c.threads[0].posts[0].text == "café"
    assert "1 repaired: file is not UTF-8: read as Windows-1252/Latin-1" in c.coverage.lines()


def test_mixed_time_zones_are_normalised_and_naive_ones_counted() -> None:
    c = _csv("1,,a,2024-03-01T09:00:00+01:00,x\n2,1,b,2024-03-01T08:30:00Z,y\n3,1,c,2024-03-01 09:00,z\n",
             tz="Europe/London")
    times = {p.id: p.created_at for p in c.threads[0].posts}
    assert times["1"] == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert times["3"] == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert "1 repaired: timestamp without offset read in Europe/London" in c.coverage.lines()


def test_epoch_seconds_milliseconds_microseconds() -> None:
    expected = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    for value in (1709283600, 1709283600000, 1709283600000000, "1709283600", "1709283600000"):
        assert parse_timestamp(value)[0] == expected
    c = _json([{"id": "1", "parent_id": None, "author": "a", "created_at": 1709283600, "text": "x"},
               {"id": "2", "author": "b", "created_at": 1709283660000, "text": "y", "parent_id": "1"}])
    assert any("epoch timestamps in mixed units (milliseconds, seconds)" in line for line in c.coverage.lines())


def test_future_timestamps_are_kept_and_noted() -> None:
    future = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    c = _csv(f"1,,a,2024-03-01T09:00:00Z,x\n2,1,b,{future},y\n")
    assert len(c.threads[0].posts) == 2
    assert any(line.startswith("1 posts dated after the time of loading") for line in c.coverage.lines())


def test_reply_before_parent_is_kept_and_noted() -> None:
    c = _csv("1,,a,2024-03-01T09:00:00Z,x\n2,1,b,2024-03-01T08:00:00Z,y\n")
    assert {p.id: p.parent_id for p in c.threads[0].posts} == {"1": None, "2": "1"}
    assert any(line.startswith("1 replies dated before the post they answer") for line in c.coverage.lines())


def test_duplicate_ids_with_different_content_keep_the_first() -> None:
    c = _csv("1,,a,2024-03-01T09:00:00Z,first\n1,,a,2024-03-01T09:00:00Z,second\n")
    assert [p.text for p in c.threads[0].posts] == ["first"]
    lines = c.coverage.lines()
    assert "1 duplicate records merged" in lines
    assert "duplicate id 1 with different content: first record kept" in lines


def test_reply_cycle_is_cut_at_its_earliest_post() -> None:
    c = _csv("1,3,a,2024-03-01T09:00:00Z,x\n2,1,b,2024-03-01T09:01:00Z,y\n3,2,c,2024-03-01T09:02:00Z,z\n")
    assert {p.id: p.parent_id for p in c.threads[0].posts} == {"1": None, "2": "1", "3": "2"}
    assert "1 repaired: reply cycle: the link from its earliest post removed (shown as a root)" in c.coverage.lines()


def test_self_reply_loses_its_parent_link() -> None:
    c = _csv("1,1,a,2024-03-01T09:00:00Z,x\n")
    assert c.threads[0].posts[0].parent_id is None
    # The generic loader repairs it itself; other loaders leave it to the shared ThreadBuilder.
    repairs = {"post listed as its own parent: made a root", "reply to itself: parent link removed"}
    assert repairs & set(c.coverage.repaired)
    from postmortem.ingest.common import ThreadBuilder
    from postmortem.model import Post

    builder = ThreadBuilder(RawInput(path="x"), "test", LoadOptions())
    builder.add(Post(id="1", parent_id="1", author="a", created_at=datetime(2024, 3, 1, tzinfo=UTC), text="x",
                     platform="test", kind="reply"))
    built = builder.build()
    assert built.threads[0].posts[0].parent_id is None
    assert "1 repaired: reply to itself: parent link removed" in built.coverage.lines()


def test_thread_of_one_post_and_no_company_post_are_analysed() -> None:
    from postmortem.analysis import analyse

    c = _csv("1,,a,2024-03-01T09:00:00Z,@AcmeCo where is my order\n")
    result = analyse(c.threads[0])
    assert len(result.posts) == 1
    assert result.response.answered == 0 and result.response.first_response_s is None


def test_empty_thread_is_an_error() -> None:
    with pytest.raises(InputError, match="no posts found"):
        _csv("")


# --- regressions for crashes found by tests/test_fuzz_ingest.py ---------------------------


@pytest.mark.parametrize("value", ["1e400", "inf", "-inf", float("inf")])
def test_regression_as_int_overflow(value: object) -> None:
    assert as_int(value) is None  # was OverflowError: cannot convert float infinity to integer


def test_regression_huge_integer_timestamp_is_a_clean_error() -> None:
    with pytest.raises(InputError, match="epoch value out of range"):
        _json([{"id": "1", "parent_id": None, "author": "a", "created_at": 10**400, "text": "x"}])


def test_regression_over_long_json_integer_is_a_clean_error() -> None:
    head = b'[{"id": "1", "author": "a", "created_at": "2024-03-01T09:00:00Z", "text": "x", "likes": '
    data = head + b"9" * 5000 + b"}]"
    for fmt in ("generic-json", "reddit", "mastodon-outbox", "x-api-v2", "twarc2-jsonl"):
        with pytest.raises(InputError):
            parse_raw(RawInput(path="t.json", data=data), fmt)


def test_regression_mastodon_actor_with_bad_ipv6_host() -> None:
    outbox = {"type": "OrderedCollection", "orderedItems": [{"type": "Create", "object": {
        "type": "Note", "id": "1", "published": "2024-03-01T09:00:00Z", "attributedTo": "https://[bad/users/x",
        "content": "<p>hi</p>"}}]}
    c = parse_raw(RawInput(path="o.json", data=json.dumps(outbox).encode()), "mastodon-outbox")
    assert c.threads[0].posts[0].author == "https://[bad/users/x"  # was ValueError: Invalid IPv6 URL


def test_regression_twarc2_referenced_tweets_not_a_list() -> None:
    line = {"id": "1", "text": "x", "author_id": "2", "created_at": "2024-03-01T09:00:00.000Z",
            "referenced_tweets": True}
    spec = {s.name: s for s in formats()}["twarc2-jsonl"]
    raw = RawInput(path="f.jsonl", data=json.dumps(line).encode())
    with pytest.raises(InputError):  # was TypeError: 'bool' object is not iterable
        spec.parse(raw, LoadOptions())


def test_regression_column_names_with_line_breaks_give_a_one_line_error() -> None:
    data = b'"a\nb",author\n1,x\n'
    with pytest.raises(InputError) as err:
        parse_raw(RawInput(path="t.csv", data=data), "generic-csv")
    assert "\n" not in str(err.value) and "a\\nb" in str(err.value)


def test_control_characters_leave_text_and_names() -> None:
    assert clean_text("a\x1b[31mb\x9bc\x85d") == "a[31mbc\nd"
    c = _csv("1,,\u202eeve\x07,2024-03-01T09:00:00Z,x\n")
    assert c.threads[0].posts[0].author == "eve"
    assert "1 repaired: control or text-direction characters removed from an author name" in c.coverage.lines()


def test_regression_x_archive_ids_that_are_lists() -> None:
    data = (
        b'window.YTD.tweets.part0 = [{"tweet": {"id_str": ["1"], "created_at": "Sat May 13 17:21:09 +0000 2023",'
        b' "full_text": "x", "in_reply_to_status_id_str": ["2"], "in_reply_to_screen_name": "me"}}]'
    )
    spec = {s.name: s for s in formats()}["x-archive"]
    with pytest.raises(InputError):  # was TypeError: unhashable type: 'list'
        spec.parse(RawInput(path="tweets.js", data=data), LoadOptions())



def test_regression_lone_surrogate_in_facebook_post() -> None:
    data = b'[{"timestamp": 1709283600, "data": [{"post": "\\ud800hi"}], "title": "Zo updated her status."}]'
    c = parse_raw(RawInput(path="p.json", data=data), "facebook-dyi")  # was UnicodeEncodeError
    post = c.threads[0].posts[0]
    assert post.text == "\ufffdhi"
    post.text.encode("utf-8")
    assert "1 repaired: invalid characters (lone UTF-16 surrogates) replaced by U+FFFD" in c.coverage.lines()


def test_regression_generic_json_company_not_a_list() -> None:
    posts = [{"id": "1", "parent_id": None, "author": "a", "created_at": "2024-03-01T09:00:00Z", "text": "x"}]
    data = json.dumps({"company": True, "posts": posts}).encode()
    with pytest.raises(InputError, match="field 'company'"):  # was TypeError: 'bool' object is not iterable
        parse_raw(RawInput(path="t.json", data=data), "generic-json")


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00", "Mon Jan 01 00:00:00 +0100 0001"],
)
def test_timestamps_outside_the_utc_range_are_input_errors(value: str) -> None:
    """Year 1 ahead of UTC (or year 9999 behind it) cannot be shown in UTC: a clear error naming
    the line and field, not an internal OverflowError."""
    from postmortem.ingest.common import TimestampError

    with pytest.raises(TimestampError, match="out of range"):
        parse_timestamp(value)
    data = f"id,parent_id,author,created_at,text\n1,,ann,2020-01-01T00:00:00Z,hi\n2,1,bob,{value},there\n".encode()
    with pytest.raises(InputError, match=r"line 3, field 'created_at': date out of range"):
        parse_raw(RawInput(path="t.csv", data=data))
