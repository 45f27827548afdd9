"""Coverage over time: per day, the student visits dated that day and the students first covered then.

The rules are those of :mod:`store.coverage` (the same students count: active, in active classes,
grades and schools, not exempt; the same visits: current student visits, by ``visit_date``), so the
running totals of :func:`student_history` up to a day equal ``class_coverage(end=day)`` summed over
the same classes. Exemptions and class membership are taken as they are now, not as they were then.

Filters narrow the students: ``scope`` as in :mod:`store.coverage` (None: every class, for group
chats), then ``school_id``, ``grade_id`` or ``class_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Integer, Join, case, cast, func, join, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Exemption, Grade, School, SchoolClass, Student, Visit, VisitStudent
from store.scopes import Scope
from store.vocab import VisitKind


@dataclass(frozen=True)
class DayCounts:
    """One day: visits dated that day, students whose first visit (first one-on-one) is that day."""

    day: date
    visits: int = 0
    newly_visited: int = 0
    newly_one_on_one: int = 0


def _counted_students(
    scope: Scope | None, school_id: int | None, grade_id: int | None, class_id: int | None
) -> list[ColumnElement[bool]] | None:
    """Conditions on Student (joined with its class, grade, school) for the students that count;
    None when the scope sees no students at all."""
    if scope is not None and not scope.district_wide and not scope.student_class_ids:
        return None
    exempt = select(Exemption.student_id).where(Exemption.revoked_at.is_(None))
    conditions: list[ColumnElement[bool]] = [
        Student.active.is_(True), SchoolClass.active.is_(True), Grade.active.is_(True),
        School.active.is_(True), Student.id.not_in(exempt),
    ]
    if scope is not None and not scope.district_wide:
        conditions.append(Student.class_id.in_(sorted(scope.student_class_ids)))
    if school_id is not None:
        # Student's own school column too: an index the planner can start from.
        conditions += [SchoolClass.school_id == school_id, Student.school_id == school_id]
    if grade_id is not None:
        conditions.append(SchoolClass.grade_id == grade_id)
    if class_id is not None:
        conditions.append(Student.class_id == class_id)
    return conditions


def _visited_students() -> Join:
    """Visits joined with the students they list and those students' class, grade and school."""
    return (
        join(Visit, VisitStudent, VisitStudent.visit_id == Visit.id)
        .join(Student, Student.id == VisitStudent.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .join(School, School.id == SchoolClass.school_id)
    )


async def student_history(
    *,
    session: AsyncSession,
    scope: Scope | None,
    start: date,
    end: date,
    school_id: int | None = None,
    grade_id: int | None = None,
    class_id: int | None = None,
    visits_from: date | None = None,
) -> list[DayCounts]:
    """Per day from ``start`` to ``end`` (inclusive) that has anything, in date order.

    ``visits`` counts the visits that list at least one counted student, on the days from
    ``visits_from`` on (earlier days count 0; None: every day; the 7-day change needs only its own
    days, and counting the others is the dearer half of the work). ``newly_visited`` and
    ``newly_one_on_one`` count the counted students whose earliest visit (earliest one-on-one visit)
    in the range is dated that day. Two set-based queries, whatever the size of the district.
    """
    conditions = _counted_students(scope, school_id, grade_id, class_id)
    if conditions is None:
        return []
    filtered = (scope is not None and not scope.district_wide) or any(
        f is not None for f in (school_id, grade_id, class_id)
    )
    in_range = [
        Visit.kind == VisitKind.STUDENT.value, Visit.deleted_at.is_(None),
        Visit.visit_date >= start, Visit.visit_date <= end,
    ]
    per_day = (
        select(Visit.visit_date, func.count(func.distinct(Visit.id)))
        .select_from(_visited_students())
        .where(*in_range, *conditions, *([Visit.visit_date >= visits_from] if visits_from else []))
        .group_by(Visit.visit_date)
    )
    # The whole district groups on an expression (see store/coverage.py's class_coverage: SQLite then
    # scans the visits and the link table's covering index), and keeps the students that count after
    # grouping, instead of joining class, grade and school to every visit row.
    student = VisitStudent.student_id if filtered else cast(VisitStudent.student_id + 0, Integer)
    first_days = select(
        student.label("student_id"),
        func.min(Visit.visit_date).label("first_any"),
        func.min(case((Visit.one_on_one.is_(True), Visit.visit_date), else_=None)).label("first_o2o"),
    )
    if filtered:
        # A part of the district: start from its students (indexed), as the per-day count does.
        first_days = first_days.select_from(_visited_students()).where(*in_range, *conditions)
    else:
        counted = (
            select(Student.id)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .join(School, School.id == SchoolClass.school_id)
            .where(*conditions)
        )
        first_days = (
            first_days.select_from(join(Visit, VisitStudent, VisitStudent.visit_id == Visit.id))
            .where(*in_range)
            .having(student.in_(counted))
        )
    firsts = first_days.group_by(student).subquery("firsts")
    days: dict[date, list[int]] = {}
    for day, n in (await session.execute(per_day)).all():
        days.setdefault(day, [0, 0, 0])[0] = int(n)
    # One pass over the students' first days: (first visit, first one-on-one) pairs are few.
    pairs = select(firsts.c.first_any, firsts.c.first_o2o, func.count()).group_by(
        firsts.c.first_any, firsts.c.first_o2o
    )
    for first_any, first_o2o, n in (await session.execute(pairs)).all():
        days.setdefault(first_any, [0, 0, 0])[1] += int(n)
        if first_o2o is not None:
            days.setdefault(first_o2o, [0, 0, 0])[2] += int(n)
    return [DayCounts(day, *counts) for day, counts in sorted(days.items())]
