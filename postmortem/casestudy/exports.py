"""Machine-readable and Markdown outputs of an anonymised case.

The JSON is the report's metrics document (docs/json.md) built from the anonymised analysis,
with every timestamp turned into seconds since the first post (unless dates are kept) and a
``case_study`` block describing the anonymisation. The CSV has one row per post with a
relative time. The Markdown is the handout: story, questions, no verdicts.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from postmortem.analysis.results import Analysis
from postmortem.casestudy.anonymise import PseudonymMap
from postmortem.casestudy.context import CaseContext
from postmortem.outputs import csv_text
from postmortem.report.exports import build_metrics, iso
from postmortem.report.markdown import escape_markdown
from postmortem.timeline import AUTHOR_HANDLE, CREATED_AT, ID, PARENT_ID, RESPONSE_S, ROLE, SENTIMENT, TEXT

_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CSV_COLUMNS = ("id", "parent_id", "author", "role", "time", "offset_s", "text", "sentiment", "response_s")


def _relative(value: Any, origin: datetime) -> Any:
    """Every ISO timestamp inside ``value`` as whole seconds since ``origin``."""
    if isinstance(value, dict):
        return {k: _relative(v, origin) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative(v, origin) for v in value]
    if isinstance(value, str) and _ISO.match(value):
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return int((moment - origin).total_seconds())
    return value


def case_metrics(analysis: Analysis, mapping: PseudonymMap, keep_dates: bool = False) -> dict[str, Any]:
    """The metrics document of the anonymised analysis, with relative times unless ``keep_dates``."""
    metrics = build_metrics(analysis)
    if not keep_dates:
        metrics = _relative(metrics, analysis.start)
    counts = mapping.counts()
    metrics["case_study"] = {
        "anonymised": True,
        "time_basis": "ISO-8601 UTC" if keep_dates else "seconds since the first post",
        "seed": mapping.seed,
        "hide_company": mapping.hide_company,
        "kept": list(mapping.kept),
        "customers": counts.get("complainant", 0),
        "followers": counts.get("crowd", 0) + counts.get("mentioned", 0),
        "redactions": dict(sorted(mapping.redactions.items())),
    }
    return metrics


def case_metrics_json(analysis: Analysis, mapping: PseudonymMap, keep_dates: bool = False) -> str:
    """:func:`case_metrics` as indented JSON text."""
    return json.dumps(case_metrics(analysis, mapping, keep_dates), indent=2, ensure_ascii=False) + "\n"


def case_posts_csv(analysis: Analysis, times: dict[str, str], keep_dates: bool = False) -> str:
    """One row per post: ``time`` as the case shows it, ``offset_s`` since the first post."""
    origin = analysis.start
    rows = []
    for row in analysis.posts.to_dict("records"):
        moment = row[CREATED_AT]
        offset = int((moment.to_pydatetime() - origin).total_seconds())
        rows.append(
            (
                row[ID],
                row[PARENT_ID],
                row[AUTHOR_HANDLE],
                row[ROLE],
                iso(moment) if keep_dates else times.get(str(row[ID]), ""),
                offset,
                row[TEXT],
                f"{row[SENTIMENT]:.4f}",
                "" if pd.isna(row[RESPONSE_S]) else f"{row[RESPONSE_S]:.0f}",
            )
        )
    return csv_text(CSV_COLUMNS, rows, neutralise=(True, True, True, False, False, False, True, False, False))


def case_markdown(ctx: CaseContext) -> str:
    """The handout as Markdown: figures, cast, the story with its questions. No verdicts."""
    out = [f"# Case study: {escape_markdown(ctx.title)}", ""]
    out += [escape_markdown(p) for p in ctx.intro] + [""]
    out += ["## Key figures", "", "| Figure | Value | Note |", "| --- | --- | --- |"]
    out += [f"| {escape_markdown(a)} | {escape_markdown(b)} | {escape_markdown(c)} |" for a, b, c in ctx.figures]
    out += ["", "## Who is who", ""]
    out += [f"- {escape_markdown(c.name)} ({c.role}, {c.posts} posts)" for c in ctx.cast]
    out += [f"- {escape_markdown(ctx.followers)}", "", f"## The story ({escape_markdown(ctx.time_note)})", ""]
    for item in ctx.story:
        if item.post is not None:
            p = item.post
            reply = f" \u21b3 reply to {p.reply_to} ({escape_markdown(p.reply_to_author or '')})" if p.reply_to else ""
            out.append(f"**{p.number}. {escape_markdown(p.author)}** \u00b7 {p.time}{reply}  ")
            out.append(escape_markdown(p.text))
            out.append("")
        elif item.question is not None:
            q = item.question
            out.append(f"> **Question {q.number}.** " + " ".join(escape_markdown(x) for x in q.prompts))
            out.append("")
        elif item.omitted:
            out += [f"*\u2026 {item.omitted} posts not shown \u2026*", ""]
    out += ["## About this case", ""] + [f"- {escape_markdown(n)}" for n in ctx.anonymisation]
    return "\n".join(out) + "\n"
