"""``postmortem review``: a period review across many threads (issue 7).

>>> from postmortem.config import load_config, merge                    # doctest: +SKIP
>>> from postmortem import review                                          # doctest: +SKIP
>>> options = review.ReviewOptions(config=merge(load_config(None, Path.cwd()), {"tz": "UTC"}), month="2017-10")
>>> outputs = review.plan_outputs(options, pdf="reviews/{month}.pdf", json="reviews/{month}.json")
>>> result = review.run_review(["exports/"], options)                      # doctest: +SKIP
>>> review.write_review(result, outputs, force=True)                       # doctest: +SKIP
>>> result.exit_code                                                       # 0, or 4 when inputs failed

Pipeline: paths -> :func:`~postmortem.review.collect.collect` (load, analyse, summarise each
conversation) -> :mod:`~postmortem.review.stats` (KPIs, ranking, lessons, trends) ->
:class:`ReviewResult` -> :mod:`~postmortem.review.context` (HTML/PDF/Markdown) and
:mod:`~postmortem.review.exports` (JSON/CSV). Definitions: docs/review.md.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from postmortem.analysis.results import AnalysisOptions
from postmortem.config import Config, expand_placeholders
from postmortem.errors import EXIT_OK, EXIT_PARTIAL, InputError, UsageError
from postmortem.outputs import Outputs, check_target, write_atomic
from postmortem.review.collect import Collected, CollectOptions, InputFailure, Progress, Window, collect
from postmortem.review.period import Period, local_day, resolve_period
from postmortem.review.stats import (
    CompanyKpis,
    Kpis,
    LessonCount,
    Severity,
    Trends,
    Week,
    company_breakdown,
    compare_kpis,
    compute_kpis,
    lesson_frequency,
    rank_threads,
    weekly_series,
)
from postmortem.review.summary import ThreadSummary

EXIT_STRICT = 3
"""``--strict`` and some input failed: nothing is written (the bad-input code)."""


@dataclass(frozen=True)
class ReviewOptions:
    """Everything that changes a review besides its inputs (``config`` already merged with the CLI)."""

    config: Config = field(default_factory=Config)
    month: str | None = None
    since: str | None = None
    until: str | None = None
    compare: Path | str | None = None
    """A previous review's JSON; may hold placeholders such as ``{previous_month}``."""
    strict: bool = False
    jobs: int | None = None
    fmt: str | None = None
    generated_at: datetime | None = None
    """Fixed in tests; now when None."""


@dataclass(frozen=True)
class InputsSummary:
    """What was read."""

    paths: tuple[str, ...]
    files_loaded: int
    threads_read: int
    threads_outside: int
    threads_other_companies: int
    ignored_files: int


@dataclass(frozen=True)
class ReviewResult:
    """Everything a review shows, computed once; every output renders from it."""

    period: Period
    previous_period: Period | None
    config: Config
    summaries: tuple[ThreadSummary, ...]
    kpis: Kpis
    companies: tuple[CompanyKpis, ...]
    ranked: tuple[tuple[ThreadSummary, Severity], ...]
    lessons: tuple[tuple[LessonCount, ...], tuple[LessonCount, ...]]
    weekly: tuple[Week, ...]
    trends: Trends | None
    failures: tuple[InputFailure, ...]
    notes: tuple[str, ...]
    inputs: InputsSummary
    business_label: str | None
    generated_at: datetime
    elapsed_s: float

    @property
    def exit_code(self) -> int:
        """0 when every input was reviewed, 4 when some failed (the review was still written)."""
        return EXIT_PARTIAL if self.failures else EXIT_OK


ReviewOutputs = Outputs
"""Where a review is written: the same outputs as a report (placeholders already expanded)."""


def _zone(tz: str):  # type: ignore[no-untyped-def]
    from postmortem.ingest.common import parse_zone

    return parse_zone(tz)


def requested_period(options: ReviewOptions) -> Period:
    """The period the options ask for (open ends are filled from the data later)."""
    return resolve_period(options.month, options.since, options.until, _zone(options.config.tz), options.config.tz)


def _placeholder_values(options: ReviewOptions, today: date | None = None) -> dict[str, str]:
    zone = _zone(options.config.tz)
    day = today or datetime.now(UTC).astimezone(zone).date()
    return requested_period(options).placeholders(day)


def plan_outputs(
    options: ReviewOptions,
    *,
    pdf: Path | str | None = None,
    html: Path | str | None = None,
    json: Path | str | None = None,
    csv: Path | str | None = None,
    md: Path | str | None = None,
    force: bool = False,
    mkdir: bool = False,
    today: date | None = None,
) -> ReviewOutputs:
    """Expand placeholders, put relative paths under the configured output folder, and check
    every target before any work (exists without ``force``, missing folder without ``mkdir``).

    With no output at all, the PDF goes to ``review-{period}.pdf``.
    """
    values = _placeholder_values(options, today)
    folder = options.config.output_dir
    if pdf is None and html is None and json is None and csv is None and md is None:
        pdf = "review-{period}.pdf"

    def place(item: Path | str | None) -> Path | None:
        if item is None:
            return None
        path = Path(expand_placeholders(str(item), values)).expanduser()
        if folder and not path.is_absolute():
            path = Path(expand_placeholders(folder, values)).expanduser() / path
        return path

    outputs = ReviewOutputs(place(pdf), place(html), place(json), place(csv), place(md))
    targets = outputs.targets()
    if len({str(t.resolve()) for t in targets}) != len(targets):
        raise UsageError("two outputs point at the same file")
    for target in targets:
        check_target(target, force=force, mkdir=mkdir or options.config.mkdir)
    return outputs


def _trends(
    options: ReviewOptions,
    current: Kpis,
    previous_period: Period | None,
    previous: list[ThreadSummary],
    collected: Collected,
    business: bool,
    notes: list[str],
) -> Trends | None:
    from postmortem.review.exports import kpis_dict, read_review_json

    now = kpis_dict(current)
    if options.compare is not None:
        path = Path(expand_placeholders(str(options.compare), _placeholder_values(options)))
        if path.is_file():
            document = read_review_json(path)
            label = (
                str(document.get("period", {}).get("label", "?")) if isinstance(document.get("period"), dict) else "?"
            )
            return Trends(
                "compare",
                f"{path} ({label})",
                int(document["kpis"].get("threads") or 0),
                compare_kpis(now, document["kpis"]),
            )
        notes.append(
            f"--compare {path}: no such file (first run?); trends use the previous period if the inputs cover it"
        )
    if previous_period is None or previous_period.start is None:
        return None
    if not previous:
        notes.append(
            f"no trends: no thread of the inputs falls in the previous period ({previous_period.label}); "
            "give --compare with an earlier review's JSON"
        )
        return None
    if collected.earliest is not None and collected.earliest > previous_period.start:
        notes.append(
            f"trends: the inputs start on {collected.earliest.date().isoformat()}, after the start of the previous "
            f"period ({previous_period.label}); its figures may be incomplete"
        )
    before = kpis_dict(compute_kpis(previous, business))
    return Trends("previous_period", previous_period.label, len(previous), compare_kpis(now, before))


def _settle_period(period: Period, summaries: list[ThreadSummary], zone: object) -> Period:
    """Fill an open period's ends from the data, for display."""
    if (period.first_day is not None and period.last_day is not None) or not summaries:
        return period
    first = period.first_day or local_day(min(s.period_at for s in summaries), zone)  # type: ignore[arg-type]
    last = period.last_day or local_day(max(s.period_at for s in summaries), zone)  # type: ignore[arg-type]
    label = (
        f"{period.label} ({first.isoformat()} \u2013 {last.isoformat()})"
        if period.basis == "all"
        else (f"{first.isoformat()} \u2013 {last.isoformat()}")
    )
    return replace(period, label=label, first_day=first, last_day=last)


def run_review(paths: Sequence[str | Path], options: ReviewOptions, progress: Progress | None = None) -> ReviewResult:
    """Load, analyse and summarise every input; compute the period's figures.

    Inputs that fail are kept in ``failures`` (exit code 4); with ``options.strict`` any failure
    raises an :class:`InputError` (exit code 3) and nothing should be written.
    """
    started = time.perf_counter()
    config = options.config
    if not paths:
        raise UsageError("no input: give files, folders or globs to review")
    zone = _zone(config.tz)
    period = requested_period(options)
    previous_period = period.previous(zone)
    if config.rules is not None:
        from postmortem.lessons.rules import load_rules

        load_rules(config.rules)  # a bad rules file is a usage error before any work
    if options.compare is not None:
        candidate = Path(expand_placeholders(str(options.compare), _placeholder_values(options)))
        if candidate.is_file():
            from postmortem.review.exports import read_review_json

            read_review_json(candidate)
    analysis = AnalysisOptions(
        company=tuple(config.company),
        target_s=config.target_s,
        tz=config.tz,
        sentiment=config.sentiment,
        business_hours=config.business_hours,
        weekdays=config.weekdays,
        rules_path=config.rules,
    )
    start = previous_period.start if previous_period is not None else period.start
    window = Window(start, period.end)
    collected = collect(
        paths, CollectOptions(analysis=analysis, window=window, jobs=options.jobs), progress, fmt=options.fmt
    )
    if options.strict and collected.failures:
        first = collected.failures[0]
        more = len(collected.failures) - 1
        raise InputError(
            first.path,
            f"{first.message} (--strict: {1 + more} input{'s' if more else ''} failed, nothing written)",
        )
    in_period = [s for s in collected.summaries if period.contains(s.period_at)]
    previous = [s for s in collected.summaries if previous_period is not None and previous_period.contains(s.period_at)]
    outside = collected.threads_outside + len(collected.summaries) - len(in_period)
    business = config.business_hours is not None
    notes = list(collected.notes)
    kpis = compute_kpis(in_period, business)
    trends = _trends(options, kpis, previous_period, previous, collected, business, notes)
    settled = _settle_period(period, in_period, zone)
    if collected.threads_other_companies:
        notes.append(
            f"{collected.threads_other_companies} conversations of other companies were left out "
            f"(companies asked for: {', '.join(config.company)})"
        )
    business_label = None
    if business:
        business_label = f"{config.business_hours} {config.weekdays} ({config.tz})"
    return ReviewResult(
        period=settled,
        previous_period=previous_period,
        config=config,
        summaries=tuple(in_period),
        kpis=kpis,
        companies=company_breakdown(in_period, business),
        ranked=tuple(rank_threads(in_period)),
        lessons=lesson_frequency(in_period),
        weekly=weekly_series(
            in_period, zone, settled.first_day if period.bounded else None, settled.last_day if period.bounded else None
        ),
        trends=trends,
        failures=tuple(collected.failures),
        notes=tuple(notes),
        inputs=InputsSummary(
            paths=tuple(str(p) for p in paths),
            files_loaded=collected.files_loaded,
            threads_read=collected.threads_read,
            threads_outside=outside,
            threads_other_companies=collected.threads_other_companies,
            ignored_files=collected.ignored_files,
        ),
        business_label=business_label,
        generated_at=options.generated_at or datetime.now(UTC),
        elapsed_s=time.perf_counter() - started,
    )


def render_review_outputs(
    result: ReviewResult, outputs: ReviewOutputs, *, templates: Path | None = None, charts: bool = True
) -> dict[Path, bytes]:
    """Every requested output in memory (nothing written)."""
    from postmortem.review.context import build_review_context, render_review_html, review_markdown
    from postmortem.review.exports import review_csv, review_json

    rendered: dict[Path, bytes] = {}
    if outputs.json is not None:
        rendered[outputs.json] = review_json(result).encode("utf-8")
    if outputs.csv is not None:
        rendered[outputs.csv] = review_csv(result).encode("utf-8")
    if outputs.md is not None:
        rendered[outputs.md] = review_markdown(result).encode("utf-8")
    if outputs.pdf is not None or outputs.html is not None:
        from postmortem.report.render import write_pdf_bytes

        ctx = build_review_context(result, charts=charts)
        if outputs.html is not None:
            rendered[outputs.html] = render_review_html(ctx, templates, paper=result.config.paper).encode("utf-8")
        if outputs.pdf is not None:
            pdf_html = render_review_html(ctx, templates, paper=result.config.paper, for_pdf=True)
            rendered[outputs.pdf] = write_pdf_bytes(pdf_html, templates)
    return rendered


def write_review(
    result: ReviewResult,
    outputs: ReviewOutputs,
    *,
    force: bool = False,
    mkdir: bool = False,
    templates: Path | None = None,
) -> list[Path]:
    """Render every output, then write each atomically (existing files need ``force``)."""
    for target in outputs.targets():
        check_target(target, force=force, mkdir=mkdir or result.config.mkdir)
    rendered = render_review_outputs(result, outputs, templates=templates)
    for path, data in rendered.items():
        write_atomic(path, data)
    return list(rendered)


__all__ = [
    "EXIT_STRICT",
    "InputFailure",
    "ReviewOptions",
    "ReviewOutputs",
    "ReviewResult",
    "plan_outputs",
    "render_review_outputs",
    "run_review",
    "write_review",
]
