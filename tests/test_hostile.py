"""Untrusted content (issue 9): post text, author names and handles written by angry strangers.

``tests/data/hostile/hostile.json`` (made by ``make_hostile.py`` beside it) carries HTML,
CSS, JavaScript, ``<img src="file:///etc/passwd">``, ``url(http://...)``, ``<link>``, SVG,
control characters, right-to-left overrides, zero-width characters, a 50,000-character
line and spreadsheet formulas. Rendered to HTML, PDF, CSV and JSON: nothing is live, nothing
is fetched, the text survives as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from postmortem import api
from postmortem.outputs import FORMULA_PREFIXES, csv_text, neutralise_cell
from postmortem.report import render

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "image", "link", "base", "form", "frame"}
BLOCKS = {"div", "p", "td", "th", "blockquote", "li", "section", "figcaption", "h1", "h2", "h3", "body"}


class _Tags(HTMLParser):
    """Every tag with its attributes, and the open elements around each piece of text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, str]] = []
        self.texts: list[tuple[str, list[tuple[str, str]]]] = []
        self.style_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in ("img", "br", "meta", "hr", "input", "col", "wbr"):
            self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "style":
            self.style_text.append(data)
        self.texts.append((data, list(self.stack)))


@pytest.fixture(scope="module")
def hostile_analysis() -> Any:
    thread = api.load_thread(HOSTILE / "hostile.json")
    return api.analyse(thread, company=["AcmeCo"])


@pytest.fixture(scope="module")
def hostile_html(hostile_analysis: Any) -> str:
    out = api.render_outputs(hostile_analysis, api.Outputs(html=Path("r.html")))
    return out[Path("r.html")].decode("utf-8")


@pytest.fixture(scope="module")
def hostile_pdf(hostile_analysis: Any) -> tuple[bytes, list[Any], list[str], float]:
    """The PDF, the fetchers WeasyPrint was given, the network connections tried, seconds taken."""
    fetchers: list[Any] = []
    connections: list[str] = []
    original = render.safe_url_fetcher
    mp = pytest.MonkeyPatch()

    def spy(root: Path) -> Any:
        fetcher = original(root)
        fetchers.append(fetcher)
        return fetcher

    def no_network(self: socket.socket, address: Any) -> None:
        connections.append(str(address))
        raise OSError("network disabled in this test")

    mp.setattr(render, "safe_url_fetcher", spy)
    mp.setattr(socket.socket, "connect", no_network)
    try:
        start = time.monotonic()
        out = api.render_outputs(hostile_analysis, api.Outputs(pdf=Path("r.pdf")))
        elapsed = time.monotonic() - start
    finally:
        mp.undo()
    return out[Path("r.pdf")], fetchers, connections, elapsed


def test_hostile_fixture_loads_with_names_cleaned() -> None:
    from postmortem.ingest import load

    collection = load(HOSTILE / "hostile.json")
    posts = collection.threads[0].posts
    assert len(posts) == 15
    for post in posts:
        for name in (post.author, post.author_name or ""):
            assert not BIDI_CONTROLS & set(name), name
            assert all(ch >= " " and not "\x7f" <= ch <= "\x9f" for ch in name), repr(name)
            assert "\u200b" not in name and "\ufeff" not in name
        assert "\x1b" not in post.text and "\x00" not in post.text and "\x9b" not in post.text
    assert "2 repaired: control or text-direction characters removed from an author name" in collection.coverage.lines()
    by_id = {p.id: p for p in posts}
    assert by_id["5"].author == "eve"
    # Post text keeps its own characters (the template isolates them), including the ZWJ emoji.
    assert "\u202eevil reversed text\u202c" in by_id["5"].text
    assert "👨\u200d👩\u200d👧" in by_id["6"].text
    assert len(by_id["8"].text) == 50_000


def test_html_has_no_live_markup_from_posts(hostile_html: str) -> None:
    parser = _Tags()
    parser.feed(hostile_html)
    tags = {t for t, _ in parser.tags}
    assert not tags & DANGEROUS_TAGS, tags & DANGEROUS_TAGS
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            text = (value or "").lower()
            assert "attacker.example" not in text and "javascript:" not in text and "/etc/" not in text, (tag, name)
        if tag == "meta":
            assert "http-equiv" not in attrs, attrs
        if tag == "img":
            assert (attrs.get("src") or "").startswith("data:"), attrs
        if tag == "a":
            assert (attrs.get("href") or "#").startswith(("#", "data:")), attrs
    assert "attacker.example" not in "".join(parser.style_text)
    # The payloads are there, as text.
    visible = "".join(text for text, _ in parser.texts)
    assert "<script>alert('pwned')</script>" in visible
    assert '<img src="file:///etc/passwd">' in visible
    assert "url(http://attacker.example/u.png)" in visible
    assert "&lt;script&gt;" not in visible  # decoded once by the loader, escaped once by the template


def test_rtl_override_in_post_text_is_isolated(hostile_html: str) -> None:
    """Bidi controls stay only in post text, inside a block of its own (``.post-text`` is
    ``unicode-bidi: plaintext``; blockquotes and table cells end the bidi paragraph), so they
    cannot reorder the report text around them. Names lose them at load time."""
    parser = _Tags()
    parser.feed(hostile_html)
    carriers = [(text, stack) for text, stack in parser.texts if BIDI_CONTROLS & set(text)]
    assert carriers, "the RTL payload should reach the report as text"
    for text, stack in carriers:
        assert stack, text
        tag, cls = stack[-1]
        assert "post-text" in cls.split() or tag in BLOCKS, (tag, cls, text[:40])
        if "post-text" not in cls.split():
            # Outside .post-text the override must be the element's own trailing content.
            assert text.rstrip().endswith(("end", "\u2069", "\u202c")) or tag in ("td", "blockquote"), text[:60]
    assert "\u202eevil" not in "".join(t for t, s in parser.texts if any(c == "who" or "name" in c for _, c in s))


@pytest.mark.slow
def test_pdf_render_fetches_nothing_from_posts(hostile_pdf: tuple[bytes, list[Any], list[str], float]) -> None:
    pdf, fetchers, connections, _ = hostile_pdf
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert connections == []
    assert fetchers, "WeasyPrint must get the safe fetcher"
    template_uri = render.default_template_dir().resolve().as_uri()
    for fetcher in fetchers:
        assert fetcher.blocked == [], fetcher.blocked  # nothing from a post even reached the fetcher
        for url in fetcher.served:
            assert url.startswith("data:") or template_uri.startswith(url) or url.startswith(template_uri[:60]), url
        # charts drawn by the helper process are handed over from memory, only under their own ids
        assert all(re.fullmatch(r"postmortem-chart:[\w-]{16,}/(?:volume|sentiment|delays)", u) for u in fetcher.charts)


@pytest.mark.slow
def test_pdf_holds_the_payload_as_text(hostile_pdf: tuple[bytes, list[Any], list[str], float]) -> None:
    from pypdf import PdfReader

    pdf, _, _, elapsed = hostile_pdf
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    flat = "".join(text.split())
    assert "<script>alert('pwned')</script>" in flat
    assert 'src="file:///etc/passwd"' in flat
    assert "HYPERLINK" in flat
    # The 50,000-character line (quoted shortened by the report) wraps over short lines
    # instead of running off the page.
    runs = [len(run) for run in re.findall(r"A{20,}", text)]
    assert sum(runs) >= 300, runs
    assert max(runs) < 150, runs
    longest = max(len(line) for line in text.splitlines())
    assert longest < 400, longest
    assert elapsed < 120, f"rendering took {elapsed:.0f} s"


def test_csv_export_neutralises_formulas(hostile_analysis: Any) -> None:
    out = api.render_outputs(hostile_analysis, api.Outputs(csv=Path("p.csv")))[Path("p.csv")].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert rows
    for row in rows:
        for column in ("id", "parent_id", "author", "text"):
            assert not (row[column] or "").startswith(FORMULA_PREFIXES), (column, row[column][:40])
    texts = {row["id"]: row["text"] for row in rows}
    assert texts["9"].startswith("'=HYPERLINK(")
    assert texts["10"] == "'+1+1"
    assert texts["13"] == "'\t=1+1"
    authors = {row["id"]: row["author"] for row in rows}
    assert authors["10"] == "'+plus" and authors["11"] == "'-minus"


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_every_formula_prefix_is_neutralised(prefix: str) -> None:
    assert neutralise_cell(prefix + "1+1") == "'" + prefix + "1+1"
    rows = list(csv.reader(io.StringIO(csv_text(["a"], [[prefix + "cmd"]]), newline="")))
    assert rows[1] == ["'" + prefix + "cmd"]


def test_plain_cells_are_unchanged() -> None:
    assert neutralise_cell("hello = world") == "hello = world"
    assert neutralise_cell(None) == ""
    assert neutralise_cell(3) == "3"


def test_json_export_is_valid_and_keeps_text(hostile_analysis: Any) -> None:
    out = api.render_outputs(hostile_analysis, api.Outputs(json=Path("m.json")))[Path("m.json")]
    document = json.loads(out)
    assert isinstance(document, dict)


@pytest.mark.parametrize(
    "url",
    [
        "http://attacker.example/x.png",
        "https://attacker.example/x.css",
        "ftp://attacker.example/x",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "//attacker.example/x.png",
        "gopher://attacker.example/",
    ],
)
def test_fetcher_refuses_everything_but_data_and_templates(url: str) -> None:
    fetcher = render.safe_url_fetcher(render.default_template_dir())
    with pytest.raises(render.BlockedFetch):
        fetcher.fetch(url)
    assert fetcher.blocked == [url]
    assert fetcher.charts == [] and fetcher.served == []


@pytest.mark.parametrize(
    "url",
    ["postmortem-chart:", "postmortem-chart:guess/volume", "postmortem-chart:../../etc/passwd", "postmortem-chart://x/y"],
)
def test_fetcher_refuses_chart_urls_that_are_not_live(url: str) -> None:
    """A post cannot name a chart URL into the PDF (text is escaped), and a guessed or stale one is refused."""
    fetcher = render.safe_url_fetcher(render.default_template_dir())
    with pytest.raises(render.BlockedFetch):
        fetcher.fetch(url)
    assert fetcher.blocked == [url] and fetcher.charts == []


def test_fetcher_refuses_paths_escaping_the_template_folder(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    root.mkdir()
    (root / "ok.css").write_text("p {}", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (root / "link.css").symlink_to(secret)
    fetcher = render.safe_url_fetcher(root)
    for url in (root.as_uri() + "/../secret.txt", (root / "link.css").as_uri(), root.as_uri() + "/%2e%2e/secret.txt"):
        with pytest.raises(render.BlockedFetch):
            fetcher.fetch(url)
    assert len(fetcher.blocked) == 3
    fetcher.fetch((root / "ok.css").as_uri())
    assert fetcher.served


@pytest.mark.slow
def test_raw_markup_reaching_weasyprint_is_still_not_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: even unescaped post markup (a template bug) cannot fetch anything."""
    fetchers: list[Any] = []
    original = render.safe_url_fetcher
    connections: list[str] = []

    def spy(root: Path) -> Any:
        fetchers.append(original(root))
        return fetchers[-1]

    def no_network(self: socket.socket, address: Any) -> None:
        connections.append(str(address))
        raise OSError("network disabled in this test")

    monkeypatch.setattr(render, "safe_url_fetcher", spy)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    raw = (HOSTILE / "hostile.json").read_text(encoding="utf-8")
    posts = json.loads(raw)["posts"]
    body = "".join(f"<div>{p['text']}</div>" for p in posts if p["id"] != "8")
    html = f"<html><head><link rel='stylesheet' href='http://attacker.example/a.css'></head><body>{body}</body></html>"
    pdf = render.write_pdf_bytes(html)
    assert pdf.startswith(b"%PDF")
    assert connections == []
    blocked = [u for f in fetchers for u in f.blocked]
    assert any("attacker.example" in u for u in blocked)
    assert any(u.startswith("file:///etc/") for u in blocked)
    served = [u for f in fetchers for u in f.served]
    assert not any("attacker" in u or "/etc/" in u for u in served)
