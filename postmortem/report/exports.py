"""Machine-readable outputs: the metrics JSON (docs/json.md) and the per-post CSV."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from postmortem import __version__
from postmortem.analysis.results import Analysis
from postmortem.lessons.audit import audit_to_dict
from postmortem.outputs import csv_text
from postmortem.timeline import AUTHOR, AUTHOR_HANDLE, CREATED_AT, ID, PARENT_ID, RESPONSE_S, ROLE, SENTIMENT, TEXT

SCHEMA_VERSION = 1
CSV_COLUMNS = ("id", "parent_id", "author", "role", "created_at", "text", "sentiment", "response_s")


def iso(value: datetime | pd.Timestamp | None) -> str | None:
    """ISO-8601 in UTC with a ``Z``, or None."""
    if value is None:
        return None
    moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(value: float | None, digits: int = 1) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def build_metrics(analysis: Analysis) -> dict[str, Any]:
    """The metrics document: schema version 1 keys (never renamed; later versions only add)."""
    thread, r, s = analysis.thread, analysis.response, analysis.sentiment
    t, a = analysis.timeline, analysis.amplification
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
            "exchanges": r.exchanges,
            "longest_silence_s": _num(r.longest_silence_s),
            "longest_silence_start": iso(r.longest_silence_start),
            "longest_silence_end": iso(r.longest_silence_end),
            "resolution_s": _num(r.resolution_s),
            "resolution_post": r.resolution_post,
            "resolution_basis": r.resolution_basis,
            "business_hours": r.business_hours,
            "business_first_response_s": _num(r.business_first_response_s),
            "business_median_response_s": _num(r.business_median_response_s),
            "business_p90_response_s": _num(r.business_p90_response_s),
            "business_max_response_s": _num(r.business_max_response_s),
            "business_breaches": r.business_breaches,
            "per_complainant": [
                {
                    "author": c.author,
                    "first_post_id": c.first_post_id,
                    "first_post_at": iso(c.first_post_at),
                    "first_reply_id": c.first_reply_id,
                    "response_s": _num(c.response_s),
                    "business_s": _num(c.business_s),
                }
                for c in r.per_complainant
            ],
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
            "mode": s.method,
            "complainant_mean": _num(s.complainant_mean, 4),
            "events": [
                {
                    "reply_id": e.reply_id,
                    "at": iso(e.at),
                    "addressed_to": e.addressed_to,
                    "before_mean": _num(e.before_mean, 4),
                    "before_n": e.before_n,
                    "after_mean": _num(e.after_mean, 4),
                    "after_n": e.after_n,
                    "change": _num(e.change, 4),
                    "complainant_before": _num(e.complainant_before, 4),
                    "complainant_after": _num(e.complainant_after, 4),
                }
                for e in s.events
            ],
            "largest_drops": [{"window_start": iso(t), "change": _num(c, 4)} for t, c in s.largest_drops],
        },
        "timeline": {
            "window_s": _num(analysis.window_s),
            "phases": [{"name": p.name, "start": iso(p.start), "end": iso(p.end), "posts": p.posts} for p in t.phases],
            "key_moments": [
                {"kind": m.kind, "label": m.label, "post_id": m.post_id, "at": iso(m.at)} for m in t.moments
            ],
            "peak_start": iso(t.peak_start),
            "peak_posts": t.peak_posts,
        },
        "amplification": None
        if a is None
        else {
            "original_complainant": a.original_complainant,
            "participants": a.participants,
            "others_share": a.others_share,
            "time_to_peak_s": _num(a.time_to_peak_s),
            "spikes": [iso(x) for x in a.spikes],
            "likes": a.likes,
            "shares": a.shares,
            "most_liked_post": a.most_liked_post,
            "participants_per_window": [
                {"start": iso(row.start), "new": int(row.participants_new), "total": int(row.participants_total)}
                for row in analysis.windows.itertuples()
            ],
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
        "audit": None if analysis.audit is None else audit_to_dict(analysis.audit),
        "action_items": [
            {"title": a.title, "owner": a.owner, "due": a.due, "lessons": list(a.lesson_ids)} for a in analysis.actions
        ],
        "conversations": [
            {
                "conversation_id": c.conversation_id,
                "posts": c.posts,
                "start": iso(c.start),
                "inbound": c.inbound,
                "answered": c.answered,
                "first_response_s": _num(c.first_response_s),
                "median_response_s": _num(c.median_response_s),
            }
            for c in analysis.conversations
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
