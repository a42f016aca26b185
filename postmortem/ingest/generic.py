"""The generic format: CSV, JSON or JSON Lines with a documented schema (docs/formats.md).

Required fields: ``id, parent_id, author, created_at, text``. Optional: ``author_name,
likes, shares, url, platform, kind, is_company``. ``--map field=Column`` reads a field
from a differently named column (spreadsheets exported by social tools).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from postmortem.errors import InputError, UsageError
from postmortem.ingest.common import (
    FormatSpec,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    as_id,
    as_int,
    clean_text,
    head_text,
    one_line,
    slash_date_order,
)
from postmortem.model import POST_KINDS, Collection, Post

REQUIRED = ("id", "parent_id", "author", "created_at", "text")
OPTIONAL = ("author_name", "likes", "shares", "url", "platform", "kind", "is_company")
FIELDS = REQUIRED + OPTIONAL

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _head(raw: RawInput, size: int = 65536) -> str:
    return head_text(raw.data, size)  # UTF-16 with a BOM too


def sniff_json(raw: RawInput) -> bool:
    """A JSON array of posts, an object with ``posts``, or JSON Lines, holding our fields."""
    head = _head(raw)
    if not head.startswith(("[", "{")):
        return False
    window = head[:8192]
    return all(f'"{name}"' in window for name in ("id", "author", "created_at", "text"))


def sniff_csv(raw: RawInput) -> bool:
    """A CSV whose header row names our required columns (or any CSV, as the last resort)."""
    head = _head(raw)
    if not head or head.startswith(("[", "{", "<", "window.")):
        return False
    first = head.splitlines()[0] if head else ""
    return "," in first or ";" in first or "\t" in first


def _shown_columns(columns: list[str]) -> str:
    """Column names for a one-line message: controls and line breaks escaped, long names cut."""
    return ", ".join(one_line(c, 40) for c in columns[:20])


def _field_map(columns: list[str], mapping: Mapping[str, str], path: str) -> dict[str, str]:
    """Our field -> the file's column, checking --map and the required columns."""
    for ours, theirs in mapping.items():
        if ours not in FIELDS:
            raise UsageError(f"--map {ours}={theirs}: unknown field {ours!r}; fields are: {', '.join(FIELDS)}")
        if theirs not in columns:
            raise InputError(
                path,
                f"--map {ours}={theirs}: no column {theirs!r}; columns are: {_shown_columns(columns)}",
            )
    lowered = {c.strip().lower(): c for c in columns}
    result: dict[str, str] = {}
    for name in FIELDS:
        if name in mapping:
            result[name] = mapping[name]
        elif name in lowered:
            result[name] = lowered[name]
    missing = [name for name in REQUIRED if name not in result]
    if missing:
        raise InputError(
            path,
            f"missing required column(s) {', '.join(missing)}; columns are: {_shown_columns(columns)} "
            "(map them with --map FIELD=COLUMN)",
        )
    return result


def _as_bool(value: object, builder: ThreadBuilder, record: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return None if text == "" else False
    raise InputError(
        builder.raw.path, f"expected true or false, got {str(value)[:20]!r}", record=record, field="is_company"
    )


def _post_from(
    row: Mapping[str, Any], fields: dict[str, str], builder: ThreadBuilder, record: str, platform: str
) -> Post | None:
    def get(name: str) -> Any:
        column = fields.get(name)
        return row.get(column) if column is not None else None

    post_id = as_id(get("id"))
    if post_id is None:
        builder.skip("record without an id")
        return None
    author = clean_text(get("author")).strip().lstrip("@")
    if not author:
        builder.skip("record without an author")
        return None
    created_at = builder.timestamp(get("created_at"), record, fields["created_at"])
    parent_id = as_id(get("parent_id"))
    if parent_id == post_id:
        builder.repair("post listed as its own parent: made a root")
        parent_id = None
    kind = str(get("kind") or "").strip().lower() or ("post" if parent_id is None else "reply")
    if kind not in POST_KINDS:
        raise InputError(
            builder.raw.path, f"unknown kind {kind!r} (use one of {', '.join(POST_KINDS)})", record=record, field="kind"
        )
    author_name = clean_text(get("author_name")).strip() or None
    url = str(get("url") or "").strip() or None
    return Post(
        id=post_id,
        parent_id=parent_id,
        author=author,
        author_name=author_name,
        created_at=created_at,
        text=clean_text(get("text")),
        platform=str(get("platform") or platform).strip().lower() or platform,
        kind=kind,
        likes=as_int(get("likes")),
        shares=as_int(get("shares")),
        url=url,
        is_company=_as_bool(get("is_company"), builder, record),
    )


def _iter_json_records(raw: RawInput) -> tuple[Iterator[tuple[str, Any]], dict[str, Any]]:
    """Records with their labels, plus the top-level metadata (title, company, platform)."""
    text = raw.text().lstrip("\ufeff")
    stripped = text.strip()
    meta: dict[str, Any] = {}
    if stripped.startswith("{") and "\n{" in stripped and not stripped.rstrip().endswith("]}"):
        # JSON Lines: one object per line.
        def lines() -> Iterator[tuple[str, Any]]:
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    yield f"line {number}", json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(raw.path, f"invalid JSON ({exc.msg})", record=f"line {number}") from exc
                except (ValueError, RecursionError) as exc:
                    raise InputError(raw.path, _json_problem(exc), record=f"line {number}") from exc

        first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
        try:
            first = json.loads(first_line)
        except (ValueError, RecursionError):
            first = None
        if isinstance(first, dict) and "posts" not in first:
            return lines(), meta
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(raw.path, f"invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from exc
    except (ValueError, RecursionError) as exc:
        raise InputError(raw.path, _json_problem(exc)) from exc
    if isinstance(document, dict):
        posts = document.get("posts")
        if not isinstance(posts, list):
            raise InputError(raw.path, "expected a list of posts or an object with a 'posts' list", field="posts")
        meta = {k: v for k, v in document.items() if k != "posts"}
    elif isinstance(document, list):
        posts = document
    else:
        raise InputError(raw.path, "expected a list of posts or an object with a 'posts' list")
    return ((f"record {i}", item) for i, item in enumerate(posts, start=1)), meta


def _json_problem(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply"
    return f"unreadable JSON ({exc})"


def parse_json(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse generic JSON or JSON Lines."""
    builder = ThreadBuilder(raw, "generic-json", options)
    record_iter, meta = _iter_json_records(raw)
    platform = str(meta.get("platform") or "generic").lower()
    fields: dict[str, str] | None = None
    records = list(record_iter)
    if records and isinstance(records[0][1], dict):
        column = options.mapping.get("created_at", "created_at")
        settle_date_order((r.get(column) for _, r in records if isinstance(r, dict)), builder)
    for label, item in records:
        builder.record()
        if not isinstance(item, dict):
            raise InputError(raw.path, f"expected an object, got {type(item).__name__}", record=label)
        if fields is None:
            keys = list(item.keys())
            fields = _field_map(keys, options.mapping, raw.path)
        else:
            missing = [f for f in REQUIRED if fields[f] not in item]
            if missing:
                raise InputError(raw.path, "missing required field", record=label, field=fields[missing[0]])
        post = _post_from(item, fields, builder, label, platform)
        if post is not None:
            builder.add(post)
    company = meta.get("company") or ()
    if isinstance(company, str):
        company = (company,)
    if not isinstance(company, (list, tuple)):
        raise InputError(raw.path, "expected a handle or a list of handles", field="company")
    hint = tuple(str(c) for c in company if isinstance(c, (str, int)) and not isinstance(c, bool)) or _flagged(builder)
    title = meta.get("title")
    return builder.build(company_hint=hint, title=str(title) if title else None)


def settle_date_order(values: Iterable[object], builder: ThreadBuilder) -> None:
    """Decide how to read slash dates (``03/10/2026``) from the file's own dates.

    With ``date_order`` ``auto``: if some date only fits day-first (``25/10/2026``) all are
    read day-first; if some only fits month-first (``10/25/2026``), month-first; if the file
    holds both, that is an error; if none decides, an ambiguous date raises an error asking
    for ``--date-order``. Dates with dots (``03.10.2026``) are always day-first.
    """
    if builder.dayfirst is not None:
        return
    votes = {slash_date_order(v) for v in values if isinstance(v, str)} - {None}
    if len(votes) > 1:
        raise InputError(
            builder.raw.path,
            "dates are written both day-first and month-first; fix the column or pass --date-order",
            field="created_at",
        )
    if votes:
        builder.dayfirst = votes.pop()
        order = "day/month/year" if builder.dayfirst else "month/day/year"
        builder.note(f"slash dates read as {order}: some dates in the file fit only that order")


def _flagged(builder: ThreadBuilder) -> tuple[str, ...]:
    from postmortem.ingest.common import company_flags

    return company_flags(builder.posts)


def parse_csv(raw: RawInput, options: LoadOptions) -> Collection:
    """Parse a generic CSV (comma, semicolon or tab separated, with a header row)."""
    builder = ThreadBuilder(raw, "generic-csv", options)
    text = raw.text().lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = [c or "" for c in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise InputError(raw.path, f"unreadable CSV header ({exc})", record="line 1") from exc
    if not columns:
        raise InputError(raw.path, "empty file: no header row")
    fields = _field_map(columns, options.mapping, raw.path)
    rows: list[tuple[str, dict[str | None, Any]]] = []
    try:
        for row in reader:
            rows.append((f"line {reader.line_num}", row))
    except csv.Error as exc:
        raise InputError(raw.path, f"malformed CSV ({exc})", record=f"line {reader.line_num}") from exc
    settle_date_order((row.get(fields["created_at"]) for _, row in rows), builder)
    for label, row in rows:
        builder.record()
        if None in row:
            extra = row[None] or []
            raise InputError(raw.path, f"{len(columns) + len(extra)} values for {len(columns)} columns", record=label)
        post = _post_from({str(k): v for k, v in row.items()}, fields, builder, label, "generic")
        if post is not None:
            builder.add(post)
    return builder.build(company_hint=_flagged(builder))


FORMATS = [
    FormatSpec(
        name="generic-json",
        description="Generic JSON / JSON Lines: posts with id, parent_id, author, created_at, text",
        identifies='a JSON list (or {"posts": [...]}) of objects with id, author, created_at, text',
        sniff=sniff_json,
        parse=parse_json,
    ),
    FormatSpec(
        name="generic-csv",
        description="Generic CSV: one row per post with id, parent_id, author, created_at, text",
        identifies="a CSV header row; columns named as in docs/formats.md or mapped with --map",
        sniff=sniff_csv,
        parse=parse_csv,
    ),
]
