"""Hand-made districts for tests, inserted straight through the ORM models.

Every builder takes the session first, adds rows, flushes (so the new id is known) and returns the id.
None of them commits: the test commits when its district is complete. Names of classes, grades and
schools are what a roster would carry; ids are whatever the database hands out.

Example::

    async with store.sessions() as session:
        school = await add_school(session, "第一中學")
        g7 = await add_grade(session, school, "七年級")
        c71 = await add_class(session, school, g7, "七年級1班")
        head = await add_staff(session, "T1", "彭志", school, ["head_teacher"], head_of=[c71])
        pupil = await add_student(session, "S1", "小明", c71, focus=["psychological"])
        await add_visit(session, head, "student", students=[pupil], visit_date=date(2026, 12, 2))
        await session.commit()
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    District,
    Exemption,
    Grade,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffFocus,
    StaffGrade,
    StaffRole,
    Student,
    StudentFocus,
    Visit,
    VisitStudent,
    VisitTeacher,
    VisitVersion,
)
from store.vocab import VisitForm, VisitKind, default_place

__all__ = [
    "add_class",
    "add_exemption",
    "add_grade",
    "add_school",
    "add_staff",
    "add_student",
    "add_visit",
    "district_id",
    "edit_visit",
]


async def district_id(session: AsyncSession) -> int:
    """The installation's one district, created if the database has none yet."""
    district = await session.scalar(select(District).order_by(District.id).limit(1))
    if district is None:
        district = District(name="District")
        session.add(district)
        await session.flush()
    return district.id


async def add_school(session: AsyncSession, name: str, *, active: bool = True) -> int:
    """A school of the district."""
    school = School(district_id=await district_id(session), name=name, active=active)
    session.add(school)
    await session.flush()
    return school.id


async def add_grade(session: AsyncSession, school_id: int, name: str, *, active: bool = True) -> int:
    """A grade (年段) of a school."""
    grade = Grade(school_id=school_id, name=name, active=active)
    session.add(grade)
    await session.flush()
    return grade.id


async def add_class(
    session: AsyncSession, school_id: int, grade_id: int, name: str, *, active: bool = True
) -> int:
    """A class of a grade; ``name`` is unique within the school."""
    school_class = SchoolClass(school_id=school_id, grade_id=grade_id, name=name, active=active)
    session.add(school_class)
    await session.flush()
    return school_class.id


async def add_staff(
    session: AsyncSession,
    external_id: str,
    name: str,
    school_id: int | None,
    roles: Iterable[str],
    *,
    head_of: Iterable[int] = (),
    teaches: Iterable[int] = (),
    grades: Iterable[int] = (),
    focus: Iterable[str] = (),
    active: bool = True,
) -> int:
    """A staff member with roles (``Role`` values), class links (ids), grade links (ids), focus tags.

    District roles take ``school_id=None``, as the roster's ``-`` school does.
    """
    staff = Staff(external_id=external_id, name=name, school_id=school_id, active=active)
    session.add(staff)
    await session.flush()
    session.add_all(StaffRole(staff_id=staff.id, role=str(r)) for r in roles)
    session.add_all(StaffClass(staff_id=staff.id, class_id=c, link="head") for c in head_of)
    session.add_all(StaffClass(staff_id=staff.id, class_id=c, link="teaches") for c in teaches)
    session.add_all(StaffGrade(staff_id=staff.id, grade_id=g) for g in grades)
    session.add_all(StaffFocus(staff_id=staff.id, tag=str(t)) for t in focus)
    await session.flush()
    return staff.id


async def add_student(
    session: AsyncSession,
    external_id: str,
    name: str,
    class_id: int,
    *,
    focus: Iterable[str] = (),
    active: bool = True,
) -> int:
    """A student of a class (the school is the class's); ``focus`` are ``StudentFocus`` tag values."""
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None:
        raise ValueError(f"no class {class_id}")
    student = Student(
        external_id=external_id, name=name, school_id=school_class.school_id, class_id=class_id,
        active=active,
    )
    session.add(student)
    await session.flush()
    session.add_all(StudentFocus(student_id=student.id, tag=str(t)) for t in focus)
    await session.flush()
    return student.id


async def add_visit(
    session: AsyncSession,
    visitor_id: int,
    kind: str,
    *,
    students: Sequence[int] = (),
    teachers: Sequence[int] = (),
    form: str = VisitForm.IN_PERSON,
    visit_date: date,
    created_at: datetime | None = None,
    deleted: bool = False,
    class_id: int | None = None,
    follow_up: str = "none",
) -> int:
    """A current visit by ``visitor_id`` of ``students`` (kind "student") or ``teachers`` ("teacher").

    ``one_on_one`` is derived as the product does: exactly one visitee. The class of a student visit
    defaults to the first student's class and its school to that class's school; a teacher visit's
    school is the visitor's. ``created_at`` defaults to 10:00 UTC on ``visit_date``; ``deleted=True``
    marks the visit deleted at that instant.
    """
    visit_kind = VisitKind(kind)
    visitees = students if visit_kind is VisitKind.STUDENT else teachers
    if not visitees:
        raise ValueError("a visit needs at least one visitee of its kind")
    school_id: int | None
    if visit_kind is VisitKind.STUDENT:
        if class_id is None:
            first = await session.get(Student, students[0])
            assert first is not None, f"no student {students[0]}"
            class_id = first.class_id
        school_class = await session.get(SchoolClass, class_id)
        assert school_class is not None, f"no class {class_id}"
        school_id = school_class.school_id
    else:
        visitor = await session.get(Staff, visitor_id)
        assert visitor is not None, f"no staff {visitor_id}"
        school_id = visitor.school_id
    at = created_at or datetime.combine(visit_date, time(10, 0), tzinfo=UTC)
    visit = Visit(
        client_key=uuid.uuid4().hex,
        kind=visit_kind.value,
        visitor_id=visitor_id,
        school_id=school_id,
        class_id=class_id,
        form=VisitForm(form).value,
        place=default_place(visit_kind, VisitForm(form)).value,
        visit_date=visit_date,
        one_on_one=len(visitees) == 1,
        follow_up=follow_up,
        created_at=at,
        updated_at=at,
        deleted_at=at if deleted else None,
    )
    session.add(visit)
    await session.flush()
    await _set_visitees(session, visit, students, teachers)
    return visit.id


async def edit_visit(
    session: AsyncSession,
    visit_id: int,
    *,
    at: datetime,
    students: Sequence[int] | None = None,
    teachers: Sequence[int] | None = None,
    visit_date: date | None = None,
    by: int | None = None,
) -> None:
    """Edit a visit as the product does: snapshot the old version, then change the current row.

    Visitees given replace the old ones (and ``one_on_one`` follows); ``None`` keeps them.
    """
    visit = await session.get(Visit, visit_id)
    assert visit is not None, f"no visit {visit_id}"
    old_students = list((await session.scalars(
        select(VisitStudent.student_id).filter_by(visit_id=visit_id))).all())
    old_teachers = list((await session.scalars(
        select(VisitTeacher.staff_id).filter_by(visit_id=visit_id))).all())
    snapshot: dict[str, Any] = {
        "visit_date": visit.visit_date.isoformat(),
        "students": old_students,
        "teachers": old_teachers,
        "one_on_one": visit.one_on_one,
    }
    session.add(VisitVersion(
        visit_id=visit_id, version=visit.version, snapshot=snapshot, replaced_at=at, replaced_by=by
    ))
    visit.version += 1
    visit.updated_at = at
    if visit_date is not None:
        visit.visit_date = visit_date
    await _set_visitees(
        session, visit,
        old_students if students is None else students,
        old_teachers if teachers is None else teachers,
    )


async def add_exemption(
    session: AsyncSession,
    student_id: int,
    *,
    reason: str = "long-term sick leave",
    granted_by: int | None = None,
    created_at: datetime | None = None,
    revoked: bool = False,
) -> int:
    """An exemption of a student from coverage; ``revoked=True`` makes it a past one."""
    at = created_at or datetime(2026, 12, 1, tzinfo=UTC)
    exemption = Exemption(
        student_id=student_id, reason=reason, granted_by=granted_by, created_at=at,
        revoked_at=at if revoked else None,
    )
    session.add(exemption)
    await session.flush()
    return exemption.id


async def _set_visitees(
    session: AsyncSession, visit: Visit, students: Sequence[int], teachers: Sequence[int]
) -> None:
    await session.execute(delete(VisitStudent).where(VisitStudent.visit_id == visit.id))
    await session.execute(delete(VisitTeacher).where(VisitTeacher.visit_id == visit.id))
    session.add_all(VisitStudent(visit_id=visit.id, student_id=s) for s in dict.fromkeys(students))
    session.add_all(VisitTeacher(visit_id=visit.id, staff_id=t) for t in dict.fromkeys(teachers))
    visit.one_on_one = len(set(students)) + len(set(teachers)) == 1
    await session.flush()
