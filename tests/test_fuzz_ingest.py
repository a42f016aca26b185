"""Property-based fuzzing of every loader: random and mutated real inputs give a thread or
one clean :class:`~postmortem.errors.PostmortemError`, never a traceback.

Each loader's ``parse`` is called directly, so the safety net in ``parse_raw`` (which turns a
stray ``TypeError`` into a vague one-line error) cannot hide a crash; ``parse_raw`` with
auto-detection runs on the same bytes to fuzz the sniffers.

Seeds are the fixtures in ``tests/data``, the examples, and (when present) the real exports
in ``../shared/data``, cut to a few dozen records so one case stays in milliseconds.
Mutations are byte-level (cut, insert, overwrite, re-encode) and structure-aware (a JSON
subtree or a CSV cell replaced by a hostile value).

The default run is quick (a few cases per loader); the ``fuzz`` run
(``pytest -m fuzz tests/test_fuzz_ingest.py --hypothesis-show-statistics``) makes
:data:`FUZZ_EXAMPLES` cases per loader.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem.errors import PostmortemError
from postmortem.ingest import formats, parse_raw
from postmortem.ingest.common import LoadOptions, RawInput
from postmortem.model import Collection

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "data"
EXAMPLES = HERE.parent / "examples"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"

QUICK_EXAMPLES = 10
FUZZ_EXAMPLES = 10_000
SPECS = {spec.name: spec for spec in formats()}

GENERIC_JSON_SEEDS = {
    "generic.json": json.dumps(
        {
            "title": "Sofa",
            "platform": "facebook",
            "company": ["AcmeCo"],
            "posts": [
                {"id": "1", "parent_id": None, "author": "alice", "created_at": "2024-03-01T09:00:00Z",
                 "text": "@AcmeCo six weeks, no sofa", "likes": 3, "is_company": False},
                {"id": "2", "parent_id": "1", "author": "AcmeCo", "created_at": 1709283600000,
                 "text": "Sorry! DM us", "kind": "reply", "is_company": True},
                {"id": "3", "parent_id": "2", "author": "bob", "created_at": "03/10/2024 14:05",
                 "text": "same here", "shares": "1,200"},
            ],
        },
        indent=1,
    ).encode(),
    "generic.jsonl": (
        b'{"id": "1", "parent_id": "", "author": "alice", "created_at": "2024-03-01T09:00:00+01:00", "text": "x"}\n'
        b'{"id": "2", "parent_id": "1", "author": "AcmeCo", "created_at": "1709283600", "text": "y", '
        b'"is_company": "yes"}\n'
    ),
}

# Loader -> seed files (relative to tests/data, examples/ or ../shared/data). Folders are formats
# read from folders (one member file is mutated).
SEEDS: dict[str, list[tuple[str, str]]] = {
    "pheme": [("fixtures", "pheme"), ("shared", "pheme_germanwings/580319078155468800")],
    "x-archive": [("fixtures", "x_archive/tweets.js"), ("fixtures", "x_archive/archive"),
                  ("shared", "x_archive/tweets.js")],
    "reddit": [("fixtures", "reddit/comments.json"), ("shared", "reddit/49l01s/raw.json"),
               ("shared", "reddit/6a4cji/raw.json")],
    "mastodon-context": [("fixtures", "mastodon/context.json")],
    "mastodon-outbox": [("fixtures", "mastodon/outbox.json"), ("shared", "mastodon_archive/outbox.json")],
    "facebook-dyi": [("fixtures", "facebook/your_posts_1.json"), ("fixtures", "facebook/comments.json"),
                     ("shared", "facebook_dyi/your_posts_1.json"), ("examples", "bodybugg/bodybugg_facebook.json")],
    "facebook-graph": [("fixtures", "facebook/graph_feed.json"),
                       ("examples", "bodybugg/bodybugg_facebook_graph.json")],
    "x-api-v2": [("fixtures", "x_api/search_page.json"), ("examples", "restaurant/restaurant_x_api.json")],
    "twarc2-jsonl": [("fixtures", "x_api/flat.jsonl"), ("shared", "twarc2/flat.jsonl"),
                     ("examples", "airline/airline_twarc2.jsonl")],
    "twcs-csv": [("fixtures", "twcs/support.csv"), ("fixtures", "twcs/mangled.csv"), ("shared", "twcs/twcs_dev.csv")],
    "generic-json": [("inline", "generic.json"), ("inline", "generic.jsonl")],
    "generic-csv": [("fixtures", "generic/small.csv"), ("fixtures", "generic/spreadsheet.csv"),
                    ("examples", "airline/airline_generic.csv"), ("fixtures", "hostile/hostile.csv")],
}
MAX_RECORDS = 40
"""Real exports are cut to this many records (lines, list items) so a case stays fast."""


# --- seeds ---------------------------------------------------------------------------------


def _shrink_json(value: Any) -> Any:
    """The same document with every long list cut to MAX_RECORDS items."""
    if isinstance(value, list):
        return [_shrink_json(v) for v in value[:MAX_RECORDS]]
    if isinstance(value, dict):
        return {k: _shrink_json(v) for k, v in value.items()}
    return value


def _shrink(name: str, data: bytes) -> bytes:
    if len(data) < 64 * 1024:
        return data
    text = data.decode("utf-8-sig")
    if name.endswith((".csv", ".jsonl")):
        return "\n".join(text.splitlines()[: MAX_RECORDS + 1]).encode()
    match = re.match(r"\s*window\.YTD\.\w+\.part\d+\s*=\s*", text)
    if match:
        body = json.loads(text[match.end() :].rstrip().removesuffix(";"))
        return (match.group(0) + json.dumps(_shrink_json(body), indent=2)).encode()
    return json.dumps(_shrink_json(json.loads(text)), indent=1).encode()


@functools.cache
def seeds(fmt: str) -> tuple[tuple[str, bytes, tuple[tuple[str, bytes], ...]], ...]:
    """(label, file bytes or b"", folder members) for each available seed of a loader."""
    roots = {"fixtures": FIXTURES, "examples": EXAMPLES, "shared": SHARED}
    found = []
    for where, relative in SEEDS[fmt]:
        if where == "inline":
            found.append((relative, GENERIC_JSON_SEEDS[relative], ()))
            continue
        path = roots[where] / relative
        if not path.exists():
            continue  # ../shared/data is absent in a user's clone
        if path.is_dir():
            members = tuple(
                (p.relative_to(path).as_posix(), _shrink(p.name, p.read_bytes()))
                for p in sorted(path.rglob("*"))
                if p.is_file() and not p.name.startswith(".")
            )
            found.append((f"{where}/{relative}", b"", members))
        else:
            found.append((f"{where}/{relative}", _shrink(path.name, path.read_bytes()), ()))
    return tuple(found)


# --- mutations -----------------------------------------------------------------------------

TOKENS = [b'"', b"{", b"}", b"[", b"]", b",", b":", b"null", b"\n", b"\r\n", b"0", b"-1", b"1e400", b'""',
          b"true", b"[]", b"{}", b"\xff", b"\x00", b'"x"', b"\xef\xbb\xbf", b";", b"\t", b"=cmd|' /C calc'!A0",
          b"9" * 5000, b"NaN", b"Infinity", b"-0.0", b"\\u0000", b"\\ud800"]

HOSTILE_VALUES: list[Any] = [
    None, True, False, 0, -1, 2**64, 10**400, 1.5, 1e308, -1e308, "", " ", "null", "NaN", "inf", "1e400",
    "0", "-1", "9" * 30, "2024-02-30T25:61:00Z", "1709283600", "1709283600000", "1709283600000000",
    "17092836000000000000", "Wed Oct 10 20:19:24 +0000 2018", "31/12/2024", "12/31/2024", "03/10/2024",
    "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "\u202eevil", "\x00\x01\x1b[31m", "a" * 3000,
    "https://[bad", "t1_", "t3_", "[deleted]", [], {}, [None], {"id": None}, [[[[[]]]]], {"data": []},
    {"text": 5}, ["a", 1, None],
]


@functools.cache
def json_values(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Random JSON whose object keys are mostly the seed's own keys (so parsers go deep)."""
    leaves = st.one_of(
        st.sampled_from(HOSTILE_VALUES[:41]),
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
    )
    key = st.sampled_from(keys) if keys else st.text(max_size=8)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key | st.text(max_size=6), inner, max_size=5),
        max_leaves=12,
    )


def _keys(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            _keys(v, out)
    elif isinstance(value, list):
        for v in value:
            _keys(v, out)
    return out


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(_paths(v, (*prefix, i)))
    return found


def _replace_at(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        copy[head] = _replace_at(value[head], rest, new)
        return copy
    copy_list = list(value)
    copy_list[head] = _replace_at(value[head], rest, new)
    return copy_list


def _split_js(text: str) -> tuple[str, str]:
    match = re.match(r"\s*window\.YTD\.\w+\.part\d+\s*=\s*", text)
    return (match.group(0), text[match.end() :]) if match else ("", text)


def mutate_structure(data: bytes, name: str, draw: st.DataObject) -> bytes:
    """Replace one JSON subtree (or CSV cell, or JSON line) by a hostile or random value."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data
    if name.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows:
            return data
        r = draw.draw(st.integers(0, len(rows) - 1), label="row")
        row = list(rows[r])
        if row:
            c = draw.draw(st.integers(0, len(row) - 1), label="cell")
            row[c] = str(draw.draw(st.sampled_from(HOSTILE_VALUES[:41]) | st.text(max_size=20), label="value"))
        if draw.draw(st.booleans(), label="drop a cell"):
            row = row[:-1]
        rows[r] = row
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode()
    lines = text.splitlines()
    if name.endswith(".jsonl") and lines:
        i = draw.draw(st.integers(0, len(lines) - 1), label="line")
        try:
            doc = json.loads(lines[i])
        except ValueError:
            return data
        lines[i] = json.dumps(_mutate_json(doc, draw))
        return "\n".join(lines).encode()
    prefix, body = _split_js(text)
    try:
        doc = json.loads(body.rstrip().removesuffix(";"))
    except ValueError:
        return data
    return (prefix + json.dumps(_mutate_json(doc, draw), indent=1)).encode()


def _mutate_json(doc: Any, draw: st.DataObject) -> Any:
    keys = sorted(_keys(doc, set()))[:200]
    for _ in range(draw.draw(st.integers(1, 3), label="edits")):
        paths = _paths(doc)
        path = draw.draw(st.sampled_from(paths), label="path")
        doc = _replace_at(doc, path, draw.draw(json_values(tuple(keys)), label="new value"))
    return doc


def mutate_bytes(data: bytes, draw: st.DataObject) -> bytes:
    """Cut, insert, overwrite or re-encode bytes."""
    for _ in range(draw.draw(st.integers(1, 3), label="byte edits")):
        size = len(data)
        start = draw.draw(st.integers(0, size), label="start")
        end = draw.draw(st.integers(start, min(size, start + 64)), label="end")
        op = draw.draw(st.sampled_from(["cut", "insert", "overwrite", "delete", "duplicate", "encode"]), label="op")
        if op == "cut":
            data = data[:start]
        elif op == "insert":
            token = draw.draw(st.sampled_from(TOKENS) | st.binary(max_size=8), label="token")
            data = data[:start] + token + data[start:]
        elif op == "overwrite":
            data = data[:start] + draw.draw(st.binary(min_size=1, max_size=8), label="bytes") + data[end:]
        elif op == "delete":
            data = data[:start] + data[end:]
        elif op == "duplicate":
            data = data[:end] + data[start:end] + data[end:]
        else:
            text = data.decode("utf-8", errors="replace")
            codec = draw.draw(st.sampled_from(["utf-16", "utf-16-be", "latin-1", "utf-8-sig"]), label="codec")
            data = text.encode(codec, errors="replace")
    return data


@st.composite
def inputs(draw: Any, fmt: str) -> RawInput:
    """One mutated seed of ``fmt`` (or plain random bytes)."""
    data_obj = draw(st.data())
    choices = seeds(fmt)
    if not choices:
        pytest.skip(f"no seed for {fmt}")
    label, data, members = draw(st.sampled_from(choices))
    kind = draw(st.sampled_from(["structure", "bytes", "both", "random"]))
    if members:
        names = [n for n, _ in members]
        target = draw(st.sampled_from(names))
        files = dict(members)
        files[target] = _mutate(files[target], target, kind, data_obj)
        if draw(st.booleans()):
            files.pop(draw(st.sampled_from(names)), None)
        return RawInput(path=f"fuzz/{label}", members=files or {"x": b""})
    return RawInput(path=f"fuzz/{label}", data=_mutate(data, label, kind, data_obj))


def _mutate(data: bytes, name: str, kind: str, data_obj: st.DataObject) -> bytes:
    if kind == "random":
        return data_obj.draw(st.binary(max_size=200), label="random bytes")
    if kind in ("structure", "both"):
        data = mutate_structure(data, name, data_obj)
    if kind in ("bytes", "both"):
        data = mutate_bytes(data, data_obj)
    return data


OPTIONS = st.builds(
    LoadOptions,
    tz=st.sampled_from(["UTC", "Europe/London", "America/New_York", "+05:30", "Pacific/Kiritimati"]),
    date_order=st.sampled_from(["auto", "dmy", "mdy"]),
)


# --- the property --------------------------------------------------------------------------


def check_loader(fmt: str, raw: RawInput, options: LoadOptions) -> None:
    """The property: a collection that keeps its invariants, or one clean PostmortemError."""
    try:
        collection = SPECS[fmt].parse(raw, options)
    except PostmortemError as exc:
        assert "\n" not in str(exc), f"multi-line error: {exc!r}"
    else:
        check_collection(collection)
    try:
        detected = parse_raw(raw, tz=options.tz, date_order=options.date_order)
    except PostmortemError as exc:
        assert "\n" not in str(exc)
    else:
        check_collection(detected)


def check_collection(collection: Collection) -> None:
    """What every loader promises about its output."""
    assert collection.threads
    total = 0
    for thread in collection.threads:
        assert thread.posts
        ids = [p.id for p in thread.posts]
        assert len(ids) == len(set(ids)), "duplicate ids in one thread"
        by_id = {p.id: p for p in thread.posts}
        for post in thread.posts:
            assert post.created_at.utcoffset() is not None and post.created_at.utcoffset().total_seconds() == 0
            assert post.parent_id != post.id, "self-reply left in the thread"
            assert isinstance(post.text, str) and isinstance(post.author, str)
            for value in (post.id, post.parent_id, post.text, post.author, post.author_name, post.url):
                if value is not None:
                    value.encode("utf-8")  # every output is UTF-8: no lone surrogates
        # No reply cycles: every chain of parents inside the thread ends.
        for post in thread.posts:
            seen = set()
            node = post
            while node.parent_id in by_id:
                assert node.id not in seen, f"reply cycle through {node.id}"
                seen.add(node.id)
                node = by_id[node.parent_id]
        total += len(thread.posts)
    assert collection.coverage.posts_loaded == total
    assert all(line and "\n" not in line for line in collection.coverage.lines())


FORMATS = list(SEEDS)


def test_every_loader_is_fuzzed() -> None:
    assert sorted(FORMATS) == sorted(SPECS)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=QUICK_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_loader_quick_fuzz(fmt: str, data: st.DataObject) -> None:
    check_loader(fmt, data.draw(inputs(fmt)), data.draw(OPTIONS))


@pytest.mark.fuzz
@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_loader_long_fuzz(fmt: str, data: st.DataObject) -> None:
    check_loader(fmt, data.draw(inputs(fmt)), data.draw(OPTIONS))
