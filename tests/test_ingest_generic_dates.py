"""Generic loader: spreadsheet date formats, the day/month rule and --map."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from postmortem.errors import InputError, UsageError
from postmortem.ingest import load, parse_raw
from postmortem.ingest.common import RawInput, parse_timestamp
from tests._shared_data import FIXTURES

MAP = {
    "id": "Post ID",
    "parent_id": "Reply To",
    "author": "From",
    "author_name": "Name",
    "created_at": "Date",
    "text": "Message",
    "likes": "Likes",
}


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("2026-10-03 14:05", None, datetime(2026, 10, 3, 14, 5)),
        ("2026/10/03 14:05", None, datetime(2026, 10, 3, 14, 5)),
        ("10/3/2026 2:05 PM", False, datetime(2026, 10, 3, 14, 5)),
        ("03/10/2026 14:05", True, datetime(2026, 10, 3, 14, 5)),
        ("25/10/2026 14:05", None, datetime(2026, 10, 25, 14, 5)),
        ("03.10.2026 14:05", None, datetime(2026, 10, 3, 14, 5)),
        ("3/10/26 12:05 am", True, datetime(2026, 10, 3, 0, 5)),
        ("Oct 3, 2026 2:05 PM", None, datetime(2026, 10, 3, 14, 5)),
        ("October 3, 2026 at 2:05 PM", None, datetime(2026, 10, 3, 14, 5)),
        ("3 Oct 2026 14:05", None, datetime(2026, 10, 3, 14, 5)),
    ],
)
def test_spreadsheet_dates(text: str, dayfirst: bool | None, expected: datetime) -> None:
    parsed, naive = parse_timestamp(text, dayfirst=dayfirst)
    assert parsed == expected.replace(tzinfo=UTC) and naive


def test_mapped_spreadsheet_infers_month_first() -> None:
    collection = load(FIXTURES / "generic" / "spreadsheet.csv", mapping=MAP, tz="Europe/Stockholm")
    posts = collection.threads[0].posts
    assert posts[0].created_at == datetime(2026, 10, 3, 12, 5, tzinfo=UTC)
    assert posts[2].text == "@AcmeHelp DM sent, שלום" and posts[0].author_name == "Zoë Núñez"
    assert any("month/day/year" in n for n in collection.coverage.notes)
    assert collection.source.timezone_assumed == "Europe/Stockholm"


def test_ambiguous_dates_need_an_order() -> None:
    data = (FIXTURES / "generic" / "spreadsheet.csv").read_bytes().replace(b"10/13/2026", b"10/12/2026")
    raw = RawInput(path="s.csv", data=data)
    with pytest.raises(InputError, match="--date-order"):
        parse_raw(raw, mapping=MAP)
    day_first = parse_raw(raw, mapping=MAP, date_order="dmy")
    assert day_first.threads[0].posts[0].created_at.month == 3
    with pytest.raises(UsageError):
        parse_raw(raw, mapping=MAP, date_order="ymd")


def test_wrong_map_names_the_columns() -> None:
    with pytest.raises(InputError, match="no column 'Datum'; columns are: Post ID"):
        load(FIXTURES / "generic" / "spreadsheet.csv", mapping={**MAP, "created_at": "Datum"})
