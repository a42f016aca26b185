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
from typing import Annotated, TypeVar

import typer

from postmortem import __version__
from postmortem.errors import EXIT_INTERNAL, PostmortemError

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
    try:
        return action()
    except PostmortemError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"postmortem: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
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
    """One step of a command: a spinner on a terminal (stderr), a timed log line with --verbose.

    Nothing is shown when stderr is not a terminal (cron, pipes) unless --verbose is given.
    """
    started = time.perf_counter()
    spinner = None
    if not _state["quiet"] and sys.stderr.isatty():
        from rich.console import Console

        spinner = Console(stderr=True).status(f"{label}\u2026", spinner="dots")
        spinner.start()
    try:
        yield
    finally:
        if spinner is not None:
            spinner.stop()
        if _state["verbose"]:
            typer.echo(f"postmortem: {label}: {time.perf_counter() - started:.2f} s", err=True)


@app.command()
def report(
    thread_file: Annotated[Path, typer.Argument(help="The exported thread: a file, folder or zip archive.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="PDF report to write (default: THREAD-postmortem.pdf).")
    ] = None,
    company: Annotated[
        list[str] | None,
        typer.Option("--company", "-c", help="Company account handle (repeatable, with or without @)."),
    ] = None,
    target: Annotated[str, typer.Option("--target", help="Response target, e.g. 30m, 1h, 4h, 1d.")] = "1h",
    tz: Annotated[
        str, typer.Option("--tz", help="Time zone for display and for timestamps without an offset.")
    ] = "UTC",
    business_hours: Annotated[
        str | None,
        typer.Option("--business-hours", help="Working hours, e.g. 09:00-17:00: adds business-hours delays."),
    ] = None,
    weekdays: Annotated[str, typer.Option("--weekdays", help="Working days for --business-hours.")] = "mon-fri",
    sentiment: Annotated[
        str, typer.Option("--sentiment", help="vader+cs (VADER plus customer-service phrases) or vader (plain).")
    ] = "vader+cs",
    rules: Annotated[
        Path | None, typer.Option("--rules", help="TOML file that overrides or adds lesson rules (docs/lessons.md).")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write a self-contained HTML report.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the metrics as JSON.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write one CSV row per post.")] = None,
    md: Annotated[Path | None, typer.Option("--md", help="Also write a Markdown summary for a ticket or chat.")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="Force the input format (see 'postmortem formats').")
    ] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="Generic CSV/JSON: read FIELD from COLUMN (FIELD=COLUMN).")
    ] = None,
    date_order: Annotated[
        str, typer.Option("--date-order", help="Slash dates like 03/10/2026: auto, dmy or mdy.")
    ] = "auto",
    conversation: Annotated[
        list[str] | None, typer.Option("--conversation", help="Multi-conversation files: conversation id (repeatable).")
    ] = None,
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
        with stage(f"loading {thread_file}"):
            thread = api.load_thread(
                thread_file,
                fmt=fmt,
                tz=tz,
                mapping=api.parse_mapping(mapping or []),
                company=company or [],
                conversation=conversation or [],
                date_order=date_order,
            )
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
            )
        render = api.RenderOptions(
            title=title, paper=paper, templates=templates, accent=accent, logo=logo, company_name=company_name
        )
        with stage("rendering " + ", ".join(p.suffix.lstrip(".") or p.name for p in outputs.targets())):
            written = api.write_report(analysis, outputs, render, force=force, mkdir=mkdir)
        r = analysis.response
        _say(
            f"{thread_file}: {len(analysis.posts)} posts, company {', '.join(analysis.company.display) or 'not found'}; "
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
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.exit(code)
