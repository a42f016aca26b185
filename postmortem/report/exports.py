"""Machine-readable outputs: the metrics JSON (docs/json.md) and the per-post CSV."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from postmortem import __version__
from postmortem.analysis.results import Analysis
from postmortem.outputs import csv_text
from postmortem.timeline import AUTHOR, AUTHOR_HANDLE, CREATED_AT, ID, PARENT_ID, RESPONSE_S, ROLE, SENTIMENT, TEXT

SCHEMA_VERSION = 1
CSV_COLUMNS = ("id", "parent_id", "author", "role", "created_at", "text", "sentiment", "response_s")


def iso(value: datetime | pd.Timestamp | None) -> str | None:
    """ISO-8601 in UTC with a ``Z``, or None."""
    if value is None:
        return None
    moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(value: float | None, digits: int = 1) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def build_metrics(analysis: Analysis) -> dict[str, Any]:
    """The metrics document: schema version 1 keys (never renamed; later versions only add)."""
    thread, r, s = analysis.thread, analysis.response, analysis.sentiment
    cov = thread.coverage
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"postmortem {__version__}",
        "thread": {
            "source": thread.source.path,
            "format": thread.source.format,
            "platform": thread.platform,
            "sha256": thread.source.sha256,
            "posts": len(analysis.posts),
            "participants": int(analysis.posts[AUTHOR].nunique()),
            "company_accounts": list(analysis.company.display),
            "company_reason": analysis.company.reason,
            "start": iso(analysis.start),
            "end": iso(analysis.end),
            "timezone_assumed": thread.source.timezone_assumed,
        },
        "response": {
            "inbound": r.inbound,
            "answered": r.answered,
            "unanswered": r.unanswered,
            "first_response_s": _num(r.first_response_s),
            "median_response_s": _num(r.median_response_s),
            "p90_response_s": _num(r.p90_response_s),
            "max_response_s": _num(r.max_response_s),
            "target_s": _num(r.target_s),
            "breaches": r.breaches,
            "answered_late": r.answered_late,
            "unanswered_overdue": r.unanswered_overdue,
            "first_inbound_id": r.first_inbound_id,
            "first_reply_id": r.first_reply_id,
        },
        "sentiment": {
            "method": s.method,
            "window_s": _num(s.window_s),
            "crowd_start": _num(s.crowd_start, 4),
            "crowd_end": _num(s.crowd_end, 4),
            "crowd_min": _num(s.crowd_min, 4),
            "crowd_min_at": iso(s.crowd_min_at),
            "crowd_min_post": s.crowd_min_post,
            "drift": _num(s.drift, 4),
            "company_mean": _num(s.company_mean, 4),
        },
        "lessons": [
            {
                "id": lesson.id,
                "title": lesson.title,
                "verdict": lesson.verdict,
                "severity": lesson.severity,
                "evidence": list(lesson.evidence),
                "why": lesson.why,
                "recommendation": lesson.recommendation,
            }
            for lesson in analysis.lessons
        ],
        "coverage": {
            "records_read": cov.records_read,
            "posts_loaded": cov.posts_loaded,
            "skipped": dict(cov.skipped),
            "repaired": dict(cov.repaired),
            "duplicates_merged": cov.duplicates_merged,
            "orphans": cov.orphans,
            "stubs": cov.stubs,
            "partial": cov.is_partial,
            "notes": list(cov.notes),
        },
    }


def metrics_json(analysis: Analysis) -> str:
    """The metrics document as indented JSON text."""
    return json.dumps(build_metrics(analysis), indent=2, ensure_ascii=False) + "\n"


def posts_csv(analysis: Analysis) -> str:
    """One row per post; text cells are neutralised against spreadsheet formulas."""
    posts = analysis.posts
    rows = (
        (
            row[ID],
            row[PARENT_ID],
            row[AUTHOR_HANDLE],
            row[ROLE],
            iso(row[CREATED_AT]),
            row[TEXT],
            f"{row[SENTIMENT]:.4f}",
            "" if pd.isna(row[RESPONSE_S]) else f"{row[RESPONSE_S]:.0f}",
        )
        for row in posts.to_dict("records")
    )
    return csv_text(CSV_COLUMNS, rows, neutralise=(True, True, True, False, False, True, False, False))
