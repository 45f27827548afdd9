"""Coverage counts (全覆蓋): per class for students, per school for teachers, one set-based query each.

Definitions (SPEC.md, "The rules the seed sets"):

- A student counts in the class the roster puts them in now, whoever visited them and whatever class
  the visit was logged under. Inactive students, and classes, grades or schools that are inactive,
  are left out entirely.
- A student with an active (unrevoked) exemption is counted as exempt and nowhere else: not in the
  denominator, not as visited, not as a focus student.
- Visited: at least one current (not deleted) student visit lists them; visited one-on-one: at least
  one such visit has exactly one student. Edited visits count as they are now, not as they were.
- Teachers of a school: its active staff with the role head teacher or subject teacher (a person who
  is only a cadre is not one; a grade head who also teaches is), less those exempt (long leave).
  Interviewed: a current teacher visit lists them and was recorded by someone else who is a cadre
  of the same school.
- ``start``/``end`` (optional, inclusive) keep only visits whose ``visit_date`` lies in the range.

Scopes: rows are limited to what the scope sees (students: the classes of ``sees_students_of``;
teachers: the schools of ``sees_teachers_of``). ``scope=None`` is for group chats: every row (of one
school when ``school_id`` is given), which is fine because rows hold counts and the names of classes
and schools only, never a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    Exemption,
    Grade,
    School,
    SchoolClass,
    Staff,
    StaffFocus,
    StaffRole,
    Student,
    StudentFocus,
    Visit,
    VisitStudent,
    VisitTeacher,
)
from store.scopes import Scope
from store.vocab import CADRE_ROLES, TEACHER_ROLES, VisitKind


@dataclass(frozen=True)
class ClassCounts:
    """Student coverage counts of one class. ``students`` is net of exempt students."""

    class_id: int
    class_name: str
    grade_id: int
    grade_name: str
    school_id: int
    school_name: str
    students: int
    exempt: int
    visited: int
    one_on_one: int
    focus_students: int
    focus_one_on_one: int


@dataclass(frozen=True)
class SchoolTeacherCounts:
    """Teacher interview counts of one school (the teacher-coverage denominator is ``teachers``)."""

    school_id: int
    school_name: str
    teachers: int
    interviewed: int
    one_on_one: int
    focus_teachers: int
    focus_one_on_one: int


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM of a condition as 0/1: portable (no FILTER, no boolean arithmetic)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in_range(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(Visit.visit_date >= start)
    if end is not None:
        conditions.append(Visit.visit_date <= end)
    return conditions


async def class_coverage(
    *,
    session: AsyncSession,
    scope: Scope | None,
    start: date | None = None,
    end: date | None = None,
    school_id: int | None = None,
) -> list[ClassCounts]:
    """Student coverage per active class, ordered by school, grade and class id.

    ``scope`` limits the rows to the classes whose students it sees (``None``: every class, for group
    chats); ``school_id`` further limits them to one school. See the module's docstring for the rules.
    """
    if scope is not None and not scope.district_wide and not scope.student_class_ids:
        return []
    # Only the students of the classes asked for: a school's view must not pay for the district.
    students: list[ColumnElement[bool]] = []
    if scope is not None and not scope.district_wide:
        students.append(Student.class_id.in_(sorted(scope.student_class_ids)))
    if school_id is not None:
        students.append(Student.school_id == school_id)
    # Per student: the best visit in range (1 if any covering visit was one-on-one). A part of the
    # district starts from its students (indexed); the whole district groups on an expression, so that
    # SQLite scans the visits and reads the link table's covering index instead of walking every link
    # row in student order with a lookup of its visit (half the CPU; see docs/benchmarks.md). The cast
    # gives the expression an integer affinity, without which SQLite builds no index to join it on.
    student = VisitStudent.student_id if students else cast(VisitStudent.student_id + 0, Integer)
    per_student = (
        select(
            student.label("student_id"),
            func.max(case((Visit.one_on_one.is_(True), 1), else_=0)).label("one_on_one"),
        )
        .select_from(VisitStudent)
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .where(Visit.kind == VisitKind.STUDENT.value, Visit.deleted_at.is_(None), *_in_range(start, end))
    )
    if students:
        per_student = per_student.join(Student, Student.id == VisitStudent.student_id).where(*students)
    visits = per_student.group_by(student).subquery("covered")
    exempt = (
        select(Exemption.student_id.label("student_id"))
        .where(Exemption.student_id.is_not(None), Exemption.revoked_at.is_(None))
        .distinct()
        .subquery("exempt")
    )
    focus = select(StudentFocus.student_id.label("student_id")).distinct().subquery("focus")

    counted = and_(Student.id.is_not(None), exempt.c.student_id.is_(None))
    visited = and_(counted, visits.c.student_id.is_not(None))
    one_on_one = and_(counted, visits.c.one_on_one == 1)
    is_focus = and_(counted, focus.c.student_id.is_not(None))
    query = (
        select(
            SchoolClass.id, SchoolClass.name, Grade.id, Grade.name, School.id, School.name,
            _count(counted), _count(exempt.c.student_id.is_not(None)), _count(visited),
            _count(one_on_one), _count(is_focus), _count(and_(is_focus, visits.c.one_on_one == 1)),
        )
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .join(School, School.id == SchoolClass.school_id)
        .outerjoin(Student, and_(Student.class_id == SchoolClass.id, Student.active.is_(True)))
        .outerjoin(visits, visits.c.student_id == Student.id)
        .outerjoin(exempt, exempt.c.student_id == Student.id)
        .outerjoin(focus, focus.c.student_id == Student.id)
        .where(SchoolClass.active.is_(True), Grade.active.is_(True), School.active.is_(True))
        .group_by(SchoolClass.id, SchoolClass.name, Grade.id, Grade.name, School.id, School.name)
        .order_by(School.id, Grade.id, SchoolClass.id)
    )
    if scope is not None and not scope.district_wide:
        query = query.where(SchoolClass.id.in_(sorted(scope.student_class_ids)))
    if school_id is not None:
        query = query.where(SchoolClass.school_id == school_id)
    rows = (await session.execute(query)).all()
    return [ClassCounts(*(row[:6]), *(int(n) for n in row[6:])) for row in rows]


async def teacher_coverage(
    *,
    session: AsyncSession,
    scope: Scope | None,
    start: date | None = None,
    end: date | None = None,
    school_id: int | None = None,
) -> list[SchoolTeacherCounts]:
    """Teacher interview coverage per active school, ordered by school id.

    ``scope`` limits the rows to the schools whose teachers it sees (``None``: every school, for
    group chats); ``school_id`` further limits them to one school. See the module's docstring.
    """
    if scope is not None and not scope.district_wide and not scope.teacher_school_ids:
        return []
    # The denominator: active staff of a school whose roles include head or subject teacher.
    teacher_roles = select(StaffRole.staff_id).where(StaffRole.role.in_([r.value for r in TEACHER_ROLES]))
    # Teachers exempt for the campaign (long leave, approved) are not in it.
    exempt = select(Exemption.staff_id).where(Exemption.staff_id.is_not(None), Exemption.revoked_at.is_(None))
    teacher = select(Staff.id.label("id"), Staff.school_id.label("school_id")).where(
        Staff.active.is_(True), Staff.school_id.is_not(None), Staff.id.in_(teacher_roles),
        Staff.id.not_in(exempt),
    ).subquery("teacher")
    cadres = (
        select(StaffRole.staff_id.label("staff_id"))
        .where(StaffRole.role.in_([r.value for r in CADRE_ROLES]))
        .distinct()
        .subquery("cadre")
    )
    visitor = Staff.__table__.alias("visitor")
    interviewee = Staff.__table__.alias("interviewee")
    interviews = (
        select(
            VisitTeacher.staff_id.label("staff_id"),
            func.max(case((Visit.one_on_one.is_(True), 1), else_=0)).label("one_on_one"),
        )
        .join(Visit, Visit.id == VisitTeacher.visit_id)
        .join(interviewee, interviewee.c.id == VisitTeacher.staff_id)
        .join(visitor, visitor.c.id == Visit.visitor_id)
        .join(cadres, cadres.c.staff_id == Visit.visitor_id)
        .where(
            Visit.kind == VisitKind.TEACHER.value,
            Visit.deleted_at.is_(None),
            Visit.visitor_id != VisitTeacher.staff_id,  # never themselves
            visitor.c.school_id == interviewee.c.school_id,
            *_in_range(start, end),
        )
        .group_by(VisitTeacher.staff_id)
        .subquery("interviewed")
    )
    focus = select(StaffFocus.staff_id.label("staff_id")).distinct().subquery("staff_focus")

    counted = teacher.c.id.is_not(None)
    is_focus = focus.c.staff_id.is_not(None)
    query = (
        select(
            School.id, School.name,
            _count(counted), _count(interviews.c.staff_id.is_not(None)), _count(interviews.c.one_on_one == 1),
            _count(is_focus), _count(and_(is_focus, interviews.c.one_on_one == 1)),
        )
        .outerjoin(teacher, teacher.c.school_id == School.id)
        .outerjoin(interviews, interviews.c.staff_id == teacher.c.id)
        .outerjoin(focus, focus.c.staff_id == teacher.c.id)
        .where(School.active.is_(True))
        .group_by(School.id, School.name)
        .order_by(School.id)
    )
    if scope is not None and not scope.district_wide:
        query = query.where(School.id.in_(sorted(scope.teacher_school_ids)))
    if school_id is not None:
        query = query.where(School.id == school_id)
    rows = (await session.execute(query)).all()
    return [SchoolTeacherCounts(row[0], row[1], *(int(n) for n in row[2:])) for row in rows]
