"""The optional ``postmortem.toml``: settings for unattended runs (cron), overridden by the command line.

``load_config(path, cwd)`` reads the file given with ``--config`` or, without one,
``postmortem.toml`` in the working directory (no file: the defaults). ``merge(config, overrides)``
applies command-line values on top: an override of ``None`` (or an empty tuple) means "not
given on the command line" and keeps the file's value. Every value is checked, and a wrong one
is a :class:`~postmortem.errors.UsageError` naming the file and the key. See docs/review.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from postmortem.errors import UsageError

CONFIG_NAME = "postmortem.toml"
SENTIMENT_MODES = ("vader+cs", "vader")
PAPER_SIZES = ("A4", "Letter")
LOGO_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg")
MAX_LOGO_BYTES = 2 * 1024 * 1024
PLACEHOLDERS = ("month", "previous_month", "date", "since", "until", "period")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Config:
    """Settings shared by ``review`` (and later ``report``); defaults are the command's defaults."""

    source: Path | None = None
    """The file the settings came from (None: defaults only)."""
    company: tuple[str, ...] = ()
    target: str = "1h"
    tz: str = "UTC"
    business_hours: str | None = None
    weekdays: str = "mon-fri"
    sentiment: str = "vader+cs"
    title: str | None = None
    accent: str | None = None
    """Accent colour of headings and tiles, ``#rrggbb``."""
    logo: Path | None = None
    paper: str = "A4"
    rules: Path | None = None
    """A lessons rules file merged over the package rulebook."""
    output_dir: str | None = None
    """Folder for relative output paths; may hold ``{month}``, ``{date}`` and the other placeholders."""
    mkdir: bool = False
    """Create missing output folders."""

    @property
    def target_s(self) -> float:
        """The response target in seconds."""
        from postmortem.units import parse_duration

        return parse_duration(self.target)


# TOML layout: (table, key) -> (Config field, kind). Kinds: str, strs (string or list), path, bool.
_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("", "company"): ("company", "strs"),
    ("", "target"): ("target", "str"),
    ("", "tz"): ("tz", "str"),
    ("", "sentiment"): ("sentiment", "str"),
    ("business_hours", "hours"): ("business_hours", "str"),
    ("business_hours", "weekdays"): ("weekdays", "str"),
    ("branding", "title"): ("title", "str"),
    ("branding", "accent"): ("accent", "str"),
    ("branding", "logo"): ("logo", "path"),
    ("branding", "paper"): ("paper", "str"),
    ("lessons", "rules"): ("rules", "path"),
    ("output", "dir"): ("output_dir", "str"),
    ("output", "mkdir"): ("mkdir", "bool"),
}
_TABLES = frozenset(table for table, _ in _KEYS if table)


def find_config(path: Path | None, cwd: Path) -> Path | None:
    """The file to read: ``path`` if given (it must exist), else ``cwd/postmortem.toml`` if present."""
    if path is not None:
        if not path.is_file():
            raise UsageError(f"{path}: configuration file not found")
        return path
    candidate = cwd / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path | None, cwd: Path) -> Config:
    """Read and check the configuration (``--config`` file, else ``postmortem.toml`` in ``cwd``)."""
    found = find_config(path, cwd)
    if found is None:
        return Config()
    try:
        data = tomllib.loads(found.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{found}: cannot read configuration ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{found}: configuration is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{found}: not valid TOML: {exc}") from exc
    values = parse_table(data, found)
    config = replace(Config(source=found), **values)
    check(config, where=str(found))
    return config


def parse_table(data: Mapping[str, Any], origin: Path) -> dict[str, Any]:
    """Config field values from the parsed TOML document; unknown keys and wrong types are errors."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in _TABLES:
                raise UsageError(f"{origin}: unknown section [{key}] (known: {', '.join(sorted(_TABLES))})")
            for sub, sub_value in value.items():
                _take(values, origin, key, sub, sub_value)
        else:
            _take(values, origin, "", key, value)
    return values


def _take(values: dict[str, Any], origin: Path, table: str, key: str, value: Any) -> None:
    name = f"{table}.{key}" if table else key
    if (table, key) not in _KEYS:
        known = sorted(k for t, k in _KEYS if t == table)
        raise UsageError(f"{origin}: unknown key '{name}' (known here: {', '.join(known)})")
    field_name, kind = _KEYS[(table, key)]
    values[field_name] = _convert(value, kind, origin, name)


def _convert(value: Any, kind: str, origin: Path, name: str) -> Any:
    def wrong(expected: str) -> UsageError:
        return UsageError(f"{origin}: key '{name}': expected {expected}, got {type(value).__name__} {value!r}")

    if kind == "bool":
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if kind == "strs":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise wrong("a handle or a list of handles")
        return tuple(v.strip() for v in items)
    if not isinstance(value, str) or not value.strip():
        raise wrong("a non-empty string")
    if kind == "path":
        path = Path(value).expanduser()
        return path if path.is_absolute() else origin.parent / path
    return value.strip()


def check(config: Config, *, where: str = "command line") -> None:
    """Raise UsageError naming ``where`` and the key for the first invalid value."""
    from postmortem.analysis.business import parse_business_hours
    from postmortem.ingest.common import parse_zone

    checks: list[tuple[str, Callable[[], object]]] = [
        ("target", lambda: config.target_s),
        ("tz", lambda: parse_zone(config.tz)),
        ("sentiment", lambda: _one_of(config.sentiment, SENTIMENT_MODES)),
        ("branding.paper", lambda: _one_of(config.paper, PAPER_SIZES)),
        ("branding.accent", lambda: _colour(config.accent)),
        ("branding.logo", lambda: _logo(config.logo)),
        ("lessons.rules", lambda: _exists(config.rules)),
        ("output.dir", lambda: _placeholders(config.output_dir)),
    ]
    if config.business_hours:
        zone = parse_zone(config.tz) if _valid_zone(config.tz) else None
        if zone is not None:
            checks.append(
                (
                    "business_hours",
                    lambda: parse_business_hours(config.business_hours or "", config.weekdays, zone, config.tz),
                )
            )
    for key, run in checks:
        try:
            run()
        except UsageError as exc:
            raise UsageError(f"{where}: key '{key}': {exc}") from exc


def _valid_zone(name: str) -> bool:
    from postmortem.ingest.common import parse_zone

    try:
        parse_zone(name)
    except UsageError:
        return False
    return True


def _one_of(value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"{value!r}: choose {' or '.join(choices)}")


def _colour(value: str | None) -> None:
    if value is not None and not _COLOUR.fullmatch(value):
        raise UsageError(f"{value!r}: expected a colour like #0b4f8a")


def _logo(path: Path | None) -> None:
    if path is None:
        return
    _exists(path)
    if path.suffix.lower() not in LOGO_SUFFIXES:
        raise UsageError(f"{path}: a logo must be {', '.join(LOGO_SUFFIXES)}")
    if path.stat().st_size > MAX_LOGO_BYTES:
        raise UsageError(f"{path}: a logo must be at most 2 MB")


def _exists(path: Path | None) -> None:
    if path is not None and not path.is_file():
        raise UsageError(f"{path}: file not found")


def _placeholders(text: str | None) -> None:
    for name in re.findall(r"\{([^{}]*)\}", text or ""):
        if name not in PLACEHOLDERS:
            raise UsageError(
                f"{text!r}: unknown placeholder {{{name}}} (use {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
            )


def merge(config: Config, overrides: Mapping[str, object]) -> Config:
    """``config`` with the command line's values on top (None or an empty tuple: not given)."""
    known = {f.name for f in fields(Config)} - {"source"}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown configuration field(s): {', '.join(sorted(unknown))}")
    given: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None or (isinstance(value, tuple | list) and not value):
            continue
        if name == "company":
            value = tuple(str(v) for v in value)  # type: ignore[attr-defined]
        given[name] = value
    merged = replace(config, **given)
    if given:
        check(merged)
    return merged


def expand_placeholders(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{month}``, ``{date}`` … in an output path; unknown placeholders are usage errors."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise UsageError(
                f"{template!r}: unknown placeholder {{{name}}} (use {', '.join('{' + p + '}' for p in values)})"
            )
        return values[name]

    return re.sub(r"\{([^{}]*)\}", sub, template)
