"""Review charts, each on an explicit matplotlib Figure (the report's palette and SVG export)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING

import numpy as np

from postmortem.charts import GRID, INK, MOOD_COLOUR, ROLE_COLOURS, TARGET_COLOUR, build_delay_chart
from postmortem.timeline import ROLE_COMPANY

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from postmortem.review.stats import LessonCount, Week

MAX_LESSON_BARS = 12


def _figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")


def _style(ax: object) -> None:
    ax.grid(True, axis="y", color=GRID, linewidth=0.6)  # type: ignore[attr-defined]
    ax.set_axisbelow(True)  # type: ignore[attr-defined]
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.tick_params(labelsize=8, colors=INK)  # type: ignore[attr-defined]


def weekly_data(weeks: Sequence[Week]) -> tuple[list[datetime], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Week starts, threads, breaches, first-response median and p90 in hours (NaN when none)."""
    starts = [datetime.combine(w.start, time(0, 0)) for w in weeks]
    threads = np.array([w.threads for w in weeks], dtype=float)
    breaches = np.array([w.breaches for w in weeks], dtype=float)

    def hours(values: Sequence[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v / 3600.0 for v in values], dtype=float)

    return (
        starts,
        threads,
        breaches,
        hours([w.first_response_median_s for w in weeks]),
        hours([w.first_response_p90_s for w in weeks]),
    )


def build_weekly_chart(weeks: Sequence[Week], target_s: float) -> Figure:
    """Threads and breaches per week (bars), and first-response median and p90 (lines, hours)."""
    import matplotlib.dates as mdates

    starts, threads, breaches, median_h, p90_h = weekly_data(weeks)
    fig = _figure(7.0, 3.8)
    top, bottom = fig.subplots(2, 1, sharex=True)
    for ax in (top, bottom):
        _style(ax)
    x = np.array(starts, dtype="datetime64[s]")
    # Two bars per week (widths in days): threads centred on Tuesday night, breaches on Friday night.
    top.bar(
        x + np.timedelta64(48, "h"), threads, width=2.6, color=ROLE_COLOURS[ROLE_COMPANY], label="threads", linewidth=0
    )
    top.bar(
        x + np.timedelta64(120, "h"), breaches, width=2.6, color=TARGET_COLOUR, label="target breaches", linewidth=0
    )
    top.set_ylabel("per week", fontsize=8, color=INK)
    top.yaxis.get_major_locator().set_params(integer=True)
    top.legend(fontsize=7, frameon=False, loc="upper left", ncols=2)
    middle = x + np.timedelta64(3 * 24 + 12, "h")
    bottom.plot(
        middle, median_h, color=MOOD_COLOUR, marker="o", markersize=3, linewidth=1.5, label="first response, median"
    )
    bottom.plot(
        middle, p90_h, color=INK, marker="^", markersize=3, linewidth=1, linestyle="--", label="first response, p90"
    )
    bottom.axhline(target_s / 3600.0, color=TARGET_COLOUR, linewidth=0.8, linestyle=":", label="target")
    bottom.set_ylabel("hours", fontsize=8, color=INK)
    bottom.set_ylim(bottom=0)
    bottom.legend(fontsize=7, frameon=False, loc="upper left", ncols=3)
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    return fig


def build_first_response_chart(first_response_s: Sequence[float], target_s: float) -> Figure:
    """How long threads waited for the company's first reply (the report's delay bins)."""
    fig = build_delay_chart(np.asarray(first_response_s, dtype=float) / 60.0, target_s)
    fig.axes[0].set_ylabel("threads", fontsize=8, color=INK)
    return fig


def build_lesson_chart(bad: Sequence[LessonCount], good: Sequence[LessonCount]) -> Figure:
    """Threads in which each lesson fired: went badly in the warning colour, went well in green."""
    rows = [(c.id, c.threads, TARGET_COLOUR) for c in bad[:MAX_LESSON_BARS]]
    rows += [(c.id, c.threads, MOOD_COLOUR) for c in good[:MAX_LESSON_BARS]]
    fig = _figure(7.0, max(1.6, 0.28 * len(rows) + 0.8))
    ax = fig.add_subplot()
    _style(ax)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color=GRID, linewidth=0.6)
    positions = np.arange(len(rows))[::-1]
    ax.barh(positions, [r[1] for r in rows], color=[r[2] for r in rows], height=0.7, linewidth=0)
    ax.set_yticks(positions, [r[0] for r in rows], fontsize=7.5)
    ax.set_xlabel("threads", fontsize=8, color=INK)
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    return fig
