"""The generic format: CSV, JSON or JSON Lines with a documented schema (docs/formats.md).

Required fields: ``id, parent_id, author, created_at, text``. Optional: ``author_name,
likes, shares, url, platform, kind, is_company``. ``--map field=Column`` reads a field
from a differently named column (spreadsheets exported by social tools).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from operator import eq, is_not, itemgetter
from typing import Any, cast

from postmortem.errors import InputError, UsageError
from postmortem.ingest.common import (
    _EPOCH_LIKE,
    _ISO_ZONED,
    _NAME_JUNK,
    NAME_REPAIR,
    FormatSpec,
    LoadOptions,
    RawInput,
    ThreadBuilder,
    as_id,
    as_ids,
    as_int,
    clean_name,
    clean_text,
    clean_texts,
    epoch_unit,
    head_text,
    is_utf8,
    one_line,
    parse_timestamp,
    slash_date_order,
)
from postmortem.model import POST_KINDS, Collection, Post
from postmortem.perf import gc_paused, map_distinct

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
    flag = _bool_or_bad(str(value))
    if flag is _BAD:
        raise InputError(
            builder.raw.path, f"expected true or false, got {str(value)[:20]!r}", record=record, field="is_company"
        )
    return cast(bool | None, flag)


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
    with gc_paused():
        return _parse_json(raw, options)


def _parse_json(raw: RawInput, options: LoadOptions) -> Collection:
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
    """Parse a generic CSV (comma, semicolon or tab separated, with a header row).

    Columns are read whole and each converted in one pass (see :func:`_parse_table`); the
    result, the coverage and every error are those of reading row by row
    (:func:`_parse_rows`).
    """
    with gc_paused():
        return _parse_csv(raw, options)


def _parse_csv(raw: RawInput, options: LoadOptions) -> Collection:
    data = raw.data
    if data.startswith(b"\xef\xbb\xbf"):
        return _parse_table(raw, options, _Text(data, "utf-8", "replace", skip=3))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _parse_table(raw, options, _Text(text=raw.text().lstrip("\ufeff")))
    # UTF-8, else (if any byte is not) Windows-1252, as decode_bytes reads it; decoded as read.
    try:
        return _parse_table(raw, options, _Text(data, "utf-8", "strict"), utf8_valid=True)
    except UnicodeDecodeError:
        pass
    except Exception:
        if is_utf8(data):
            raise
    return _parse_table(raw, options, _Text(data, "cp1252", "replace"), utf8_valid=False)


class _Text:
    """The text of a CSV export, decoded as :meth:`RawInput.text` does, read line by line
    (``newline=""``) without holding the whole decoded text, with leading BOMs removed."""

    CHUNK = 1 << 16

    def __init__(
        self,
        data: bytes = b"",
        encoding: str = "utf-8",
        errors: str = "strict",
        *,
        skip: int = 0,
        text: str | None = None,
    ) -> None:
        self.data, self.encoding, self.errors, self.skip, self.text = data, encoding, errors, skip, text

    def _stream(self) -> io.TextIOWrapper:
        buffer = io.BytesIO(self.data)
        buffer.seek(self.skip)
        stream = io.TextIOWrapper(buffer, encoding=self.encoding, errors=self.errors, newline="")
        stream._CHUNK_SIZE = self.CHUNK  # type: ignore[attr-defined]
        return stream

    def lines(self) -> Iterator[str]:
        """The lines the row-by-row reader's ``io.StringIO(text, newline="")`` gives."""
        if self.text is not None:
            return io.StringIO(self.text, newline="")
        stream = self._stream()
        head = stream.readline().lstrip("\ufeff")
        return itertools.chain((head,) if head else (), stream)

    def first_line(self) -> str:
        """The text up to the first line feed (what the delimiter is guessed from)."""
        if self.text is not None:
            return self.text.split("\n", 1)[0]
        parts = []
        for line in self._stream():
            parts.append(line)
            if "\n" in line:
                break
        return "".join(parts).lstrip("\ufeff").split("\n", 1)[0]


_BLOCK = 1 << 16
"""Rows read (and turned into columns) at a time."""
_BAD = object()
"""An is_company value the row-by-row loader raises an error for."""


Column = list[str | None]
"""One column of a CSV: a value per record (None where a short row has none)."""


def _read_columns(
    reader: Iterator[list[str]],
    width: int,
    wanted: dict[str, int],
    texts_read: Callable[[list[str]], None] | None = None,
) -> tuple[dict[str, Column], list[int], int]:
    """The wanted columns of every row (``None`` where a short row has no value, as in
    ``csv.DictReader``; blank rows skipped), the indexes of rows with too many values, and
    the number of rows. The ``text`` column comes cleaned (:func:`clean_texts`), a block at a
    time, and each block of it is passed to ``texts_read``."""
    names = list(wanted)
    places = [wanted[name] for name in names]
    columns: list[Column] = [[] for _ in names]
    text_column = names.index("text") if "text" in wanted else -1
    too_long: list[int] = []
    count = 0
    while True:
        block: list[list[str | None]] = list(itertools.islice(reader, _BLOCK))  # type: ignore[arg-type]
        if not block:
            break
        if set(map(len, block)) != {width}:
            block = _regular(block, width, count, too_long)
            if not block:
                continue
        transposed = list(zip(*block, strict=True))
        for index, (column, place) in enumerate(zip(columns, places, strict=True)):
            if index == text_column:
                texts = clean_texts(list(transposed[place]))
                if texts_read is not None:
                    texts_read(texts)
                column.extend(texts)
            else:
                column.extend(transposed[place])
        count += len(block)
    return dict(zip(names, columns, strict=True)), too_long, count


def _regular(block: list[list[str | None]], width: int, count: int, too_long: list[int]) -> list[list[str | None]]:
    """Rows as ``csv.DictReader`` sees them: blank ones dropped, short ones padded with None;
    the indexes of long ones (``count`` rows came before the block) added to ``too_long``."""
    rows: list[list[str | None]] = []
    for row in block:
        size = len(row)
        if not size:
            continue
        if size > width:
            too_long.append(count + len(rows))
            row = row[:width]
        elif size < width:
            row = [*row, *([None] * (width - size))]
        rows.append(row)
    return rows


Stamp = tuple[datetime, bool, str | None]
"""A timestamp as :meth:`ThreadBuilder.timestamp` reads it: UTC time, whether it had no
offset, the epoch unit it was read in (if a number)."""


def _parse_table(raw: RawInput, options: LoadOptions, source: _Text, *, utf8_valid: bool | None = None) -> Collection:
    """The generic CSV loader, a column at a time.

    Each field is converted with the function the row-by-row loader uses (once per distinct
    value where values repeat, or only for the values a quick check finds unusual). Counts
    and notes are recorded as reading row by row records them; for a row the row-by-row
    loader rejects, that loader is run on the row to raise the same error."""
    builder = ThreadBuilder(raw, "generic-csv", options)
    builder.utf8_valid = utf8_valid
    delimiter = max((",", ";", "\t"), key=source.first_line().count)
    reader = csv.reader(source.lines(), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(raw.path, f"unreadable CSV header ({exc})", record="line 1") from exc
    columns = [c or "" for c in (header or [])]
    if not header or not columns:
        raise InputError(raw.path, "empty file: no header row")
    fields = _field_map(columns, options.mapping, raw.path)
    place = {name: index for index, name in enumerate(header)}  # a repeated name: its last column
    try:
        table, too_long, count = _read_columns(
            reader, len(header), {f: place[c] for f, c in fields.items()}, options.texts_read
        )
    except csv.Error:
        return _raise_malformed(raw, options, source, delimiter)
    del reader
    # Timestamps are parsed once per distinct value: the usual ISO-8601 ones with an offset
    # first (they need no date order); the others once the date order is settled.
    parsed: dict[str | None, Stamp | None] = {}
    distinct = dict.fromkeys(table["created_at"])
    parsed.update(_zoned_iso(distinct))
    settle_date_order((value for value in distinct if value not in parsed), builder)
    del distinct

    ids, authors, keep = _skip_records(table, count, builder)
    kept = len(ids)

    def row_of(index: int) -> int:
        return keep[index] if keep is not None else index

    # The errors reading row by row raises (the first one counts): too many values, then per
    # record its timestamp, kind and is_company.
    errors = [too_long[0]] if too_long else []
    stamps, units, naive_seen = _stamps(table.pop("created_at"), parsed, builder)
    del parsed
    if None in stamps:
        errors.append(row_of(stamps.index(None)))
    parents = as_ids(table.pop("parent_id"))
    repairs: list[tuple[int, int, str, int]] = []  # (first record, step in a record, repair, records)
    own = [i for i, (p, q) in enumerate(zip(ids, parents, strict=True)) if p == q] if any(map(eq, ids, parents)) else []
    if own:
        repairs.append((own[0], 2, "post listed as its own parent: made a root", len(own)))
        parents = [None if p == q else q for p, q in zip(ids, parents, strict=True)]
    kinds = ["post" if p is None else "reply" for p in parents]
    kinds_read = table.pop("kind", None)
    if kinds_read is not None:
        named = map_distinct(lambda v: str(v or "").strip().lower(), kinds_read)
        kinds = [k or default for k, default in zip(named, kinds, strict=True)]
        wrong = set(kinds).difference(POST_KINDS)
        if wrong:
            errors.append(row_of(min(kinds.index(k) for k in wrong)))
    flags: list[bool | None] | None = None
    flags_read = table.pop("is_company", None)
    if flags_read is not None:
        read_flags = map_distinct(_bool_or_bad, flags_read)
        if _BAD in read_flags:
            errors.append(row_of(read_flags.index(_BAD)))
        flags = cast(list[bool | None], read_flags)
    if errors:
        return _raise_row_error(raw, options, source, delimiter, fields, builder, min(errors))

    checked = cast(list[Stamp], stamps)
    del stamps
    if naive_seen:
        naive = [i for i, stamp in enumerate(checked) if stamp[1]]
        repairs.append((naive[0], 1, f"timestamp without offset read in {options.tz}", len(naive)))
        builder.naive_seen = True
    builder.epoch_units.update(units)
    created = list(map(itemgetter(0), checked))
    del checked
    names, renamed = _names(authors, table.pop("author_name", None), kept)
    if renamed:
        repairs.append((renamed[0], 3, NAME_REPAIR, len(renamed)))
    for _, _, what, number in sorted(repairs):
        builder.repair(what, number)

    texts = cast(list[str], table.pop("text"))  # cleaned as read
    urls_read = table.pop("url", None)
    platforms_read = table.pop("platform", None)
    likes_read, shares_read = table.pop("likes", None), table.pop("shares", None)
    posts = _make_posts(
        ids,
        parents,
        authors,
        created,
        texts,
        _or_repeat(
            None if platforms_read is None else map_distinct(_platform, platforms_read),
            "generic",
            kept,
        ),
        kinds,
        names,
        _or_repeat(None if likes_read is None else map_distinct(as_int, likes_read), None, kept),
        _or_repeat(None if shares_read is None else map_distinct(as_int, shares_read), None, kept),
        _or_repeat(None if urls_read is None else [(v.strip() or None) if v else None for v in urls_read], None, kept),
        _or_repeat(flags, None, kept),
    )
    del parents, authors, kinds, names, flags, urls_read, platforms_read, likes_read, shares_read
    builder.records_read = count
    builder._posts = _first_of_each_id(ids, posts, texts, created, builder)
    del ids, posts, texts, created
    return builder.build(company_hint=_flagged(builder))


def _or_repeat(values: list[Any] | None, value: Any, count: int) -> Iterable[Any]:
    return itertools.repeat(value, count) if values is None else values


def _platform(value: str | None) -> str:
    return str(value or "generic").strip().lower() or "generic"


def _skip_records(
    table: dict[str, Column], count: int, builder: ThreadBuilder
) -> tuple[list[str], list[str], list[int] | None]:
    """The ids and authors of the records kept, and which records those are (None: all).

    Records without an id or an author are skipped and counted (as ``_post_from`` does);
    the other columns of ``table`` are cut to the records kept."""
    ids = as_ids(table.pop("id"))
    authors = list(map(str.lstrip, map(str.strip, clean_texts(table.pop("author"))), itertools.repeat("@")))
    if None not in ids and "" not in authors:
        return cast(list[str], ids), authors, None
    no_id = [i for i, v in enumerate(ids) if v is None]
    no_author = [i for i, (v, a) in enumerate(zip(ids, authors, strict=True)) if v is not None and not a]
    reasons = (("record without an id", no_id), ("record without an author", no_author))
    for _, reason, number in sorted((found[0], reason, len(found)) for reason, found in reasons if found):
        builder.skip(reason, number)
    skipped = set(no_id).union(no_author)
    keep = [i for i in range(count) if i not in skipped]
    for name, values in table.items():
        table[name] = [values[i] for i in keep]
    return [cast(str, ids[i]) for i in keep], [authors[i] for i in keep], keep


def _stamps(
    values: Column, parsed: dict[str | None, Stamp | None], builder: ThreadBuilder
) -> tuple[list[Stamp | None], set[str], bool]:
    """What :meth:`ThreadBuilder.timestamp` reads from each value (None: it raises), without
    its side effects (``parsed`` holds the values already read); the epoch units met; and
    whether a value had no offset."""
    zone, dayfirst = builder.zone, builder.dayfirst
    units: set[str] = set()
    naive = False
    for value in dict.fromkeys(values):
        found = parsed.get(value)
        if found is None:
            unit = epoch_unit(float(value)) if isinstance(value, str) and _EPOCH_LIKE.fullmatch(value) else None
            try:
                time, without_offset = parse_timestamp(value, zone, dayfirst=dayfirst)
            except Exception:  # raised again, naming the record, by the row-by-row loader
                parsed[value] = None
                continue
            parsed[value] = found = (time, without_offset, unit)
        if found[2] is not None:
            units.add(found[2])
        naive = naive or found[1]
    return list(map(parsed.__getitem__, values)), units, naive


def _names(authors: list[str], names_read: Column | None, count: int) -> tuple[list[str | None], list[int]]:
    """The author names, and the records whose author or name ThreadBuilder.add repairs
    (both repaired here, in ``authors`` and in the names returned)."""
    clean_authors = _clean_names(authors)
    renamed = _changed(clean_authors, authors)
    names: list[str | None] = [None] * count
    if names_read is not None:  # few distinct names: each read once
        distinct = {value: _name_of(value) for value in dict.fromkeys(names_read)}
        read = list(map(distinct.__getitem__, names_read))
        names = list(map(itemgetter(0), read))
        if any(name != clean for name, clean in distinct.values()):
            cleaned = list(map(itemgetter(1), read))
            renamed = sorted(set(renamed).union(_changed(cleaned, names)))
            names = cleaned  # equal to the names read where nothing needs a repair
    for i in renamed:
        authors[i] = clean_authors[i] or "unknown"
        names[i] = names[i] or None
    return names, renamed


def _name_of(value: str | None) -> tuple[str | None, str | None]:
    """An author name as ``_post_from`` reads it, and as ThreadBuilder.add cleans that."""
    name = clean_text(value).strip() or None
    return name, clean_name(name)


def _first_of_each_id(
    ids: list[str], posts: list[Post], texts: list[str], created: list[datetime], builder: ThreadBuilder
) -> dict[str, Post]:
    """Post by id; a record whose id was read before is merged into the first one (counted,
    and noted if its text or time differ), as ThreadBuilder.add does."""
    by_id = dict(zip(ids, posts, strict=True))
    if len(by_id) == len(ids):
        return by_id
    first: dict[str, int] = {}
    for i, post_id in enumerate(ids):
        j = first.setdefault(post_id, i)
        if j != i:
            builder.duplicates += 1
            if texts[i] != texts[j] or created[i] != created[j]:
                builder.note(f"duplicate id {post_id} with different content: first record kept")
    return {post_id: posts[i] for post_id, i in first.items()}


_MADE = (
    "id",
    "parent_id",
    "author",
    "created_at",
    "text",
    "platform",
    "kind",
    "author_name",
    "likes",
    "shares",
    "url",
    "is_company",
)
"""The Post fields :func:`_make_posts` is given, in order (the others are None)."""
_POST_SLOTS = (*_MADE[:11], "conversation_id", "quoted_id", "is_company")
_SAMPLE = 16


def _make_posts(*columns: Iterable[Any]) -> list[Post]:
    """``Post(**dict(zip(_MADE, row)))`` for each row of the columns, in a third of the time.

    ``Post`` is a frozen dataclass whose ``__init__`` and ``__post_init__`` cost more than
    the rest of a load's per-post work. The values here were already checked the way
    ``__post_init__`` checks them (UTC timestamps, known kinds), so the slots are filled
    directly; the first rows are also made through the constructor, and if the two ever
    differ (the model changed) every post is made through it."""
    rows = zip(*columns, strict=True)
    sample = list(itertools.islice(rows, _SAMPLE))
    made = [Post(**dict(zip(_MADE, row, strict=True))) for row in sample]
    setters = _post_setters()
    if setters is None or _filled(sample, setters) != made:
        made.extend(Post(**dict(zip(_MADE, row, strict=True))) for row in rows)
        return made
    made.extend(_filled(rows, setters))
    return made


def _post_setters() -> tuple[Callable[[Post, Any], None], ...] | None:
    """The slot setters of ``Post`` in :data:`_POST_SLOTS` order, if those are its fields."""
    try:
        if tuple(f.name for f in dataclasses.fields(Post)) != _POST_SLOTS or tuple(Post.__slots__) != _POST_SLOTS:
            return None
        return tuple(Post.__dict__[name].__set__ for name in _POST_SLOTS)
    except (AttributeError, KeyError, TypeError):
        return None


def _filled(rows: Iterable[tuple[Any, ...]], setters: tuple[Callable[[Post, Any], None], ...]) -> list[Post]:
    (
        s_id,
        s_parent,
        s_author,
        s_created,
        s_text,
        s_platform,
        s_kind,
        s_name,
        s_likes,
        s_shares,
        s_url,
        s_conversation,
        s_quoted,
        s_company,
    ) = setters
    new = object.__new__
    out: list[Post] = []
    append = out.append
    for post_id, parent_id, author, created_at, text, platform, kind, name, likes, shares, url, company in rows:
        post = new(Post)
        s_id(post, post_id)
        s_parent(post, parent_id)
        s_author(post, author)
        s_created(post, created_at)
        s_text(post, text)
        s_platform(post, platform)
        s_kind(post, kind)
        s_name(post, name)
        s_likes(post, likes)
        s_shares(post, shares)
        s_url(post, url)
        s_conversation(post, None)
        s_quoted(post, None)
        s_company(post, company)
        append(post)
    return out


def _zoned_iso(values: Iterable[str | None]) -> dict[str | None, Stamp]:
    """What :func:`_stamps` gives (:func:`parse_timestamp`: UTC time, not naive, no epoch
    unit) for the values in the usual ISO-8601 form with an offset or ``Z``, read directly."""
    found: dict[str | None, Stamp] = {}
    plain, read = _ISO_ZONED.fullmatch, datetime.fromisoformat
    for value in values:
        if type(value) is str and plain(value):
            with contextlib.suppress(ValueError, OverflowError):  # if so, left to parse_timestamp
                found[value] = (read(value).astimezone(UTC), False, None)
    return found


def _bool_or_bad(value: str | None) -> bool | object | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return None if text == "" else False
    return _BAD


def _changed(new: Sequence[Any], old: Sequence[Any]) -> list[int]:
    """Indexes where ``new`` differs from ``old``."""
    if not any(map(is_not, new, old)):
        return []
    return [i for i, (a, b) in enumerate(zip(new, old, strict=True)) if a is not b and a != b]


def _clean_names(values: Sequence[str | None]) -> list[str | None]:
    """:func:`clean_name` of every value; a value that needs nothing is returned itself."""
    out: list[str | None] = []
    for start in range(0, len(values), 1024):
        part = values[start : start + 1024]
        if None in part or _NAME_JUNK.search(" ".join(part)):  # type: ignore[arg-type]
            out.extend(map(clean_name, part))
        else:
            out.extend(map(str.strip, part))  # type: ignore[arg-type]
    return out


def _raise_malformed(raw: RawInput, options: LoadOptions, source: _Text, delimiter: str) -> Collection:
    """Raise the error the row-by-row loader gives for a CSV syntax error (naming its line)."""
    reader = csv.DictReader(source.lines(), delimiter=delimiter)
    try:
        for _ in reader:
            pass
    except csv.Error as exc:
        raise InputError(raw.path, f"malformed CSV ({exc})", record=f"line {reader.line_num}") from exc
    return _fallback(raw, options)  # not reached: the same reader fails the same way


def _raise_row_error(
    raw: RawInput,
    options: LoadOptions,
    source: _Text,
    delimiter: str,
    fields: dict[str, str],
    builder: ThreadBuilder,
    index: int,
) -> Collection:
    """Raise the error the row-by-row loader gives for row ``index`` (counting from 0)."""
    reader = csv.DictReader(source.lines(), delimiter=delimiter)
    for number, row in enumerate(reader):
        if number == index:
            label = f"line {reader.line_num}"
            if None in row:
                width = len(reader.fieldnames or [])
                raise InputError(raw.path, f"{width + len(row[None] or [])} values for {width} columns", record=label)
            _post_from({str(k): v for k, v in row.items()}, fields, builder, label, "generic")
            break
    return _fallback(raw, options)  # not reached: that row raises


def _fallback(raw: RawInput, options: LoadOptions) -> Collection:
    """The row-by-row loader, should the column loader ever find the row that fails it
    not failing (never so far: tests make this an error)."""
    return _parse_rows(raw, options)


def _parse_rows(raw: RawInput, options: LoadOptions) -> Collection:
    """The generic CSV loader row by row, as it was before :func:`_parse_table`: the
    reference that loader must agree with (tests compare the two)."""
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
