"""Machine-readable review outputs: the review JSON (read back by ``--compare``) and the per-thread CSV."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem import __version__
from postmortem.errors import UsageError
from postmortem.outputs import csv_text
from postmortem.report.exports import iso

if TYPE_CHECKING:
    from postmortem.review import ReviewResult
    from postmortem.review.stats import Kpis

SCHEMA_VERSION = 1
KIND = "review"
CSV_COLUMNS = (
    "rank",
    "severity",
    "company",
    "source",
    "conversation_id",
    "first_inbound_at",
    "posts",
    "participants",
    "inbound",
    "answered",
    "unanswered",
    "first_response_s",
    "median_response_s",
    "p90_response_s",
    "breaches",
    "drift",
    "lessons_went_badly",
    "lessons_went_well",
    "story",
)
_TEXT_COLUMNS = frozenset({"company", "source", "conversation_id", "lessons_went_badly", "lessons_went_well", "story"})


def _clean(value: Any) -> Any:
    """Round floats (4 decimals for shares and scores, 1 for seconds) and turn NaN into null."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: (round(v, 1) if k.endswith("_s") and isinstance(v, float) else _clean(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def kpis_dict(kpis: Kpis) -> dict[str, Any]:
    """A KPI record as JSON values."""
    return dict(_clean(kpis.as_dict()))


def thread_row(result: ReviewResult, rank: int) -> dict[str, Any]:
    """One thread of the ranking as a JSON object."""
    from postmortem.review.context import report_command, story

    s, sev = result.ranked[rank - 1]
    row: dict[str, Any] = _clean(
        {
            "rank": rank,
            "severity": sev.score,
            "severity_parts": {"lessons": sev.lesson_points, "breaches": sev.breach_points, "mood": sev.mood_points},
            "company": s.company,
            "company_accounts": list(s.company_accounts),
            "source": s.source,
            "format": s.format,
            "conversation_id": s.conversation_id,
            "title": s.title,
            "start": iso(s.start),
            "end": iso(s.end),
            "first_inbound_at": iso(s.period_at),
            "posts": s.posts,
            "participants": s.participants,
            "inbound": s.inbound,
            "answered": s.answered,
            "unanswered": s.unanswered,
            "first_response_s": s.first_response_s,
            "median_response_s": s.median_response_s,
            "p90_response_s": s.p90_response_s,
            "max_response_s": s.max_response_s,
            "breaches": s.breaches,
            "business_first_response_s": s.business_first_response_s,
            "business_breaches": s.business_breaches,
            "crowd_start": s.crowd_start,
            "crowd_end": s.crowd_end,
            "drift": s.drift,
            "lessons": [{"id": h.id, "verdict": h.verdict, "severity": h.severity} for h in s.lessons],
            "story": story(s, result.config.tz),
            "report_command": report_command(s),
        }
    )
    return row


def build_review_document(result: ReviewResult) -> dict[str, Any]:
    """The review document (docs/review.md, "JSON"); schema version 1 keys are never renamed."""
    p = result.period
    trends = result.trends
    bad, good = result.lessons
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "generator": f"postmortem {__version__}",
        "generated_at": iso(result.generated_at),
        "period": {
            "label": p.label,
            "basis": p.basis,
            "month": p.month,
            "first_day": p.first_day.isoformat() if p.first_day else None,
            "last_day": p.last_day.isoformat() if p.last_day else None,
            "start": iso(p.start),
            "end": iso(p.end),
            "tz": p.tz,
        },
        "settings": {
            "companies": list(result.config.company),
            "target_s": result.config.target_s,
            "tz": result.config.tz,
            "business_hours": result.business_label,
            "sentiment": result.config.sentiment,
            "rules": None if result.config.rules is None else str(result.config.rules),
        },
        "inputs": {
            "paths": list(result.inputs.paths),
            "files_loaded": result.inputs.files_loaded,
            "files_failed": len(result.failures),
            "threads_read": result.inputs.threads_read,
            "threads_in_period": len(result.summaries),
            "threads_outside_period": result.inputs.threads_outside,
            "threads_other_companies": result.inputs.threads_other_companies,
            "files_ignored": result.inputs.ignored_files,
        },
        "kpis": kpis_dict(result.kpis),
        "companies": [{"company": c.company, "kpis": kpis_dict(c.kpis)} for c in result.companies],
        "threads": [thread_row(result, n) for n in range(1, len(result.ranked) + 1)],
        "lessons": {
            "went_badly": [_clean(_lesson(x)) for x in bad],
            "went_well": [_clean(_lesson(x)) for x in good],
        },
        "weekly": [
            _clean(
                {
                    "week_start": w.start.isoformat(),
                    "threads": w.threads,
                    "inbound": w.inbound,
                    "response_rate": w.response_rate,
                    "first_response_median_s": w.first_response_median_s,
                    "first_response_p90_s": w.first_response_p90_s,
                    "breaches": w.breaches,
                }
            )
            for w in result.weekly
        ],
        "trends": None
        if trends is None
        else {
            "basis": trends.basis,
            "against": trends.against,
            "previous_threads": trends.previous_threads,
            "kpis": [
                _clean(
                    {
                        "key": t.key,
                        "label": t.label,
                        "current": t.current,
                        "previous": t.previous,
                        "delta": t.delta,
                        "direction": t.direction,
                        "better": t.better,
                        "verdict": t.verdict,
                    }
                )
                for t in trends.rows
            ],
        },
        "failures": [{"path": f.path, "message": f.message} for f in result.failures],
        "notes": list(result.notes),
    }


def _lesson(count: Any) -> dict[str, Any]:
    row = {"id": count.id, "threads": count.threads, "share": count.share, "example_title": count.example_title}
    if count.verdict == "went_badly":
        row.update(high=count.high, medium=count.medium, low=count.low)
    return row


def review_json(result: ReviewResult) -> str:
    """The review document as indented JSON text."""
    return json.dumps(build_review_document(result), indent=2, ensure_ascii=False) + "\n"


def review_csv(result: ReviewResult) -> str:
    """One row per thread in the period, worst first; text cells are formula-neutralised."""
    rows = []
    for n in range(1, len(result.ranked) + 1):
        row = thread_row(result, n)
        row["lessons_went_badly"] = " ".join(x["id"] for x in row["lessons"] if x["verdict"] == "went_badly")
        row["lessons_went_well"] = " ".join(x["id"] for x in row["lessons"] if x["verdict"] == "went_well")
        rows.append([row[c] for c in CSV_COLUMNS])
    return csv_text(CSV_COLUMNS, rows, neutralise=[c in _TEXT_COLUMNS for c in CSV_COLUMNS])


def read_review_json(path: Path) -> dict[str, Any]:
    """A previous review's document for ``--compare``: checked to be a review, schema version 1."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--compare {path}: cannot read ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--compare {path}: not JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise UsageError(f"--compare {path}: not a review JSON (written by 'postmortem review --json')")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise UsageError(
            f"--compare {path}: schema version {document.get('schema_version')!r}, expected {SCHEMA_VERSION}"
        )
    if not isinstance(document.get("kpis"), dict):
        raise UsageError(f"--compare {path}: key 'kpis' missing or not an object")
    return document
