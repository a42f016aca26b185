"""The fast generic CSV loader (issue "Speed and scale") gives what reading row by row gives.

``generic._parse_table`` reads a CSV a column at a time; ``generic._parse_rows`` is the
row-by-row loader it replaced, kept as the reference. Every test here compares the two (or
a fast helper in ``ingest.common`` with the code it replaced): same posts, same coverage,
same error naming the same line and field.
"""

from __future__ import annotations

import csv
import gc
import html
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from postmortem.errors import InputError, PostmortemError
from postmortem.ingest import common, generic, parse_raw
from postmortem.ingest.common import LoadOptions, RawInput, ThreadBuilder, as_id, as_ids, clean_text, clean_texts
from postmortem.model import Collection, Post

# --- helpers -------------------------------------------------------------------------------


def canon(collection: Collection) -> tuple[Any, ...]:
    """Everything a Collection holds, with types (so 1 and "1" differ) and dict orders."""

    def post(p: Post) -> tuple[Any, ...]:
        values = [(type(getattr(p, f)).__name__, getattr(p, f)) for f in Post.__dataclass_fields__]
        return (*values, repr(p.created_at.tzinfo))

    def cov(c: Any) -> tuple[Any, ...]:
        return (c.records_read, c.posts_loaded, list(c.skipped.items()), list(c.repaired.items()),
                c.duplicates_merged, c.orphans, c.stubs, c.notes)  # fmt: skip

    return (
        collection.source,
        cov(collection.coverage),
        [(tuple(map(post, t.posts)), t.company_hint, cov(t.coverage), t.title, t.conversation_id)
         for t in collection.threads],
    )  # fmt: skip


def outcome(parse: Any, raw: RawInput, options: LoadOptions) -> tuple[Any, ...]:
    try:
        return ("ok", canon(parse(raw, options)))
    except PostmortemError as exc:
        return ("error", type(exc).__name__, str(exc), getattr(exc, "record", None), getattr(exc, "field", None))
    except Exception as exc:  # e.g. OverflowError from a year-1 timestamp: both must agree
        return ("crash", type(exc).__name__, str(exc))


@pytest.fixture(autouse=True)
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The column loader finds the record the row-by-row loader fails on by itself."""

    def fail(*args: object) -> None:
        raise AssertionError("the column loader fell back to reading row by row")

    monkeypatch.setattr(generic, "_fallback", fail)


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of rows, decoder chunks and text batches far smaller than a row: every
    boundary case of the column reader is met on small files."""
    monkeypatch.setattr(generic, "_BLOCK", 2)
    monkeypatch.setattr(generic._Text, "CHUNK", 3)
    monkeypatch.setattr(common, "_CLEAN_BATCH", 2)
    monkeypatch.setattr(common, "_FAST_LINKS_FROM", 1)


def same(data: bytes, **options: Any) -> tuple[Any, ...]:
    raw = RawInput(path="t.csv", data=data, sha256="0" * 64)
    opts = LoadOptions(**options)
    fast = outcome(generic.parse_csv, raw, opts)
    assert fast == outcome(generic._parse_rows, raw, opts)
    return fast


HEADER = "id,parent_id,author,created_at,text\n"


# --- generated files ------------------------------------------------------------------------

IDS = ["1", "2", "3", "4", "5", "007", "3.0", " 4 ", "", "nan", "NULL", "a1", "١٢", "5.50", "1e3"]
AUTHORS = ["alice", "@bob", "@ carl", " dave ", "", "@", "e\u202ev", "f\u200bg", "h\ti", "j&amp;k", "\x85l", "\ufeffo"]
NAMES = ["", "Alice A", " Bob ", "C\u2066D", "E&lt;F", "\x00G", "Zoë Núñez", "😀"]
TIMES = [
    "2024-03-01T09:00:00Z", "2024-03-01T10:00:00+01:00", "2024-03-01T09:00:00", "2024-03-01 09:00",
    "2024-03-01T09:00:00.1234567Z", "2024-03-01T09:00:00+0100", "2024-03-01T09:00:00 +01:00", "1709283600",
    "1709283600000", " 1709283600 ", "Fri Mar 01 09:00:00 +0000 2024", "Fri Feb 30 09:00:00 +0000 2024",
    "03/10/2024 14:05", "25/10/2024 14:05", "10/25/2024 2:05 PM", "03.10.2024", "Oct 3, 2024 2:05 PM", "yesterday",
    "", "0001-01-01T00:00:00+01:00", "2024-02-30T10:00:00Z", "2099-01-01T00:00:00Z", "2024-03-01T09:00Z",
]  # fmt: skip
TEXTS = ["hello", "a &amp; b", "x\x00y", "line\nbreak", "cr\rhere", "crlf\r\nhere", "nel\x85x", "&#xd800;", "&#133;",
         "😀", "", "  spaced  ", '"quoted"', "semi;colon", "comma, here", "\x9b[31m"]  # fmt: skip
OPTIONAL = {
    "author_name": NAMES,
    "likes": ["", "0", "3", "1,200", "-1", "1e3", "x", "99999999999999999999", "1e400"],
    "shares": ["", "2", "nan"],
    "url": ["", "http://x", " u "],
    "platform": ["", "Twitter ", " "],
    "kind": ["", "post", "reply", " Reply ", "share", "bogus"],
    "is_company": ["", "true", "False", "yes", "n", "maybe"],
}


@st.composite
def csv_files(draw: Any) -> tuple[bytes, dict[str, Any]]:
    """A generic CSV: shuffled and optional columns, odd values, short, long and blank rows,
    quoting, line ends, encodings and --map."""
    columns = ["id", "parent_id", "author", "created_at", "text"]
    columns += draw(st.lists(st.sampled_from(sorted(OPTIONAL)), unique=True, max_size=4))
    columns = draw(st.permutations(columns))
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(columns)))  # a repeated column name: its last one counts
    n = draw(st.integers(1, 12))
    plain = draw(st.booleans())
    rows: list[list[str]] = []
    for i in range(n):
        row = []
        for column in columns:
            if column == "id":
                value = str(i + 1) if plain else draw(st.sampled_from([*IDS, str(i + 1)]))
            elif column == "parent_id":
                value = draw(st.sampled_from(["", str(max(i, 1)), str(i + 2), *([] if plain else IDS)]))
            elif column == "author":
                value = draw(st.sampled_from(AUTHORS[:2] if plain else AUTHORS))
            elif column == "created_at":
                value = draw(st.sampled_from(TIMES[:3] if plain else TIMES))
            elif column == "text":
                value = draw(st.sampled_from(TEXTS))
            else:
                value = draw(st.sampled_from(OPTIONAL[column]))
            row.append(value)
        shape = draw(st.sampled_from(["same"] * 12 + ["short", "long", "blank"]))
        rows.append({"short": row[:-1], "long": [*row, "x"], "blank": []}.get(shape, row))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    writer.writerow(columns)
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8"] * 5 + ["utf-8-sig", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()) and draw(st.booleans()):  # a stray byte (often invalid UTF-8)
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xe2\x82", b"\x00", b'"', b"\r"])) + data[at:]
    options: dict[str, Any] = {
        "tz": draw(st.sampled_from(["UTC", "Europe/London", "+05:30"])),
        "date_order": draw(st.sampled_from(["auto", "dmy", "mdy"])),
    }
    if draw(st.booleans()) and draw(st.booleans()):
        options["mapping"] = {"url": "text"}  # two fields from one column
    return data, options


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=csv_files())
def test_column_loader_matches_row_loader(small_steps: None, case: tuple[bytes, dict[str, Any]]) -> None:
    data, options = case
    same(data, **options)


@settings(max_examples=100, deadline=None)
@given(case=csv_files())
def test_column_loader_matches_row_loader_default_steps(case: tuple[bytes, dict[str, Any]]) -> None:
    data, options = case
    same(data, **options)


# --- chosen cases ---------------------------------------------------------------------------


def rows(n: int, start: int = 1) -> str:
    """``n`` records from id ``start``, each replying to the one with half its id."""
    return "".join(
        f"{i},{i // 2 if i > 1 else ''},user{i % 7},{1709283600 + i},hello {i % 5} é\n" for i in range(start, start + n)
    )


CASES = {
    "plain": HEADER + rows(50),
    "reply cycle": HEADER + rows(20) + "30,31,a,1709290000,x\n31,30,b,1709290001,y\n32,32,c,1709290002,self\n",
    "reply before parent, same time": HEADER
    + rows(20)
    + "30,5,a,1709283000,x\n31,32,b,1709290000,y\n32,,c,1709290000,z\n",
    "future": HEADER + rows(20) + "30,1,a,2999-01-01T00:00:00Z,later\n",
    "duplicates": HEADER + rows(20) + "5,,x,1709283605,other text\n6,3,user6,1709283606,hello 1 é\n",
    "mixed epochs": HEADER + rows(20) + "30,,a,1709283600000,ms\n",
    "late timestamp error": HEADER + rows(30) + "40,,a,not a time,x\n41,,b,also bad,y\n",
    "kind error before timestamp error": "id,parent_id,author,created_at,text,kind\n1,,a,2024-03-01T09:00:00Z,x,\n"
    "2,,a,2024-03-01T09:00:00Z,x,bogus\n3,,a,bad,x,\n",
    "too many values after a bad time": HEADER + "1,,a,bad,x\n2,,a,2024-03-01T09:00:00Z,x,extra\n",
    "bad time in a skipped record": HEADER + "1,,,bad,x\n,,b,bad,y\n2,,a,2024-03-01T09:00:00Z,z\n",
    "blank lines": HEADER + "\n\n" + rows(5) + "\n\n9,,a,bad,x\n",
    "quoted line breaks": HEADER + rows(5) + '9,,a,1709283600,"multi\nline\r\ntext"\n10,,a,bad,x\n',
    "slash dates both ways": HEADER + "1,,a,25/10/2024 10:00,x\n2,,a,10/25/2024 10:00,y\n",
    "field over the csv limit": HEADER + rows(3) + '9,1,a,1709283600,"' + "a" * 140_000 + '"\n',
    "header over the csv limit": 'id,"' + "h" * 140_000 + '"\n1,2\n',
    "leading BOMs": "\ufeff\ufeff" + HEADER + rows(3),
    "CR line ends": (HEADER + rows(10)).replace("\n", "\r"),
    "names repaired": "id,parent_id,author,author_name,created_at,text\n1,,@ a,Ann,1709283600,x\n"
    "2,,b,\u202eB,1709283601,y\n3,,\u200b,C,1709283602,z\n4,,d,\x00,1709283603,w\n",
    "company flags": "id,parent_id,author,created_at,text,is_company\n1,,Shop,1709283600,x,yes\n2,1,a,1709283601,y,\n"
    "3,,Help,1709283602,z,TRUE\n4,,a,1709283603,w,maybe\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_chosen_cases(name: str, encoding: str, small_steps: None) -> None:
    same(CASES[name].encode(encoding, errors="replace"))


def test_chosen_errors_name_the_line() -> None:
    assert same(CASES["late timestamp error"].encode())[3] == "line 32"
    assert same(CASES["kind error before timestamp error"].encode())[4] == "kind"
    # As csv.DictReader counts: the line of the last record read before the bad one.
    assert same(CASES["field over the csv limit"].encode())[2].startswith("t.csv, line 4: malformed CSV (field larger")
    assert same(CASES["quoted line breaks"].encode())[3] == "line 10"


def test_not_utf8_at_the_end_decides_the_header() -> None:
    """An invalid byte at the end makes the whole file Windows-1252, its header too (the
    column reader decodes as it reads, so it must start again)."""
    data = ("id,parent_id,auteur_é,created_at,text\n" + rows(3000)).encode() + b"\xff"
    result = same(data)
    assert "auteur_Ã©" in result[2]
    data = (HEADER.replace("\n", ",é\n") + rows(3000).replace("\n", ",x\n")).encode() + b"\xff\n"
    result = same(data)
    assert ("file is not UTF-8: read as Windows-1252/Latin-1", 1) in result[1][1][3]


def test_invalid_utf16_is_one_error() -> None:
    assert same(b"\xff\xfe" + "id,parent_id".encode("utf-16-le") + b"\x00\xd8")[2] == (
        "t.csv: not valid UTF-16 text (unexpected end of data)"
    )


def test_loading_restores_the_collector() -> None:
    raw = RawInput(path="t.csv", data=CASES["plain"].encode())
    assert gc.isenabled()
    parse_raw(raw)
    assert gc.isenabled()
    gc.disable()
    try:
        parse_raw(raw)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(InputError):
        parse_raw(RawInput(path="t.csv", data=CASES["late timestamp error"].encode()))
    assert gc.isenabled()


def test_posts_are_made_as_the_constructor_makes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    time = datetime(2024, 3, 1, tzinfo=UTC)
    columns: list[list[Any]] = [["1", "2"], [None, "1"], ["a", "b"], [time, time + timedelta(1)], ["x", "y"],
                                ["generic"] * 2, ["post", "reply"], [None, "B"], [1, None], [None, 2], [None, "u"],
                                [None, True]]  # fmt: skip
    expected = [Post(**dict(zip(generic._MADE, row, strict=True))) for row in zip(*columns, strict=True)]
    assert generic._make_posts(*columns) == expected
    assert [p.is_company for p in generic._make_posts(*columns)] == [None, True]
    monkeypatch.setattr(generic, "_post_setters", lambda: None)  # a Post the fast path does not know
    assert generic._make_posts(*columns) == expected


# --- the helpers of ingest.common ------------------------------------------------------------


def clean_text_before(text: object) -> str:
    """clean_text as it was: every string rebuilt character by character."""
    if text is None:
        return ""
    value = html.unescape(str(text)).replace("\x85", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or (ch >= " " and not "\x7f" <= ch <= "\x9f"))


def as_id_before(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    if re.fullmatch(r"\d+\.0+", text):
        return text.split(".", 1)[0]
    return text


TEXT = st.lists(st.sampled_from([*"ab &;#x9\n\t\r\x00\x1b\x7f\x85\x9f\u2028", "&amp;", "&#133;", "&lt"])).map("".join)


@given(values=st.lists(st.one_of(st.none(), TEXT), max_size=30))
@example(values=["a&amp;b", None, "\x85", "plain"])
def test_clean_text_as_before(values: list[str | None]) -> None:
    expected = [clean_text_before(v) for v in values]
    assert [clean_text(v) for v in values] == expected
    assert clean_texts(values) == expected


@given(values=st.lists(st.one_of(st.none(), st.from_regex(r"\s?[0-9١]{0,3}(\.0*)?\s?|nan|NULL|x1", fullmatch=True))))
def test_as_id_as_before(values: list[str | None]) -> None:
    expected = [as_id_before(v) for v in values]
    assert [as_id(v) for v in values] == expected
    assert as_ids(values) == expected


def parse_timestamp_before(text: str, zone: Any, dayfirst: bool | None) -> tuple[datetime, bool]:
    """parse_timestamp's string path as it was (regexes compiled per call)."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return common._from_epoch(float(text)), False
    if common._TWITTER_TIME.match(text):
        return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC), False
    iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
    iso = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", iso)
    iso = re.sub(r"T(\d\d:\d\d:\d\d(?:\.\d+)?) ([+-]\d\d:\d\d)$", r"T\1\2", iso)
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        spreadsheet = common.parse_spreadsheet_time(text, dayfirst)
        if spreadsheet is None:
            raise common.TimestampError("not recognised") from None
        parsed = spreadsheet
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone).astimezone(UTC), True
    return parsed.astimezone(UTC), False


STAMPS = st.from_regex(
    r"20[0-9][0-9]-[01][0-9]-[0-3][0-9]"  # date
    r"([T ][0-2][0-9]:[0-5][0-9](:[0-5][0-9](\.[0-9]{1,8})?)?)?"  # time
    r"( ?(Z|[+-][01][0-9]:?[0-5][0-9]))?",  # offset
    fullmatch=True,
)


@given(value=STAMPS, zone=st.sampled_from([UTC, common.parse_zone("Europe/London"), common.parse_zone("+05:30")]))
def test_parse_timestamp_as_before(value: str, zone: Any) -> None:
    try:
        expected: Any = parse_timestamp_before(value, zone, None)
    except (ValueError, OverflowError) as exc:
        expected = type(exc)
    try:
        got: Any = common.parse_timestamp(value, zone)
    except (ValueError, OverflowError) as exc:
        got = type(exc)
    if expected is common.TimestampError:
        assert got in (common.TimestampError, common.AmbiguousDateError)
    else:
        assert got == expected
    if isinstance(got, tuple) and value.strip() in generic._zoned_iso([value.strip()]):
        assert generic._zoned_iso([value.strip()])[value.strip()] == (got[0], got[1], None)


def thread_posts(specs: list[tuple[str, str | None, int]]) -> Iterator[Post]:
    base = datetime(2024, 3, 1, tzinfo=UTC)
    for post_id, parent, minutes in specs:
        yield Post(id=post_id, parent_id=parent, author="a", created_at=base + timedelta(minutes=minutes), text="t",
                   platform="p", kind="post" if parent is None else "reply")  # fmt: skip


LINK_CASES = [
    [("1", None, 0), ("2", "1", 1), ("3", "2", 2)],
    [("1", "3", 0), ("2", "1", 1), ("3", "2", 2), ("4", "4", 3), ("5", "9", 4)],  # cycle, self-reply, orphan
    [("1", None, 5), ("2", "1", 1), ("3", "1", 5), ("0", "1", 5)],  # before the parent; same time both ways
    [("a", "b", 0), ("b", "a", 0), ("c", "c", 0), ("d", None, 10**7)],  # same-time cycle, future
]


@pytest.mark.parametrize("specs", LINK_CASES)
@pytest.mark.parametrize("fast_from", [0, 10**9])
def test_link_checks_as_before(specs: list[tuple[str, str | None, int]], fast_from: int,
                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The one-pass link check (and its numpy cycle search) gives what sorting and cutting give."""

    def load() -> Collection:
        builder = ThreadBuilder(RawInput(path="x"), "test", LoadOptions())
        for post in thread_posts(specs):
            builder.add(post)
        return builder.build()

    monkeypatch.setattr(common, "_FAST_LINKS_FROM", fast_from)
    fast = canon(load())
    order = common._link_order
    monkeypatch.setattr(common, "_link_order", lambda *a: (*order(*a)[:2], 1, *order(*a)[3:]))  # never "in order"
    monkeypatch.setattr(common, "_FAST_LINKS_FROM", 10**9)
    assert fast == canon(load())


def test_is_utf8() -> None:
    assert common.is_utf8("zoë 😀".encode())
    assert not common.is_utf8(b"caf\xe9")
    assert not common.is_utf8("😀".encode()[:-1])


def test_texts_are_handed_on_a_block_at_a_time_as_the_posts_hold_them(small_steps: None) -> None:
    """``texts_read`` (the review's sentiment prefetch) gets every block's texts, cleaned as
    the posts will hold them, in file order, while the file is still being read."""
    rows = [
        "1,,alice,2024-03-01T09:00:00Z,@shop my order\u202e never came &amp; nobody answers",
        "2,1,shop,2024-03-01T09:05:00Z,@alice Sorry! Please DM us.",
        "3,1,bob,2024-03-01T09:06:00Z,same here\x00 \U0001f621",
        "4,,carl,2024-03-01T09:07:00Z,",
        "5,,dave,2024-03-01T09:08:00Z,\"multi\nline, quoted\"",
    ]
    blocks: list[list[str]] = []
    data = (HEADER + "\n".join(rows) + "\n").encode()
    collection = parse_raw(RawInput(path="t.csv", data=data, sha256="0" * 64), texts_read=blocks.append)
    assert len(blocks) == 3  # blocks of 2 rows (small_steps)
    assert [t for block in blocks for t in block] == [p.text for p in collection.threads[0].posts]
    assert all(t == clean_text(t) for block in blocks for t in block)
