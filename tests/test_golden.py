"""Golden HTML: the report for small.csv, with dates, versions and chart images scrubbed.

On a mismatch the new HTML is written to tests/actual/; after checking it, update the golden
file with ``POSTMORTEM_GOLDEN_UPDATE=1 python -m pytest tests/test_golden.py``.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

from postmortem import __version__
from postmortem.report.context import ReportMeta, build_context
from postmortem.report.render import render_html
from tests.conftest import HERE

GOLDEN = HERE / "golden" / "small_report.html"
ACTUAL = HERE / "actual" / "small_report.html"


def scrub(html: str) -> str:
    """Remove what changes between runs and machines: chart bytes, version, source path."""
    html = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "data:image/svg+xml;base64,SCRUBBED", html)
    html = html.replace(f"postmortem {__version__}", "postmortem VERSION")
    return re.sub(r"[^<>\s]*tests/data/generic/small\.csv", "SOURCE/small.csv", html)


def test_small_report_matches_golden(small_analysis) -> None:
    meta = ReportMeta(generated_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    html = scrub(render_html(build_context(small_analysis, meta)))
    if os.environ.get("POSTMORTEM_GOLDEN_UPDATE"):
        GOLDEN.write_text(html, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if html != expected:
        ACTUAL.parent.mkdir(exist_ok=True)
        ACTUAL.write_text(html, encoding="utf-8")
    assert html == expected, f"report HTML changed: compare {ACTUAL} with {GOLDEN}"
