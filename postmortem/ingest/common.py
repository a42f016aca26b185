"""Pieces every loader shares: the raw input, options, timestamp and text parsing, and the
:class:`ThreadBuilder` that turns records into a :class:`~postmortem.model.Thread` while
keeping the import coverage honest.

Nothing here opens a file: :func:`postmortem.ingest.load` reads the bytes and hands a
:class:`RawInput` to a pure ``parse`` function.
"""

from __future__ import annotations

import codecs
import contextlib
import html
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from itertools import repeat
from operator import attrgetter
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from postmortem.errors import InputError, UsageError
from postmortem.model import Collection, Coverage, Post, Source, Thread, cut_reply_cycles, normalise_handle


@dataclass(frozen=True)
class RawInput:
    """The bytes of one input: a file, or the member files of a folder or zip archive."""

    path: str
    data: bytes = b""
    members: Mapping[str, bytes] = field(default_factory=dict)
    """For folders and zip archives: relative path -> bytes. Empty for a single file."""
    sha256: str = ""

    def text(self) -> str:
        """Decode the file's bytes (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else Latin-1)."""
        return decode_bytes(self.data, self.path)


@dataclass(frozen=True)
class LoadOptions:
    """Options that change how records are read."""

    tz: str = "UTC"
    """Zone for timestamps that carry no offset."""
    mapping: Mapping[str, str] = field(default_factory=dict)
    """Generic formats: our field name -> the column/key in the file."""
    date_order: str = "auto"
    """Slash dates such as ``03/10/2026``: ``dmy``, ``mdy`` or ``auto`` (decided per file)."""
    texts_read: Callable[[list[str]], None] | None = field(default=None, compare=False)
    """Called with each block of post texts (cleaned, as the posts will hold them) while a
    big file is still being read, so that slow per-text work can start meanwhile (the review
    hands them to the sentiment scorer's ``prefetch``). Only the generic CSV loader calls it;
    it must not raise, and the texts may include records later skipped."""

    def zone(self) -> tzinfo:
        """The :class:`tzinfo` for naive timestamps."""
        return parse_zone(self.tz)


def parse_zone(name: str) -> tzinfo:
    """Turn ``UTC``, ``Europe/London`` or ``+02:00`` into a tzinfo, or raise UsageError."""
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", name.strip())
    if match:
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {name!r} (use e.g. UTC, Europe/London or +02:00)") from exc


def decode_bytes(data: bytes, path: str) -> str:
    """Decode text the way exports really arrive: UTF-8 (with or without BOM), UTF-16 with BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(path, f"not valid UTF-16 text ({exc.reason})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheet exports on Windows are often Latin-1 / cp1252; every byte decodes.
        return data.decode("cp1252", errors="replace")


_TWITTER_TIME = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d [+-]\d{4} \d{4}$")
_EPOCH_TEXT = re.compile(r"-?\d+(\.\d+)?")
_ISO_SPACE = re.compile(r"^\d{4}-\d\d-\d\d \d")
_OFFSET_NO_COLON = re.compile(r"([+-]\d\d)(\d\d)$")
_SPACE_BEFORE_OFFSET = re.compile(r"T(\d\d:\d\d:\d\d(?:\.\d+)?) ([+-]\d\d:\d\d)$")
_ISO_PLAIN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:Z|[+-]\d\d:\d\d)?")
"""ISO-8601 that :func:`parse_timestamp` hands to ``datetime.fromisoformat`` unchanged: it is
not an epoch number, not Twitter's form, has a ``T`` (no space) and a colon in its offset."""
_ISO_ZONED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:Z|[+-]\d\d:\d\d)")
"""The forms of :data:`_ISO_PLAIN` with an offset: ``fromisoformat`` gives an aware time."""
_EPOCH_LIKE = re.compile(r"\s*-?\d{1,30}(\.\d+)?\s*")


@dataclass(frozen=True)
class FormatSpec:
    """One supported export format."""

    name: str
    description: str
    identifies: str
    """What in the content identifies it (shown by ``postmortem formats``)."""
    sniff: Callable[[RawInput], bool]
    parse: Callable[[RawInput, LoadOptions], Collection]
    folders: bool = False
    """True if the format can be a folder or zip archive."""


class TimestampError(ValueError):
    """A value could not be read as a timestamp."""


def parse_timestamp(value: object, zone: tzinfo = UTC, *, dayfirst: bool | None = None) -> tuple[datetime, bool]:
    """Parse the timestamp forms exports use; return (UTC datetime, was_naive).

    Accepts ISO-8601 (with ``Z`` or an offset, or naive: read in ``zone``), Twitter's
    ``Wed Oct 10 20:19:24 +0000 2018``, RFC 2822, ``2011-05-10T14:00:00+0000``, epoch
    seconds or milliseconds (numbers or digit strings), and the naive forms spreadsheets
    write (see :func:`parse_spreadsheet_time`; ``dayfirst`` settles ``03/10/2026``).
    """
    if isinstance(value, bool) or value is None:
        raise TimestampError(f"not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        try:
            return _from_epoch(float(value)), False
        except OverflowError as exc:  # an int too large for a float
            raise TimestampError(f"epoch value out of range: {str(value)[:40]}") from exc
    if not isinstance(value, str):
        raise TimestampError(f"not a timestamp: {value!r}")
    text = value.strip()
    if not text:
        raise TimestampError("empty timestamp")
    if _ISO_PLAIN.fullmatch(text):
        iso = text  # the common ISO-8601 form: none of the rewrites below applies
    else:
        if _EPOCH_TEXT.fullmatch(text):
            return _from_epoch(float(text)), False
        if _TWITTER_TIME.match(text):
            try:
                return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC), False
            except OverflowError as exc:
                raise TimestampError(f"date out of range in UTC: {text[:40]!r}") from exc
        iso = text.replace(" ", "T", 1) if _ISO_SPACE.match(text) else text
        iso = _OFFSET_NO_COLON.sub(r"\1:\2", iso)  # +0000 -> +00:00
        iso = _SPACE_BEFORE_OFFSET.sub(r"T\1\2", iso)
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        spreadsheet = parse_spreadsheet_time(text, dayfirst)
        if spreadsheet is not None:
            parsed = spreadsheet
        else:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError) as exc:
                raise TimestampError(f"not a recognised timestamp: {text[:40]!r}") from exc
    try:
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone).astimezone(UTC), True
        return parsed.astimezone(UTC), False
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise TimestampError(f"date out of range in UTC: {text[:40]!r}") from exc


_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})"
    r"(?:(?:[ T]|,\s*|\s+at\s+)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?)?$"
)
_NAMED_MONTH_FORMATS = (
    "%b %d %Y %I:%M %p",
    "%b %d %Y %I:%M:%S %p",
    "%b %d %Y %H:%M",
    "%b %d %Y %H:%M:%S",
    "%b %d %Y",
    "%d %b %Y %H:%M",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %I:%M %p",
    "%d %b %Y",
    "%Y-%m-%d %I:%M %p",
    "%Y-%m-%d %I:%M:%S %p",
)


class AmbiguousDateError(TimestampError):
    """A slash date whose day and month could be either way round (``03/10/2026``)."""


def slash_date_order(text: str) -> bool | None:
    """For ``a/b/yyyy`` dates: True if only day-first fits, False if only month-first, else None."""
    match = _NUMERIC_DATE.match(text.strip())
    if not match or len(match.group(1)) > 2 or match.group(2) == ".":
        return None
    first, second = int(match.group(1)), int(match.group(3))
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return None


def parse_spreadsheet_time(text: str, dayfirst: bool | None = None) -> datetime | None:
    """Naive date-times as spreadsheets and social tools write them, or None if not one.

    ``2026-10-03 14:05``, ``2026/10/03 14:05``, ``03.10.2026 14:05`` (dots: always day
    first), ``10/3/2026 2:05 PM``, ``03/10/26 14:05``, ``Oct 3, 2026 2:05 PM``, ``3 Oct 2026``.
    A slash date fits day-first if its first number exceeds 12, month-first if its second
    does; otherwise ``dayfirst`` decides, and if that is None it raises AmbiguousDateError.
    """
    match = _NUMERIC_DATE.match(text.strip())
    if match:
        return _numeric_date(match, dayfirst, text)
    cleaned = _SPACES.sub(" ", text.replace(",", " ").replace(" at ", " ")).strip()
    cleaned = _MERIDIEM.sub(r"\1M", cleaned)
    cleaned = _WEEKDAY.sub("", cleaned)  # "Tue Oct 3 2026"
    cleaned = _MONTH_NAME.sub(lambda m: m.group(1)[:3], cleaned)
    cleaned = _SEPT.sub("Sep", cleaned)
    for fmt in _NAMED_MONTH_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    return None


_SPACES = re.compile(r"\s+")
_MERIDIEM = re.compile(r"(?i)\b([ap])\.?m\.?$")
_WEEKDAY = re.compile(r"^(?:[A-Za-z]{3,9}) (?=[A-Za-z]{3,9} \d)")
_MONTH_NAME = re.compile(r"\b(January|February|March|April|June|July|August|September|October|November|December)\b")
_SEPT = re.compile(r"\bSept\b")


def _numeric_date(match: re.Match[str], dayfirst: bool | None, text: str) -> datetime:
    a, sep, b, c = match.group(1), match.group(2), match.group(3), match.group(4)
    hour, minute, second = (int(match.group(i) or 0) for i in (5, 6, 7))
    meridiem = (match.group(8) or "").replace(".", "").upper()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    else:
        year = int(c) + (2000 if len(c) == 2 else 0)
        order = True if sep == "." else slash_date_order(text)
        if order is None:
            order = dayfirst
        if order is None:
            raise AmbiguousDateError(f"ambiguous date {text[:40]!r}: day/month or month/day?")
        day, month = (int(a), int(b)) if order else (int(b), int(a))
    if meridiem:
        if not 1 <= hour <= 12:
            raise TimestampError(f"not a recognised timestamp: {text[:40]!r}")
        hour = hour % 12 + (12 if meridiem == "PM" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise TimestampError(f"not a valid date: {text[:40]!r} ({exc})") from exc


_MS_THRESHOLD = 1e11  # epoch seconds reach 1e11 only in the year 5138
_US_THRESHOLD = 1e14  # epoch milliseconds reach 1e14 only in the year 5138
_NS_THRESHOLD = 1e17


def epoch_unit(number: float) -> str:
    """The unit an epoch number is read in, decided by its size: seconds, ms, µs or ns."""
    size = abs(number)
    if size > _NS_THRESHOLD:
        return "nanoseconds"
    if size > _US_THRESHOLD:
        return "microseconds"
    if size > _MS_THRESHOLD:
        return "milliseconds"
    return "seconds"


_EPOCH_DIVISOR = {"seconds": 1.0, "milliseconds": 1e3, "microseconds": 1e6, "nanoseconds": 1e9}


def _from_epoch(number: float) -> datetime:
    if number != number:  # NaN
        raise TimestampError("epoch value is not a number")
    number /= _EPOCH_DIVISOR[epoch_unit(number)]
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise TimestampError(f"epoch value out of range: {number!r}") from exc


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 bytes that were written as Latin-1 code points (Facebook's exports)."""
    if not text or all(ord(ch) < 0x80 for ch in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/p|/li|/div)\s*/?\s*>", re.IGNORECASE)


def html_to_text(markup: str) -> str:
    """Plain text from the small HTML of Mastodon and similar: breaks kept, tags dropped."""
    text = _BREAK.sub("\n", markup)
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def clean_text(text: object) -> str:
    """Post text as a plain string: entities decoded, NULs and stray controls (C0 and C1,
    e.g. terminal escapes) removed; NEL (U+0085) becomes a line break."""
    if text is None:
        return ""
    value = str(text)
    if not _NEEDS_CLEANING.search(value):
        return value
    if "&" in value:
        value = html.unescape(value)
    return _CONTROL.sub("", value.replace("\x85", "\n"))


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""What :func:`clean_text` removes: C0 controls but tab and line feed, DEL and C1 controls."""
_NEEDS_CLEANING = re.compile("[&\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""A string without these is its own :func:`clean_text` (no entity, no control, no NEL)."""
_CLEAN_BATCH = 1024


def clean_texts(values: list[str | None]) -> list[str]:
    """:func:`clean_text` of every value (strings or None), fast when most need no cleaning:
    values are checked a batch at a time, joined by a line feed (which cleaning keeps)."""
    out: list[str] = []
    needs = _NEEDS_CLEANING.search
    for start in range(0, len(values), _CLEAN_BATCH):
        part = values[start : start + _CLEAN_BATCH]
        try:
            joined = "\n".join(part)  # type: ignore[arg-type]
        except TypeError:  # a None
            out.extend(map(clean_text, part))
            continue
        strings = cast(list[str], part)
        out.extend([clean_text(v) if needs(v) else v for v in strings] if needs(joined) else strings)
    return out


_NAME_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\ufeff]")
NAME_REPAIR = "control or text-direction characters removed from an author name"


def one_line(value: object, limit: int = 60) -> str:
    """Untrusted text quoted in an error message: one line, controls escaped, cut to ``limit``."""
    text = str(value)
    cut = text[:limit]
    shown = "".join(
        ch if ch >= " " and not "\x7f" <= ch <= "\x9f" else ch.encode("unicode_escape").decode() for ch in cut
    )
    return shown + ("…" if len(text) > limit else "")


_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_REPAIR = "invalid characters (lone UTF-16 surrogates) replaced by U+FFFD"


def no_surrogates(value: Any) -> Any:
    """A string with lone surrogates (from JSON ``"\\ud800"``, unencodable as UTF-8) replaced by U+FFFD."""
    if not isinstance(value, str) or not _SURROGATE.search(value):
        return value
    return _SURROGATE.sub("\ufffd", value)


def clean_name(name: str | None) -> str | None:
    """An author handle or display name without control characters, bidi embeddings,
    overrides and isolates, zero-width spaces or BOMs (zero-width joiners stay: emoji need them)."""
    if name is None:
        return None
    return _NAME_JUNK.sub("", name).strip()


def as_int(value: object) -> int | None:
    """An engagement count from whatever the export holds, or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(float(str(value).replace(",", "")))
    except (TypeError, ValueError, OverflowError):  # OverflowError: "1e400", "inf"
        return None
    return number if number >= 0 else None


def as_id(value: object) -> str | None:
    """An id as text; float-formatted ids (``3.0``) lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    if "." in text and _FLOAT_ID.fullmatch(text):
        return text.split(".", 1)[0]
    return text


_FLOAT_ID = re.compile(r"\d+\.0+")


def as_ids(values: list[Any]) -> list[str | None]:
    """:func:`as_id` of every value (same results); digit strings, the usual case, are their own id."""
    with contextlib.suppress(TypeError):  # TypeError: not all strings
        if all(map(str.isdecimal, values)):
            return list(values)
    return [v if type(v) is str and v.isdecimal() else as_id(v) for v in values]


class ThreadBuilder:
    """Collects posts from one source, counting what was skipped, repaired and merged."""

    def __init__(self, raw: RawInput, fmt: str, options: LoadOptions) -> None:
        self.raw = raw
        self.fmt = fmt
        self.options = options
        self.zone = options.zone()
        self.records_read = 0
        self.skipped: Counter[str] = Counter()
        self.repaired: Counter[str] = Counter()
        self.duplicates = 0
        self.stubs = 0
        self.notes: list[str] = []
        self.naive_seen = False
        self.dayfirst: bool | None = {"dmy": True, "mdy": False}.get(options.date_order)
        self._posts: dict[str, Post] = {}
        self.epoch_units: set[str] = set()
        self._orphans: int | None = None
        self.utf8_valid: bool | None = None
        """Whether the input's bytes are valid UTF-8, if the parser already knows (else checked in build)."""

    def record(self, count: int = 1) -> None:
        """Count records read from the file."""
        self.records_read += count

    def skip(self, reason: str, count: int = 1) -> None:
        """Count a record dropped, with a reason a reader understands."""
        self.skipped[reason] += count

    def repair(self, what: str, count: int = 1) -> None:
        """Count a record changed to be usable."""
        self.repaired[what] += count

    def stub(self, count: int = 1) -> None:
        """Count posts the export only points to (deleted, withheld, "load more")."""
        self.stubs += count

    def note(self, text: str) -> None:
        """Add a free-text line to the coverage report."""
        if text not in self.notes:
            self.notes.append(text)

    def timestamp(self, value: object, record: str | int, field_name: str) -> datetime:
        """Parse a timestamp or raise an InputError naming record and field."""
        self._note_epoch_unit(value)
        try:
            parsed, naive = parse_timestamp(value, self.zone, dayfirst=self.dayfirst)
        except AmbiguousDateError as exc:
            raise InputError(
                self.raw.path,
                f"{exc}; every date in this file fits both orders: pass --date-order dmy or mdy",
                record=record,
                field=field_name,
            ) from exc
        except TimestampError as exc:
            raise InputError(self.raw.path, str(exc), record=record, field=field_name) from exc
        if naive:
            self.naive_seen = True
            self.repair(f"timestamp without offset read in {self.options.tz}")
        return parsed

    def _note_epoch_unit(self, value: object) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, str) and _EPOCH_LIKE.fullmatch(value):
            value = float(value)
        if isinstance(value, (int, float)):
            with contextlib.suppress(OverflowError):
                self.epoch_units.add(epoch_unit(float(value)))

    def add(self, post: Post) -> None:
        """Add a post; a second record with the same id is merged (first one kept).

        Author handles and names lose control characters and bidi embedding, override and
        isolate characters (they only serve to spoof how a name reads, and would reorder the
        report text around the name); counted as a repair.
        """
        if any(
            _SURROGATE.search(v)
            for v in (
                post.id,
                post.parent_id,
                post.text,
                post.url,
                post.conversation_id,
                post.quoted_id,
                post.author,
                post.author_name,
            )
            if v
        ):
            self.repair(SURROGATE_REPAIR)
            post = replace(
                post,
                id=no_surrogates(post.id),
                parent_id=no_surrogates(post.parent_id),
                text=no_surrogates(post.text),
                url=no_surrogates(post.url),
                conversation_id=no_surrogates(post.conversation_id),
                quoted_id=no_surrogates(post.quoted_id),
                author=no_surrogates(post.author),
                author_name=no_surrogates(post.author_name),
            )
        author, name = clean_name(post.author), clean_name(post.author_name)
        if author != post.author or name != post.author_name:
            self.repair(NAME_REPAIR)
            post = replace(post, author=author or "unknown", author_name=name or None)
        existing = self._posts.get(post.id)
        if existing is not None:
            self.duplicates += 1
            if existing.text != post.text or existing.created_at != post.created_at:
                self.note(f"duplicate id {post.id} with different content: first record kept")
            return
        self._posts[post.id] = post

    @property
    def posts(self) -> list[Post]:
        """Posts added so far."""
        return list(self._posts.values())

    def update(self, change: Callable[[Post], Post]) -> None:
        """Replace every post added so far by ``change(post)`` (same id), e.g. to set conversations."""
        self._posts = {post_id: change(post) for post_id, post in self._posts.items()}

    def has(self, post_id: str) -> bool:
        """True if a post with this id was added."""
        return post_id in self._posts

    def coverage(self, posts: list[Post], *, orphans: int | None = None) -> Coverage:
        """The coverage record for ``posts`` (orphans counted against the posts given, unless
        their number is given)."""
        if orphans is None:
            ids = set(map(_ID, posts))
            parents = list(map(_PARENT_ID, posts))
            orphans = len(parents) - parents.count(None) - sum(map(ids.__contains__, parents))
        return Coverage(
            records_read=self.records_read,
            posts_loaded=len(posts),
            skipped=dict(self.skipped),
            repaired=dict(self.repaired),
            duplicates_merged=self.duplicates,
            orphans=orphans,
            stubs=self.stubs,
            notes=tuple(self.notes),
        )

    def source(self) -> Source:
        """The source description."""
        return Source(
            path=self.raw.path,
            format=self.fmt,
            sha256=self.raw.sha256,
            size_bytes=len(self.raw.data) + sum(len(v) for v in self.raw.members.values()),
            timezone_assumed=self.options.tz if self.naive_seen else None,
        )

    def build(
        self,
        *,
        company_hint: tuple[str, ...] = (),
        title: str | None = None,
        split_by: Callable[[Post], str | None] | None = None,
    ) -> Collection:
        """Finish: one thread, or one per key of ``split_by`` (e.g. conversation)."""
        posts = self.posts
        if not posts:
            raise InputError(self.raw.path, "no posts found in this file")
        posts = self._check_links(posts, self._posts)
        self._check_encoding()
        if len(self.epoch_units) > 1:
            units = ", ".join(sorted(self.epoch_units))
            self.note(f"epoch timestamps in mixed units ({units}): each read by its size")
        source = self.source()
        hint = tuple(normalise_handle(h) for h in company_hint)
        if split_by is None:
            thread = Thread(
                posts=tuple(posts),
                source=source,
                company_hint=hint,
                coverage=self.coverage(posts, orphans=self._orphans),
                title=title,
            )
            return Collection(threads=(thread,), source=source, coverage=thread.coverage)
        groups: dict[str, list[Post]] = {}
        for post in posts:
            groups.setdefault(split_by(post) or post.id, []).append(post)
        threads = []
        for key, members in groups.items():
            ids = {p.id for p in members}
            orphans = sum(1 for p in members if p.parent_id and p.parent_id not in ids)
            cov = Coverage(records_read=len(members), posts_loaded=len(members), orphans=orphans)
            threads.append(
                Thread(
                    posts=tuple(members),
                    source=source,
                    company_hint=hint,
                    coverage=cov,
                    title=title,
                    conversation_id=key,
                )
            )
        threads.sort(key=lambda t: (t.posts[0].created_at, t.conversation_id or ""))
        return Collection(threads=tuple(threads), source=source, coverage=self.coverage(posts, orphans=self._orphans))

    def _check_links(self, posts: list[Post], by_id: dict[str, Post] | None = None) -> list[Post]:
        """Cut self-replies and reply cycles; note replies dated before their parent and
        posts dated in the future. Every change is counted in the coverage.

        ``by_id`` maps each post's id to that post (built here if not given)."""
        if by_id is None:
            by_id = {p.id: p for p in posts}
        selves, early, unordered, self._orphans, future = _link_order(posts, by_id, datetime.now(UTC))
        if not unordered or (len(posts) >= _FAST_LINKS_FROM and not _has_reply_cycles(posts)):
            return self._check_acyclic_links(posts, selves, early, future)
        for post in posts:
            if post.parent_id is not None and post.parent_id == post.id:
                self.repair(SELF_REPLY_REPAIR)
        ordered = sorted(posts, key=lambda p: (p.created_at, p.id))
        ids = [p.id for p in ordered]
        cut, cycles = cut_reply_cycles(ids, [p.parent_id for p in ordered])
        parent_of = dict(zip(ids, cut, strict=True))
        if cycles:
            self.repair(CYCLE_REPAIR, cycles)
        out: list[Post] = []
        now = datetime.now(UTC)
        future = early = 0
        for post in posts:
            if post.parent_id is not None and post.parent_id in by_id and parent_of[post.id] is None:
                post = replace(post, parent_id=None)
            parent_post = by_id.get(post.parent_id) if post.parent_id is not None else None
            if parent_post is not None and post.created_at < parent_post.created_at:
                early += 1
            if post.created_at > now:
                future += 1
            out.append(post)
        if early:
            self.note(EARLY_REPLY_NOTE.format(early))
        if future:
            self.note(FUTURE_NOTE.format(future))
        return out

    def _check_acyclic_links(self, posts: list[Post], selves: int, early: int, future: int) -> list[Post]:
        """:meth:`_check_links` for posts whose reply links hold no cycle but self-replies:
        the same repairs and notes (counted by :func:`_link_order`), without sorting the posts."""
        if selves:
            self.repair(SELF_REPLY_REPAIR, selves)
            posts = [replace(p, parent_id=None) if p.parent_id == p.id else p for p in posts]
        if early:
            self.note(EARLY_REPLY_NOTE.format(early))
        if future:
            self.note(FUTURE_NOTE.format(future))
        return posts

    def _check_encoding(self) -> None:
        data = self.raw.data
        if not data or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            return
        if self.utf8_valid is None:
            self.utf8_valid = is_utf8(data)
        if not self.utf8_valid:
            self.repair(LATIN1_REPAIR)


_ID = attrgetter("id")
_PARENT_ID = attrgetter("parent_id")
_FAST_LINKS_FROM = 5000
"""From this many posts, when some reply is not after its parent, reply cycles are looked for
with numpy first (none: no sort needed); below it, such posts take the general path."""


def _link_order(posts: list[Post], by_id: dict[str, Post], now: datetime) -> tuple[int, int, int, int, int]:
    """(self-replies, replies dated before their parent, replies not after their parent in
    (time, id) order, replies whose parent is not in ``by_id``, posts dated after ``now``)
    among ``posts``. With no reply of the third kind the links hold no cycle but
    self-replies: (time, id) falls strictly along every chain of parents. (One pass: each
    post is fetched from memory once.)"""
    get = by_id.get
    selves = early = unordered = orphans = future = 0
    for post in posts:
        created_at = post.created_at
        if created_at > now:
            future += 1
        parent_id = post.parent_id
        if parent_id is None:
            continue
        parent = get(parent_id)
        if parent is None:
            orphans += 1
        elif parent is post:  # by_id maps each id to its post
            selves += 1
        elif created_at <= parent.created_at:
            if created_at < parent.created_at:
                early += 1
                unordered += 1
            elif post.id < parent.id:
                unordered += 1
    return selves, early, unordered, orphans, future


def _has_reply_cycles(posts: list[Post]) -> bool:
    """True if following parent links from some post never ends (self-replies excepted).

    Pointer doubling: after k rounds each post points to its ancestor 2**k levels up, or to
    the root mark; a post that never reaches the mark is on, or leads into, a cycle."""
    import numpy as np

    count = len(posts)
    position = dict(zip(map(_ID, posts), range(count), strict=True))
    if len(position) != count:  # not one post per id: let the general path decide
        return True
    up = np.fromiter(map(position.get, map(_PARENT_ID, posts), repeat(count)), dtype=np.int64, count=count)
    up[up == np.arange(count)] = count  # a self-reply is cut, not counted as a cycle
    up = np.append(up, count)
    for _ in range(count.bit_length() + 1):
        if (up == count).all():
            return False
        up = up[up]
    return not (up == count).all()


def is_utf8(data: bytes) -> bool:
    """True if ``data`` is valid UTF-8 (checked in slices: no copy of the whole text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 22
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


SELF_REPLY_REPAIR = "reply to itself: parent link removed"
CYCLE_REPAIR = "reply cycle: the link from its earliest post removed (shown as a root)"
EARLY_REPLY_NOTE = "{} replies dated before the post they answer: kept as dated (their delay counts as 0)"
FUTURE_NOTE = "{} posts dated after the time of loading (wrong --tz or clock?): kept as dated"
LATIN1_REPAIR = "file is not UTF-8: read as Windows-1252/Latin-1"


def company_flags(posts: list[Post]) -> tuple[str, ...]:
    """Handles the export marks as company (``is_company`` True), in first-seen order."""
    seen: dict[str, None] = {}
    for post in posts:
        if post.is_company:
            seen.setdefault(normalise_handle(post.author), None)
    return tuple(seen)


# --- Helpers for the platform parsers: raw JSON is checked here, so errors name the record. ---

JsonObject = dict[str, Any]
"""Raw JSON as read from an export (used only inside a parser module)."""


def head_text(data: bytes, size: int = 65536) -> str:
    """The start of ``data`` as text for sniffing: BOM and leading whitespace removed."""
    chunk = data[:size]
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
        return chunk.decode("utf-16", errors="ignore").lstrip("\ufeff \t\r\n")
    return chunk.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")


def parse_json_text(text: str, path: str, *, record: str | None = None) -> Any:
    """Parse a JSON document, or raise an InputError naming the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = "truncated" if exc.pos >= len(text.rstrip()) else "invalid"
        raise InputError(
            path,
            f"{where} JSON at line {exc.lineno} column {exc.colno} ({exc.msg})",
            record=record,
        ) from exc
    except RecursionError as exc:
        raise InputError(path, "JSON nested too deeply", record=record) from exc
    except ValueError as exc:  # e.g. an integer longer than Python's 4300-digit limit
        raise InputError(path, f"unreadable JSON ({exc})", record=record) from exc


def json_lines(text: str, path: str) -> list[tuple[str, Any]]:
    """Parse JSON Lines: ``("line N", value)`` for each non-blank line."""
    out: list[tuple[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            out.append((f"line {number}", parse_json_text(line, path, record=f"line {number}")))
    return out


def expect_dict(value: object, path: str, record: str | int | None, field: str | None = None) -> JsonObject:
    """``value`` if it is a JSON object, else an InputError saying what was found."""
    if not isinstance(value, dict):
        raise InputError(path, f"expected an object, got {_json_type(value)}", record=record, field=field)
    return value


def expect_list(value: object, path: str, record: str | int | None, field: str | None = None) -> list[Any]:
    """``value`` if it is a JSON array, else an InputError saying what was found."""
    if not isinstance(value, list):
        raise InputError(path, f"expected a list, got {_json_type(value)}", record=record, field=field)
    return value


def require(obj: Mapping[str, Any], key: str, path: str, record: str | int | None) -> Any:
    """``obj[key]``, or an InputError naming the record and the missing field."""
    value = obj.get(key)
    if value is None or value == "":
        raise InputError(path, "missing required field", record=record, field=key)
    return value


def require_id(obj: Mapping[str, Any], keys: tuple[str, ...], path: str, record: str | int | None) -> str:
    """The first of ``keys`` holding a usable id (as text), or an InputError naming the first key."""
    for key in keys:
        value = obj.get(key)
        if isinstance(value, (dict, list, bool)):
            continue
        found = as_id(value)
        if found:
            return found
    raise InputError(path, "missing required field (an id)", record=record, field=keys[0])


def optional_str(value: object) -> str | None:
    """A string value, or None for anything else (numbers become text)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def member_path(raw: RawInput, member: str) -> str:
    """How errors name one file inside a folder or zip archive."""
    return f"{raw.path}/{member}" if member else raw.path


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")
