"""The public Python API; the CLI is a thin layer over these functions.

>>> from postmortem import api
>>> thread = api.load_thread("examples/bodybugg/bodybugg_facebook_graph.json")   # doctest: +SKIP
>>> analysis = api.analyse(thread, company=["BodyBugg"], target="1h")      # doctest: +SKIP
>>> analysis.posts.head()                                                  # doctest: +SKIP
>>> api.audit_frame(analysis)                                              # doctest: +SKIP
>>> api.write_report(analysis, api.Outputs(pdf=Path("report.pdf")))        # doctest: +SKIP

docs/api.md walks through it with the examples (the tests execute it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from postmortem.analysis import analyse as _analyse
from postmortem.analysis.results import Analysis, AnalysisOptions
from postmortem.errors import UsageError
from postmortem.ingest import load
from postmortem.ingest.common import parse_zone
from postmortem.model import Collection, Thread
from postmortem.outputs import Outputs, check_target, write_atomic

if TYPE_CHECKING:
    import pandas as pd

    from postmortem.analysis.fast_vader import CachedScorer
    from postmortem.analysis.sentiment import SentimentScorer
    from postmortem.report.context import ChartsInAdvance, ReportMeta
from postmortem.units import parse_duration

PAPER_SIZES = ("A4", "Letter")


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["created_at=Date", "text=Message"]`` -> ``{"created_at": "Date", "text": "Message"}``."""
    mapping: dict[str, str] = {}
    for item in items:
        field_name, sep, column = item.partition("=")
        if not sep or not field_name.strip() or not column.strip():
            raise UsageError(f"--map {item!r}: expected FIELD=COLUMN, e.g. --map created_at=Date")
        mapping[field_name.strip()] = column.strip()
    return mapping


def select(collection: Collection, company: Iterable[str] = (), conversation: Iterable[str] = ()) -> Thread:
    """One thread from a collection (several conversations of one company are merged)."""
    companies, conversations = tuple(company), tuple(conversation)
    from postmortem.ingest.select import select_thread

    return select_thread(collection, company=companies, conversation=conversations)


def load_thread(
    path: str | Path,
    *,
    fmt: str | None = None,
    tz: str = "UTC",
    mapping: Mapping[str, str] | None = None,
    company: Iterable[str] = (),
    conversation: Iterable[str] = (),
    date_order: str = "auto",
    texts_read: Callable[[list[str]], None] | None = None,
) -> Thread:
    """Load an export and return the thread to report on (``company``/``conversation`` pick
    conversations out of multi-conversation files such as the customer-support CSV).

    ``texts_read``: e.g. ``sentiment_scorer(...).prefetch``, to score a big file's texts while
    it is read (pass the same scorer to :func:`analyse`)."""
    collection = load(path, fmt, tz=tz, mapping=mapping, date_order=date_order, texts_read=texts_read)
    return select(collection, company, conversation)


def sentiment_scorer(sentiment: str = "vader+cs") -> CachedScorer:
    """The scorer :func:`analyse` would make for ``sentiment`` (``vader+cs`` or ``vader``): make
    it first to hand its ``prefetch`` to :func:`load_thread` and then give it to :func:`analyse`."""
    from postmortem.analysis import SENTIMENT_MODES
    from postmortem.analysis.cs_sentiment import scorer_for

    if sentiment not in SENTIMENT_MODES:
        raise UsageError(f"unknown sentiment mode {sentiment!r}; choose {' or '.join(SENTIMENT_MODES)}")
    return scorer_for(sentiment)


load_collection = load
"""Load an export as it is, every conversation (the support CSV holds hundreds): ``ingest.load``."""


def analyse(
    thread: Thread,
    *,
    company: Iterable[str] = (),
    target: str | float = 3600.0,
    tz: str = "UTC",
    sentiment: str = "vader+cs",
    business_hours: str | None = None,
    weekdays: str = "mon-fri",
    rules: Path | None = None,
    summary_only: bool = False,
    on_measured: Callable[[Analysis], object] | None = None,
    scorer: SentimentScorer | None = None,
) -> Analysis:
    """Measure a thread (``target`` as seconds or a duration such as ``"1h"``).

    ``business_hours`` (e.g. ``"09:00-17:00"``) on ``weekdays`` in ``tz`` adds business-hours
    delays beside the calendar ones. ``summary_only`` computes only the headline figures and
    lessons (what ``review`` and ``inspect`` show), faster; such an analysis cannot be rendered.
    ``on_measured``: called before the reply audit and lessons; with :func:`charts_in_advance`
    (then given to :func:`write_report` too) the report's charts are drawn meanwhile.
    ``scorer``: one made by :func:`sentiment_scorer` for the same ``sentiment`` (see
    :func:`load_thread`); by default the analysis makes its own.
    """
    from postmortem.analysis.business import parse_business_hours

    target_s = parse_duration(target) if isinstance(target, str) else float(target)
    zone = parse_zone(tz)
    if business_hours:
        parse_business_hours(business_hours, weekdays, zone, tz)
    options = AnalysisOptions(
        company=tuple(company),
        target_s=target_s,
        tz=tz,
        sentiment=sentiment,
        business_hours=business_hours,
        weekdays=weekdays,
        rules_path=rules,
    )
    if scorer is not None and scorer.method != sentiment:
        raise UsageError(f"the scorer given scores {scorer.method!r}, not {sentiment!r}")
    return _analyse(thread, options, scorer, summary_only=summary_only, measured=on_measured)


def charts_in_advance() -> ChartsInAdvance:
    """For ``analyse(on_measured=...)`` and ``write_report(charts=...)``: the report's charts
    drawn by a child process while the reply audit and lessons are worked out."""
    from postmortem.report.context import ChartsInAdvance

    return ChartsInAdvance()


@dataclass(frozen=True)
class RenderOptions:
    """How the report looks."""

    title: str | None = None
    paper: str = "A4"
    templates: Path | None = None
    generated_at: datetime | None = None
    accent: str | None = None
    """Brand colour, ``#rrggbb``."""
    logo: Path | None = None
    """PNG, JPEG or SVG logo for the cover (at most 2 MB)."""
    company_name: str | None = None


def render_outputs(
    analysis: Analysis,
    outputs: Outputs,
    render: RenderOptions | None = None,
    charts: ChartsInAdvance | None = None,
) -> dict[Path, bytes]:
    """Produce every requested output in memory (nothing is written); ``charts``: the ones
    started while this analysis was made (see :func:`analyse`)."""
    from postmortem.report.context import build_context
    from postmortem.report.exports import metrics_json, posts_csv
    from postmortem.report.render import render_html, write_pdf_bytes

    if analysis.summary_only:
        raise UsageError("an analysis made with summary_only=True cannot be rendered; analyse again without it")
    render = render or RenderOptions()
    if render.paper not in PAPER_SIZES:
        raise UsageError(f"--paper {render.paper!r}: choose {' or '.join(PAPER_SIZES)}")
    results: dict[Path, bytes] = {}
    if outputs.json is not None:
        results[outputs.json] = metrics_json(analysis).encode("utf-8")
    if outputs.csv is not None:
        results[outputs.csv] = posts_csv(analysis).encode("utf-8")
    if outputs.md is not None:
        from postmortem.report.markdown import render_markdown

        results[outputs.md] = render_markdown(
            build_context(analysis, report_meta(analysis, render), with_charts=False)
        ).encode("utf-8")
    if outputs.pdf is not None or outputs.html is not None:
        ctx = build_context(analysis, report_meta(analysis, render), charts=None if charts is None else charts.charts)
        if outputs.html is not None:
            results[outputs.html] = render_html(ctx, render.templates, paper=render.paper).encode("utf-8")
        if outputs.pdf is not None:
            pdf_html = render_html(ctx, render.templates, paper=render.paper, for_pdf=True)
            results[outputs.pdf] = write_pdf_bytes(pdf_html, render.templates)
    return results


LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 2 * 1024 * 1024


def logo_data_uri(path: Path) -> str:
    """The logo file as a ``data:`` URI (the renderer fetches nothing else)."""
    import base64

    kind = LOGO_TYPES.get(path.suffix.lower())
    if kind is None:
        raise UsageError(f"--logo {path}: use a .png, .jpg or .svg file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--logo {path}: cannot read ({exc.strerror or exc})") from exc
    if len(data) > MAX_LOGO_BYTES:
        raise UsageError(f"--logo {path}: larger than 2 MB")
    return f"data:{kind};base64," + base64.b64encode(data).decode("ascii")


def report_meta(analysis: Analysis, render: RenderOptions) -> ReportMeta:
    """Display choices for the context, validated."""
    import re

    from postmortem.report.context import DEFAULT_ACCENT, ReportMeta

    accent = render.accent or DEFAULT_ACCENT
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", accent):
        raise UsageError(f"--accent {accent!r}: use a colour like #0b4f8a")
    return ReportMeta(
        tz=analysis.options.tz,
        title=render.title,
        generated_at=render.generated_at,
        accent=accent,
        logo_uri=logo_data_uri(render.logo) if render.logo else None,
        company_name=render.company_name,
    )


def write_report(
    analysis: Analysis,
    outputs: Outputs,
    render: RenderOptions | None = None,
    *,
    force: bool = False,
    mkdir: bool = False,
    charts: ChartsInAdvance | None = None,
) -> list[Path]:
    """Render and write every requested output atomically; existing files need ``force``.
    ``charts``: the :class:`ChartsInAdvance` given to :func:`analyse`, if any."""
    check_outputs(outputs, force=force, mkdir=mkdir)
    rendered = render_outputs(analysis, outputs, render, charts)
    for path, data in rendered.items():
        write_atomic(path, data)
    return list(rendered)


def check_outputs(outputs: Outputs, *, force: bool = False, mkdir: bool = False) -> None:
    """Fail before any work when an output cannot be written."""
    targets = outputs.targets()
    if not targets:
        raise UsageError("nothing to write: give -o FILE.pdf, --html, --json, --csv or --md")
    if len(set(map(str, targets))) != len(targets):
        raise UsageError("two outputs point at the same file")
    for path in targets:
        check_target(path, force=force, mkdir=mkdir)


def audit_frame(analysis: Analysis) -> pd.DataFrame:
    """One row per company post: verdict, SCCT strategy, flags (with matched words), suggestion."""
    import pandas as pd

    rows = []
    for r in analysis.audit.replies if analysis.audit is not None else ():
        rows.append(
            {
                "post_id": r.post_id,
                "addressed_to": r.addressed_to,
                "verdict": r.verdict,
                "strategy": r.strategy,
                "flags": ", ".join(f.name for f in r.flags),
                "evidence": "; ".join(f"{f.name}: {f.evidence}" for f in r.flags),
                "suggestion": r.suggestion,
                "text": r.text,
            }
        )
    columns = ["post_id", "addressed_to", "verdict", "strategy", "flags", "evidence", "suggestion", "text"]
    return pd.DataFrame(rows, columns=columns)


def complainants_frame(analysis: Analysis) -> pd.DataFrame:
    """One row per complainant: first post, the company's first reply to them, delays."""
    import dataclasses

    import pandas as pd

    return pd.DataFrame([dataclasses.asdict(c) for c in analysis.response.per_complainant])


def conversations_frame(analysis: Analysis) -> pd.DataFrame:
    """One row per conversation when the thread merges several (empty otherwise)."""
    import dataclasses

    import pandas as pd

    return pd.DataFrame([dataclasses.asdict(c) for c in analysis.conversations])


def render(analysis: Analysis, kind: str, render_options: RenderOptions | None = None) -> bytes:
    """One output in memory: ``pdf``, ``html``, ``json``, ``csv`` or ``md``."""
    if kind not in ("pdf", "html", "json", "csv", "md"):
        raise UsageError(f"unknown output kind {kind!r}; choose pdf, html, json, csv or md")
    target = Path(f"report.{kind}")
    return render_outputs(analysis, Outputs(**{kind: target}), render_options)[target]


__all__ = [
    "Outputs",
    "RenderOptions",
    "analyse",
    "audit_frame",
    "check_outputs",
    "complainants_frame",
    "conversations_frame",
    "load_collection",
    "load_thread",
    "logo_data_uri",
    "parse_mapping",
    "render",
    "render_outputs",
    "report_meta",
    "select",
    "write_report",
]
