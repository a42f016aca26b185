"""Parsing and formatting of durations and other units shown to people."""

from __future__ import annotations

import re

from postmortem.errors import UsageError

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "day": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|w)s?", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Seconds from ``90s``, ``15m``, ``1h``, ``1h30m``, ``2d`` or a bare number of seconds."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    else:
        parts = _PART.findall(value)
        if not parts or _PART.sub("", value).strip():
            raise UsageError(f"cannot read duration {text!r}: use e.g. 30m, 1h, 4h, 1d or 1h30m")
        seconds = sum(float(n) * _UNITS[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise UsageError(f"duration {text!r} must be positive")
    return seconds


def format_duration(seconds: float | None) -> str:
    """A short human form: ``45s``, ``12 min``, ``3 h 05 min``, ``2 d 4 h``; an em dash for None."""
    if seconds is None:
        return "\u2014"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} h" if m == 0 else f"{h} h {m:02d} min"
    d, rem = divmod(s, 86400)
    h = rem // 3600
    return f"{d} d" if h == 0 else f"{d} d {h} h"
