"""Command-line interface (Typer): parse options, call the API, print, map errors to exit codes.

Heavy libraries (pandas, matplotlib, WeasyPrint) are imported inside the commands so that
``postmortem --help`` stays fast.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from postmortem import __version__
from postmortem.errors import EXIT_BROKEN_PIPE, EXIT_INTERNAL, PostmortemError

T = TypeVar("T")

app = typer.Typer(
    name="postmortem",
    help=(
        "Turn an exported social-media thread about a customer-service incident into a post-mortem report.\n\n"
        "Example: postmortem report examples/bodybugg/bodybugg_facebook_graph.json -o bodybugg.pdf"
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

CompanyOpt = Annotated[
    list[str] | None,
    typer.Option("--company", "-c", metavar="HANDLE", help="Company account handle (repeatable, with or without @)."),
]
ConversationOpt = Annotated[
    list[str] | None,
    typer.Option("--conversation", metavar="ID", help="Multi-conversation files: conversation id (repeatable)."),
]
TargetOpt = Annotated[str, typer.Option("--target", metavar="DURATION", help="Response target, e.g. 30m, 1h, 4h, 1d.")]
TzOpt = Annotated[
    str, typer.Option("--tz", metavar="ZONE", help="Time zone for display and for timestamps without an offset.")
]
FmtOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="NAME", help="Force the input format (see 'postmortem formats')."),
]
MappingOpt = Annotated[
    list[str] | None,
    typer.Option("--map", metavar="FIELD=COLUMN", help="Generic CSV/JSON: read FIELD from COLUMN (FIELD=COLUMN)."),
]
DateOrderOpt = Annotated[
    str, typer.Option("--date-order", metavar="ORDER", help="Slash dates like 03/10/2026: auto, dmy or mdy.")
]
SentimentOpt = Annotated[
    str,
    typer.Option(
        "--sentiment", metavar="MODE", help="vader+cs (VADER plus customer-service phrases) or vader (plain)."
    ),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option("--rules", metavar="FILE", help="TOML file that overrides or adds lesson rules (docs/lessons.md)."),
]
_state = {"debug": False, "quiet": False, "verbose": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"postmortem {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print errors only.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print each stage and its time.")] = False,
) -> None:
    """Turn an exported social-media thread into a customer-service post-mortem report."""
    _state["debug"] = debug
    _state["quiet"] = quiet
    _state["verbose"] = verbose and not quiet


def _run(action: Callable[[], T]) -> T:
    """Run a command body; turn errors into one line on stderr and an exit code."""
    from postmortem.perf import relaxed_gc

    try:
        with relaxed_gc():
            return action()
    except PostmortemError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"postmortem: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except BrokenPipeError:  # whoever read stdout stopped reading: nothing to report, and no one to tell
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        typer.echo(
            f"postmortem: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback "
            "and please report it)",
            err=True,
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def _say(message: str) -> None:
    if not _state["quiet"]:
        typer.echo(message)


@contextmanager
def stage(label: str) -> Iterator[None]:
    """One step of a command: its label on a terminal (stderr), a timed log line with --verbose.

    Nothing is shown when stderr is not a terminal (cron, pipes) unless --verbose is given.
    The label does not spin: an animated spinner runs a thread, and the analysis and the
    rendering use the second core through forked helpers only while no other thread runs
    (:func:`~postmortem.perf.fork_usable`): with a spinner a report took 0.3 s longer on a
    terminal than in a script.
    """
    started = time.perf_counter()
    shown: Any = None
    if not _state["quiet"] and sys.stderr.isatty():
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        shown = Live(Text(f"{label}\u2026"), console=Console(stderr=True), auto_refresh=False, transient=True)
        shown.start()
        shown.refresh()
    try:
        yield
    finally:
        if shown is not None:
            shown.stop()
        if _state["verbose"]:
            typer.echo(f"postmortem: {label}: {time.perf_counter() - started:.2f} s", err=True)


@app.command()
def report(
    thread_file: Annotated[Path, typer.Argument(help="The exported thread: a file, folder or zip archive.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="PDF report to write (default: THREAD-postmortem.pdf).")
    ] = None,
    company: CompanyOpt = None,
    target: TargetOpt = "1h",
    tz: TzOpt = "UTC",
    business_hours: Annotated[
        str | None,
        typer.Option("--business-hours", help="Working hours, e.g. 09:00-17:00: adds business-hours delays."),
    ] = None,
    weekdays: Annotated[str, typer.Option("--weekdays", help="Working days for --business-hours.")] = "mon-fri",
    sentiment: SentimentOpt = "vader+cs",
    rules: RulesOpt = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the metrics as JSON.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write one CSV row per post.")] = None,
    md: Annotated[Path | None, typer.Option("--md", help="Also write a Markdown summary for a ticket or chat.")] = None,
    fmt: FmtOpt = None,
    mapping: MappingOpt = None,
    date_order: DateOrderOpt = "auto",
    conversation: ConversationOpt = None,
    title: Annotated[str | None, typer.Option("--title", help="Report title (default: derived).")] = None,
    company_name: Annotated[
        str | None, typer.Option("--company-name", help="Company name to show (default: its handles).")
    ] = None,
    accent: Annotated[str | None, typer.Option("--accent", help="Brand colour, e.g. #0b4f8a.")] = None,
    logo: Annotated[Path | None, typer.Option("--logo", help="Logo for the cover (.png, .jpg or .svg).")] = None,
    paper: Annotated[str, typer.Option("--paper", help="Paper size: A4 or Letter.")] = "A4",
    templates: Annotated[
        Path | None, typer.Option("--templates", help="Folder with your own report templates.")
    ] = None,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Skip the PDF (write only the other outputs).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
    mkdir: Annotated[bool, typer.Option("--mkdir", help="Create missing output folders.")] = False,
) -> None:
    """Render a post-mortem report (PDF, and optionally HTML, JSON, CSV) from one thread.

    Example: postmortem report thread.json -o report.pdf --company AcmeSupport --target 1h --tz Europe/London
    """

    def body() -> None:
        from postmortem import api

        pdf = None if no_pdf else (output or Path(f"{thread_file.stem}-postmortem.pdf"))
        outputs = api.Outputs(pdf=pdf, html=html, json=json_out, csv=csv_out, md=md)
        api.check_outputs(outputs, force=force, mkdir=mkdir)
        scorer = api.sentiment_scorer(sentiment)
        with stage(f"loading {thread_file}"):
            thread = api.load_thread(
                thread_file,
                fmt=fmt,
                tz=tz,
                mapping=api.parse_mapping(mapping or []),
                company=company or [],
                conversation=conversation or [],
                date_order=date_order,
                texts_read=scorer.prefetch,  # a big file's texts scored as it is read
            )
        charts = api.charts_in_advance() if outputs.pdf or outputs.html else None
        with stage(f"analysing {len(thread.posts)} posts"):
            analysis = api.analyse(
                thread,
                company=company or [],
                target=target,
                tz=tz,
                business_hours=business_hours,
                weekdays=weekdays,
                sentiment=sentiment,
                rules=rules,
                on_measured=charts,
                scorer=scorer,
            )
        render = api.RenderOptions(
            title=title, paper=paper, templates=templates, accent=accent, logo=logo, company_name=company_name
        )
        with stage("rendering " + ", ".join(p.suffix.lstrip(".") or p.name for p in outputs.targets())):
            written = api.write_report(analysis, outputs, render, force=force, mkdir=mkdir, charts=charts)
        r = analysis.response
        _say(
            f"{thread_file}: {len(analysis.posts)} posts, "
            f"company {', '.join(analysis.company.display) or 'not found'}; "
            f"{r.answered}/{r.inbound} answered, first response "
            f"{'never' if r.first_response_s is None else _duration(r.first_response_s)}"
        )
        for line in thread.coverage.lines()[1:]:
            _say(f"  coverage: {line}")
        for path in written:
            _say(f"wrote {path}")

    _run(body)


def _duration(seconds: float) -> str:
    from postmortem.units import format_duration

    return format_duration(seconds)


@app.command()
def inspect(
    thread_file: Annotated[Path, typer.Argument(help="The exported thread: a file, folder or zip archive.")],
    company: CompanyOpt = None,
    conversation: ConversationOpt = None,
    target: TargetOpt = "1h",
    tz: TzOpt = "UTC",
    fmt: FmtOpt = None,
    mapping: MappingOpt = None,
    date_order: DateOrderOpt = "auto",
    sentiment: SentimentOpt = "vader+cs",
    rules: RulesOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON (for scripts).")] = False,
) -> None:
    """Summarise a thread in the terminal: format, posts, period, company, key figures, top lessons, coverage.

    Multi-company files (e.g. the support CSV) without --company list the companies instead.

    Example: postmortem inspect examples/bodybugg/bodybugg_facebook_graph.json --company BodyBugg
    """

    def body() -> None:
        from postmortem import inspect as insp

        parsed = None
        if mapping:  # postmortem.api imports pandas: only when needed (a collection overview never does)
            from postmortem.api import parse_mapping

            parsed = parse_mapping(mapping)
        summary = insp.inspect_path(
            thread_file,
            company=company or [],
            conversation=conversation or [],
            fmt=fmt,
            tz=tz,
            mapping=parsed,
            date_order=date_order,
            target=target,
            sentiment=sentiment,
            rules=rules,
        )
        if json_out:
            typer.echo(insp.summary_json(summary), nl=False)
        elif sys.stdout.isatty():
            from rich.console import Console

            insp.render_rich(summary, Console())
        else:
            typer.echo(insp.render_plain(summary), nl=False)

    _run(body)


@app.command()
def review(
    paths: Annotated[list[str], typer.Argument(help="Exports to review: files, folders (recursed) or globs, any mix.")],
    month: Annotated[str | None, typer.Option("--month", help="The month to review, YYYY-MM (in --tz).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day of the period, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day of the period (inclusive).")] = None,
    company: CompanyOpt = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="PDF to write; {month} and {date} are filled in.")
    ] = None,
    html: Annotated[str | None, typer.Option("--html", help="Also write the review as HTML.")] = None,
    json_out: Annotated[str | None, typer.Option("--json", help="Also write the review JSON (for --compare).")] = None,
    csv_out: Annotated[str | None, typer.Option("--csv", help="Also write one CSV row per thread.")] = None,
    md: Annotated[str | None, typer.Option("--md", help="Also write a Markdown summary.")] = None,
    compare: Annotated[
        str | None, typer.Option("--compare", help="A previous review's JSON to show trends against.")
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Settings file (default: ./postmortem.toml).")
    ] = None,
    target: Annotated[str | None, typer.Option("--target", help="Response target, e.g. 1h.")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Time zone of the period and the times shown.")] = None,
    business_hours: Annotated[
        str | None, typer.Option("--business-hours", help="Working hours, e.g. 09:00-17:00.")
    ] = None,
    weekdays: Annotated[str | None, typer.Option("--weekdays", help="Working days for --business-hours.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", help="Worker processes (default: one per CPU).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail the whole run (exit 3) if any input fails.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")] = False,
    mkdir: Annotated[bool, typer.Option("--mkdir", help="Create missing output folders.")] = False,
) -> None:
    """Review a period across many threads: KPIs, companies, worst incidents, recurring mistakes, trends.

    Example: postmortem review exports/ --month 2026-10 -o 'reviews/{month}.pdf' --json 'reviews/{month}.json'
    """

    def body() -> int:
        from postmortem import review as rv
        from postmortem.config import load_config, merge
        from postmortem.review.progress import close_progress, make_progress

        overrides = {
            "company": tuple(company or ()),
            "target": target,
            "tz": tz,
            "business_hours": business_hours,
            "weekdays": weekdays,
        }
        config = merge(load_config(config_file, Path.cwd()), overrides)
        options = rv.ReviewOptions(
            config=config, month=month, since=since, until=until, compare=compare, strict=strict, jobs=jobs
        )
        outputs = rv.plan_outputs(
            options, pdf=output, html=html, json=json_out, csv=csv_out, md=md, force=force, mkdir=mkdir
        )
        progress = make_progress(sys.stderr, quiet=_state["quiet"])
        try:
            result = rv.run_review(paths, options, progress)
        finally:
            close_progress(progress)
        written = rv.write_review(result, outputs, force=force, mkdir=mkdir)
        k = result.kpis
        _say(
            f"{result.period.label}: {k.threads} threads, {k.inbound} addressed posts, {k.answered} answered; "
            f"{len(result.failures)} inputs failed ({result.elapsed_s:.1f} s)"
        )
        for path in written:
            _say(f"wrote {path}")
        return result.exit_code

    code = _run(body)
    if code:
        raise typer.Exit(code)


@app.command("case-study")
def case_study(
    thread_file: Annotated[Path, typer.Argument(help="The exported thread (file, folder or zip).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Handout PDF to write.")] = None,
    facilitator: Annotated[Path | None, typer.Option("--facilitator", help="Facilitator guide PDF to write.")] = None,
    hide_company: Annotated[
        bool, typer.Option("--hide-company", help='Replace the company\'s name and handles by "the Company".')
    ] = False,
    keep: Annotated[
        list[str] | None, typer.Option("--keep", help="Leave this handle un-anonymised (a public figure); repeatable.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Shuffle the pseudonym letters/numbers; same seed, same mapping.")
    ] = None,
    keep_dates: Annotated[bool, typer.Option("--keep-dates", help="Show real dates instead of Day 1 09:14.")] = False,
    company: CompanyOpt = None,
    tz: Annotated[str, typer.Option("--tz", help="Time zone for times (default UTC).")] = "UTC",
    target: Annotated[str, typer.Option("--target", help="Response target, e.g. 1h.")] = "1h",
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="Force the input format.")] = None,
    conversation: Annotated[list[str] | None, typer.Option("--conversation", help="Conversation(s) to use.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write the handout as HTML.")] = None,
    facilitator_html: Annotated[
        Path | None, typer.Option("--facilitator-html", help="Also write the guide as HTML.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Anonymised metrics JSON (relative times).")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Anonymised posts CSV.")] = None,
    md: Annotated[Path | None, typer.Option("--md", help="The handout as Markdown.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the case.")] = None,
    paper: Annotated[str, typer.Option("--paper", help="A4 or Letter.")] = "A4",
    templates: Annotated[Path | None, typer.Option("--templates", help="Template folder.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    mkdir: Annotated[bool, typer.Option("--mkdir", help="Create a missing output folder.")] = False,
) -> None:
    """Turn a thread into an anonymised case study: a handout and a facilitator guide (docs/case-study.md).

    Example: postmortem case-study thread.json -o case.pdf --facilitator guide.pdf --company AcmeSupport --seed 7
    """

    def body() -> None:
        from postmortem.casestudy import (
            CaseOptions,
            CaseOutputs,
            check_case_outputs,
            run_case_study,
            write_case_study,
        )

        outputs = CaseOutputs(
            handout=output,
            facilitator=facilitator,
            handout_html=html,
            facilitator_html=facilitator_html,
            json=json_out,
            csv=csv_out,
            md=md,
        )
        check_case_outputs(outputs, force=force, mkdir=mkdir)
        options = CaseOptions(
            company=tuple(company or ()),
            hide_company=hide_company,
            keep=tuple(keep or ()),
            seed=seed,
            keep_dates=keep_dates,
            tz=tz,
            target=target,
            fmt=fmt,
            conversation=tuple(conversation or ()),
            title=title,
            paper=paper,
            templates=templates,
        )
        with stage("anonymising and analysing"):
            case = run_case_study(thread_file, options)
        with stage("rendering the case"):
            written = write_case_study(case, outputs, force=force, mkdir=mkdir)
        counts = case.mapping.counts()
        _say(
            f"{thread_file}: {len(case.analysis.posts)} posts, {counts.get('complainant', 0)} customers and "
            f"{counts.get('crowd', 0) + counts.get('mentioned', 0)} followers pseudonymised"
        )
        for path in written:
            _say(f"wrote {path}")

    _run(body)


@app.command()
def formats() -> None:
    """List the supported input formats and what identifies each.

    Example: postmortem formats
    """

    def body() -> None:
        from postmortem.ingest import formats as all_formats

        for spec in all_formats():
            typer.echo(f"{spec.name:18} {spec.description}")
            typer.echo(f"{'':18} identified by: {spec.identifies}")

    _run(body)


def main() -> None:
    """Console-script entry point (also ``python -m postmortem``): runs the command, then ends
    the process at once (see :func:`exit_now`)."""
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    exit_now(code)


def _monitored() -> bool:
    """Whether a tool watches this process through ``sys.monitoring`` (Python 3.12+; e.g.
    coverage's ``sysmon`` core)."""
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        return False
    return any(monitoring.get_tool(tool) is not None for tool in range(6))


def exit_now(code: int) -> NoReturn:
    """Flush the output streams, stop any helper process still running, and end the process
    without the interpreter's teardown.

    By now every output file is written atomically and fsynced. What is skipped is freeing,
    one by one, every object the run made: measured 0.4 s after a 10k-post PDF report (14 % of
    the run) and more after a large review. Nothing the command promised is left undone:
    streams are flushed here, and the process pools are closed by the code that used them.
    Under a profiler or tracer (``python -m cProfile -m postmortem``, coverage) the process
    exits normally, so that they can write their results.
    """
    import os

    if sys.getprofile() is not None or sys.gettrace() is not None or _monitored():
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # stdout piped into `head`, say, which has stopped reading
        code = code or EXIT_BROKEN_PIPE
    processes = sys.modules.get("multiprocessing")
    if processes is not None:
        for child in processes.active_children():  # e.g. a chart process after an error
            child.terminate()
            child.join(1)
    os._exit(code)
