"""The weekly summary of a school or of the district: the figures of the week, for a bound group.

The week is the 7 days ending on the summary's day (its local date: the occurrence's, or today's for
``/summary``), the same days as ``/coverage``'s 7-day change, so the summary and the chart beside it
agree. Everything is aggregates: counts, shares, and the names of schools, classes and opinion
categories, never a person's.

- Visits: student visits that list at least one counted student (the rules of
  :mod:`store.coverage_history`), dated in the week, and dated from the campaign's start to the day.
- Coverage now and its change since last week, in whole percentage points (as ``/coverage``).
- On track: a class (school view) or a school (district view) against the pace line of
  :mod:`reports.nudges` (the share of the visit phase gone, of each target); the others lag.
- Opinions raised in visits dated in the week, per category; follow-ups due by the end of the
  coming week (today and the 6 days after), those already overdue apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from reports import coverage_view as cv
from reports import pace
from reports.coverage import DistrictCoverage, StudentFigures, coverage_report
from reports.nudges import elapsed_share, pace_of
from store.campaign import CampaignConfig, Targets
from store.coverage_history import DayCounts, student_history
from store.summary_facts import FollowUpsDue, OpinionCount, follow_ups_due, opinions_collected

FOLLOW_UP_DAYS = 7  # today and the 6 days after: the coming week


@dataclass(frozen=True)
class Unit:
    """A class (in a school's summary) or a school (in the district's), against the pace line."""

    name: str
    visited_percent: int
    one_on_one_percent: int
    behind: bool


@dataclass(frozen=True)
class WeeklySummary:
    view: cv.CoverageView  # the chart's view, the same as /coverage's
    day: date
    week_start: date
    visits_week: int
    visits_total: int
    students: StudentFigures
    visited_percent: int
    one_on_one_percent: int
    coverage_points: int  # change since the end of the day a week before
    one_on_one_points: int
    units: tuple[Unit, ...]  # classes (school) or schools (district) with counted students
    opinions: tuple[OpinionCount, ...]
    follow_ups: FollowUpsDue
    follow_ups_by: date

    @property
    def district(self) -> bool:
        return self.view.ref.kind is cv.ViewKind.DISTRICT

    @property
    def lagging(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.behind)

    @property
    def on_track(self) -> int:
        return len(self.units) - len(self.lagging)

    @property
    def opinions_total(self) -> int:
        return sum(o.count for o in self.opinions)


def _unit(name: str, students: StudentFigures, share: Fraction, targets: Targets) -> Unit:
    visited, one = pace_of(students, share, targets)
    behind = students.visited < visited or students.one_on_one < one
    return Unit(name, pace.points(students.visited, students.total),
                pace.points(students.one_on_one, students.total), behind)


def units_of(report: DistrictCoverage, *, district: bool, share: Fraction, targets: Targets) -> list[Unit]:
    """The schools of the district, or the classes of the report's schools, that have counted
    students, each against the pace line at ``share``, in the report's order."""
    if district:
        return [_unit(s.name, s.students, share, targets) for s in report.schools if s.students.total]
    return [
        _unit(c.name, c.students, share, targets)
        for s in report.schools for g in s.grades for c in g.classes if c.students.total
    ]


def summarize(
    view: cv.CoverageView, history: Sequence[DayCounts], units: Sequence[Unit],
    opinions: Sequence[OpinionCount], follow_ups: FollowUpsDue,
) -> WeeklySummary:
    """The summary of ``view`` on its day from the full per-day history of its students (every day
    from the campaign's start, visits counted on every day)."""
    day = view.today
    students = view.students
    total = students.total
    change = pace.week_change(history, total, day)
    visits_total, _, _ = pace.cumulative(history, day)
    return WeeklySummary(
        view=view, day=day, week_start=day - timedelta(days=pace.CHANGE_DAYS - 1),
        visits_week=change.visits, visits_total=visits_total, students=students,
        visited_percent=pace.points(students.visited, total),
        one_on_one_percent=pace.points(students.one_on_one, total),
        coverage_points=change.coverage_points, one_on_one_points=change.one_on_one_points,
        units=tuple(units), opinions=tuple(opinions), follow_ups=follow_ups,
        follow_ups_by=day + timedelta(days=FOLLOW_UP_DAYS - 1),
    )


async def load_summary(
    *, sessions: cv.Sessions, config: CampaignConfig, today: date, base: cv.ViewRef
) -> WeeklySummary | None:
    """The summary of ``base`` (the district, or one school) on ``today``, aggregates only; None when
    there is nothing to count there."""
    view = await cv.load_view(sessions=sessions, scope=None, config=config, today=today, base=base)
    if view is None or not view.rows:
        return None
    school_id = base.id if base.kind is cv.ViewKind.SCHOOL else None
    start, end = cv.visit_phase(config)
    share = elapsed_share(start, end, today)
    async with sessions() as session:
        report = await coverage_report(session=session, scope=None, campaign=config, until=today,
                                       school_id=school_id)
        history = await student_history(session=session, scope=None, start=config.start, end=today,
                                        school_id=school_id)
        opinions = await opinions_collected(session=session, school_id=school_id,
                                            start=today - timedelta(days=pace.CHANGE_DAYS - 1), end=today)
        due = await follow_ups_due(session=session, school_id=school_id, today=today,
                                   by=today + timedelta(days=FOLLOW_UP_DAYS - 1))
    units = units_of(report, district=school_id is None, share=share, targets=config.targets)
    return summarize(view, history, units, opinions, due)
