"""Collecting a review: paths, folders, globs, mixed formats, broken files, periods, exit codes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from postmortem.config import Config
from postmortem.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_PARTIAL, InputError, UsageError
from postmortem.review import ReviewOptions, run_review
from postmortem.review.collect import CollectOptions, Window, collect, expand_paths
from postmortem.review.period import resolve_period
from tests.conftest import benchmark_generator

DATA = Path(__file__).resolve().parent / "data"
REVIEW = DATA / "review"
MIXED = {
    "small.csv": DATA / "generic" / "small.csv",
    "sub/support.csv": DATA / "twcs" / "support.csv",
    "sub/graph_feed.json": DATA / "facebook" / "graph_feed.json",
    "sub/deeper/reddit.json": DATA / "reddit" / "comments.json",
    "context.json": DATA / "mastodon" / "context.json",
    "search_page.json": DATA / "x_api" / "search_page.json",
    "broken.json": REVIEW / "broken.json",
    "README.md": REVIEW / "README.txt",
    ".hidden/small.csv": DATA / "generic" / "small.csv",
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder mixing formats, with an X archive and a PHEME folder, a broken file, a note and a hidden folder."""
    root = tmp_path_factory.mktemp("mixed")
    for name, source in MIXED.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / name)
    shutil.copytree(DATA / "x_archive" / "archive", root / "xarchive")
    shutil.copytree(DATA / "pheme", root / "pheme")
    return root


def test_expand_paths_walks_folders_sensibly(mixed: Path) -> None:
    found, failures, ignored = expand_paths([mixed])
    names = sorted(str(p.relative_to(mixed)) for p in found)
    assert names == [
        "broken.json",
        "context.json",
        "pheme",  # a PHEME folder loads whole
        "search_page.json",
        "small.csv",
        "sub/deeper/reddit.json",
        "sub/graph_feed.json",
        "sub/support.csv",
        "xarchive/data",  # an X archive (tweets.js beside account.js) loads whole
    ]
    assert failures == [] and ignored == 1  # README.md; .hidden/ is skipped altogether


def test_globs_missing_paths_and_duplicates(mixed: Path) -> None:
    found, failures, _ = expand_paths(
        [f"{mixed}/**/*.csv", mixed / "small.csv", f"{mixed}/*.nothing", mixed / "gone.json"]
    )
    assert sorted(p.name for p in found) == ["small.csv", "support.csv"]
    assert [(Path(f.path).name, f.message) for f in failures] == [
        ("*.nothing", "no file matches this pattern"),
        ("gone.json", "no such file or folder"),
    ]


def test_mixed_folder_with_a_broken_file(mixed: Path) -> None:
    result = run_review([mixed], ReviewOptions(jobs=1))
    assert [Path(f.path).name for f in result.failures] == ["broken.json"]
    assert "invalid JSON at line 1" in result.failures[0].message  # one line, without the path
    assert result.exit_code == EXIT_PARTIAL
    assert result.inputs.files_loaded == 8
    # one thread per conversation: the support CSV holds 3, the X API page 2, the other inputs 1 each
    assert result.inputs.threads_read == len(result.summaries) == 3 + 2 + 6
    by_source = {Path(s.source).name for s in result.summaries}
    assert by_source == {
        "small.csv",
        "support.csv",
        "graph_feed.json",
        "reddit.json",
        "context.json",
        "search_page.json",
        "data",
        "pheme",
    }
    support = sorted((s.conversation_id, s.company) for s in result.summaries if s.source.endswith("support.csv"))
    assert support == [("100", "AcmeHelp"), ("200", "BoltAir"), ("301", "AcmeHelp")]
    assert {c.company for c in result.companies} >= {"AcmeHelp", "BoltAir", "AcmeCo"}
    assert result.kpis.threads == 11 and result.kpis.posts == sum(s.posts for s in result.summaries)
    assert result.period.basis == "all" and result.trends is None
    assert any("1 file inside folders ignored" in n for n in result.notes)


def test_strict_fails_the_whole_run(mixed: Path) -> None:
    with pytest.raises(InputError, match=r"broken\.json.*--strict: 1 input failed, nothing written") as info:
        run_review([mixed], ReviewOptions(strict=True, jobs=1))
    assert info.value.exit_code == EXIT_BAD_INPUT


def test_company_selects_conversations_of_a_multi_company_file() -> None:
    result = run_review([DATA / "twcs" / "support.csv"], ReviewOptions(config=Config(company=("@boltair",))))
    assert [(s.conversation_id, s.company) for s in result.summaries] == [("200", "BoltAir")]
    assert result.inputs.threads_other_companies == 2
    assert any("2 conversations of other companies" in n for n in result.notes)


def test_month_with_trends_from_the_previous_month() -> None:
    config = Config(company=("AcmeCo",))
    result = run_review([REVIEW], ReviewOptions(config=config, month="2026-10", jobs=1))
    assert result.exit_code == EXIT_PARTIAL  # broken.json
    assert (result.period.label, result.period.first_day.isoformat(), result.period.last_day.isoformat()) == (
        "2026-10",
        "2026-10-01",
        "2026-10-31",
    )
    assert [Path(s.source).name for s in result.summaries] == ["acme_2026-10.csv"]
    assert result.inputs.threads_outside == 1  # September's thread, used for the trends
    assert result.trends is not None and result.trends.basis == "previous_period"
    assert result.trends.against == "2026-09"
    rows = {t.key: t for t in result.trends.rows}
    # October: first reply after 2 h, 1 of 4 addressed posts answered. September: 20 min, 1 of 2
    # (the customer's thank-you after the reply is addressed to the company and never answered).
    assert (rows["first_response_median_s"].current, rows["first_response_median_s"].previous) == (7200.0, 1200.0)
    assert rows["first_response_median_s"].verdict == "worse"
    assert (rows["response_rate"].current, rows["response_rate"].previous) == (0.25, 0.5)
    assert any("the inputs start on 2026-09-14" in n for n in result.notes)


def test_no_trends_when_the_inputs_do_not_cover_the_previous_period() -> None:
    result = run_review([REVIEW / "oct"], ReviewOptions(month="2026-10"))
    assert result.trends is None and result.exit_code == EXIT_OK
    assert any("no thread of the inputs falls in the previous period (2026-09)" in n for n in result.notes)


def test_period_in_the_configured_zone() -> None:
    # 2026-10-12 09:00 UTC is still 12 October in Tokyo; 2026-09-14 09:00 UTC is 18:00 there.
    result = run_review(
        [REVIEW / "sep"], ReviewOptions(config=Config(tz="Asia/Tokyo"), since="2026-09-14", until="2026-09-14")
    )
    assert len(result.summaries) == 1
    start = result.period.start
    assert start == datetime(2026, 9, 13, 15, 0, tzinfo=UTC)
    result = run_review([REVIEW / "sep"], ReviewOptions(config=Config(tz="Pacific/Kiritimati"), since="2026-09-15"))
    assert len(result.summaries) == 0  # 09:00 UTC is 23:00 on the 14th there (UTC+14): before the 15th


def test_period_options() -> None:
    zone = UTC
    with pytest.raises(UsageError, match="either --month or --since"):
        resolve_period("2026-10", "2026-10-01", None, zone, "UTC")
    with pytest.raises(UsageError, match="--month '2026-13'"):
        resolve_period("2026-13", None, None, zone, "UTC")
    with pytest.raises(UsageError, match="--until 2026-09-01 is before --since"):
        resolve_period(None, "2026-10-01", "2026-09-01", zone, "UTC")
    week = resolve_period(None, "2026-10-05", "2026-10-11", zone, "UTC")
    before = week.previous(zone)
    assert before is not None and (before.first_day.isoformat(), before.last_day.isoformat()) == (
        "2026-09-28",
        "2026-10-04",
    )
    january = resolve_period("2026-01", None, None, zone, "UTC").previous(zone)
    assert january is not None and january.label == "2025-12"


def test_window_skips_threads_before_analysis() -> None:
    options = CollectOptions(window=Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)))
    collected = collect([REVIEW / "sep", REVIEW / "oct"], options)
    assert collected.threads_read == 2 and collected.threads_outside == 1
    assert [Path(s.source).name for s in collected.summaries] == ["acme_2026-10.csv"]


def test_no_input_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no input"):
        run_review([], ReviewOptions())


def test_a_folder_without_exports_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")
    result = run_review([tmp_path], ReviewOptions())
    assert [f.message for f in result.failures] == ["folder holds no export files"]
    assert result.kpis.threads == 0 and result.exit_code == EXIT_PARTIAL


def test_a_big_file_is_scored_while_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader hands each block of texts to the sentiment scorer's prefetch: same summary,
    the prefetch's workers used and gone afterwards."""
    import importlib
    import multiprocessing

    from postmortem.analysis import fast_vader

    collect_module = importlib.import_module("postmortem.review.collect")  # (the package exports the function)

    write_csv = benchmark_generator().write_csv
    path = write_csv(tmp_path / "big.csv", 2000, seed=5)
    options = CollectOptions(jobs=1)
    monkeypatch.setattr(collect_module, "_SCORERS", {})
    monkeypatch.setattr(collect_module, "_prefetcher", lambda method: None)
    alone = collect([path], options).summaries
    monkeypatch.undo()
    monkeypatch.setattr(collect_module, "_SCORERS", {})  # a fresh scorer: nothing cached yet
    monkeypatch.setattr(fast_vader, "PREFETCH_CHUNK", 100)
    sent: list[int] = []
    flush = fast_vader.Prefetch.flush
    monkeypatch.setattr(fast_vader.Prefetch, "flush", lambda self: sent.append(len(self._gathered)) or flush(self))
    prefetched = collect([path], options).summaries
    assert sent and sum(sent) > 1000  # most texts went to the workers during the load
    assert prefetched == alone
    assert not multiprocessing.active_children()
