from __future__ import annotations

import io
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


def test_charts_drawn_in_a_child_process_are_the_charts_drawn_here(small_analysis) -> None:
    from postmortem.report import context

    here = context.build_charts(small_analysis, "UTC")
    lazy = context.LazyCharts(small_analysis, "UTC", background=True)
    assert lazy._process is not None, "fork is available on the test machines"
    assert dict(lazy) == here
    assert lazy._process is None  # reaped once answered
    assert dict(context.LazyCharts(small_analysis, "UTC", background=False)) == here


def test_charts_are_drawn_here_when_the_child_process_fails(small_analysis, monkeypatch) -> None:
    import os

    from postmortem.report import context

    parent = os.getpid()
    draw = context.draw_chart_svgs

    def fails_in_child(analysis, tz):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise RuntimeError("no charts in the child")
        return draw(analysis, tz)

    monkeypatch.setattr(context, "draw_chart_svgs", fails_in_child)
    lazy = context.LazyCharts(small_analysis, "UTC", background=True)
    assert dict(lazy) == context.build_charts(small_analysis, "UTC")


CHART_LABELS = ("posts per window", "answered posts", "company post (its own tone)")


@pytest.mark.parametrize("worker", [True, False], ids=["charts drawn meanwhile", "charts drawn here"])
def test_pdf_embeds_the_three_charts(bodybugg_analysis, monkeypatch, worker: bool) -> None:
    """With the chart process, the PDF's HTML refers to the charts by URL and WeasyPrint's
    fetcher waits for them; without it they are inlined. The PDF holds all three either way
    (their labels are text)."""
    from postmortem.report import context
    from postmortem.report.render import render_html, write_pdf_bytes

    monkeypatch.setattr(context, "fork_usable", lambda: worker)
    ctx = context.build_context(bodybugg_analysis, context.ReportMeta())
    html = render_html(ctx, for_pdf=True)
    inline = html.count('src="data:image/svg+xml;base64,')
    pending = html.count(f'src="{context.CHART_URL_SCHEME}:')
    assert inline + pending == 3 and (pending == 3 if worker else inline == 3)
    reader = PdfReader(io.BytesIO(write_pdf_bytes(html)))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    for label in CHART_LABELS:
        assert label in text, label


def test_chart_urls_are_served_only_while_their_charts_live(small_analysis) -> None:
    import gc

    from postmortem.report import context, render

    lazy = context.LazyCharts(small_analysis, "UTC", background=True)
    url = lazy.for_pdf()["volume"].data_uri
    assert url.startswith(context.CHART_URL_SCHEME + ":")
    fetcher = render.safe_url_fetcher(render.default_template_dir())
    response = fetcher.fetch(url)
    assert response.content_type == "image/svg+xml" and response.read().startswith(b"<svg")
    assert fetcher.charts == [url] and fetcher.served == []
    for bad in (url + "x", url.rsplit("/", 1)[0] + "/nope", f"{context.CHART_URL_SCHEME}:guess/volume"):
        with pytest.raises(render.BlockedFetch):
            fetcher.fetch(bad)
    del lazy
    gc.collect()
    with pytest.raises(render.BlockedFetch):
        fetcher.fetch(url)
    assert len(fetcher.blocked) == 4


_SUBSET_CHECK = """
import io, sys
from fontTools import subset
from fontTools.ttLib import TTFont
import postmortem.report.render as render

def subsets():
    out = {}
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf"):
        data = (render.default_template_dir() / "fonts" / name).read_bytes()
        # WeasyPrint's own fontTools options (weasyprint.pdf.fonts.Font._fonttools_subset)
        options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                                 hinting=False, desubroutinize=True, notdef_outline=False)
        options.drop_tables += ["GSUB", "GPOS", "SVG"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=list(range(1, 700, 3)))
        font = TTFont(io.BytesIO(data))
        subsetter.subset(font)
        out[name] = {tag: font.getTableData(tag) for tag in font.keys() if tag not in ("GlyphOrder", "head")}
    return out

before = subsets()
render.import_weasyprint()
assert getattr(subset.Subsetter.subset, "_decodes_less", False), "not patched"
after = subsets()
assert before.keys() == after.keys()
for name in before:
    assert before[name].keys() == after[name].keys(), (name, sorted(before[name]), sorted(after[name]))
    assert before[name] == after[name], name
assert "kern" not in before["DejaVuSans.ttf"] and "GPOS" not in before["DejaVuSans.ttf"]
print("ok")
"""


def test_font_subsets_skip_decoding_dropped_tables_with_the_same_result() -> None:
    """WeasyPrint drops GSUB and GPOS from each font subset; fontTools decoded them first.
    With the tables removed beforehand the subsets are the same, table for table."""
    result = subprocess.run(
        [sys.executable, "-c", _SUBSET_CHECK], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("tz", ["UTC", "America/Chicago"])
def test_charts_drawn_in_advance_are_the_report_charts(bodybugg_analysis, tz: str) -> None:
    """report starts the charts once the thread is measured (before its audit and lessons):
    they are the charts of the finished analysis (the timeline's phases included), and a
    report in another zone than the one they were drawn in draws its own."""
    from postmortem import api
    from postmortem.perf import fork_usable
    from postmortem.report import context

    advance = api.charts_in_advance()
    thread = api.load_thread(EXAMPLES / "bodybugg" / "bodybugg_facebook_graph.json")
    analysis = api.analyse(thread, company=["BodyBugg"], tz=tz, on_measured=advance)
    if not fork_usable():
        assert advance.charts is None
        return
    assert advance.charts is not None and analysis.timeline.phases
    assert advance.charts.svgs() == context.draw_chart_svgs(analysis, tz)
    assert dict(advance.charts) == context.build_charts(analysis, tz)
    here = context.build_context(analysis, context.ReportMeta(tz=tz), charts=advance.charts)
    assert here.charts is advance.charts
    elsewhere = context.build_context(analysis, context.ReportMeta(tz="Asia/Tokyo"), charts=advance.charts)
    assert elsewhere.charts is not advance.charts
    assert dict(elsewhere.charts) == context.build_charts(analysis, "Asia/Tokyo")
