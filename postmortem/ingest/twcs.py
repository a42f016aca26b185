"""The Kaggle "Customer Support on Twitter" CSV (twcs): many conversations, many companies.

Columns ``tweet_id, author_id, inbound, created_at, text, response_tweet_id,
in_response_to_tweet_id`` (plus, in pandas-written copies, an unnamed index column).
``inbound`` is True for customers; non-inbound authors are companies. Conversations are
the connected components of the reply graph, each named by its root tweet's id.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace

from postmortem.errors import InputError
from postmortem.ingest.common import (
    FormatSpec,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    as_id,
    clean_text,
    company_flags,
    head_text,
)
from postmortem.model import Collection, Post, Thread
from postmortem.perf import gc_paused

NAME = "twcs-csv"
REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f"}
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{2,3})+(?:\.0+)?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+?\d+$")


def sniff(raw: RawInput) -> bool:
    """The header row names tweet_id, author_id and inbound."""
    first = head_text(raw.data, 4096).split("\n", 1)[0].lower()
    return all(name in first for name in ("tweet_id", "author_id", "inbound", "in_response_to_tweet_id"))


GROUPING_REPAIR = "ids with spreadsheet digit grouping (1,55,157) read as numbers"


def _tweet_id(value: str | None) -> tuple[str | None, bool]:
    """(id as text, True if digit grouping was removed); ``3.0`` loses its ``.0``.

    An id in scientific notation lost digits in a spreadsheet: returned as ``"?"``.
    """
    text = (value or "").strip()
    grouped = bool(_GROUPED.match(text))
    if grouped:
        text = text.replace(",", "")
    if _SCIENTIFIC.match(text):
        return "?", grouped
    return as_id(text), grouped


def _inbound(value: str | None, builder: ThreadBuilder, label: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(
        builder.raw.path, f"expected True or False, got {(value or '')[:20]!r}", record=label, field="inbound"
    )


def _rows(raw: RawInput) -> Iterator[tuple[str, dict[str, str | None]]]:
    text = raw.text().lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            raw.path, f"missing column(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}", record="line 1"
        )
    start = 2
    try:
        for row in reader:
            label = f"line {start}"
            start = reader.line_num + 1
            if None in row:
                raise InputError(
                    raw.path, f"{len(columns) + len(row[None] or [])} values for {len(columns)} columns", record=label
                )
            yield label, row
    except csv.Error as exc:
        raise InputError(raw.path, f"malformed CSV ({exc})", record=f"line {reader.line_num}") from exc


def _post(row: dict[str, str | None], label: str, builder: ThreadBuilder) -> Post | None:
    post_id, grouped = _tweet_id(row.get("tweet_id"))
    if post_id is None or post_id == "?":
        builder.skip("tweet id missing or in scientific notation (digits lost by a spreadsheet)")
        return None
    author = (row.get("author_id") or "").strip().lstrip("@")
    if not author:
        raise InputError(builder.raw.path, "missing required field", record=label, field="author_id")
    inbound = _inbound(row.get("inbound"), builder, label)
    created_at = builder.timestamp(row.get("created_at"), label, "created_at")
    parent, parent_grouped = _tweet_id(row.get("in_response_to_tweet_id"))
    if grouped or parent_grouped:
        builder.repair(GROUPING_REPAIR)
    if parent == "?":
        builder.repair("parent id in scientific notation dropped (digits lost by a spreadsheet)")
        parent = None
    return Post(
        id=post_id,
        parent_id=parent if parent != post_id else None,
        author=author,
        created_at=created_at,
        text=clean_text(row.get("text")),
        platform="twitter",
        kind="post" if parent is None else "reply",
        is_company=not inbound,
    )


def _children_links(rows: list[tuple[str, dict[str, str | None]]]) -> dict[str, str]:
    """child id -> parent id, from each row's ``response_tweet_id`` list."""
    links: dict[str, str] = {}
    for _label, row in rows:
        parent = as_id((row.get("tweet_id") or "").replace(",", ""))
        for child in (row.get("response_tweet_id") or "").split(","):
            child_id = as_id(child)
            if parent and child_id:
                links.setdefault(child_id, parent)
    return links


def conversation_roots(posts: list[Post]) -> dict[str, str]:
    """Post id -> id of the root of its reply chain (cycles cut at the first post met)."""
    parent_of = {p.id: p.parent_id for p in posts}
    root: dict[str, str] = {}
    for start in parent_of:
        chain: list[str] = []
        seen: set[str] = set()
        node: str | None = start
        while node is not None and node in parent_of and node not in root and node not in seen:
            seen.add(node)
            chain.append(node)
            node = parent_of[node]
        top = root[node] if node is not None and node in root else chain[-1]
        for member in chain:
            root[member] = top
    return root


def parse(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse a twcs CSV into one thread per conversation, each naming its company accounts."""
    with gc_paused():
        return _parse(raw, options)


def _parse(raw: RawInput, options: LoadOptions) -> Collection:
    builder = ThreadBuilder(raw, NAME, options)
    rows = list(_rows(raw))
    links = _children_links(rows)
    for label, row in rows:
        builder.record()
        post = _post(row, label, builder)
        if post is None:
            continue
        if post.parent_id is None and post.id in links:
            builder.repair("parent taken from the parent's response_tweet_id")
            post = replace(post, parent_id=links[post.id], kind="reply")
        builder.add(post)
    roots = conversation_roots(builder.posts)
    builder.update(lambda p: replace(p, conversation_id=roots[p.id]))
    collection = builder.build(split_by=lambda p: p.conversation_id)
    threads = tuple(_with_companies(t) for t in collection.threads)
    return replace(collection, threads=threads)


def _with_companies(thread: Thread) -> Thread:
    return replace(thread, company_hint=company_flags(list(thread.posts)))


FORMATS = [
    FormatSpec(
        name=NAME,
        description="Customer Support on Twitter CSV (Kaggle twcs): many conversations and companies",
        identifies="a CSV header with tweet_id, author_id, inbound, ..., in_response_to_tweet_id",
        sniff=sniff,
        parse=parse,
    )
]
