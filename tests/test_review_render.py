"""Review outputs: context, HTML structure, Markdown, JSON (read back by --compare), CSV, PDF."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from postmortem.config import Config
from postmortem.errors import OutputError, UsageError
from postmortem.review import ReviewOptions, ReviewResult, plan_outputs, run_review, write_review
from postmortem.review.context import build_review_context, render_review_html, review_markdown
from postmortem.review.exports import CSV_COLUMNS, build_review_document, read_review_json, review_csv

REVIEW = Path(__file__).resolve().parent / "data" / "review"
FIXED = datetime(2026, 11, 1, 6, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def result() -> ReviewResult:
    config = Config(company=("AcmeCo",), title="Acme <October> review", business_hours="09:00-17:00")
    return run_review([REVIEW], ReviewOptions(config=config, month="2026-10", generated_at=FIXED, jobs=1))


class Outline(HTMLParser):
    """Ids, internal links, table classes and KPI tiles of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tables: list[str] = []
        self.kpis: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and str(a.get("href", "")).startswith("#"):
            self.links.append(str(a["href"])[1:])
        if tag == "table":
            self.tables.append(str(a.get("class", "")))
        if a.get("data-kpi"):
            self.kpis.append(str(a["data-kpi"]))


def test_context_fields(result: ReviewResult) -> None:
    ctx = build_review_context(result, charts=False)
    assert ctx.title == "Acme <October> review" and ctx.period == "2026-10"
    assert [t.key for t in ctx.tiles][:3] == ["threads", "response_rate", "first_response_median_s"]
    assert ctx.tiles[-1].key == "business_first_response_median_s"  # business hours configured
    median = next(t for t in ctx.tiles if t.key == "first_response_median_s")
    assert (median.value, median.arrow, median.verdict, median.tone) == ("2 h", "\u2191", "worse", "bad")
    assert ctx.trends_against == "2026-09"
    assert ctx.failures[0][0].endswith("broken.json")
    assert not ctx.show_companies  # one company
    worst = ctx.worst[0]
    assert worst.command.startswith("postmortem report ") and "--company AcmeCo" in worst.command
    assert "erin wrote on Mon 12 Oct 2026 09:00" in worst.story and "AcmeCo first replied after 2 h" in worst.story


def test_html_structure_and_escaping(result: ReviewResult) -> None:
    html = render_review_html(build_review_context(result))
    outline = Outline()
    outline.feed(html)
    assert {"kpis", "trends", "worst", "lessons", "threads", "failures", "method"} <= outline.ids
    assert "companies" not in outline.ids
    assert set(outline.links) <= outline.ids  # every internal link has a target
    assert "trends" in " ".join(outline.tables) and "failures" in " ".join(outline.tables)
    assert outline.kpis[:2] == ["threads", "response_rate"]
    assert "Acme &lt;October&gt; review" in html and "<October>" not in html
    assert html.count("data:image/svg+xml;base64,") == 3  # weekly, first response, lessons
    assert "http://" not in html and "https://" not in html


def test_markdown(result: ReviewResult) -> None:
    text = review_markdown(result)
    assert text.startswith("# Acme <October> review\n")
    assert "| First response, median | 2 h | \u2191 +1 h 40 min (worse) |" in text
    assert "## Worst incidents" in text and "`postmortem report " in text
    assert "## Inputs that failed" in text and "broken.json" in text


def test_json_document_and_compare_round_trip(result: ReviewResult, tmp_path: Path) -> None:
    document = build_review_document(result)
    assert (document["schema_version"], document["kind"]) == (1, "review")
    assert document["period"] == {
        "label": "2026-10",
        "basis": "month",
        "month": "2026-10",
        "first_day": "2026-10-01",
        "last_day": "2026-10-31",
        "start": "2026-10-01T00:00:00Z",
        "end": "2026-11-01T00:00:00Z",
        "tz": "UTC",
    }
    assert document["kpis"]["first_response_median_s"] == 7200.0 and document["kpis"]["response_rate"] == 0.25
    assert document["threads"][0]["rank"] == 1 and document["threads"][0]["report_command"].startswith(
        "postmortem report"
    )
    assert document["trends"]["basis"] == "previous_period"
    assert [f["path"].endswith("broken.json") for f in document["failures"]] == [True]
    previous = tmp_path / "2026-10.json"
    write_review(result, plan_outputs(ReviewOptions(), json=previous))
    assert read_review_json(previous)["kpis"] == json.loads(previous.read_text(encoding="utf-8"))["kpis"]
    # Comparing a review with itself: every KPI is flat.
    again = run_review(
        [REVIEW / "oct"], ReviewOptions(config=result.config, month="2026-10", compare=tmp_path / "{month}.json")
    )
    assert again.trends is not None and again.trends.basis == "compare"
    assert {t.direction for t in again.trends.rows} == {"flat"}


def test_compare_errors(tmp_path: Path) -> None:
    bad = tmp_path / "metrics.json"
    bad.write_text('{"schema_version": 1, "thread": {}}', encoding="utf-8")
    with pytest.raises(UsageError, match="not a review JSON"):
        run_review([REVIEW / "oct"], ReviewOptions(compare=bad))
    missing = run_review([REVIEW / "oct"], ReviewOptions(month="2026-10", compare=tmp_path / "none.json"))
    assert any("none.json: no such file (first run?)" in n for n in missing.notes)


def test_csv_one_row_per_thread_formula_safe(result: ReviewResult) -> None:
    rows = list(csv.reader(io.StringIO(review_csv(result))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 1 + len(result.summaries)
    assert rows[1][CSV_COLUMNS.index("first_response_s")] == "7200.0"


def test_csv_neutralises_formulas(result: ReviewResult) -> None:
    from dataclasses import replace

    s, sev = result.ranked[0]
    hostile = replace(result, ranked=((replace(s, company='=HYPERLINK("x")'), sev),))
    rows = list(csv.reader(io.StringIO(review_csv(hostile))))
    assert rows[1][CSV_COLUMNS.index("company")] == '\'=HYPERLINK("x")'


def test_plan_outputs_placeholders_and_folder(tmp_path: Path) -> None:
    options = ReviewOptions(
        config=Config(output_dir=str(tmp_path / "reviews" / "{month}"), mkdir=True), month="2026-10"
    )
    outputs = plan_outputs(options, pdf="{month}.pdf", json="{previous_month}-vs-{month}.json", today=date(2026, 11, 1))
    assert outputs.pdf == tmp_path / "reviews" / "2026-10" / "2026-10.pdf"
    assert outputs.json == tmp_path / "reviews" / "2026-10" / "2026-09-vs-2026-10.json"
    assert (tmp_path / "reviews" / "2026-10").is_dir()  # mkdir from the configuration
    default = plan_outputs(ReviewOptions(month="2026-10"), today=date(2026, 11, 1))
    assert default.pdf == Path("review-2026-10.pdf")
    (tmp_path / "taken.md").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        plan_outputs(options, md=tmp_path / "taken.md")
    with pytest.raises(UsageError, match="same file"):
        plan_outputs(options, json="a.json", md="a.json")


@pytest.mark.slow
def test_pdf_smoke(result: ReviewResult, tmp_path: Path) -> None:
    import pypdf

    outputs = plan_outputs(ReviewOptions(), pdf=tmp_path / "review.pdf", html=tmp_path / "review.html")
    written = write_review(result, outputs)
    assert sorted(p.name for p in written) == ["review.html", "review.pdf"]
    data = (tmp_path / "review.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert 4 <= len(reader.pages) <= 20
    assert "Worst incidents" in "".join(page.extract_text() for page in reader.pages)
