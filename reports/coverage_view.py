"""What ``/coverage`` shows: one view (the district, a school, a grade or a class) with its bars, its
headline figures, the 7-day change, the pace forecast and the weekly trend; and the charts of it.

A view is asked for by a base (what the chat or the person may see: the district, or one school) and
optional words naming a school, grade or class inside it (``七年級``, ``七年級3班``, ``第一中學``).
Everything is aggregates: counts and the names of schools, grades and classes, never a person's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from reports import pace
from reports.charts import Bar, ChartWords, CoverageChart, TrendChart, TrendPoint
from reports.coverage import (
    DistrictCoverage,
    StudentFigures,
    TeacherFigures,
    coverage_report,
)
from store.campaign import CampaignConfig
from store.coverage_history import DayCounts, student_history
from store.phases import PhaseDates, own_phase_dates, phase_window, with_own
from store.scopes import Scope

# A school with at most this many classes shows one bar per class; more, one bar per grade.
CLASS_ROWS = 12
Gettext = Callable[[str], str]


class ViewKind(StrEnum):
    DISTRICT = "d"
    SCHOOL = "s"
    GRADE = "g"
    CLASS = "c"


@dataclass(frozen=True)
class ViewRef:
    """A view: its kind and the id of its school, grade or class (0 for the district)."""

    kind: ViewKind
    id: int = 0


DISTRICT = ViewRef(ViewKind.DISTRICT)


@dataclass(frozen=True)
class Row:
    label: str
    students: StudentFigures


@dataclass(frozen=True)
class CoverageView:
    """One view's figures. ``teachers`` is None for grades and classes, or when not visible."""

    ref: ViewRef
    name: str | None  # the school's, grade's or class's name; None for the district
    school_name: str | None  # the school a grade or class belongs to
    students: StudentFigures
    teachers: TeacherFigures | None
    focus_total: int
    focus_one_on_one: int
    rows: tuple[Row, ...]
    rows_kind: ViewKind  # what each bar is: a school, a grade or a class
    change: pace.WeekChange
    forecast: pace.Forecast
    trend: tuple[pace.TrendPoint, ...]
    today: date
    phase_start: date
    phase_end: date
    coverage_target: float
    one_on_one_target: float


def visit_phase(config: CampaignConfig, own: Mapping[str, PhaseDates] | None = None) -> tuple[date, date]:
    """The visit phase: a school's own dates (``own``, from ``store.phases.own_phase_dates``) where it
    set them, else the district's; the campaign's dates when it has none."""
    phase = phase_window(with_own(config, own), "visit")
    return (phase.start, phase.end) if phase else (config.start, config.end)


def resolve(report: DistrictCoverage, base: ViewRef, words: Sequence[str]) -> ViewRef | None:
    """The view ``words`` name inside ``base`` (each word narrows the last); None when a word names
    nothing there, or more than one thing (``七年級`` in a district of several schools)."""
    ref = base
    for word in words:
        found = _find(report, ref, word.strip())
        if found is None:
            return None
        ref = found
    return ref if contains(report, ref, base) else None


def _find(report: DistrictCoverage, within: ViewRef, word: str) -> ViewRef | None:
    matches: list[ViewRef] = []
    for school in report.schools:
        if within.kind is ViewKind.SCHOOL and school.school_id != within.id:
            continue
        if within.kind is ViewKind.DISTRICT and school.name == word:
            matches.append(ViewRef(ViewKind.SCHOOL, school.school_id))
        for grade in school.grades:
            if within.kind is ViewKind.GRADE and grade.grade_id != within.id:
                continue
            if within.kind in (ViewKind.DISTRICT, ViewKind.SCHOOL) and grade.name == word:
                matches.append(ViewRef(ViewKind.GRADE, grade.grade_id))
            if within.kind is not ViewKind.CLASS:
                matches += [ViewRef(ViewKind.CLASS, c.class_id) for c in grade.classes if c.name == word]
    return matches[0] if len(matches) == 1 else None


def contains(report: DistrictCoverage, ref: ViewRef, base: ViewRef = DISTRICT) -> bool:
    """Whether ``ref`` is part of ``report`` and inside ``base`` (a trend button, whose data a modified
    client can forge, must not reach outside its chat's view)."""
    if ref.kind is ViewKind.DISTRICT:
        return base.kind is ViewKind.DISTRICT
    for school in report.schools:
        if ref.kind is ViewKind.SCHOOL and school.school_id == ref.id:
            return True
        for grade in school.grades:
            if ref.kind is ViewKind.GRADE and grade.grade_id == ref.id:
                return True
            if ref.kind is ViewKind.CLASS and any(c.class_id == ref.id for c in grade.classes):
                return True
    return False


@dataclass(frozen=True)
class _Part:
    name: str | None
    school_name: str | None
    students: StudentFigures
    teachers: TeacherFigures | None
    focus_total: int
    focus_one_on_one: int
    rows: tuple[Row, ...]
    rows_kind: ViewKind
    school_id: int | None = None  # whose own visit phase the forecast is held against


def _part(report: DistrictCoverage, ref: ViewRef) -> _Part:
    if ref.kind is ViewKind.DISTRICT:
        rows = tuple(Row(s.name, s.students) for s in report.schools)
        return _Part(None, None, report.students, report.teachers, report.focus_total,
                     report.focus_one_on_one, rows, ViewKind.SCHOOL)
    for school in report.schools:
        if ref.kind is ViewKind.SCHOOL and school.school_id == ref.id:
            classes = [c for g in school.grades for c in g.classes]
            if len(classes) <= CLASS_ROWS:
                rows, kind = tuple(Row(c.name, c.students) for c in classes), ViewKind.CLASS
            else:
                rows, kind = tuple(Row(g.name, g.students) for g in school.grades), ViewKind.GRADE
            return _Part(school.name, None, school.students, school.teachers, school.focus_total,
                         school.focus_one_on_one, rows, kind, school.school_id)
        for grade in school.grades:
            if ref.kind is ViewKind.GRADE and grade.grade_id == ref.id:
                rows = tuple(Row(c.name, c.students) for c in grade.classes)
                return _Part(grade.name, school.name, grade.students, None, grade.students.focus_total,
                             grade.students.focus_one_on_one, rows, ViewKind.CLASS, school.school_id)
            for klass in grade.classes:
                if ref.kind is ViewKind.CLASS and klass.class_id == ref.id:
                    return _Part(klass.name, school.name, klass.students, None, klass.students.focus_total,
                                 klass.students.focus_one_on_one, (Row(klass.name, klass.students),),
                                 ViewKind.CLASS, school.school_id)
    raise ValueError(f"{ref} is not in the report")


Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def load_view(
    *,
    sessions: Sessions,
    scope: Scope | None,
    config: CampaignConfig,
    today: date,
    base: ViewRef,
    words: Sequence[str] = (),
    ref: ViewRef | None = None,
) -> CoverageView | None:
    """The view ``words`` (or ``ref``) name inside ``base``, as of the end of ``today``; None when
    there is no such view there. ``scope`` None: the aggregates a group chat may see.

    Four set-based queries: two for the coverage counts, two for the history. When the view is known
    before the counts are (no words to resolve), both halves run at once on two connections.
    """
    school_id = base.id if base.kind is ViewKind.SCHOOL else None
    known = ref or (base if not words else None)

    async def counts() -> DistrictCoverage:
        async with sessions() as session:
            return await coverage_report(session=session, scope=scope, campaign=config, until=today,
                                         school_id=school_id)

    async def history(of: ViewRef) -> list[DayCounts]:
        filters = {
            ViewKind.DISTRICT: {}, ViewKind.SCHOOL: {"school_id": of.id},
            ViewKind.GRADE: {"grade_id": of.id}, ViewKind.CLASS: {"class_id": of.id},
        }[of.kind]
        async with sessions() as session:
            return await student_history(session=session, scope=scope, start=config.start, end=today,
                                         visits_from=today - timedelta(days=pace.CHANGE_DAYS - 1), **filters)

    if known is not None:
        report, days = await asyncio.gather(counts(), history(known))
        target: ViewRef | None = known if contains(report, known, base) else None
    else:
        report = await counts()
        target = resolve(report, base, words)
        days = await history(target) if target is not None else []
    if target is None or (target.kind is not ViewKind.DISTRICT and not report.schools):
        return None
    part = _part(report, target)
    own: Mapping[str, PhaseDates] | None = None
    if part.school_id is not None:
        async with sessions() as session:
            own = (await own_phase_dates(session=session, school_ids=[part.school_id])).get(part.school_id)
    start, end = visit_phase(config, own)
    targets = config.targets
    total = part.students.total
    return CoverageView(
        ref=target, name=part.name, school_name=part.school_name, students=part.students,
        teachers=part.teachers, focus_total=part.focus_total, focus_one_on_one=part.focus_one_on_one,
        rows=part.rows, rows_kind=part.rows_kind,
        change=pace.week_change(days, total, today),
        forecast=pace.forecast(days, total, today, coverage_target=targets.student_coverage,
                               one_on_one_target=targets.student_one_on_one, phase_end=end),
        trend=tuple(pace.weekly_trend(days, start, today)),
        today=today, phase_start=start, phase_end=end,
        coverage_target=targets.student_coverage, one_on_one_target=targets.student_one_on_one,
    )


def title_of(view: CoverageView, _: Gettext) -> str:
    """The view's name as a heading: "第一中學", "第一中學 七年級", or "the district"."""
    if view.name is None:
        return _("The district")
    return f"{view.school_name} {view.name}" if view.school_name else view.name


def _words(view: CoverageView, _: Gettext) -> ChartWords:
    return ChartWords(
        visited=_("Visited"), one_on_one=_("One-on-one"), full=_("100 %"),
        target=_("{target} % target").format(target=round(view.one_on_one_target * 100)),
        pace=_("Pace to the targets"),
    )


def coverage_chart(view: CoverageView, _: Gettext, *, simplified: bool = False) -> CoverageChart:
    """The bar chart of a view, with its words in the reader's language."""
    bars = tuple(Bar(r.label, r.students.total, r.students.visited, r.students.one_on_one) for r in view.rows)
    extras: list[Bar] = []
    if view.teachers is not None and view.teachers.total:
        t = view.teachers
        extras.append(Bar(_("Teachers interviewed"), t.total, t.interviewed, t.one_on_one))
    if view.focus_total:
        extras.append(Bar(_("Focus people, one-on-one"), view.focus_total, view.focus_one_on_one,
                          view.focus_one_on_one))
    subtitle = _("{day} · {students} students · visits dated up to today").format(
        day=view.today.isoformat(), students=view.students.total
    )
    return CoverageChart(
        title=_("{name} · coverage").format(name=title_of(view, _)), subtitle=subtitle, bars=bars,
        extras=tuple(extras), coverage_target=view.coverage_target,
        one_on_one_target=view.one_on_one_target, words=_words(view, _), simplified=simplified,
    )


def trend_chart(view: CoverageView, _: Gettext, *, simplified: bool = False) -> TrendChart:
    """The weekly trend of a view against the straight line to each target at the phase's end."""
    total = view.students.total
    points = tuple(
        TrendPoint(p.day, p.visited / total if total else 0.0, p.one_on_one / total if total else 0.0)
        for p in view.trend
    )
    subtitle = _("Cumulative, week by week · visit phase {start} to {end}").format(
        start=view.phase_start.isoformat(), end=view.phase_end.isoformat()
    )
    return TrendChart(
        title=_("{name} · trend").format(name=title_of(view, _)), subtitle=subtitle, points=points,
        start=view.phase_start, end=view.phase_end, coverage_target=view.coverage_target,
        one_on_one_target=view.one_on_one_target, words=_words(view, _), simplified=simplified,
    )
