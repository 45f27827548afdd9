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
- The phase the school (its own dates, else the campaign's) or the district is in on the day. In
  the rectification phase the summary carries the items' status (open: not done yet; overdue: not
  done and past the deadline; done: done or verified); in the evaluation phase the school's score and
  rank among the ranked schools (``reports.scores``), the district the top of the ranking. The pace
  line of each school is its own visit phase's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction

from reports import coverage_view as cv
from reports import pace
from reports.coverage import DistrictCoverage, StudentFigures, coverage_report
from reports.nudges import elapsed_share, pace_of, school_visit_window
from reports.phase_status import phase_status
from reports.scores import ScoreBoard, score_board
from store.campaign import CampaignConfig, Targets
from store.coverage_history import DayCounts, student_history
from store.phases import PhaseDates, own_phase_dates, with_own
from store.rectification import FINISHED, school_items
from store.summary_facts import FollowUpsDue, OpinionCount, follow_ups_due, opinions_collected

FOLLOW_UP_DAYS = 7  # today and the 6 days after: the coming week
RECTIFY_PHASE, EVALUATE_PHASE = "rectify", "evaluate"
TOP_SCHOOLS = 3  # the district's summary names the top of the ranking, not all of it


@dataclass(frozen=True)
class RectificationStatus:
    """The rectification items of the view: not done yet, of those past their deadline, done."""

    open: int
    overdue: int
    done: int


@dataclass(frozen=True)
class RankLine:
    name: str
    rank: int | None  # None: no score yet
    score: float | None  # out of 100


@dataclass(frozen=True)
class EvaluationFigures:
    """``own``: the school's score and rank (a school's summary); ``top``: the best schools (the
    district's); ``ranked``: how many schools have a score."""

    ranked: int
    own: RankLine | None
    top: tuple[RankLine, ...]


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
    phase: str | None = None  # the phase key the view is in on ``day`` (None: none running)
    rectification: RectificationStatus | None = None  # in the rectification phase
    evaluation: EvaluationFigures | None = None  # in the evaluation phase

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


def units_of(
    report: DistrictCoverage, *, district: bool, share: Callable[[int], Fraction], targets: Targets
) -> list[Unit]:
    """The schools of the district, or the classes of the report's schools, that have counted
    students, each against its school's pace line (``share`` of a school id), in the report's order."""
    if district:
        return [_unit(s.name, s.students, share(s.school_id), targets)
                for s in report.schools if s.students.total]
    return [
        _unit(c.name, c.students, share(s.school_id), targets)
        for s in report.schools for g in s.grades for c in g.classes if c.students.total
    ]


def rectification_status(items: Sequence[tuple[str, date]], today: date) -> RectificationStatus:
    """The status of items given as (status, deadline)."""
    done = sum(1 for status, _ in items if status in FINISHED)
    overdue = sum(1 for status, deadline in items if status not in FINISHED and deadline < today)
    return RectificationStatus(open=len(items) - done, overdue=overdue, done=done)


def evaluation_figures(board: ScoreBoard, school_id: int | None) -> EvaluationFigures:
    """The school's line of the board (``school_id``), or the district's top schools (None)."""
    ranked = [s for s in board.schools if s.rank is not None]
    if school_id is not None:
        mine = board.school(school_id)
        own = None if mine is None else RankLine(mine.name, mine.rank, mine.score.value)
        return EvaluationFigures(len(ranked), own, ())
    return EvaluationFigures(len(ranked), None, tuple(
        RankLine(s.name, s.rank, s.score.value) for s in ranked[:TOP_SCHOOLS]))


class BoardCache:
    """One score board per day for a run that sums up many views (the board ranks every school)."""

    def __init__(self) -> None:
        self._boards: dict[date, ScoreBoard] = {}

    async def get(self, sessions: cv.Sessions, config: CampaignConfig, today: date) -> ScoreBoard:
        if today not in self._boards:
            async with sessions() as session:
                self._boards[today] = await score_board(session=session, campaign=config, today=today)
        return self._boards[today]


def _share_of(
    config: CampaignConfig, own: Mapping[int, Mapping[str, PhaseDates]], today: date
) -> Callable[[int], Fraction]:
    def share(school_id: int) -> Fraction:
        window = school_visit_window(config, own, school_id)
        start, end = (window.start, window.end) if window else cv.visit_phase(config)
        return elapsed_share(start, end, today)

    return share


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
    *, sessions: cv.Sessions, config: CampaignConfig, today: date, base: cv.ViewRef,
    boards: BoardCache | None = None,
) -> WeeklySummary | None:
    """The summary of ``base`` (the district, or one school) on ``today``, aggregates only; None when
    there is nothing to count there."""
    view = await cv.load_view(sessions=sessions, scope=None, config=config, today=today, base=base)
    if view is None or not view.rows:
        return None
    school_id = base.id if base.kind is cv.ViewKind.SCHOOL else None
    async with sessions() as session:
        own = await own_phase_dates(session=session)
        report = await coverage_report(session=session, scope=None, campaign=config, until=today,
                                       school_id=school_id)
        history = await student_history(session=session, scope=None, start=config.start, end=today,
                                        school_id=school_id)
        opinions = await opinions_collected(session=session, school_id=school_id,
                                            start=today - timedelta(days=pace.CHANGE_DAYS - 1), end=today)
        due = await follow_ups_due(session=session, school_id=school_id, today=today,
                                   by=today + timedelta(days=FOLLOW_UP_DAYS - 1))
        current = phase_status(with_own(config, own.get(school_id) if school_id else None), today).current
        phase = current.key if current is not None else None
        rectification = None
        if phase == RECTIFY_PHASE:
            items = await school_items(session=session, school_ids=None if school_id is None else [school_id])
            rectification = rectification_status([(i.status, i.deadline) for i in items], today)
    evaluation = None
    if phase == EVALUATE_PHASE:
        board = await (boards or BoardCache()).get(sessions, config, today)
        evaluation = evaluation_figures(board, school_id)
    units = units_of(report, district=school_id is None, share=_share_of(config, own, today),
                     targets=config.targets)
    summary = summarize(view, history, units, opinions, due)
    return replace(summary, phase=phase, rectification=rectification, evaluation=evaluation)
