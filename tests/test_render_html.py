from __future__ import annotations

from datetime import datetime, timezone
from html.parser import HTMLParser

from postmortem.analysis import analyse
from postmortem.report.context import ReportMeta, build_context
from postmortem.report.render import render_html
from tests.conftest import make_thread

FIXED = datetime(2026, 1, 1, tzinfo=timezone.utc)
HOSTILE = '<script>alert(1)</script><img src="file:///etc/passwd"> <link rel=stylesheet href="http://evil.test/x.css">'


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tags: list[str] = []
        self.srcs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and str(values.get("href", "")).startswith("#"):
            self.links.append(str(values["href"])[1:])
        if tag == "img":
            self.srcs.append(str(values.get("src")))


def test_structure_and_internal_links(small_analysis) -> None:
    html = render_html(build_context(small_analysis, ReportMeta(generated_at=FIXED)))
    parsed = Collector()
    parsed.feed(html)
    for section in ("summary", "impact", "timeline", "response", "sentiment", "lessons", "conversation", "appendix"):
        assert section in parsed.ids
    assert parsed.links and all(link in parsed.ids for link in parsed.links)
    assert parsed.srcs and all(src.startswith("data:image/svg+xml;base64,") for src in parsed.srcs)


def test_hostile_post_text_is_escaped() -> None:
    thread = make_thread(
        [("1", None, "cust", 0, "@shop " + HOSTILE), ("2", "1", "shop", 30, "sorry")],
        company=("shop",),
    )
    html = render_html(build_context(analyse(thread), ReportMeta(generated_at=FIXED), with_charts=False))
    assert "<script>" not in html and "<link rel=stylesheet" not in html
    assert '<img src="file:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parsed = Collector()
    parsed.feed(html)
    assert "script" not in parsed.tags and "link" not in parsed.tags


# -- charts: the SVG simplification WeasyPrint draws faster -------------------------------------

_NS = "{http://www.w3.org/2000/svg}"
_XLINK = "{http://www.w3.org/1999/xlink}href"


def _vertices(svg: str) -> list[tuple[float, float]]:
    """Every path vertex the SVG draws, each ``<use>`` of a marker expanded at its place
    (rounded as the simplification writes moved coordinates: 3 decimals)."""
    import re
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    out: list[tuple[float, float]] = []

    def pairs(d: str, dx: float = 0.0, dy: float = 0.0, moved: bool = False) -> None:
        numbers = [float(n) for n in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", d)]
        for x, y in zip(numbers[0::2], numbers[1::2], strict=True):
            out.append((round(x + dx, 3), round(y + dy, 3)) if moved else (round(x, 3), round(y, 3)))

    for el in root.iter():
        tag = el.tag.removeprefix(_NS)
        if tag == "path" and el.get("id") is None:  # (a path with an id is a marker, drawn where used)
            pairs(el.get("d", ""))
        elif tag == "use":
            target = by_id[(el.get(_XLINK) or "").lstrip("#")]
            pairs(target.get("d", ""), float(el.get("x", 0)), float(el.get("y", 0)), moved=True)
    return sorted(out)


def test_simplify_svg_moves_and_merges_markers() -> None:
    from postmortem.charts import simplify_svg

    svg = (
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt">'
        "<metadata>m</metadata><defs><style>*{stroke-linejoin: round}</style></defs>"
        '<g id="line2d_1"><defs><path id="m1" d="M 0 -1 L 1 1 L -1 1 z" style="stroke: #0072b2"/></defs>'
        '<g clip-path="url(#p1)">'
        '<use xlink:href="#m1" x="2" y="3" style="fill: #0072b2"/>'
        '<use xlink:href="#m1" x="5.5" y="3" style="fill: #0072b2"/>'
        "</g></g>"
        '<g id="faded"><use xlink:href="#m1" x="1" y="1" style="fill: #000; opacity: 0.5"/>'
        '<use xlink:href="#m1" x="2" y="2" style="fill: #000; opacity: 0.5"/></g>'
        '<g id="text_1"><text x="1" y="2" style="font-size: 8px" transform="rotate(-0 1 2)">a &lt; b</text></g>'
        '<defs><clipPath id="p1"><rect x="0" y="0" width="10" height="10"/></clipPath></defs></svg>'
    )
    out = simplify_svg(svg)
    assert "<use" not in out and "style=" not in out and "metadata" not in out and "rotate" not in out
    assert 'xmlns="http://www.w3.org/2000/svg"' in out and "ns0:" not in out
    assert 'stroke-linejoin="round"' in out  # the global rule, now inherited from the root
    # Two opaque copies of one marker become one path; translucent copies stay apart.
    assert 'd="M 2 2 L 3 4 L 1 4 z M 5.5 2 L 6.5 4 L 4.5 4 z"' in out
    assert out.count('opacity="0.5"') == 2
    assert 'clip-path="url(#p1)"' in out and '<clipPath id="p1">' in out
    assert "a &lt; b" in out and 'font-size="8px"' in out
    assert _vertices(svg) == _vertices(out)


def test_simplify_svg_keeps_text_runs_and_translucent_groups_apart() -> None:
    from postmortem.charts import simplify_svg

    svg = (
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" xmlns="http://www.w3.org/2000/svg">'
        '<defs><path id="m" d="M 0 0 L 1 1"/></defs>'
        '<g style="fill-opacity: 0.4"><use xlink:href="#m" x="1" y="1"/><use xlink:href="#m" x="2" y="2"/></g>'
        '<text x="0" y="9">a <tspan>b</tspan> c <tspan> </tspan> d</text></svg>'
    )
    out = simplify_svg(svg)
    assert out.count("<path") == 2  # inherited translucency: overlaps would blend differently if merged
    assert "<text x=\"0\" y=\"9\">a <tspan>b</tspan> c <tspan> </tspan> d</text>" in out


def test_report_charts_draw_the_same_marks_in_fewer_elements(small_analysis, monkeypatch) -> None:
    import re

    from postmortem import charts
    from postmortem.report.context import draw_chart_svgs

    simplified = draw_chart_svgs(small_analysis, "UTC")
    monkeypatch.setattr(charts, "simplify_svg", lambda svg: svg)
    raw = draw_chart_svgs(small_analysis, "UTC")
    assert set(simplified) == set(raw) == {"volume", "sentiment", "delays"}
    for name in raw:
        assert "<use" not in simplified[name] and "style=" not in simplified[name]
        assert simplified[name].count("<") < raw[name].count("<") / 2, name
        assert _vertices(simplified[name]) == _vertices(raw[name]), name
        labels = [sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg)) for svg in (simplified[name], raw[name])]
        assert labels[0] == labels[1], name


def test_only_the_shown_events_get_views(small_analysis) -> None:
    """Events and movers equal their full-list definition (all events viewed, then cut)."""
    from postmortem.report.context import TABLE_ROWS, RowsById, _event_view, _zone

    ctx = build_context(small_analysis, ReportMeta(generated_at=FIXED), with_charts=False)
    by_id = RowsById(small_analysis.posts)
    zone = _zone("UTC")
    every = [_event_view(e, by_id, zone) for e in small_analysis.sentiment.events if e.reply_id in by_id]
    assert every, "small.csv has company replies with a before/after"
    assert ctx.events == tuple(every[:TABLE_ROWS])
    movers = sorted((e for e in every if e.change != "\u2014"), key=lambda e: -abs(e.change_value))[:4]
    assert ctx.movers == tuple(movers)


def test_text_without_emoji_code_points_skips_the_emoji_scan() -> None:
    import emoji

    from postmortem.report.render import _MAY_HOLD_EMOJI, text_for_pdf

    assert all(_MAY_HOLD_EMOJI.search(key) for key in emoji.EMOJI_DATA)  # the shortcut never skips one
    for plain in ("Zoë – “quoted” … café", "Привет", "plain ascii"):
        assert _MAY_HOLD_EMOJI.search(plain) is None and text_for_pdf(plain) == plain
    assert text_for_pdf("ok \u2026 \u203c") == "ok \u2026 [double exclamation mark]"
