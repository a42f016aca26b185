"""The Markdown twin: summary, key figures, lessons and action items, for a ticket or a chat.

Post text is untrusted: Markdown and HTML in quotes are escaped so a pasted summary cannot
carry links, images or markup that the post's author wrote.
"""

from __future__ import annotations

import html
import re

from postmortem.report.context import LessonView, ReportContext

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~!])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=])")
_MD_NUMBERED = re.compile(r"^(\s*\d+)([.)])")


def escape_markdown(text: str) -> str:
    """Text safe to embed in Markdown: HTML escaped, inline markup backslashed, one line.

    Links and images need ``[`` and ``!``, emphasis ``*``/``_``, code a backtick, tables ``|``;
    headings, quotes and lists only matter at the start, where they are escaped too.
    """
    flat = " ".join(text.split())
    escaped = _MD_INLINE.sub(r"\\\1", html.escape(flat, quote=False))
    escaped = _MD_LINE_START.sub(r"\1\\\2", escaped)
    return _MD_NUMBERED.sub(r"\1\\\2", escaped)


def _lesson(lesson: LessonView) -> list[str]:
    severity = f" ({lesson.severity})" if lesson.severity else ""
    lines = [f"- **{escape_markdown(lesson.title)}**{severity} `{lesson.id}`", f"  {escape_markdown(lesson.why)}"]
    for quote in lesson.quotes[:2]:
        lines.append(f"  > {escape_markdown(quote.author)}, {quote.time}: {escape_markdown(quote.text)}")
    lines.append(f"  *Recommendation:* {escape_markdown(lesson.recommendation)}")
    return lines


def render_markdown(ctx: ReportContext) -> str:
    """A Markdown summary of the report."""
    out = [
        f"# {escape_markdown(ctx.title)}",
        "",
        f"{escape_markdown(ctx.company)} on {ctx.platform}, {ctx.period}. "
        f"Generated {ctx.generated} by postmortem {ctx.version} from `{ctx.source_path}`.",
        "",
        "## Summary",
        "",
        *[escape_markdown(sentence) for sentence in ctx.summary],
        "",
        "## Key figures",
        "",
        "| Figure | Value | Note |",
        "| --- | --- | --- |",
        *[f"| {t.label} | {escape_markdown(t.value)} | {escape_markdown(t.note)} |" for t in ctx.tiles],
        "",
        "## What went badly",
        "",
    ]
    for lesson in ctx.lessons_bad:
        out.extend(_lesson(lesson))
    if not ctx.lessons_bad:
        out.append("Nothing in the measured facts went badly.")
    out += ["", "## What went well", ""]
    for lesson in ctx.lessons_good:
        out.extend(_lesson(lesson))
    if not ctx.lessons_good:
        out.append("Nothing in the thread shows a practice that went well.")
    if ctx.actions:
        out += ["", "## Action items", "", "| Action | Owner | Due |", "| --- | --- | --- |"]
        out += [
            f"| {escape_markdown(a.title)} | {escape_markdown(a.owner)} | {escape_markdown(a.due)} |"
            for a in ctx.actions
        ]
    if ctx.partial:
        out += ["", "*This export is partial: some posts were missing, skipped or collapsed.*"]
    return "\n".join(out) + "\n"
