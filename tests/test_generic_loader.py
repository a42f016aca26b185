from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from postmortem.errors import InputError, UsageError
from postmortem.ingest import load
from tests.conftest import DATA

HEADER = "id,parent_id,author,created_at,text\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_small_csv_loads_every_post(small_thread) -> None:
    assert [p.id for p in small_thread.posts] == ["1", "2", "3", "4", "5", "6"]
    first = small_thread.posts[0]
    assert first.author == "alice" and first.author_name == "Alice A"
    assert first.created_at == datetime(2024, 3, 1, 9, tzinfo=timezone.utc)
    assert first.likes == 4 and first.kind == "post"
    assert small_thread.posts[1].parent_id == "1" and small_thread.posts[1].kind == "reply"
    assert small_thread.source.format == "generic-csv"
    assert len(small_thread.source.sha256) == 64
    assert small_thread.coverage.records_read == 6 and small_thread.coverage.posts_loaded == 6


def test_json_object_with_posts_and_company(tmp_path: Path) -> None:
    doc = {
        "title": "T",
        "platform": "facebook",
        "company": ["@Shop"],
        "posts": [
            {"id": "a", "parent_id": None, "author": "x", "created_at": "2024-01-01T10:00:00+01:00", "text": "hi café"},
            {"id": "b", "parent_id": "a", "author": "Shop", "created_at": "2024-01-01T10:05:00Z", "text": "hello 😀"},
        ],
    }
    thread = load(write(tmp_path, "t.json", json.dumps(doc))).threads[0]
    assert thread.title == "T" and thread.company_hint == ("shop",)
    assert thread.platform == "facebook"
    assert thread.posts[0].created_at == datetime(2024, 1, 1, 9, tzinfo=timezone.utc)
    assert thread.posts[1].text == "hello 😀"


def test_json_lines(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "parent_id": None, "author": "x", "created_at": 1700000000, "text": "a"},
        {"id": 2, "parent_id": 1, "author": "y", "created_at": 1700000060000, "text": "b"},
    ]
    path = write(tmp_path, "t.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    thread = load(path).threads[0]
    assert [p.id for p in thread.posts] == ["1", "2"]
    assert (thread.posts[1].created_at - thread.posts[0].created_at).total_seconds() == 60


def test_naive_timestamps_read_in_given_zone_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", HEADER + "1,,a,2024-07-01 12:00:00,hello\n")
    thread = load(path, tz="Europe/London").threads[0]
    assert thread.posts[0].created_at == datetime(2024, 7, 1, 11, tzinfo=timezone.utc)
    assert thread.source.timezone_assumed == "Europe/London"
    assert any("without offset" in line for line in thread.coverage.lines())


def test_map_reads_other_column_names(tmp_path: Path) -> None:
    text = "Post ID,Reply To,User,Date,Message\n1,,a,2024-01-01T00:00:00Z,hello\n"
    mapping = {"id": "Post ID", "parent_id": "Reply To", "author": "User", "created_at": "Date", "text": "Message"}
    thread = load(write(tmp_path, "t.csv", text), mapping=mapping).threads[0]
    assert thread.posts[0].text == "hello"


def test_wrong_map_names_the_column(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", HEADER + "1,,a,2024-01-01T00:00:00Z,x\n")
    with pytest.raises(InputError, match="no column 'Datum'"):
        load(path, mapping={"created_at": "Datum"})
    with pytest.raises(UsageError, match="unknown field"):
        load(path, mapping={"when": "created_at"})


def test_missing_required_column_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "id,author,created_at\n1,a,2024-01-01T00:00:00Z\n")
    with pytest.raises(InputError) as err:
        load(path)
    assert str(err.value).startswith(str(path))
    assert "parent_id" in str(err.value) and "text" in str(err.value)


def test_bad_timestamp_names_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", HEADER + "1,,a,2024-01-01T00:00:00Z,x\n2,1,b,yesterday,y\n")
    with pytest.raises(InputError) as err:
        load(path)
    assert err.value.record == "line 3"
    assert err.value.field == "created_at"
    assert "line 3" in str(err.value) and "created_at" in str(err.value)


def test_row_with_too_many_values(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", HEADER + "1,,a,2024-01-01T00:00:00Z,x,extra\n")
    with pytest.raises(InputError, match="line 2"):
        load(path)


def test_truncated_json_reports_position(tmp_path: Path) -> None:
    path = write(tmp_path, "t.json", '[{"id": "1", "parent_id": null, "author": "a", "created_at": "2024-01-01T00:00:00Z", "text": "x"')
    with pytest.raises(InputError, match="line 1"):
        load(path)


def test_missing_file_and_empty_thread(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="no posts"):
        load(write(tmp_path, "empty.csv", HEADER))


def test_duplicates_are_merged_and_counted(tmp_path: Path) -> None:
    rows = "1,,a,2024-01-01T00:00:00Z,x\n1,,a,2024-01-01T00:00:00Z,x\n2,9,b,2024-01-01T00:01:00Z,y\n"
    thread = load(write(tmp_path, "t.csv", HEADER + rows)).threads[0]
    assert len(thread.posts) == 2
    assert thread.coverage.duplicates_merged == 1
    assert thread.coverage.orphans == 1


def test_unknown_format_name_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown format"):
        load(DATA / "generic" / "small.csv", "myspace")
