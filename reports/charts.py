"""Coverage charts as PNG bytes: matplotlib's Figure API on the Agg canvas (no pyplot, so charts can
be drawn in worker threads), every label set in the shipped CJK font.

Bars are horizontal so that long Chinese names stay on one line and 54 classes still fit: each row is
a pale bar for the share visited and, inside it, a dark bar for the share visited one-on-one, with
both percentages at the right. Lines mark 100 % and the one-on-one target. A second panel under the
bars shows teacher-interview coverage and focus-person coverage. Sized for a phone: 800 px wide, text
at least 11 pt at 125 dpi (≈ 10 px when Telegram shows it 400 px wide).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MultipleLocator

from reports.fonts import font

WIDTH_IN, DPI = 6.4, 125  # 800 px
ROW_IN = 0.42
VISITED, ONE_ON_ONE = "#9ecae1", "#2171b5"
FULL_LINE, TARGET_LINE = "#525252", "#d94801"
LABEL_PT, SMALL_PT, TITLE_PT = 13, 11.5, 16


@dataclass(frozen=True)
class Bar:
    """One row: ``visited`` and ``one_on_one`` of ``total`` (``total`` 0: nothing to count, "—")."""

    label: str
    total: int
    visited: int
    one_on_one: int


@dataclass(frozen=True)
class ChartWords:
    """The chart's words, already translated by the caller."""

    visited: str  # legend: share visited
    one_on_one: str  # legend: share visited one-on-one
    full: str  # the 100 % line
    target: str  # the one-on-one target line, e.g. "80 % target"
    pace: str = ""  # trend chart: the straight line to the target


@dataclass(frozen=True)
class CoverageChart:
    title: str
    subtitle: str
    bars: tuple[Bar, ...]
    extras: tuple[Bar, ...]  # teachers interviewed, focus people one-on-one
    coverage_target: float
    one_on_one_target: float
    words: ChartWords
    simplified: bool = False


@dataclass(frozen=True)
class TrendPoint:
    day: date
    visited: float  # share, 0..1
    one_on_one: float


@dataclass(frozen=True)
class TrendChart:
    title: str
    subtitle: str
    points: tuple[TrendPoint, ...]
    start: date  # the visit phase
    end: date
    coverage_target: float
    one_on_one_target: float
    words: ChartWords
    simplified: bool = False


def _share(part: int, total: int) -> float:
    return part / total if total else 0.0


def _pct(part: int, total: int) -> str:
    return f"{round(100 * part / total)}%" if total else "—"


def _heading(fig: Figure, title: str, subtitle: str, height: float, simplified: bool) -> None:
    fig.text(0.03, 1 - 0.18 / height, title, va="top", fontproperties=font(TITLE_PT, simplified=simplified))
    fig.text(0.03, 1 - 0.55 / height, subtitle, va="top", color="#525252",
             fontproperties=font(SMALL_PT, simplified=simplified))


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def _percent_axis(ax: Axes, axis: Literal["x", "y"] = "x") -> None:
    formatter = FuncFormatter(lambda v, _pos: f"{round(v * 100)}%")
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(formatter)
    target.set_major_locator(MultipleLocator(0.2))
    ax.tick_params(axis=axis, labelsize=SMALL_PT)


def _bars(ax: Axes, bars: Sequence[Bar], chart: CoverageChart) -> None:
    simplified = chart.simplified
    ys = list(range(len(bars)))
    ax.barh(ys, [_share(b.visited, b.total) for b in bars], height=0.78, color=VISITED)
    ax.barh(ys, [_share(b.one_on_one, b.total) for b in bars], height=0.42, color=ONE_ON_ONE)
    ax.set_yticks(ys, [b.label for b in bars])
    for label in ax.get_yticklabels():
        label.set_fontproperties(font(LABEL_PT, simplified=simplified))
    for y, b in zip(ys, bars, strict=True):
        if b.visited != b.one_on_one:
            text = f"{_pct(b.visited, b.total)} / {_pct(b.one_on_one, b.total)}"
        else:
            text = f"{_pct(b.one_on_one, b.total)}  ({b.one_on_one}/{b.total})"
        ax.text(1.03, y, text, va="center", ha="left", fontproperties=font(SMALL_PT, simplified=simplified))
    ax.set_ylim(max(len(bars), 1) - 0.5, -0.5)  # the first row on top
    ax.set_xlim(0, 1.34)
    ax.axvline(1.0, color=FULL_LINE, linestyle="--", linewidth=1.2)
    ax.axvline(chart.one_on_one_target, color=TARGET_LINE, linestyle=":", linewidth=1.6)
    _percent_axis(ax)
    ax.xaxis.set_major_locator(FixedLocator([0, 0.2, 0.4, 0.6, 0.8, 1.0]))  # none past 100 %
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)


def render_coverage(chart: CoverageChart) -> bytes:
    """The coverage chart as PNG bytes."""
    rows, extras = len(chart.bars), len(chart.extras)
    head_in, foot_in, gap_in = 1.15, 0.45, 0.55 if extras else 0.0
    height = head_in + ROW_IN * max(rows, 1) + gap_in + ROW_IN * extras + foot_in
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    simplified = chart.simplified
    _heading(fig, chart.title, chart.subtitle, height, simplified)
    handles = [
        Patch(color=VISITED, label=chart.words.visited),
        Patch(color=ONE_ON_ONE, label=chart.words.one_on_one),
        Line2D([], [], color=FULL_LINE, linestyle="--", label=chart.words.full),
        Line2D([], [], color=TARGET_LINE, linestyle=":", linewidth=1.6, label=chart.words.target),
    ]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, 1 - 0.82 / height), ncols=4,
               frameon=False, prop=font(SMALL_PT, simplified=simplified), handlelength=1.4,
               columnspacing=1.0, borderaxespad=0)

    top = 1 - (head_in + 0.2) / height
    bottom = foot_in / height
    main_h = ROW_IN * max(rows, 1) / height
    left = _left_margin(fig, [b.label for b in (*chart.bars, *chart.extras)], simplified)
    ax = fig.add_axes((left, top - main_h, 0.97 - left, main_h))
    _bars(ax, chart.bars, chart)
    if extras:
        extra_h = ROW_IN * extras / height
        ax2 = fig.add_axes((left, bottom, 0.97 - left, extra_h))
        _bars(ax2, chart.extras, chart)
        ax.tick_params(axis="x", labelbottom=False)
    return _png(fig)


def _left_margin(fig: Figure, labels: Sequence[str], simplified: bool) -> float:
    """The figure fraction the longest row label needs, measured in the chart's font."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    widest = 0.0
    for label in labels:
        text = fig.text(0, 0, label, fontproperties=font(LABEL_PT, simplified=simplified))
        widest = max(widest, text.get_window_extent(renderer).width)
        text.remove()
    return min(0.5, (widest + 18) / (WIDTH_IN * DPI))


def render_trend(chart: TrendChart) -> bytes:
    """Cumulative coverage per week against the straight line to each target, as PNG bytes."""
    height = 5.2
    simplified = chart.simplified
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    _heading(fig, chart.title, chart.subtitle, height, simplified)
    ax = fig.add_axes((0.11, 0.1, 0.85, 0.62))
    days = [float(date2num(p.day)) for p in chart.points]
    start, end = float(date2num(chart.start)), float(date2num(chart.end))
    for target, color in ((chart.coverage_target, VISITED), (chart.one_on_one_target, ONE_ON_ONE)):
        ax.plot([start, end], [0, target], color=color, linestyle="--", linewidth=1.4)
    ax.plot(days, [p.visited for p in chart.points], color="#4292c6", marker="o", linewidth=2.4)
    ax.plot(days, [p.one_on_one for p in chart.points], color=ONE_ON_ONE, marker="s", linewidth=2.4)
    for target, color in ((chart.coverage_target, VISITED), (chart.one_on_one_target, ONE_ON_ONE)):
        ax.annotate(f"{round(target * 100)}%", (end, target), xytext=(-4, 6),
                    textcoords="offset points", ha="right", color=color,
                    fontproperties=font(SMALL_PT, simplified=simplified))
    ax.set_ylim(0, 1.05)
    ax.set_xlim(start, end)
    _percent_axis(ax, "y")
    ax.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    ax.tick_params(axis="x", labelsize=SMALL_PT)
    ax.grid(color="#e0e0e0", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [
        Line2D([], [], color="#4292c6", marker="o", linewidth=2.4, label=chart.words.visited),
        Line2D([], [], color=ONE_ON_ONE, marker="s", linewidth=2.4, label=chart.words.one_on_one),
        Line2D([], [], color=FULL_LINE, linestyle="--", label=chart.words.pace),
    ]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.02, 1 - 0.82 / height), ncols=3,
               frameon=False, prop=font(SMALL_PT, simplified=simplified), handlelength=1.6,
               columnspacing=1.0, borderaxespad=0)
    return _png(fig)
