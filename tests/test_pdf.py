from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from postmortem import api
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow


def test_bodybugg_example_pdf(tmp_path: Path, bodybugg_analysis) -> None:
    out = tmp_path / "bodybugg.pdf"
    written = api.write_report(bodybugg_analysis, api.Outputs(pdf=out, html=tmp_path / "b.html"))
    assert set(written) == {out, tmp_path / "b.html"}
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(out)
    assert 5 <= len(reader.pages) <= 40
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    for heading in ("Executive summary", "Timeline", "Response", "Sentiment", "Lessons learned", "Appendix"):
        assert heading in text
    r = bodybugg_analysis.response
    assert "6 h 33 min" in text  # first response, checked by hand: p1 09:14 -> p9 15:47 (-05:00)
    assert f"{r.unanswered} of {r.inbound}" in text
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_renders_example_as_in_readme(tmp_path: Path) -> None:
    out = tmp_path / "bb.pdf"
    cmd = [sys.executable, "-m", "postmortem", "report", str(EXAMPLES / "bodybugg" / "bodybugg_facebook_graph.json"), "-o", str(out), "--company", "BodyBugg"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
