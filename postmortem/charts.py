"""Charts for the report: each built on an explicit matplotlib Figure, returned as SVG text.

Data preparation is separate from drawing (``*_data`` functions are pure and tested on
their own); charts always plot aggregated windows, never one mark per post beyond the
company replies, which are capped.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from postmortem.timeline import (
    CREATED_AT,
    IS_COMPANY,
    PARENT_ID,
    RESPONSE_S,
    ROLE_COMPANY,
    ROLE_COMPLAINANT,
    ROLE_CROWD,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from postmortem.analysis.results import Analysis

# Okabe-Ito colour-blind-safe palette.
ROLE_COLOURS = {ROLE_COMPANY: "#0072B2", ROLE_COMPLAINANT: "#D55E00", ROLE_CROWD: "#CC79A7"}
MOOD_COLOUR = "#009E73"
TARGET_COLOUR = "#D55E00"
INK = "#222222"
GRID = "#dddddd"
FONT = "DejaVu Sans"
MAX_REPLY_MARKS = 200


@dataclass(frozen=True)
class VolumeData:
    """Posts per window by role, mean crowd mood per window, company reply times."""

    starts: pd.DatetimeIndex
    counts: dict[str, np.ndarray]
    mood: np.ndarray
    reply_times: pd.DatetimeIndex
    window_s: float


def volume_data(analysis: Analysis, tz: str = "UTC") -> VolumeData:
    """Aggregate the windows table for the volume chart (times shown in ``tz``)."""
    windows = analysis.windows
    starts = pd.DatetimeIndex(windows["start"]).tz_convert(tz)
    posts = analysis.posts
    replies = posts.loc[posts[IS_COMPANY] & posts[PARENT_ID].notna(), CREATED_AT]
    reply_times = pd.DatetimeIndex(replies).tz_convert(tz)[:MAX_REPLY_MARKS]
    return VolumeData(
        starts=starts,
        counts={role: windows[role].to_numpy(dtype=float) for role in (ROLE_COMPLAINANT, ROLE_CROWD, ROLE_COMPANY)},
        mood=windows["crowd_sentiment"].to_numpy(dtype=float),
        reply_times=reply_times,
        window_s=analysis.window_s,
    )


def delay_data(analysis: Analysis) -> np.ndarray:
    """Response delays of answered inbound posts, in minutes."""
    delays: np.ndarray = analysis.posts[RESPONSE_S].dropna().to_numpy(dtype=float) / 60.0
    return delays


def _figure(width_in: float = 7.0, height_in: float = 3.0) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    return fig


def _style(ax: Axes) -> None:
    ax.grid(True, axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=INK)


def figure_to_svg(fig: Figure) -> str:
    """Serialise a figure to SVG text (fonts kept as text, no metadata dates), simplified for WeasyPrint."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "postmortem", "font.family": FONT}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    # The report's bundled "PM Sans" is the same DejaVu Sans matplotlib measured the text with;
    # naming it first saves embedding (and subsetting) a second copy from the system.
    svg = buffer.getvalue().replace(f"font-family: '{FONT}'", f"font-family: 'PM Sans', '{FONT}'")
    return simplify_svg(svg)


_SVG = "{http://www.w3.org/2000/svg}"
_HREF = "{http://www.w3.org/1999/xlink}href"
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TEXT_TAGS = frozenset(f"{_SVG}{tag}" for tag in ("text", "tspan", "textPath", "style", "title", "desc"))
_IDENTITY_ROTATE = re.compile(r"rotate\(-?0(?:\.0*)? [-+\d.e]+ [-+\d.e]+\)")


def _declarations(style: str) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in style.split(";") if ":" in part)
    return {name.strip(): value.strip() for name, value in pairs}


def _translated(d: str, dx: float, dy: float) -> str | None:
    """Path data moved by (dx, dy); None unless it holds only absolute M, L, C, Q and Z commands
    (all matplotlib writes for markers), whose numbers are all x, y pairs."""
    out: list[str] = []
    count = 0
    for token in _PATH_TOKEN.findall(d):
        if token.isalpha():
            if token not in "MLCQZz":
                return None
            out.append(token)
            continue
        value = float(token) + (dx if count % 2 == 0 else dy)
        count += 1
        out.append(f"{value:.3f}".rstrip("0").rstrip("."))
    return " ".join(out)


def simplify_svg(svg: str) -> str:
    """The same picture in a fraction of the SVG elements, for WeasyPrint's SVG renderer.

    WeasyPrint draws an SVG element by element, parsing each ``style`` attribute with its CSS
    parser and copying the marker for every ``<use>``: matplotlib's ~1,700 elements for the
    three report charts took ~0.2 s of PDF writing. Here (measured: 4-6x fewer elements,
    half the drawing time, same pixels):

    - ``style`` declarations become presentation attributes (same precedence over inherited
      values) and the global ``*{...}`` rule becomes inherited attributes on the root;
    - each ``<use>`` of a marker path becomes the path itself, moved to the marker's place, and
      consecutive copies of one marker with identical attributes (a line's markers, a scatter)
      become one path (not when any opacity is set, where overlaps would blend differently);
    - ``<g>`` elements without attributes are unwrapped, unreferenced ids, metadata, empty
      ``<defs>`` and identity rotations are dropped.
    """
    root = ET.fromstring(svg)
    referenced = set(re.findall(r"url\(#([^)]+)\)", svg)) | set(re.findall(r'href="#([^"]+)"', svg))
    for metadata in root.findall(f"{_SVG}metadata"):
        root.remove(metadata)
    for defs in root.findall(f"{_SVG}defs"):
        for style in defs.findall(f"{_SVG}style"):
            rule = re.fullmatch(r"\s*\*\s*\{([^}]*)\}\s*", style.text or "")
            if rule is None:
                continue
            for name, value in _declarations(rule.group(1)).items():
                root.set(name, value)
            defs.remove(style)
    for element in root.iter():
        style_attr = element.attrib.pop("style", None)
        if style_attr:
            for name, value in _declarations(style_attr).items():
                element.set(name, value)
        if element.tag == f"{_SVG}text" and _IDENTITY_ROTATE.fullmatch(element.get("transform", "")):
            del element.attrib["transform"]
    markers = {el.get("id"): el for el in root.iter(f"{_SVG}path") if el.get("id") and "transform" not in el.attrib}

    def marker_path(use: ET.Element) -> ET.Element | None:
        target = markers.get(use.get(_HREF, "").lstrip("#"))
        if target is None or "transform" in use.attrib:
            return None
        d = _translated(target.get("d", ""), float(use.get("x", "0")), float(use.get("y", "0")))
        if d is None:
            return None
        attrs = {k: v for k, v in use.attrib.items() if k not in ("x", "y", _HREF)}
        attrs.update((k, v) for k, v in target.attrib.items() if k not in ("id", "d"))
        path = ET.Element(f"{_SVG}path", attrs)
        path.set("d", d)
        return path

    def rebuild(parent: ET.Element, translucent: bool) -> None:
        """Flatten and merge below ``parent`` (``translucent``: an opacity is set on it or above)."""
        children: list[ET.Element] = []
        merge_key: tuple[str, ...] | None = None
        for child in list(parent):
            rebuild(child, translucent or any("opacity" in k for k in child.attrib))
            if child.tag == f"{_SVG}g" and set(child.attrib) <= {"id"} and child.get("id") not in referenced:
                children.extend(child)  # already flattened and merged inside
                merge_key = None
                continue
            if child.tag == f"{_SVG}defs" and len(child) == 0:
                continue
            path = marker_path(child) if child.tag == f"{_SVG}use" else None
            if path is None:
                children.append(child)
                merge_key = None
                continue
            key = (child.get(_HREF, ""), *sorted(f"{k}={v}" for k, v in path.attrib.items() if k != "d"))
            if key == merge_key and not translucent and not any("opacity" in k for k in path.attrib):
                children[-1].set("d", children[-1].get("d", "") + " " + path.get("d", ""))
            else:
                children.append(path)
                merge_key = key
        for child in list(parent):
            parent.remove(child)
        parent.extend(children)

    rebuild(root, any("opacity" in k for k in root.attrib))
    referenced = set(re.findall(r"url\(#([^)]+)\)", ET.tostring(root, encoding="unicode"))) | {
        el.get(_HREF, "").lstrip("#") for el in root.iter(f"{_SVG}use")
    }
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{_SVG}defs":
                for item in list(child):
                    if item.get("id") not in referenced:
                        child.remove(item)
                if len(child) == 0:
                    parent.remove(child)
    for element in root.iter():
        if element.get("id") is not None and element.get("id") not in referenced:
            del element.attrib["id"]
    for element in root.iter():  # drop the indentation, never text inside text elements
        if element.tag in _TEXT_TAGS:
            continue
        if element.text and not element.text.strip():
            element.text = None
        for child in element:
            if child.tail and not child.tail.strip():
                child.tail = None
    # Serialise with the SVG namespace as the default one (ElementTree would write "ns0:" prefixes).
    for element in root.iter():
        element.tag = element.tag.removeprefix(_SVG)
        if _HREF in element.attrib:
            element.set("xlink:href", element.attrib.pop(_HREF))
    root.set("xmlns", _SVG[1:-1])
    if any("xlink:href" in element.attrib for element in root.iter()):
        root.set("xmlns:xlink", _HREF[1:].split("}")[0])
    return ET.tostring(root, encoding="unicode")


def _time_axis(ax: Axes, tz: str) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(tz=tz)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator, tz=tz)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)


def build_volume_chart(
    data: VolumeData, tz: str = "UTC", phases: list[tuple[pd.Timestamp, pd.Timestamp, str]] | None = None
) -> Figure:
    """Stacked posts per window by role, the crowd's mean mood, company replies marked."""
    fig = _figure(7.0, 3.0)
    ax = fig.add_subplot()
    _style(ax)
    width = pd.Timedelta(seconds=data.window_s * 0.9)
    bottom = np.zeros(len(data.starts))
    centres = data.starts + pd.Timedelta(seconds=data.window_s / 2)
    labels = {ROLE_COMPLAINANT: "complainants", ROLE_CROWD: "crowd", ROLE_COMPANY: "company"}
    for role, values in data.counts.items():
        ax.bar(centres, values, width=width, bottom=bottom, color=ROLE_COLOURS[role], label=labels[role], linewidth=0)
        bottom = bottom + values
    span_s = max(1.0, (data.starts[-1] - data.starts[0]).total_seconds() + data.window_s) if len(data.starts) else 1.0
    for n, (start, end, name) in enumerate(phases or []):
        if n % 2 == 0:
            ax.axvspan(start, end, color="#000000", alpha=0.05, linewidth=0)
        if (end - start).total_seconds() < 0.08 * span_s:
            continue  # too narrow to label; the phases table lists it
        ax.text(
            start,
            1.0,
            f" {name}",
            transform=ax.get_xaxis_transform(),
            fontsize=6.5,
            color="#555555",
            va="bottom",
            rotation=0,
        )
    if len(data.reply_times):
        ax.plot(
            data.reply_times,
            np.zeros(len(data.reply_times)),
            linestyle="none",
            marker="^",
            markersize=6,
            color=ROLE_COLOURS[ROLE_COMPANY],
            clip_on=False,
            label="company reply",
        )
    ax.set_ylabel("posts per window", fontsize=8, color=INK)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0, top=max(1.0, float(bottom.max()) * 1.15))
    mood_ax = ax.twinx()
    valid = ~np.isnan(data.mood)
    mood_ax.plot(
        centres[valid],
        data.mood[valid],
        color=MOOD_COLOUR,
        linewidth=1.6,
        marker="o",
        markersize=2.5,
        label="crowd mood",
    )
    mood_ax.axhline(0, color=MOOD_COLOUR, linewidth=0.5, linestyle=":")
    mood_ax.set_ylim(-1.05, 1.05)
    mood_ax.set_ylabel("mean sentiment (\u22121 to +1)", fontsize=8, color=MOOD_COLOUR)
    mood_ax.tick_params(labelsize=8, colors=MOOD_COLOUR)
    mood_ax.spines["top"].set_visible(False)
    _time_axis(ax, tz)
    handles, names = ax.get_legend_handles_labels()
    mood_handles, mood_names = mood_ax.get_legend_handles_labels()
    ax.legend(
        handles + mood_handles,
        names + mood_names,
        fontsize=7,
        ncols=5,
        loc="upper left",
        bbox_to_anchor=(0, -0.16),
        frameon=False,
    )
    return fig


def build_sentiment_chart(analysis: Analysis, tz: str = "UTC") -> Figure:
    """The crowd's rolling mood with the company's posts marked by their own tone."""
    from postmortem.analysis.sentiment import crowd_rolling

    fig = _figure(7.0, 2.6)
    ax = fig.add_subplot()
    _style(ax)
    rolling = crowd_rolling(analysis.posts, analysis.window_s)
    if len(rolling):
        rolling = _thin(rolling, 2000)
        ax.plot(
            rolling.index.tz_convert(tz),
            rolling.to_numpy(),
            color=MOOD_COLOUR,
            linewidth=1.6,
            label="crowd mood (rolling mean)",
        )
    company = analysis.posts.loc[analysis.posts[IS_COMPANY]]
    if len(company):
        company = company.head(MAX_REPLY_MARKS)
        ax.scatter(
            pd.DatetimeIndex(company[CREATED_AT]).tz_convert(tz),
            company["sentiment"],
            color=ROLE_COLOURS[ROLE_COMPANY],
            marker="^",
            s=22,
            zorder=3,
            label="company post (its own tone)",
        )
    ax.axhline(0, color="#888888", linewidth=0.6, linestyle=":")
    ax.axhspan(-1.05, -0.05, color="#D55E00", alpha=0.04, linewidth=0)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("sentiment (\u22121 to +1)", fontsize=8, color=INK)
    _time_axis(ax, tz)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.16), ncols=2, frameon=False)
    return fig


def _thin(series: pd.Series, limit: int) -> pd.Series:
    if len(series) <= limit:
        return series
    step = int(np.ceil(len(series) / limit))
    return series.iloc[::step]


def build_delay_chart(delays_min: np.ndarray, target_s: float) -> Figure:
    """Histogram of response delays on a log time axis, with the target marked."""
    fig = _figure(7.0, 2.4)
    ax = fig.add_subplot()
    _style(ax)
    edges = np.array([0, 5, 15, 30, 60, 120, 240, 480, 1440, 2880, 10080, np.inf])
    labels = ["<5m", "5-15m", "15-30m", "30-60m", "1-2h", "2-4h", "4-8h", "8-24h", "1-2d", "2-7d", ">7d"]
    counts, _ = np.histogram(delays_min, bins=edges)
    target_min = target_s / 60.0
    colours = [ROLE_COLOURS[ROLE_COMPANY] if edges[i + 1] <= target_min else TARGET_COLOUR for i in range(len(labels))]
    positions = np.arange(len(labels))
    ax.bar(positions, counts, color=colours, width=0.8, linewidth=0)
    ax.set_xticks(positions, labels)
    boundary = int(np.searchsorted(edges, target_min, side="left"))
    ax.axvline(boundary - 0.5, color=INK, linewidth=1, linestyle="--")
    ax.text(boundary - 0.45, 1.0, "target", transform=ax.get_xaxis_transform(), fontsize=7, va="top", color=INK)
    ax.set_ylabel("answered posts", fontsize=8, color=INK)
    ax.set_ylim(0, max(1, int(counts.max()) + 1) if len(counts) else 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig
