"""Loading exports: the only place that opens input files.

:func:`load` reads a file, folder or zip archive into a :class:`RawInput`, detects its
format by content (or takes ``fmt``), and hands it to that format's pure ``parse``
function, which returns a :class:`~postmortem.model.Collection` of threads.
"""

from __future__ import annotations

import hashlib
import importlib
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from postmortem.errors import InputError, UsageError
from postmortem.ingest.common import FormatSpec, LoadOptions, RawInput
from postmortem.model import Collection

MAX_INPUT_BYTES = 512 * 1024**2
"""Largest input read (file, or all members of a folder/zip together): 512 MiB.

Exports are parsed in memory: loading takes about :data:`MEMORY_FACTOR` times the input's
size at its peak (measured 7-17x on real exports), so 512 MiB (room for the whole
Customer Support on Twitter dataset) needs up to about 10 GB. Past the limit, or when the
machine's available memory is clearly too small, the load stops with a clear message
instead of being killed by the kernel's out-of-memory killer."""
MAX_MEMBERS = 200_000
MEMORY_FACTOR = 20
"""Peak memory of a load as a multiple of the input size (an upper estimate)."""


# Detection order: most specific first; the generic format is the fallback.
_FORMAT_MODULES: tuple[str, ...] = (
    "pheme",
    "x_archive",
    "reddit",
    "mastodon",
    "facebook",
    "x_api",
    "twcs",
    "generic",
)
DATE_ORDERS = ("auto", "dmy", "mdy")


def formats() -> list[FormatSpec]:
    """All formats in detection order."""
    specs = []
    for name in _FORMAT_MODULES:
        module = importlib.import_module(f"postmortem.ingest.{name}")
        specs.extend(module.FORMATS)
    return specs


def format_names() -> list[str]:
    """Names accepted by ``--format``."""
    return [spec.name for spec in formats()]


def read_raw(path: str | Path) -> RawInput:
    """Read a file, folder or zip archive into memory, bounded by :data:`MAX_INPUT_BYTES`."""
    p = Path(path)
    shown = str(path)
    if not p.exists():
        raise InputError(shown, "no such file or folder")
    digest = hashlib.sha256()
    if p.is_dir():
        members: dict[str, bytes] = {}
        total = 0
        for child in sorted(p.rglob("*")):
            if not child.is_file() or child.name.startswith("."):
                continue
            total += child.stat().st_size
            _check_size(shown, total)
            if len(members) >= MAX_MEMBERS:
                raise InputError(shown, f"folder holds more than {MAX_MEMBERS} files")
            rel = child.relative_to(p).as_posix()
            data = _read_file(child, shown)
            digest.update(rel.encode() + b"\0" + data)
            members[rel] = data
        if not members:
            raise InputError(shown, "folder holds no files")
        return RawInput(path=shown, members=members, sha256=digest.hexdigest())
    size = p.stat().st_size
    _check_size(shown, size)
    data = _read_file(p, shown)
    digest.update(data)
    if zipfile.is_zipfile(p):
        return RawInput(path=shown, members=_unzip(data, shown), sha256=digest.hexdigest())
    return RawInput(path=shown, data=data, sha256=digest.hexdigest())


def _read_file(p: Path, shown: str) -> bytes:
    try:
        return p.read_bytes()
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from exc


def _check_size(shown: str, size: int) -> None:
    if size > MAX_INPUT_BYTES:
        raise InputError(
            shown,
            f"input is {size / 1024**2:,.0f} MiB, over the {MAX_INPUT_BYTES // 1024**2} MiB limit; "
            "split the export by period",
        )
    if size < 16 * 1024**2:
        return  # small inputs: not worth reading /proc/meminfo for every member of a folder
    available = _available_memory()
    if available is not None and size * MEMORY_FACTOR > available:
        raise InputError(
            shown,
            f"input is {size / 1024**2:,.0f} MiB; loading it needs about {size * MEMORY_FACTOR / 1024**3:.1f} GiB "
            f"of memory but only {available / 1024**3:.1f} GiB is available; split the export by period",
        )


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _unzip(data: bytes, shown: str) -> dict[str, bytes]:
    import io

    members: dict[str, bytes] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.is_dir() or Path(info.filename).name.startswith("."):
                    continue
                total += info.file_size
                _check_size(shown, total)
                members[info.filename] = archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(shown, f"damaged zip archive ({exc})") from exc
    if not members:
        raise InputError(shown, "zip archive holds no files")
    return members


def detect(raw: RawInput) -> FormatSpec:
    """The first format whose sniffer accepts ``raw``, or an InputError."""
    for spec in formats():
        if raw.members and not spec.folders:
            continue
        try:
            if spec.sniff(raw):
                return spec
        except (ValueError, UnicodeError):
            continue
    kind = "folder or archive" if raw.members else "file"
    raise InputError(
        raw.path,
        f"unrecognised {kind} format; run 'postmortem formats' to see what is supported, or force one with --format",
    )


def parse_raw(
    raw: RawInput,
    fmt: str | None = None,
    *,
    tz: str = "UTC",
    mapping: Mapping[str, str] | None = None,
    date_order: str = "auto",
    texts_read: Callable[[list[str]], None] | None = None,
) -> Collection:
    """Parse bytes already read (pure: used by :func:`load` and by tests).

    ``date_order`` (``auto``, ``dmy`` or ``mdy``) settles slash dates like ``03/10/2026``
    in spreadsheet exports; ``auto`` decides from the other dates in the file.
    ``texts_read``: see :attr:`LoadOptions.texts_read`.
    """
    if date_order not in DATE_ORDERS:
        raise UsageError(f"unknown date order {date_order!r}; choose from: {', '.join(DATE_ORDERS)}")
    options = LoadOptions(tz=tz, mapping=dict(mapping or {}), date_order=date_order, texts_read=texts_read)
    options.zone()  # fail early on an unknown zone
    if fmt is None:
        spec = detect(raw)
    else:
        by_name = {s.name: s for s in formats()}
        if fmt not in by_name:
            raise UsageError(f"unknown format {fmt!r}; choose from: {', '.join(by_name)}")
        spec = by_name[fmt]
    try:
        return spec.parse(raw, options)
    except InputError as exc:
        if fmt is None or _sniffs(spec, raw):
            raise
        raise InputError(
            exc.path, f"{exc.problem} ({_forced_hint(raw, fmt)})", record=exc.record, field=exc.field
        ) from exc
    except UsageError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # A parser met a shape it did not expect: still one clean line, never a traceback.
        raise InputError(raw.path, f"not a valid {spec.name} export ({type(exc).__name__}: {exc})") from exc


def _sniffs(spec: FormatSpec, raw: RawInput) -> bool:
    try:
        return bool(spec.sniff(raw))
    except (ValueError, UnicodeError):
        return False


def _forced_hint(raw: RawInput, fmt: str) -> str:
    """Why a forced ``--format`` failed: what the content looks like instead."""
    try:
        looks = f"it looks like {detect(raw).name}"
    except InputError:
        looks = "its content matches no known format"
    return f"--format {fmt} was forced, but {looks}"


def load(
    path: str | Path,
    fmt: str | None = None,
    *,
    tz: str = "UTC",
    mapping: Mapping[str, str] | None = None,
    date_order: str = "auto",
    texts_read: Callable[[list[str]], None] | None = None,
) -> Collection:
    """Load an export (file, folder or zip), auto-detecting its format unless ``fmt`` is given.

    ``texts_read`` is called with blocks of post texts while a big file is read (see
    :attr:`LoadOptions.texts_read`)."""
    return parse_raw(read_raw(path), fmt, tz=tz, mapping=mapping, date_order=date_order, texts_read=texts_read)


__all__ = [
    "DATE_ORDERS",
    "MAX_INPUT_BYTES",
    "FormatSpec",
    "LoadOptions",
    "RawInput",
    "detect",
    "format_names",
    "formats",
    "load",
    "parse_raw",
    "read_raw",
]
