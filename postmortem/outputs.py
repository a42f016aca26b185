"""Writing outputs safely: atomically, never over an existing file without ``force``,
and with spreadsheet formulas neutralised in CSV exports.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from postmortem.errors import OutputError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Outputs:
    """Where to write each output of a report, review or case (None: not wanted)."""

    pdf: Path | None = None
    html: Path | None = None
    json: Path | None = None
    csv: Path | None = None
    md: Path | None = None

    def targets(self) -> list[Path]:
        """Every requested path."""
        return [p for p in (self.pdf, self.html, self.json, self.csv, self.md) if p is not None]


def check_target(path: Path, *, force: bool = False, mkdir: bool = False) -> None:
    """Fail before any work if ``path`` exists (without force) or its folder is missing."""
    if path.exists() and path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file name")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to overwrite it")
    parent = path.parent
    if not parent.exists():
        if mkdir:
            parent.mkdir(parents=True, exist_ok=True)
        else:
            raise OutputError(f"{path}: folder {parent} does not exist; create it or use --mkdir")


STALE_TEMP_S = 3600.0
"""A temporary file older than this was left by a killed run and is removed on the next write."""


def remove_stale_temps(path: Path, now: float | None = None) -> int:
    """Delete ``.NAME.*.tmp`` files beside ``path`` left by runs killed over an hour ago."""
    import time

    cutoff = (time.time() if now is None else now) - STALE_TEMP_S
    removed = 0
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
                removed += 1
    return removed


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside ``path``, then rename it into place.

    A run killed mid-write leaves the old file (or none) and a hidden ``.NAME.*.tmp``; such
    leftovers older than an hour are removed by the next write to the same path.
    """
    remove_stale_temps(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; otherwise the usual mode under the process umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def neutralise_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection guidance)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, neutralise: Sequence[bool] | None = None
) -> str:
    """CSV with the given columns; text columns (``neutralise`` True) are made formula-safe."""
    guard = list(neutralise) if neutralise is not None else [True] * len(header)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(neutralise_cell(v) if g else ("" if v is None else v) for v, g in zip(row, guard, strict=True))
    return buffer.getvalue()
