"""Business hours: how much of a delay fell inside the team's working hours.

Social-care tools report calendar delays and business-hours delays side by side: a complaint
posted on Friday evening and answered on Monday morning waited about 60 calendar hours but
only a few business minutes. Days are computed in the team's time zone, so DST changes and
weekends are handled by the calendar, not by fixed offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from postmortem.errors import UsageError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class BusinessHours:
    """Working hours (local ``start``-``end``) on ``weekdays`` (0 = Monday) in ``zone``."""

    start: time
    end: time
    weekdays: frozenset[int]
    zone: tzinfo
    label: str

    def seconds_between(self, begin: datetime, finish: datetime) -> float:
        """Seconds of [begin, finish) that fall inside business hours."""
        # Subtract in UTC: aware datetimes sharing a ZoneInfo subtract as wall-clock times,
        # which would ignore the hour a DST change adds or removes.
        begin, finish = begin.astimezone(UTC), finish.astimezone(UTC)
        if finish <= begin:
            return 0.0
        total = 0.0
        day = begin.astimezone(self.zone).date() - timedelta(days=1)
        last = finish.astimezone(self.zone).date()
        while day <= last:
            if day.weekday() in self.weekdays:
                open_at, close_at = self._window(day)
                overlap = min(finish, close_at) - max(begin, open_at)
                total += max(0.0, overlap.total_seconds())
            day += timedelta(days=1)
        return total

    def _window(self, day: date) -> tuple[datetime, datetime]:
        open_at = datetime.combine(day, self.start, tzinfo=self.zone)
        close_day = day if self.end > self.start else day + timedelta(days=1)
        close_at = datetime.combine(close_day, self.end, tzinfo=self.zone)
        return open_at.astimezone(UTC), close_at.astimezone(UTC)

    def is_open(self, moment: datetime) -> bool:
        """True if ``moment`` falls inside business hours."""
        return self.seconds_between(moment, moment + timedelta(seconds=1)) > 0


def parse_weekdays(text: str) -> frozenset[int]:
    """``mon-fri``, ``mon,wed,fri``, ``sat-sun`` or ``all`` -> weekday numbers (0 = Monday)."""
    value = text.strip().lower()
    if value in ("all", "every", "mon-sun"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in value.split(","):
        part = part.strip()[:7]
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day(first, text), _day(last, text)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif part:
            days.add(_day(part, text))
    if not days:
        raise UsageError(f"--weekdays {text!r}: name days like mon-fri or mon,tue,sat")
    return frozenset(days)


def _day(name: str, original: str) -> int:
    key = name.strip()[:3]
    if key not in WEEKDAY_NAMES:
        raise UsageError(f"--weekdays {original!r}: unknown day {name!r} (use mon, tue, wed, thu, fri, sat, sun)")
    return WEEKDAY_NAMES.index(key)


def parse_business_hours(hours: str, weekdays: str, zone: tzinfo, zone_name: str) -> BusinessHours:
    """Build business hours from ``09:00-17:00`` and ``mon-fri`` in ``zone``."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", hours)
    if not match:
        raise UsageError(f"--business-hours {hours!r}: use HH:MM-HH:MM, e.g. 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise UsageError(f"--business-hours {hours!r}: not a valid time of day")
    start = time(h1, m1)
    end = time(0, 0) if h2 == 24 else time(h2, m2)
    if start == end and h2 != 24:
        raise UsageError(f"--business-hours {hours!r}: opening and closing times are the same")
    days = parse_weekdays(weekdays)
    label = f"{hours.strip()} {weekdays.strip()} ({zone_name})"
    return BusinessHours(start, end, days, zone, label)
