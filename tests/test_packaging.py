"""The templates ship with the package: a non-editable install finds them outside the source tree."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_wheel_contains_templates_and_installed_copy_uses_them(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if build.returncode != 0 and "No module named" in build.stderr:
        pytest.skip(f"cannot build a wheel here: {build.stderr.strip()[-200:]}")
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("postmortem-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for member in ("report.html", "base.html", "_partials.html", "report.css"):
        assert f"postmortem/report_templates/{member}" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, timeout=300, capture_output=True,
    )
    probe = "from postmortem.report.render import default_template_dir as d; print(d())"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=True,
    )
    found = Path(done.stdout.strip())
    assert found == target / "postmortem" / "report_templates"
    assert (found / "report.html").is_file()
