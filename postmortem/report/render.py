"""Render a :class:`ReportContext` to HTML with Jinja2 and to PDF with WeasyPrint.

WeasyPrint gets a URL fetcher that serves ``data:`` URIs, files inside the template folder
and the report's own charts (``postmortem-chart:`` URLs with a random token, see
:meth:`~postmortem.report.context.LazyCharts.for_pdf`) only: post text is escaped by Jinja2,
and even so nothing in a report can make the renderer reach the network or read other local
files.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jinja2

from postmortem.errors import UsageError
from postmortem.report.context import CHART_URL_SCHEME, LazyCharts, ReportContext, pending_chart_svg
from postmortem.units import format_duration


class BlockedFetch(ValueError):
    """A resource outside the allowed set was requested while rendering."""


def default_template_dir() -> Path:
    """The templates shipped with the package (``report_templates/`` in the source tree).

    A wheel installs them as ``postmortem/report_templates``; an editable install leaves
    them at the top of the source tree, beside the package.
    """
    package = Path(__file__).resolve().parents[1]
    installed = package / "report_templates"
    if (installed / "report.html").is_file():
        return installed
    return package.parent / "report_templates"


#: Every emoji holds at least one of these code points (a test checks the emoji package's list);
#: accents, other scripts and typographic punctuation (U+2000-U+206F: dashes, quotes, "…") do not.
_MAY_HOLD_EMOJI = re.compile("[\u00a9\u00ae\u203c\u2049\u2070-\U0010ffff]")


def text_for_pdf(text: object) -> str:
    """Emoji as readable words (``[face with tears of joy]``): PDF fonts have no colour emoji."""
    if not text:
        return ""
    if isinstance(text, str) and (text.isascii() or _MAY_HOLD_EMOJI.search(text) is None):
        return text  # no emoji possible: skips the scan (and, often, importing emoji's data)
    import emoji

    return str(
        emoji.replace_emoji(str(text), replace=lambda _chars, data: "[" + data["en"].strip(":").replace("_", " ") + "]")
    )


def environment(template_dir: Path, *, for_pdf: bool = False) -> jinja2.Environment:
    """One Jinja2 environment: autoescaping on, undefined names are errors.

    The ``t`` filter prepares post text: unchanged for HTML, emoji spelt out for PDF.
    """
    if not (template_dir / "report.html").is_file():
        raise UsageError(f"{template_dir}: no report.html template in this folder")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = format_duration
    env.filters["signed"] = lambda v: "\u2014" if v is None else f"{v:+.2f}"
    env.filters["t"] = text_for_pdf if for_pdf else (lambda v: "" if v is None else str(v))
    return env


@functools.lru_cache(maxsize=8)
def _shared_environment(template_dir: Path, for_pdf: bool) -> jinja2.Environment:
    """:func:`environment`, made once per folder and variant: its templates are compiled once
    per process (Jinja2 checks their files' times and recompiles any that changed)."""
    return environment(template_dir, for_pdf=for_pdf)


def render_html(
    ctx: ReportContext,
    template_dir: Path | None = None,
    *,
    template: str = "report.html",
    paper: str = "A4",
    for_pdf: bool = False,
) -> str:
    """The report as one self-contained HTML document.

    ``for_pdf``: the variant :func:`write_pdf_bytes` renders, where charts still being drawn
    are referred to by URL; it is only meant for :func:`write_pdf_bytes` in this process.
    """
    env = _shared_environment(template_dir or default_template_dir(), for_pdf)
    values: dict[str, Any] = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
    if not for_pdf:
        return env.get_template(template).render(ctx=ctx, paper=paper, for_pdf=for_pdf, **values)
    # WeasyPrint renders this next. Charts that a child process is still drawing are referred to
    # by URL (the fetcher below waits for them when WeasyPrint loads the images), so importing
    # WeasyPrint, parsing and styling the document all happen meanwhile (context.LazyCharts).
    import_weasyprint()
    if isinstance(ctx.charts, LazyCharts):
        values["charts"] = ctx.charts.for_pdf()
    html = PdfHTML(env.get_template(template).render(ctx=ctx, paper=paper, for_pdf=for_pdf, **values))
    html.charts = ctx.charts
    return html


class PdfHTML(str):
    """The PDF variant of the report's HTML: a string that keeps the charts it refers to
    alive until WeasyPrint has fetched them (see :meth:`LazyCharts.for_pdf`)."""

    charts: object = None


def safe_url_fetcher(allowed_root: Path) -> Any:
    """A WeasyPrint URL fetcher serving ``data:`` URIs, files under ``allowed_root`` and the
    charts of a report being rendered (:func:`~postmortem.report.context.pending_chart_svg`) only.

    Every refused URL is recorded in the fetcher's ``blocked`` list, every URL passed on to
    WeasyPrint's own fetcher (``data:`` and template files) in ``served`` and every chart handed
    over from memory in ``charts`` (tests read them).
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = allowed_root.resolve()

    class SafeFetcher(URLFetcher):  # type: ignore[misc]
        """Refuses the network and every local file outside the template folder."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)
            self.blocked: list[str] = []
            self.served: list[str] = []
            self.charts: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parsed = urlparse(url)
            if parsed.scheme == CHART_URL_SCHEME:  # a chart still being drawn: wait for it here
                svg = pending_chart_svg(url)
                if svg is None:
                    self.blocked.append(url)
                    raise BlockedFetch(f"blocked resource while rendering: {url[:80]}")
                self.charts.append(url)
                return URLFetcherResponse(url, svg.encode("utf-8"), {"Content-Type": "image/svg+xml"})
            allowed = parsed.scheme == "data"
            if parsed.scheme == "file":
                target = Path(unquote(parsed.path)).resolve()
                allowed = target.is_relative_to(root) and target.is_file()
            if not allowed:
                self.blocked.append(url)
                raise BlockedFetch(f"blocked resource while rendering: {url[:80]}")
            self.served.append(url[:60])
            return super().fetch(url, headers)

    return SafeFetcher()


def import_weasyprint() -> Any:
    """``weasyprint.HTML``, imported without ~0.3 s of needless subprocesses.

    WeasyPrint ``dlopen``s each native library under several names (Windows, macOS and Linux
    spellings) until one loads; every miss goes through ``ctypes.util.find_library``, which on
    Linux runs ``ldconfig -p``, ``gcc`` and ``ld``. The Linux and macOS file names in its lists
    load directly, so the first attempt skips that search; if it fails (an unusual library
    layout) the import is retried with the real search.
    """
    if "weasyprint" in sys.modules:
        from weasyprint import HTML

        _decode_less_when_subsetting()
        return HTML
    import ctypes.util
    import io
    from contextlib import redirect_stdout

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with redirect_stdout(io.StringIO()):  # WeasyPrint prints install advice before it gives up
            from weasyprint import HTML
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = search
        from weasyprint import HTML
    finally:
        ctypes.util.find_library = search
    _decode_less_when_subsetting()
    return HTML


def _decode_less_when_subsetting() -> None:
    """Let fontTools skip decoding the layout tables WeasyPrint drops from its font subsets.

    Without ``libharfbuzz-subset`` (not part of this machine's libraries, nor of many
    others) WeasyPrint subsets each embedded font with fontTools, asking it to drop ``GSUB``
    and ``GPOS``; fontTools still decodes both tables first (``_compact_layout_tables``), 40 %
    of the subsetting time with the bundled DejaVu fonts (10k-post report: 0.10 of 0.27 s).
    Removing them from the font before subsetting gives the same subset: the subsetter drops
    every table of ``drop_tables`` before it reads any other, and the legacy ``kern`` table,
    which it drops when the font has ``GPOS``, is removed under the same condition first
    (``tests/test_pdf.py`` checks the subsets are identical).
    """
    from fontTools import subset

    original = subset.Subsetter.subset
    if getattr(original, "_decodes_less", False):
        return

    def subset_font(self: Any, font: Any) -> Any:
        options = self.options
        if "GPOS" in font and "kern" in font and not options.legacy_kern:
            del font["kern"]
        for tag in ("GSUB", "GPOS"):
            if tag in options.drop_tables and tag in font:
                del font[tag]
        return original(self, font)

    subset_font._decodes_less = True  # type: ignore[attr-defined]
    subset.Subsetter.subset = subset_font


def write_pdf_bytes(html: str, template_dir: Path | None = None) -> bytes:
    """Render HTML to PDF bytes (only ``data:`` URIs and template files can be fetched)."""
    HTML = import_weasyprint()

    from postmortem.perf import relaxed_gc

    folder = (template_dir or default_template_dir()).resolve()
    # WeasyPrint logs each refused fetch as a warning; the fetcher already refused it.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    with relaxed_gc():
        document = HTML(string=html, base_url=folder.as_uri() + "/", url_fetcher=safe_url_fetcher(folder))
        result = document.write_pdf()
    assert result is not None
    return bytes(result)
