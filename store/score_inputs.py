"""What the scores need beyond coverage counts: follow-ups, school leaders' participation, teachers,
supervision's review outcomes and interview confirmations.

Set-based queries, one each, over current (not deleted) visits whose ``visit_date`` lies in
``start``..``end`` (inclusive; ``end=None``: no upper bound). Active schools, classes and staff only.
Rows hold counts with the ids and names of schools, classes and staff: no student is named, so the
rows are fine for aggregates; which of them a person may see is decided by the caller with a scope.
Definitions of the scores built on them live in ``reports/scores.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.models import (
    Exemption,
    FollowUp,
    Grade,
    InterviewConfirmation,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffGrade,
    StaffRole,
    Student,
    StudentFocus,
    Visit,
    VisitCoVisitor,
    VisitReview,
    VisitStudent,
)
from store.reviews import ConfirmationAnswer, ReviewOutcome
from store.vocab import TEACHER_ROLES, Role, VisitKind


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM of a condition as 0/1 (portable: no FILTER, no boolean arithmetic)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _current(start: date, end: date | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Visit.deleted_at.is_(None), Visit.visit_date >= start]
    if end is not None:
        conditions.append(Visit.visit_date <= end)
    return conditions


@dataclass(frozen=True)
class FollowUpCounts:
    """Follow-ups of one visitor's visits in one school and class (``class_id`` None: interviews).

    ``due``: follow-ups not cancelled that are done or whose due date is on or before ``today``;
    ``done``: those done. A follow-up not yet due is in neither.
    """

    school_id: int
    class_id: int | None
    visitor_id: int
    kind: VisitKind
    due: int
    done: int


async def follow_up_counts(
    *, session: AsyncSession, today: date, start: date, end: date | None = None, school_id: int | None = None
) -> list[FollowUpCounts]:
    """Follow-up counts grouped by school, class, visitor and kind of the visit that wished for them."""
    done = FollowUp.done_at.is_not(None)
    counted = or_(done, FollowUp.due_date <= today)
    query = (
        select(Visit.school_id, Visit.class_id, Visit.visitor_id, Visit.kind, _count(counted), _count(done))
        .join(FollowUp, FollowUp.visit_id == Visit.id)
        .join(School, School.id == Visit.school_id)
        .where(FollowUp.cancelled_at.is_(None), School.active.is_(True), *_current(start, end))
        .group_by(Visit.school_id, Visit.class_id, Visit.visitor_id, Visit.kind)
    )
    if school_id is not None:
        query = query.where(Visit.school_id == school_id)
    rows = (await session.execute(query)).all()
    return [FollowUpCounts(int(r[0] or 0), r[1], r[2], VisitKind(r[3]), int(r[4]), int(r[5])) for r in rows]


@dataclass(frozen=True)
class LeaderParticipation:
    """One school leader and their linked grades (聯繫年段): ``grades`` linked, ``grades_taken_part``
    of them with at least one student visit (in a class of that grade) the leader recorded or
    co-visited."""

    school_id: int
    staff_id: int
    name: str
    grades: int
    grades_taken_part: int


async def leader_participation(
    *, session: AsyncSession, start: date, end: date | None = None, school_id: int | None = None
) -> list[LeaderParticipation]:
    """Every active school leader with at least one active linked grade of their own school."""
    in_grade = and_(Visit.kind == VisitKind.STUDENT.value, *_current(start, end))
    as_visitor = (
        select(Visit.visitor_id.label("staff_id"), SchoolClass.grade_id.label("grade_id"))
        .join(SchoolClass, SchoolClass.id == Visit.class_id)
        .where(in_grade)
    )
    as_co_visitor = (
        select(VisitCoVisitor.staff_id.label("staff_id"), SchoolClass.grade_id.label("grade_id"))
        .join(Visit, Visit.id == VisitCoVisitor.visit_id)
        .join(SchoolClass, SchoolClass.id == Visit.class_id)
        .where(in_grade)
    )
    took_part = union(as_visitor, as_co_visitor).subquery("took_part")
    leaders = select(StaffRole.staff_id).where(StaffRole.role == Role.SCHOOL_LEADER.value)
    query = (
        select(Staff.school_id, Staff.id, Staff.name, func.count(StaffGrade.grade_id),
               _count(took_part.c.staff_id.is_not(None)))
        .join(StaffGrade, StaffGrade.staff_id == Staff.id)
        .join(Grade, and_(Grade.id == StaffGrade.grade_id, Grade.school_id == Staff.school_id))
        .join(School, School.id == Staff.school_id)
        .outerjoin(took_part, and_(took_part.c.staff_id == Staff.id, took_part.c.grade_id == Grade.id))
        .where(Staff.active.is_(True), Staff.id.in_(leaders), Grade.active.is_(True), School.active.is_(True))
        .group_by(Staff.school_id, Staff.id, Staff.name)
        .order_by(Staff.school_id, Staff.id)
    )
    if school_id is not None:
        query = query.where(Staff.school_id == school_id)
    rows = (await session.execute(query)).all()
    return [LeaderParticipation(int(r[0] or 0), r[1], r[2], int(r[3]), int(r[4])) for r in rows]


@dataclass(frozen=True)
class TeacherCounts:
    """One head or subject teacher, credited as the visitor only.

    ``students``: active, non-exempt students of the active classes they head or teach;
    ``visited``/``one_on_one``: those with a current visit *recorded by this teacher* (one-on-one:
    with exactly one student); ``focus_*`` the same for focus students; ``visits``: student visits
    they recorded; ``co_visits``: student visits they joined as a co-visitor (participation only).
    """

    staff_id: int
    external_id: str
    name: str
    school_id: int
    students: int
    visited: int
    one_on_one: int
    focus_students: int
    focus_one_on_one: int
    visits: int
    co_visits: int


async def teacher_counts(
    *, session: AsyncSession, start: date, end: date | None = None, school_id: int | None = None
) -> list[TeacherCounts]:
    """Per active head or subject teacher of an active school, ordered by school and staff id."""
    student_visit = and_(Visit.kind == VisitKind.STUDENT.value, *_current(start, end))
    links = (
        select(StaffClass.staff_id.label("staff_id"), StaffClass.class_id.label("class_id"))
        .join(SchoolClass, SchoolClass.id == StaffClass.class_id)
        .where(SchoolClass.active.is_(True))
        .distinct()
        .subquery("links")
    )
    exempt = (
        select(Exemption.student_id.label("student_id"))
        .where(Exemption.student_id.is_not(None), Exemption.revoked_at.is_(None))
        .distinct().subquery("exempt")
    )
    pupils = (
        select(links.c.staff_id.label("staff_id"), Student.id.label("student_id"))
        .join(Student, Student.class_id == links.c.class_id)
        .outerjoin(exempt, exempt.c.student_id == Student.id)
        .where(Student.active.is_(True), exempt.c.student_id.is_(None))
        .subquery("pupils")
    )
    by_visitor = (
        select(
            VisitStudent.student_id.label("student_id"), Visit.visitor_id.label("visitor_id"),
            func.max(case((Visit.one_on_one.is_(True), 1), else_=0)).label("one_on_one"),
        )
        .join(Visit, Visit.id == VisitStudent.visit_id)
        .where(student_visit)
        .group_by(VisitStudent.student_id, Visit.visitor_id)
        .subquery("by_visitor")
    )
    focus = select(StudentFocus.student_id.label("student_id")).distinct().subquery("focus")
    is_focus = focus.c.student_id.is_not(None)
    one = by_visitor.c.one_on_one == 1
    per_teacher = (
        select(
            pupils.c.staff_id.label("staff_id"), func.count().label("students"),
            _count(by_visitor.c.student_id.is_not(None)).label("visited"), _count(one).label("one"),
            _count(is_focus).label("focus"), _count(and_(is_focus, one)).label("focus_one"),
        )
        .select_from(pupils)
        .outerjoin(by_visitor, and_(by_visitor.c.student_id == pupils.c.student_id,
                                    by_visitor.c.visitor_id == pupils.c.staff_id))
        .outerjoin(focus, focus.c.student_id == pupils.c.student_id)
        .group_by(pupils.c.staff_id)
        .subquery("per_teacher")
    )
    recorded = (
        select(Visit.visitor_id.label("staff_id"), func.count().label("n"))
        .where(student_visit).group_by(Visit.visitor_id).subquery("recorded")
    )
    joined = (
        select(VisitCoVisitor.staff_id.label("staff_id"), func.count().label("n"))
        .join(Visit, Visit.id == VisitCoVisitor.visit_id)
        .where(student_visit).group_by(VisitCoVisitor.staff_id).subquery("joined")
    )
    teachers = select(StaffRole.staff_id).where(StaffRole.role.in_([r.value for r in TEACHER_ROLES]))
    # Teachers exempt for the campaign (long leave) are not scored, as they are not in coverage.
    on_leave = select(Exemption.staff_id).where(Exemption.staff_id.is_not(None),
                                                Exemption.revoked_at.is_(None))
    zero = 0
    query = (
        select(
            Staff.id, Staff.external_id, Staff.name, Staff.school_id,
            func.coalesce(per_teacher.c.students, zero), func.coalesce(per_teacher.c.visited, zero),
            func.coalesce(per_teacher.c.one, zero), func.coalesce(per_teacher.c.focus, zero),
            func.coalesce(per_teacher.c.focus_one, zero), func.coalesce(recorded.c.n, zero),
            func.coalesce(joined.c.n, zero),
        )
        .join(School, School.id == Staff.school_id)
        .outerjoin(per_teacher, per_teacher.c.staff_id == Staff.id)
        .outerjoin(recorded, recorded.c.staff_id == Staff.id)
        .outerjoin(joined, joined.c.staff_id == Staff.id)
        .where(Staff.active.is_(True), Staff.id.in_(teachers), School.active.is_(True),
               Staff.id.not_in(on_leave))
        .order_by(Staff.school_id, Staff.id)
    )
    if school_id is not None:
        query = query.where(Staff.school_id == school_id)
    rows = (await session.execute(query)).all()
    return [TeacherCounts(r[0], r[1], r[2], r[3], *(int(n) for n in r[4:])) for r in rows]


@dataclass(frozen=True)
class ReviewCounts:
    """Supervision's checks of one visitor's visits in one school and class (``class_id`` None:
    interviews). ``checked``: current visits a reviewer decided on, or whose interviewed teacher
    answered; ``good``: those whose latest review is *verified* (or, never reviewed, that the
    interviewed teacher confirmed), unless the teacher disputed it. A return and a dispute are
    checked and not good: they count against."""

    school_id: int
    class_id: int | None
    visitor_id: int
    kind: VisitKind
    checked: int
    good: int


async def review_counts(
    *, session: AsyncSession, start: date, end: date | None = None, school_id: int | None = None
) -> list[ReviewCounts]:
    """Review outcomes and confirmations grouped by school, class, visitor and kind of the visit."""
    latest = (
        select(VisitReview.visit_id.label("visit_id"), func.max(VisitReview.id).label("last_id"))
        .group_by(VisitReview.visit_id).subquery("latest")
    )
    last = aliased(VisitReview, name="last_review")
    answer = InterviewConfirmation.answer
    answers = (
        select(
            InterviewConfirmation.visit_id.label("visit_id"),
            func.max(_flag(answer == ConfirmationAnswer.CONFIRMED.value)).label("confirmed"),
            func.max(_flag(answer == ConfirmationAnswer.DISPUTED.value)).label("disputed"),
        )
        .where(InterviewConfirmation.answer.is_not(None))
        .group_by(InterviewConfirmation.visit_id).subquery("answers")
    )
    reviewed = latest.c.visit_id.is_not(None)
    disputed = func.coalesce(answers.c.disputed, 0) == 1
    good = and_(~disputed, or_(last.outcome == ReviewOutcome.VERIFIED.value,
                               and_(~reviewed, func.coalesce(answers.c.confirmed, 0) == 1)))
    query = (
        select(Visit.school_id, Visit.class_id, Visit.visitor_id, Visit.kind, func.count(Visit.id),
               _count(good))
        .join(School, School.id == Visit.school_id)
        .outerjoin(latest, latest.c.visit_id == Visit.id)
        .outerjoin(last, last.id == latest.c.last_id)
        .outerjoin(answers, answers.c.visit_id == Visit.id)
        .where(School.active.is_(True), or_(reviewed, answers.c.visit_id.is_not(None)), *_current(start, end))
        .group_by(Visit.school_id, Visit.class_id, Visit.visitor_id, Visit.kind)
    )
    if school_id is not None:
        query = query.where(Visit.school_id == school_id)
    rows = (await session.execute(query)).all()
    return [ReviewCounts(int(r[0] or 0), r[1], r[2], VisitKind(r[3]), int(r[4]), int(r[5])) for r in rows]
