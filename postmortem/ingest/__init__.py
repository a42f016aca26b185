"""Loading exports: the only place that opens input files.

:func:`load` reads a file, folder or zip archive into a :class:`RawInput`, detects its
format by content (or takes ``fmt``), and hands it to that format's pure ``parse``
function, which returns a :class:`~postmortem.model.Collection` of threads.
"""

from __future__ import annotations

import hashlib
import importlib
import zipfile
from collections.abc import Mapping
from pathlib import Path

from postmortem.errors import InputError, UsageError
from postmortem.ingest.common import FormatSpec, LoadOptions, RawInput
from postmortem.model import Collection

MAX_INPUT_BYTES = 2 * 1024**3
"""Largest input read (file, or all members of a folder/zip together): 2 GiB."""
MAX_MEMBERS = 200_000


# Detection order: most specific first; the generic format is the fallback.
_FORMAT_MODULES: tuple[str, ...] = ("generic",)


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
            f"input is {size / 1024**3:.1f} GiB, over the {MAX_INPUT_BYTES // 1024**3} GiB limit; "
            "split the export by period",
        )


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
        f"unrecognised {kind} format; run 'postmortem formats' to see what is supported, "
        "or force one with --format",
    )


def parse_raw(
    raw: RawInput,
    fmt: str | None = None,
    *,
    tz: str = "UTC",
    mapping: Mapping[str, str] | None = None,
) -> Collection:
    """Parse bytes already read (pure: used by :func:`load` and by tests)."""
    options = LoadOptions(tz=tz, mapping=dict(mapping or {}))
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
    except (InputError, UsageError):
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # A parser met a shape it did not expect: still one clean line, never a traceback.
        raise InputError(raw.path, f"not a valid {spec.name} export ({type(exc).__name__}: {exc})") from exc


def load(
    path: str | Path,
    fmt: str | None = None,
    *,
    tz: str = "UTC",
    mapping: Mapping[str, str] | None = None,
) -> Collection:
    """Load an export (file, folder or zip), auto-detecting its format unless ``fmt`` is given."""
    return parse_raw(read_raw(path), fmt, tz=tz, mapping=mapping)


__all__ = [
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
