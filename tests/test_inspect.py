"""``postmortem inspect``: the pure summary, its three renderers and the command's path."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from postmortem import inspect as insp
from postmortem.analysis.results import Analysis
from postmortem.ingest import load
from tests.conftest import DATA, EXAMPLES, make_thread

ANSI = re.compile(r"\x1b\[")
PLAIN_KEY = re.compile(r"^(?:[a-z_]+|figure\.[a-z_]+|company\.\d+): ")
FIGURE_KEYS = (
    "first_response",
    "median_response",
    "unanswered",
    "target_breaches",
    "sentiment_drift",
    "people_involved",
)


@pytest.fixture(scope="module")
def bodybugg(bodybugg_analysis: Analysis) -> insp.InspectSummary:
    return insp.summarise(bodybugg_analysis)


def test_thread_summary_holds_the_reports_figures(bodybugg: insp.InspectSummary, bodybugg_analysis: Analysis) -> None:
    a, r = bodybugg_analysis, bodybugg_analysis.response
    assert bodybugg.kind == "thread"
    assert bodybugg.format == "facebook-graph"
    assert bodybugg.posts == len(a.posts) == 89
    assert bodybugg.participants == a.posts["author"].nunique()
    assert bodybugg.conversations == 1
    assert bodybugg.company == ("BodyBugg",)
    assert bodybugg.company_reason == "given with --company"
    assert (bodybugg.start, bodybugg.end) == (a.start, a.end)
    assert tuple(f.key for f in bodybugg.figures) == FIGURE_KEYS
    assert bodybugg.numbers is not None
    assert bodybugg.numbers["inbound"] == r.inbound
    assert bodybugg.numbers["unanswered"] == r.unanswered
    assert bodybugg.numbers["breaches"] == r.breaches
    assert bodybugg.numbers["first_response_s"] == pytest.approx(r.first_response_s, abs=0.1)


def test_top_lessons_are_the_ranked_ones(bodybugg: insp.InspectSummary, bodybugg_analysis: Analysis) -> None:
    lessons = bodybugg_analysis.lessons
    assert [x.id for x in bodybugg.lessons] == [x.id for x in lessons[: insp.TOP_LESSONS]]
    assert bodybugg.lessons_total == len(lessons)
    assert bodybugg.lessons_went_badly == sum(x.verdict == "went_badly" for x in lessons)
    assert bodybugg.lessons[0].id == "sarcasm-or-condescension"
    assert [x.id for x in insp.summarise(bodybugg_analysis, top=1).lessons] == [lessons[0].id]


def test_summary_is_frozen(bodybugg: insp.InspectSummary) -> None:
    with pytest.raises(AttributeError):
        bodybugg.posts = 1  # type: ignore[misc]


def test_plain_text_is_stable_key_value_lines(bodybugg: insp.InspectSummary) -> None:
    text = insp.render_plain(bodybugg)
    assert text.endswith("\n") and not ANSI.search(text)
    lines = text.splitlines()
    assert all(PLAIN_KEY.match(line) for line in lines), [x for x in lines if not PLAIN_KEY.match(x)]
    assert lines[:3] == [
        "source: " + bodybugg.source,
        "format: facebook-graph",
        "platform: facebook",
    ]
    assert "posts: 89" in lines
    assert "period: 2010-04-12 14:14 UTC -> 2010-04-15 13:22 UTC (2 d 23 h)" in lines
    assert "company: BodyBugg" in lines
    assert [x.split(":")[0] for x in lines if x.startswith("figure.")] == [f"figure.{k}" for k in FIGURE_KEYS]
    assert sum(x.startswith("lesson: ") for x in lines) == 3
    assert "lesson: [went badly, high] sarcasm-or-condescension: " in text
    assert insp.render_plain(bodybugg) == text


def test_period_in_the_requested_zone(bodybugg_analysis: Analysis) -> None:
    summary = insp.summarise(bodybugg_analysis, tz="America/Chicago")
    assert insp.format_period(summary) == "2010-04-12 09:14 CDT -> 2010-04-15 08:22 CDT (2 d 23 h)"


def test_json_for_scripts(bodybugg: insp.InspectSummary) -> None:
    data = json.loads(insp.summary_json(bodybugg))
    assert data["schema"] == insp.SCHEMA
    assert data["kind"] == "thread"
    assert data["start"].startswith("2010-04-12T14:14") and data["start"].endswith("Z")
    assert data["duration_s"] == pytest.approx(bodybugg.duration_s)
    assert [f["key"] for f in data["figures"]] == list(FIGURE_KEYS)
    assert data["numbers"]["inbound"] == bodybugg.numbers["inbound"]  # type: ignore[index]
    assert [x["id"] for x in data["lessons"]] == [x.id for x in bodybugg.lessons]
    assert data["companies"] == []


def test_rich_tables_on_a_terminal(bodybugg: insp.InspectSummary) -> None:
    buffer = io.StringIO()
    insp.render_rich(bodybugg, Console(file=buffer, width=120, force_terminal=True, color_system="standard"))
    out = buffer.getvalue()
    assert ANSI.search(out)
    plain = ANSI.sub("", out)
    plain = re.sub(r"\[[0-9;]*m", "", plain)
    for text in ("Key figures", "First response", "Lessons (top 3 of", "sarcasm-or-condescension", "BodyBugg"):
        assert text in plain
    quiet = io.StringIO()
    insp.render_rich(bodybugg, Console(file=quiet, width=120, color_system=None))
    assert not ANSI.search(quiet.getvalue())


def test_collection_without_selection_lists_companies() -> None:
    collection = load(DATA / "twcs" / "support.csv")
    summary = insp.summarise(collection)
    assert summary.kind == "collection"
    assert summary.conversations == len(collection.threads) == 3
    assert summary.posts == collection.posts
    assert [(c.company, c.conversations, c.posts) for c in summary.companies] == [("acmehelp", 2, 5), ("boltair", 1, 3)]
    assert summary.companies_total == 2
    assert summary.figures == () and summary.lessons == ()
    assert summary.hint is not None and "--company acmehelp" in summary.hint
    text = insp.render_plain(summary)
    assert "company.1: acmehelp 2 conversations, 5 posts" in text
    assert "hint: " in text
    assert json.loads(insp.summary_json(summary))["companies"][0]["company"] == "acmehelp"
    buffer = io.StringIO()
    insp.render_rich(summary, Console(file=buffer, width=100))
    assert "Companies in this file" in buffer.getvalue()


def test_inspect_path_chooses_overview_or_analysis() -> None:
    path = DATA / "twcs" / "support.csv"
    assert insp.inspect_path(path).kind == "collection"
    chosen = insp.inspect_path(path, company=["@AcmeHelp"])
    assert chosen.kind == "thread"
    assert [c.lower() for c in chosen.company] == ["acmehelp"]
    assert chosen.conversations == 2


def test_overview_never_imports_pandas() -> None:
    probe = (
        "import sys; from postmortem.inspect import inspect_path, render_plain; "
        f"s = inspect_path({str(DATA / 'twcs' / 'support.csv')!r}); render_plain(s); "
        "print('pandas' in sys.modules, s.kind)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "collection"]


def test_warnings_when_no_company_is_found() -> None:
    from postmortem import api

    thread = make_thread([("1", None, "ann", 0, "My order never arrived"), ("2", "1", "bob", 5, "same here")])
    summary = insp.summarise(api.analyse(thread))
    assert summary.company == ()
    assert any(w.startswith("company: no account could be identified") for w in summary.warnings)
    assert "company: none identified" in insp.render_plain(summary)


def test_coverage_warnings_are_listed() -> None:
    summary = insp.inspect_path(EXAMPLES / "restaurant" / "restaurant_x_api.json")
    assert summary.warnings, "the restaurant export skips retweets: coverage must say so"
    assert any("skipped" in w for w in summary.warnings)
    assert all(f"warning: {w}" in insp.render_plain(summary) for w in summary.warnings)


def test_cli_command_when_registered(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from postmortem.cli import app

    names = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    if "inspect" not in names:
        pytest.skip("the 'inspect' command is not registered in postmortem/cli.py yet")
    runner = CliRunner()
    example = str(EXAMPLES / "bodybugg" / "bodybugg_facebook_graph.json")
    plain = runner.invoke(app, ["inspect", example, "--company", "BodyBugg"])
    assert plain.exit_code == 0, plain.output
    assert plain.output.startswith("source: ") and not ANSI.search(plain.output)
    as_json = runner.invoke(app, ["inspect", example, "--company", "BodyBugg", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["posts"] == 89
    overview = runner.invoke(app, ["inspect", str(DATA / "twcs" / "support.csv")])
    assert overview.exit_code == 0, overview.output
    assert "company.1: acmehelp" in overview.output
    missing = runner.invoke(app, ["inspect", str(tmp_path / "nope.json")])
    assert missing.exit_code == 3
