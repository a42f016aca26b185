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
