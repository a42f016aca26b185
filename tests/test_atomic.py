"""Outputs are atomic: a run killed with SIGKILL at any point leaves the old file or the new
one, never a partial one; stray temporary files are hidden ``.NAME.*.tmp`` files only."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postmortem.errors import OutputError
from postmortem.outputs import check_target, write_atomic

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile" / "hostile.json"
RENDER = """
import sys
from pathlib import Path
from postmortem import api
thread = api.load_thread(sys.argv[1])
analysis = api.analyse(thread, company=["AcmeCo"])
print("rendering", flush=True)
api.write_report(analysis, api.Outputs(pdf=Path(sys.argv[2])), force=True)
print("done", flush=True)
"""


def test_write_atomic_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


def test_write_atomic_failure_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"old")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]


def test_existing_output_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="already exists; use --force"):
        check_target(target)
    check_target(target, force=True)


def test_missing_folder_needs_mkdir(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "r.pdf"
    with pytest.raises(OutputError, match="does not exist; create it or use --mkdir"):
        check_target(target)
    assert not target.parent.exists()
    check_target(target, mkdir=True)
    assert target.parent.is_dir()


def test_folder_as_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        check_target(tmp_path, force=True)


@pytest.mark.slow
def test_sigkill_during_rendering_leaves_old_or_new_file(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    old = b"%PDF-1.4 old report\n%%EOF\n"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    rng = random.Random(9)
    outcomes = {"old": 0, "new": 0}
    # First a complete run gives the reference timing.
    delays = [0.05, 0.5, 1.5, 3.0] + [rng.uniform(0.2, 8.0) for _ in range(4)]
    for delay in delays:
        target.write_bytes(old)
        proc = subprocess.Popen(
            [sys.executable, "-c", RENDER, str(HOSTILE), str(target)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        data = target.read_bytes()
        if data == old:
            outcomes["old"] += 1
        else:
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF"), data[-40:]
            from pypdf import PdfReader

            assert len(PdfReader(target).pages) >= 1
            outcomes["new"] += 1
        strays = [p.name for p in tmp_path.iterdir() if p.name != "report.pdf"]
        assert all(n.startswith(".report.pdf.") and n.endswith(".tmp") for n in strays), strays
        for name in strays:
            (tmp_path / name).unlink()
    assert outcomes["old"] >= 1, outcomes
    # A run that is not killed replaces the old file with a complete one.
    target.write_bytes(old)
    subprocess.run([sys.executable, "-c", RENDER, str(HOSTILE), str(target)], env=env, check=True, capture_output=True)
    assert target.read_bytes().startswith(b"%PDF") and target.read_bytes() != old
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]
