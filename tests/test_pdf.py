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


_IMPORT_CHECK = """
import ctypes.util, sys
search = ctypes.util.find_library
class FailOnce:
    calls = 0
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" and FailOnce.calls == 0 and {fail}:
            FailOnce.calls += 1
            raise OSError("cannot load library 'gobject-2.0-0'")
        return None
sys.meta_path.insert(0, FailOnce())
from postmortem.report.render import import_weasyprint
HTML = import_weasyprint()
assert HTML.__name__ == "HTML", HTML
assert ctypes.util.find_library is search, "find_library was not restored"
assert FailOnce.calls == {calls}, FailOnce.calls
assert import_weasyprint() is HTML
print("ok")
"""


@pytest.mark.parametrize("fail", [False, True], ids=["fast path", "retried with the library search"])
def test_weasyprint_import_skips_library_search_and_falls_back(fail: bool) -> None:
    """The quick import (no ldconfig/gcc per missed library name) restores ``find_library`` and,
    if WeasyPrint cannot load its libraries that way, retries with the real search."""
    code = _IMPORT_CHECK.format(fail=fail, calls=int(fail))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
