"""The review period: ``--month YYYY-MM``, ``--since/--until`` dates, or all the data.

Dates are calendar days in the configured time zone; ``until`` is inclusive. A period has a
half-open UTC interval ``[start, end)`` and, when it is bounded, a previous period of equal
length (for a month: the previous calendar month).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from postmortem.errors import UsageError


@dataclass(frozen=True)
class Period:
    """A span of days in a zone; ``start``/``end`` are None when open (then resolved from the data)."""

    label: str
    basis: str
    """``month``, ``range`` or ``all``."""
    tz: str
    start: datetime | None
    end: datetime | None
    """Exclusive."""
    first_day: date | None = None
    last_day: date | None = None
    """Inclusive."""
    month: str | None = None

    def contains(self, moment: datetime) -> bool:
        """True when ``moment`` falls in ``[start, end)`` (open ends accept everything)."""
        if self.start is not None and moment < self.start:
            return False
        return not (self.end is not None and moment >= self.end)

    @property
    def bounded(self) -> bool:
        """Both ends known."""
        return self.start is not None and self.end is not None

    def previous(self, zone: tzinfo) -> Period | None:
        """The period just before, of equal length (the previous month for a month); None if open."""
        if self.first_day is None or self.last_day is None:
            return None
        if self.basis == "month":
            last = self.first_day - timedelta(days=1)
            return month_period(f"{last.year:04d}-{last.month:02d}", zone, self.tz)
        days = (self.last_day - self.first_day).days + 1
        first = self.first_day - timedelta(days=days)
        return range_period(first, self.first_day - timedelta(days=1), zone, self.tz)

    def placeholders(self, today: date) -> dict[str, str]:
        """Values for ``{month}``, ``{previous_month}``, ``{date}``, ``{since}``, ``{until}``, ``{period}``."""
        anchor = self.first_day or today
        before = anchor.replace(day=1) - timedelta(days=1)
        return {
            "month": self.month or f"{anchor.year:04d}-{anchor.month:02d}",
            "previous_month": f"{before.year:04d}-{before.month:02d}",
            "date": today.isoformat(),
            "since": self.first_day.isoformat() if self.first_day else "start",
            "until": self.last_day.isoformat() if self.last_day else "end",
            "period": self.label.replace(" ", "_").replace("\u2013", "_"),
        }


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def parse_day(text: str, option: str) -> date:
    """``2026-10-01`` -> date, or a UsageError naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"{option} {text!r}: expected a date like 2026-10-01") from exc


def month_period(month: str, zone: tzinfo, tz: str) -> Period:
    """The calendar month ``YYYY-MM`` in ``zone``."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"--month {month!r}: expected a month like 2026-10")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    label = f"{first.year:04d}-{first.month:02d}"
    return Period(
        label=label,
        basis="month",
        tz=tz,
        start=_midnight(first, zone),
        end=_midnight(following, zone),
        first_day=first,
        last_day=following - timedelta(days=1),
        month=label,
    )


def range_period(first: date | None, last: date | None, zone: tzinfo, tz: str) -> Period:
    """Days ``first`` to ``last`` inclusive (either may be open)."""
    if first is not None and last is not None and last < first:
        raise UsageError(f"--until {last} is before --since {first}")
    start = None if first is None else _midnight(first, zone)
    end = None if last is None else _midnight(last + timedelta(days=1), zone)
    label = f"{first.isoformat() if first else 'start'} \u2013 {last.isoformat() if last else 'end'}"
    return Period(label=label, basis="range", tz=tz, start=start, end=end, first_day=first, last_day=last)


def resolve_period(month: str | None, since: str | None, until: str | None, zone: tzinfo, tz: str) -> Period:
    """The period the options ask for; no option: all the data."""
    if month and (since or until):
        raise UsageError("give either --month or --since/--until, not both")
    if month:
        return month_period(month, zone, tz)
    if since or until:
        first = parse_day(since, "--since") if since else None
        last = parse_day(until, "--until") if until else None
        return range_period(first, last, zone, tz)
    return Period(label="all data", basis="all", tz=tz, start=None, end=None)


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of ``moment`` in ``zone``."""
    return moment.astimezone(zone).date()
