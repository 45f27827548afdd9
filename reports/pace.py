"""Coverage over time: the change over the last 7 days, the pace forecast, the weekly trend.

Pure functions over the per-day counts of :func:`store.coverage_history.student_history` and the
number of students counted now (``total``). Days are the campaign's local dates ("today" included).

- The 7-day change: visits dated in the 7 days ending today, and coverage today against coverage at
  the end of the day 7 days ago, in percentage points of ``total``.
- The forecast: at the pace of the last 14 days (students newly covered per day), the first day each
  target is met (100 % visited, 80 % one-on-one, or as configured), and the later of the two,
  compared with the end of the visit phase. A target already met has no date to wait for; a target
  with no progress in 14 days is not reached at this pace (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from store.coverage_history import DayCounts

CHANGE_DAYS = 7
PACE_DAYS = 14


def needed(total: int, target: float) -> int:
    """The fewest students that meet ``target`` of ``total`` (exactly: 4 of 5 meets 80 %)."""
    return math.ceil(Fraction(str(target)) * total)


def cumulative(history: Sequence[DayCounts], day: date) -> tuple[int, int, int]:
    """(visits, visited, one-on-one) up to the end of ``day``."""
    visits = visited = one_on_one = 0
    for counts in history:
        if counts.day > day:
            break
        visits += counts.visits
        visited += counts.newly_visited
        one_on_one += counts.newly_one_on_one
    return visits, visited, one_on_one


def points(part: int, total: int) -> int:
    """``part / total`` in whole percentage points (0 when ``total`` is 0)."""
    return round(100 * part / total) if total else 0


@dataclass(frozen=True)
class WeekChange:
    """What the 7 days ending today added."""

    visits: int
    visited: int  # students newly visited
    one_on_one: int  # students newly visited one-on-one
    coverage_points: int  # change of the visited share, in percentage points
    one_on_one_points: int


def week_change(history: Sequence[DayCounts], total: int, today: date) -> WeekChange:
    """The change over the 7 days ending ``today`` (today and the 6 days before it)."""
    before = today - timedelta(days=CHANGE_DAYS)
    v0, c0, o0 = cumulative(history, before)
    v1, c1, o1 = cumulative(history, today)
    return WeekChange(
        visits=v1 - v0, visited=c1 - c0, one_on_one=o1 - o0,
        coverage_points=points(c1, total) - points(c0, total),
        one_on_one_points=points(o1, total) - points(o0, total),
    )


def _reached_on(covered: int, gained: int, target_count: int, today: date) -> tuple[bool, date | None]:
    """(already met, the day the target is met at ``gained`` per PACE_DAYS days, or None)."""
    missing = target_count - covered
    if missing <= 0:
        return True, None
    if gained <= 0:
        return False, None
    return False, today + timedelta(days=math.ceil(missing * PACE_DAYS / gained))


@dataclass(frozen=True)
class Forecast:
    """When the targets are met at the pace of the last 14 days.

    ``*_met``: met already. ``*_by``: the day it will be met (None when met already, or never at
    this pace). ``both_by``: the later of the two (None when both are met, or one never is).
    """

    visited_met: bool
    visited_by: date | None
    one_on_one_met: bool
    one_on_one_by: date | None
    phase_end: date
    visited_per_day: float
    one_on_one_per_day: float

    @property
    def met(self) -> bool:
        return self.visited_met and self.one_on_one_met

    @property
    def reachable(self) -> bool:
        """Every target is met already or will be at this pace."""
        return (self.visited_met or self.visited_by is not None) and (
            self.one_on_one_met or self.one_on_one_by is not None
        )

    @property
    def both_by(self) -> date | None:
        if self.met or not self.reachable:
            return None
        return max(d for d in (self.visited_by, self.one_on_one_by) if d is not None)

    @property
    def on_track(self) -> bool:
        """Both targets met by the end of the visit phase, at this pace."""
        if self.met:
            return True
        both = self.both_by
        return both is not None and both <= self.phase_end


def forecast(
    history: Sequence[DayCounts], total: int, today: date, *, coverage_target: float,
    one_on_one_target: float, phase_end: date,
) -> Forecast:
    """The pace forecast for ``total`` students as of ``today`` (see the module's docstring)."""
    _, c0, o0 = cumulative(history, today - timedelta(days=PACE_DAYS))
    _, c1, o1 = cumulative(history, today)
    visited_met, visited_by = _reached_on(c1, c1 - c0, needed(total, coverage_target), today)
    o2o_met, o2o_by = _reached_on(o1, o1 - o0, needed(total, one_on_one_target), today)
    return Forecast(
        visited_met=visited_met, visited_by=visited_by, one_on_one_met=o2o_met, one_on_one_by=o2o_by,
        phase_end=phase_end, visited_per_day=(c1 - c0) / PACE_DAYS, one_on_one_per_day=(o1 - o0) / PACE_DAYS,
    )


@dataclass(frozen=True)
class TrendPoint:
    day: date
    visited: int
    one_on_one: int


def weekly_trend(history: Sequence[DayCounts], start: date, today: date) -> list[TrendPoint]:
    """Cumulative coverage at ``start`` and at the end of every 7 days after it, up to ``today``
    (today is the last point)."""
    days = [start]
    while days[-1] + timedelta(days=CHANGE_DAYS) < today:
        days.append(days[-1] + timedelta(days=CHANGE_DAYS))
    if today > start:
        days.append(today)
    return [TrendPoint(day, *cumulative(history, day)[1:]) for day in days]
