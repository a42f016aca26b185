from __future__ import annotations

import csv
import io
import json

from postmortem.analysis import analyse
from postmortem.outputs import neutralise_cell
from postmortem.report.exports import CSV_COLUMNS, build_metrics, metrics_json, posts_csv
from tests.conftest import make_thread


def test_metrics_schema_v1_keys(small_analysis) -> None:
    doc = json.loads(metrics_json(small_analysis))
    assert doc["schema_version"] == 1
    assert set(doc["thread"]) >= {"source", "format", "platform", "sha256", "posts", "participants", "company_accounts", "start", "end"}
    assert set(doc["response"]) >= {
        "inbound", "answered", "unanswered", "first_response_s", "median_response_s", "p90_response_s",
        "max_response_s", "target_s", "breaches",
    }
    assert set(doc["sentiment"]) >= {"method", "crowd_start", "crowd_end", "crowd_min", "crowd_min_at", "drift", "company_mean"}
    for lesson in doc["lessons"]:
        assert set(lesson) >= {"id", "title", "verdict", "severity", "evidence", "recommendation"}
        assert lesson["verdict"] in ("went_well", "went_badly")


def test_metrics_values(small_analysis) -> None:
    doc = build_metrics(small_analysis)
    assert doc["thread"]["posts"] == 6 and doc["thread"]["participants"] == 4
    assert doc["thread"]["company_accounts"] == ["AcmeCo"]
    assert doc["thread"]["start"] == "2024-03-01T09:00:00Z" and doc["thread"]["end"] == "2024-03-01T12:00:00Z"
    assert doc["response"]["first_response_s"] == 5400 and doc["response"]["breaches"] == 2
    assert doc["response"]["median_response_s"] == 3150


def test_posts_csv_one_row_per_post(small_analysis) -> None:
    rows = list(csv.DictReader(io.StringIO(posts_csv(small_analysis))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows[0]["role"] == "complainant" and rows[0]["response_s"] == "5400"
    assert rows[2]["role"] == "company" and rows[2]["response_s"] == ""


def test_csv_neutralises_formulas() -> None:
    thread = make_thread(
        [("1", None, "=cmd", 0, '=HYPERLINK("http://x","y")'), ("2", "1", "shop", 5, "+1 -2 @here")],
        company=("shop",),
    )
    rows = list(csv.DictReader(io.StringIO(posts_csv(analyse(thread)))))
    assert rows[0]["text"].startswith("'=HYPERLINK")
    assert rows[0]["author"] == "'=cmd"
    assert rows[1]["text"] == "'+1 -2 @here"
    assert float(rows[0]["sentiment"]) == float(rows[0]["sentiment"])  # numbers stay numbers


def test_neutralise_cell_prefixes() -> None:
    for bad in ("=1", "+1", "-1", "@x", "\tx", "\rx"):
        assert neutralise_cell(bad).startswith("'")
    assert neutralise_cell("fine") == "fine" and neutralise_cell(None) == ""


def test_atomic_write_replaces_and_respects_umask(tmp_path) -> None:
    import os

    from postmortem.outputs import write_atomic

    target = tmp_path / "out.txt"
    old = os.umask(0o022)
    try:
        write_atomic(target, "one")
    finally:
        os.umask(old)
    assert target.read_text() == "one"
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two" and target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_stale_temp_files_are_cleaned_but_fresh_ones_kept(tmp_path) -> None:
    import os
    import time

    from postmortem.outputs import STALE_TEMP_S, write_atomic

    target = tmp_path / "report.pdf"
    stale = tmp_path / ".report.pdf.abc123.tmp"
    fresh = tmp_path / ".report.pdf.def456.tmp"
    other = tmp_path / ".other.pdf.abc.tmp"
    for f in (stale, fresh, other):
        f.write_bytes(b"partial")
    old = time.time() - STALE_TEMP_S - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_atomic(target, b"%PDF")
    assert not stale.exists()  # left by a run killed long ago
    assert fresh.exists()  # may belong to a run still writing
    assert other.exists()  # another output's business
