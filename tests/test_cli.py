from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postmortem import __version__
from postmortem.cli import app
from tests.conftest import DATA, REPO

runner = CliRunner()
SMALL = str(DATA / "generic" / "small.csv")


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"postmortem {__version__}"


def test_report_writes_json_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    result = runner.invoke(app, ["report", SMALL, "--no-pdf", "--json", str(out), "--csv", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["response"]["first_response_s"] == 5400
    assert "wrote" in result.output


def test_existing_output_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    out.write_text("keep me")
    result = runner.invoke(app, ["report", SMALL, "--no-pdf", "--json", str(out)])
    assert result.exit_code == 2
    assert "already exists; use --force" in result.output
    assert out.read_text() == "keep me"
    assert runner.invoke(app, ["report", SMALL, "--no-pdf", "--json", str(out), "--force"]).exit_code == 0
    assert out.read_text() != "keep me"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["report", "missing.csv", "--no-pdf", "--json", "x.json"], 3, "missing.csv: no such file"),
        (["report", SMALL, "--no-pdf", "--json", "x.json", "--format", "myspace"], 2, "unknown format"),
        (["report", SMALL, "--no-pdf", "--json", "x.json", "--target", "soon"], 2, "cannot read duration"),
        (["report", SMALL, "--no-pdf", "--json", "x.json", "--tz", "Mars/Base"], 2, "unknown time zone"),
        (["report", SMALL, "--no-pdf", "--json", "x.json", "--map", "oops"], 2, "FIELD=COLUMN"),
        (["report", SMALL, "--no-pdf"], 2, "nothing to write"),
        (["report", SMALL, "--no-pdf", "--json", "nodir/x.json"], 2, "does not exist"),
    ],
)
def test_errors_are_one_line_with_exit_codes(chdir_tmp: Path, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (chdir_tmp / "x.json").exists()


def test_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,parent_id,author,created_at,text\n1,,a,not a date,x\n")
    result = runner.invoke(app, ["report", str(bad), "--no-pdf", "--json", str(tmp_path / "m.json")])
    assert result.exit_code == 3
    assert re.search(r"bad\.csv, line 2, field 'created_at'", result.output)
    assert not (tmp_path / "m.json").exists()


def test_every_command_has_help_and_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    assert names
    for name in names:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output
        assert f"postmortem {name}" in readme, f"README does not document 'postmortem {name}'"


def test_help_does_not_import_heavy_libraries() -> None:
    """`postmortem --help` stays fast (< 0.3 s target, docs/performance.md) only while the CLI
    module imports pandas, numpy, matplotlib and WeasyPrint lazily, inside the commands."""
    import subprocess
    import sys

    code = (
        "import sys, postmortem.cli; "
        "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'weasyprint', 'vaderSentiment') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"


def test_stages_show_progress_without_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal each stage shows its label without a spinner thread: the analysis and the
    charts use forked helpers only while the CLI runs no other thread (perf.fork_usable)."""
    import io
    import threading

    from postmortem import cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(cli._state, "quiet", False)
    before = threading.active_count()
    with cli.stage("rendering pdf"):
        assert threading.active_count() == before
    with cli.stage("analysing 3 posts"):
        assert threading.active_count() == before
    assert "rendering pdf" in terminal.getvalue() and "analysing 3 posts" in terminal.getvalue()


def test_console_script_exits_at_once_with_its_output_written(tmp_path: Path) -> None:
    """``main`` skips the interpreter's teardown (os._exit): the exit code, the flushed
    stdout and the atomically written file must all still be there."""
    import subprocess

    out = tmp_path / "m.json"
    source = REPO / "tests" / "data" / "generic" / "small.csv"
    args = ["report", str(source), "--no-pdf", "--json", str(out), "--company", "AcmeCo"]
    done = subprocess.run([sys.executable, "-m", "postmortem", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["response"]["inbound"] == 4
    assert str(out) in done.stdout  # the summary printed before the fast exit reached the pipe
    again = subprocess.run([sys.executable, "-m", "postmortem", *args], capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_a_closed_stdout_is_not_an_internal_error() -> None:
    import subprocess

    child = subprocess.Popen(
        [sys.executable, "-m", "postmortem", "formats"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    with child.stderr:
        error = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141 and error == ""


def test_a_profiled_run_still_writes_its_profile(tmp_path: Path) -> None:
    """Under cProfile (or coverage) the console script exits normally, so the profile is saved."""
    import subprocess

    out = tmp_path / "run.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "postmortem", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and out.stat().st_size > 0


def test_review_progress_bar_runs_no_thread() -> None:
    """The review's bar is redrawn as the count moves, not by a thread (forks need none)."""
    import io
    import threading

    from postmortem.review.progress import BarProgress, close_progress, make_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    before = threading.active_count()
    progress = make_progress(Terminal())
    assert isinstance(progress, BarProgress)
    progress.threads_started("month.csv", 3)
    progress.advance(3)
    assert threading.active_count() == before
    close_progress(progress)
