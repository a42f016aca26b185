"""Case studies for teaching: an anonymised handout and a facilitator guide from one thread.

>>> from postmortem.casestudy import CaseOptions, CaseOutputs, run_case_study, write_case_study
>>> case = run_case_study("examples/bodybugg/bodybugg_facebook_graph.json",
...                       CaseOptions(company=("BodyBugg",), tz="America/Chicago"))   # doctest: +SKIP
>>> write_case_study(case, CaseOutputs(handout=Path("case.pdf"), facilitator=Path("guide.pdf")))  # doctest: +SKIP

The pipeline: load -> analyse the original (to learn who is company, complainant, crowd) ->
anonymise the thread (pseudonyms, redactions) -> analyse the anonymised thread -> build the
case context -> render. Only the anonymised analysis reaches any output. See docs/case-study.md.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from postmortem.analysis.results import Analysis
from postmortem.casestudy.anonymise import (
    AnonymiseOptions,
    CaseRoles,
    PseudonymMap,
    anonymise_thread,
)
from postmortem.casestudy.context import CaseContext, build_case_context
from postmortem.errors import UsageError
from postmortem.outputs import check_target, write_atomic
from postmortem.timeline import AUTHOR, ROLE, ROLE_COMPLAINANT, ROLE_CROWD

__all__ = [
    "CaseOptions",
    "CaseOutputs",
    "CaseStudy",
    "build_case_study",
    "check_case_outputs",
    "render_case_html",
    "render_case_outputs",
    "roles_from_analysis",
    "run_case_study",
    "write_case_study",
]

PAPER_SIZES = ("A4", "Letter")


@dataclass(frozen=True)
class CaseOptions:
    """Every option of ``postmortem case-study`` (the CLI only fills this in)."""

    company: tuple[str, ...] = ()
    hide_company: bool = False
    keep: tuple[str, ...] = ()
    """Handles of public figures to leave un-anonymised on purpose."""
    seed: int | None = None
    """Shuffles the order of pseudonym letters and numbers; None keeps order of first appearance."""
    keep_dates: bool = False
    tz: str = "UTC"
    target: str = "1h"
    fmt: str | None = None
    conversation: tuple[str, ...] = ()
    sentiment: str = "vader+cs"
    rules: Path | None = None
    title: str | None = None
    paper: str = "A4"
    templates: Path | None = None


@dataclass(frozen=True)
class CaseOutputs:
    """Where to write each document (None: not wanted)."""

    handout: Path | None = None
    """The handout PDF (``-o``)."""
    facilitator: Path | None = None
    """The facilitator guide PDF (``--facilitator``)."""
    handout_html: Path | None = None
    facilitator_html: Path | None = None
    json: Path | None = None
    csv: Path | None = None
    md: Path | None = None
    """The handout as Markdown."""

    def targets(self) -> list[Path]:
        """Every requested path."""
        return [p for p in dataclasses.astuple(self) if p is not None]


@dataclass(frozen=True, eq=False)
class CaseStudy:
    """An anonymised case: the analysis of the anonymised thread and the pseudonym map."""

    analysis: Analysis
    mapping: PseudonymMap
    """Holds the original handles: keep it away from any document."""
    options: CaseOptions = field(default_factory=CaseOptions)

    def context(self) -> CaseContext:
        """The context both templates render."""
        return build_case_context(
            self.analysis,
            self.mapping,
            tz=self.options.tz,
            keep_dates=self.options.keep_dates,
            title=self.options.title,
        )


def roles_from_analysis(analysis: Analysis) -> CaseRoles:
    """Company accounts, complainants and crowd (each in order of their first post) of an analysis."""
    first = analysis.posts.drop_duplicates(AUTHOR)
    return CaseRoles(
        company=tuple(analysis.company.handles),
        complainants=tuple(str(a) for a in first.loc[first[ROLE] == ROLE_COMPLAINANT, AUTHOR]),
        crowd=tuple(str(a) for a in first.loc[first[ROLE] == ROLE_CROWD, AUTHOR]),
    )


def _fix_greetings(analysis: Analysis, mapping: PseudonymMap) -> Analysis:
    """Suggested replies greet by first name; a pseudonym's "first name" is just "Customer"."""
    if analysis.audit is None:
        return analysis
    pseudonyms = {p.pseudo_handle.casefold(): p.pseudonym for p in mapping.people}
    replies = []
    for reply in analysis.audit.replies:
        text = reply.suggestion
        if text and reply.addressed_to and reply.addressed_to.casefold() in pseudonyms:
            text = re.sub(r"\bHi (Customer|Follower),", f"Hi {pseudonyms[reply.addressed_to.casefold()]},", text)
        replies.append(replace(reply, suggestion=text))
    return replace(analysis, audit=replace(analysis.audit, replies=tuple(replies)))


def build_case_study(thread: Any, options: CaseOptions | None = None) -> CaseStudy:
    """Anonymise an already loaded thread and analyse it (see :func:`run_case_study`)."""
    from postmortem import api

    options = options or CaseOptions()
    common: dict[str, Any] = {
        "target": options.target,
        "tz": options.tz,
        "sentiment": options.sentiment,
        "rules": options.rules,
    }
    original = api.analyse(thread, company=options.company, **common)
    if not original.company.handles:
        raise UsageError("no account could be identified as the company; name it with --company")
    roles = roles_from_analysis(original)
    anonymised, mapping = anonymise_thread(
        thread, roles, AnonymiseOptions(hide_company=options.hide_company, keep=options.keep, seed=options.seed)
    )
    analysis = api.analyse(anonymised, company=mapping.company_handles, **common)
    return CaseStudy(analysis=_fix_greetings(analysis, mapping), mapping=mapping, options=options)


def run_case_study(path: str | Path, options: CaseOptions | None = None) -> CaseStudy:
    """Load an export, then anonymise and analyse it as a case."""
    from postmortem import api

    options = options or CaseOptions()
    thread = api.load_thread(
        path, fmt=options.fmt, tz=options.tz, company=options.company, conversation=options.conversation
    )
    return build_case_study(thread, options)


def render_case_html(case: CaseStudy, template: str, *, for_pdf: bool = False, ctx: CaseContext | None = None) -> str:
    """One case document (``case_handout.html`` or ``case_facilitator.html``) as HTML."""
    from postmortem.report.render import default_template_dir, environment

    ctx = ctx or case.context()
    env = environment(case.options.templates or default_template_dir(), for_pdf=for_pdf)
    values = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
    return env.get_template(template).render(ctx=ctx, paper=case.options.paper, for_pdf=for_pdf, **values)


def render_case_outputs(case: CaseStudy, outputs: CaseOutputs) -> dict[Path, bytes]:
    """Produce every requested output in memory (nothing is written)."""
    from postmortem.casestudy.exports import case_markdown, case_metrics_json, case_posts_csv
    from postmortem.report.render import write_pdf_bytes

    if case.options.paper not in PAPER_SIZES:
        raise UsageError(f"--paper {case.options.paper!r}: choose {' or '.join(PAPER_SIZES)}")
    ctx = case.context()
    results: dict[Path, bytes] = {}
    if outputs.json is not None:
        results[outputs.json] = case_metrics_json(case.analysis, case.mapping, case.options.keep_dates).encode("utf-8")
    if outputs.csv is not None:
        times = {item.post.id: item.post.time for item in ctx.story if item.post is not None}
        results[outputs.csv] = case_posts_csv(case.analysis, times, case.options.keep_dates).encode("utf-8")
    if outputs.md is not None:
        results[outputs.md] = case_markdown(ctx).encode("utf-8")
    documents = (
        ("case_handout.html", outputs.handout, outputs.handout_html),
        ("case_facilitator.html", outputs.facilitator, outputs.facilitator_html),
    )
    for template, pdf, html in documents:
        if html is not None:
            results[html] = render_case_html(case, template, ctx=ctx).encode("utf-8")
        if pdf is not None:
            results[pdf] = write_pdf_bytes(
                render_case_html(case, template, for_pdf=True, ctx=ctx), case.options.templates
            )
    return results


def check_case_outputs(outputs: CaseOutputs, *, force: bool = False, mkdir: bool = False) -> None:
    """Fail before any work when an output cannot be written."""
    targets = outputs.targets()
    if not targets:
        raise UsageError("nothing to write: give -o FILE.pdf, --facilitator, --html, --json, --csv or --md")
    if len(set(map(str, targets))) != len(targets):
        raise UsageError("two outputs point at the same file")
    for path in targets:
        check_target(path, force=force, mkdir=mkdir)


def write_case_study(case: CaseStudy, outputs: CaseOutputs, *, force: bool = False, mkdir: bool = False) -> list[Path]:
    """Render and write every requested output atomically; existing files need ``force``."""
    check_case_outputs(outputs, force=force, mkdir=mkdir)
    rendered = render_case_outputs(case, outputs)
    for path, data in rendered.items():
        write_atomic(path, data)
    return list(rendered)
