"""What the visit conversation offers to pick: classes, students, teachers, co-visitors; and /my.

Every function takes the asker's :class:`Scope` and returns plain data. Focus tags appear only for
people the scope is entitled to see (SPEC.md, "Scopes"); the bot shows them in private chat only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from store.coverage import class_coverage
from store.models import (
    Exemption,
    Grade,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffFocus,
    StaffRole,
    Student,
    StudentFocus,
    Visit,
    VisitStudent,
    VisitTeacher,
)
from store.roster_facts import class_facts, name_labels
from store.roster_version import RosterCache
from store.scopes import Scope
from store.vocab import TEACHER_ROLES, VisitKind


def _matches(query: str | None, name: str, external_id: str) -> bool:
    if not query or not query.strip():
        return True
    needle = query.strip().casefold()
    return needle in name.casefold() or needle in external_id.casefold()


@dataclass(frozen=True)
class ClassOption:
    id: int
    name: str
    grade_id: int
    grade_name: str
    school_id: int
    school_name: str
    head: bool  # the asker is this class's head teacher


@dataclass(frozen=True)
class SchoolOption:
    id: int
    name: str


@dataclass(frozen=True)
class StudentOption:
    id: int
    name: str
    external_id: str
    label: str  # the name, plus the end of the id when a classmate shares it
    visited: bool
    visited_one_on_one: bool
    focus: tuple[str, ...]  # StudentFocus codes; empty unless the scope sees this class's students
    exempt: bool


@dataclass(frozen=True)
class TeacherOption:
    id: int
    name: str
    external_id: str
    label: str
    interviewed: bool
    interviewed_one_on_one: bool
    focus: tuple[str, ...]  # TeacherFocus codes; empty unless the scope sees this school's teachers


@dataclass(frozen=True)
class StaffOption:
    id: int
    name: str
    external_id: str
    label: str


@dataclass(frozen=True)
class ClassProgress:
    """One class's figures for /my; exempt students count nowhere."""

    class_id: int
    class_name: str
    grade_name: str
    head: bool
    visited: int
    one_on_one: int
    total: int
    unvisited: tuple[str, ...]  # labels of the students not visited yet, by name
    exempt: tuple[str, ...] = ()  # names of the students exempt (away for the campaign), by name


async def _head_class_ids(session: AsyncSession, staff_id: int) -> set[int]:
    return set(
        (
            await session.scalars(
                select(StaffClass.class_id).where(StaffClass.staff_id == staff_id, StaffClass.link == "head")
            )
        ).all()
    )


# Staff id and the classes they visit: the options, kept for the roster version (only an import
# changes classes, their names and who heads them).
_VISITABLE: RosterCache[tuple[ClassOption, ...]] = RosterCache()


async def visitable_classes(*, session: AsyncSession, scope: Scope) -> list[ClassOption]:
    """The classes whose students the asker may log visits with; their head class first."""
    if not scope.visit_class_ids:
        return []
    key = (scope.staff_id, scope.visit_class_ids)
    return list(await _VISITABLE.get(session, key, lambda: _visitable_classes(session, scope)))


async def _visitable_classes(session: AsyncSession, scope: Scope) -> tuple[ClassOption, ...]:
    heads = await _head_class_ids(session, scope.staff_id)
    rows = (
        await session.execute(
            select(SchoolClass.id, SchoolClass.name, Grade.id, Grade.name, School.id, School.name)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .join(School, School.id == SchoolClass.school_id)
            .where(SchoolClass.id.in_(scope.visit_class_ids), SchoolClass.active.is_(True))
        )
    ).all()
    options = [ClassOption(cid, cname, gid, gname, sid, sname, cid in heads)
               for cid, cname, gid, gname, sid, sname in rows]
    return tuple(sorted(options, key=lambda o: (not o.head, o.grade_name, o.name, o.id)))


async def interview_school(*, session: AsyncSession, scope: Scope) -> SchoolOption | None:
    """The school whose teachers the asker interviews (cadres), or None."""
    if scope.interview_school_id is None or not scope.may_interview_in(scope.interview_school_id):
        return None
    school = await session.get(School, scope.interview_school_id)
    return None if school is None else SchoolOption(school.id, school.name)


def _visit_flags(
    person_col: InstrumentedAttribute[int], visit_col: InstrumentedAttribute[int], kind: VisitKind,
    among: Select[int],
) -> Select[int, int, int]:
    """Per person of ``among`` (a select of ids): visits counted, and 1 if one-on-one at least once,
    from current (undeleted) visits. Without ``among`` SQLite would count every visit of the
    district each time (the subquery is materialised before it is joined)."""
    return (
        select(
            person_col,
            func.count(Visit.id).label("visits"),
            func.max(case((Visit.one_on_one.is_(True), 1), else_=0)).label("one_on_one"),
        )
        .join(Visit, Visit.id == visit_col)
        .where(Visit.deleted_at.is_(None), Visit.kind == kind.value, person_col.in_(among))
        .group_by(person_col)
    )


async def _students_of_class(
    session: AsyncSession, class_id: int
) -> list[tuple[int, str, str, bool, bool, bool]]:
    """(id, name, external_id, visited, one_on_one, exempt) of the class's active students."""
    # One grouped join from the class's students (every /visit runs this): a subquery of visit
    # counts, even restricted as _visit_flags is, costs more; unrestricted, SQLite counted every visit
    # of the district, 61 ms of CPU at 50,000 visits against 2 ms (docs/benchmarks.md).
    counted = and_(Visit.id == VisitStudent.visit_id, Visit.deleted_at.is_(None),
                   Visit.kind == VisitKind.STUDENT.value)
    exempt = exists().where(Exemption.student_id == Student.id, Exemption.revoked_at.is_(None))
    rows = (
        await session.execute(
            select(
                Student.id, Student.name, Student.external_id, func.count(Visit.id),
                func.max(case((Visit.one_on_one.is_(True), 1), else_=0)), exempt,
            )
            .outerjoin(VisitStudent, VisitStudent.student_id == Student.id)
            .outerjoin(Visit, counted)
            .where(Student.class_id == class_id, Student.active.is_(True))
            .group_by(Student.id, Student.name, Student.external_id)
        )
    ).all()
    return [(sid, name, ext, bool(visits), bool(one), bool(ex)) for sid, name, ext, visits, one, ex in rows]


async def _focus_tags(
    session: AsyncSession, model: type[StudentFocus] | type[StaffFocus], ids: Sequence[int]
) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    column = model.student_id if model is StudentFocus else model.staff_id  # type: ignore[union-attr]
    tags: dict[int, list[str]] = {}
    for pid, tag in (await session.execute(select(column, model.tag).where(column.in_(ids)))).all():
        tags.setdefault(pid, []).append(tag)
    return {pid: tuple(sorted(t)) for pid, t in tags.items()}


async def class_students(
    *, session: AsyncSession, scope: Scope, class_id: int, query: str | None = None
) -> list[StudentOption]:
    """A class's active students to pick from: not visited first, then focus students, then by name.

    ``query`` keeps those whose name or id contains it (case-insensitive). Exempt students stay listed,
    marked. Empty for a class the asker may neither visit nor see.
    """
    if not (scope.sees_students_of(class_id) or class_id in scope.visit_class_ids):
        return []
    rows = await _students_of_class(session, class_id)
    labels = name_labels((sid, name, ext) for sid, name, ext, *_ in rows)
    facts = await class_facts(session, class_id) if scope.sees_students_of(class_id) else None
    focus = facts.focus if facts is not None else {}  # from memory while the roster version holds
    options = [
        StudentOption(sid, name, ext, labels[sid], visited, one, focus.get(sid, ()), exempt)
        for sid, name, ext, visited, one, exempt in rows
        if _matches(query, name, ext)
    ]
    return sorted(options, key=lambda o: (o.visited, not o.focus, o.name, o.external_id))


async def interviewable_teachers(
    *, session: AsyncSession, scope: Scope, query: str | None = None
) -> list[TeacherOption]:
    """The head and subject teachers the asker interviews (never themself): not interviewed first,
    then focus teachers (tags only if the scope sees this school's teachers), then by name."""
    school_id = scope.interview_school_id
    if school_id is None or not scope.may_interview_in(school_id):
        return []
    of_school = select(Staff.id).where(Staff.school_id == school_id)
    flags = _visit_flags(
        VisitTeacher.staff_id, VisitTeacher.visit_id, VisitKind.TEACHER, of_school
    ).subquery()
    teachers = (
        select(StaffRole.staff_id)
        .where(StaffRole.role.in_([r.value for r in TEACHER_ROLES]))
        .distinct()
        .subquery()
    )
    rows = (
        await session.execute(
            select(Staff.id, Staff.name, Staff.external_id, flags.c.visits, flags.c.one_on_one)
            .join(teachers, teachers.c.staff_id == Staff.id)
            .outerjoin(flags, flags.c.staff_id == Staff.id)
            .where(Staff.school_id == school_id, Staff.active.is_(True), Staff.id != scope.staff_id)
        )
    ).all()
    labels = name_labels((sid, name, ext) for sid, name, ext, *_ in rows)
    focus = (
        await _focus_tags(session, StaffFocus, [r[0] for r in rows])
        if scope.sees_teachers_of(school_id) else {}
    )
    options = [
        TeacherOption(sid, name, ext, labels[sid], bool(visits), bool(one), focus.get(sid, ()))
        for sid, name, ext, visits, one in rows
        if _matches(query, name, ext)
    ]
    return sorted(options, key=lambda o: (o.interviewed, not o.focus, o.name, o.external_id))


async def co_visitor_options(*, session: AsyncSession, scope: Scope) -> list[StaffOption]:
    """Active staff of the asker's school who may be named as co-visitors, by name; not the asker."""
    if scope.school_id is None:
        return []
    rows = (
        await session.execute(
            select(Staff.id, Staff.name, Staff.external_id).where(
                Staff.school_id == scope.school_id, Staff.active.is_(True), Staff.id != scope.staff_id
            )
        )
    ).all()
    labels = name_labels((sid, name, ext) for sid, name, ext in rows)
    options = [StaffOption(sid, name, ext, labels[sid]) for sid, name, ext in rows]
    return sorted(options, key=lambda o: (o.name, o.external_id))


async def class_progress(*, session: AsyncSession, scope: Scope) -> list[ClassProgress]:
    """/my: for each class the asker visits as a teacher, visited / one-on-one / total (net of exempt
    students, as :func:`store.coverage.class_coverage` counts them) and who is not visited yet; their
    head class first."""
    classes = await visitable_classes(session=session, scope=scope)
    if not classes:
        return []
    class_ids = [c.id for c in classes]
    counts = {c.class_id: c for c in await class_coverage(session=session, scope=scope)}
    of_classes = select(Student.id).where(Student.class_id.in_(class_ids))
    flags = _visit_flags(
        VisitStudent.student_id, VisitStudent.visit_id, VisitKind.STUDENT, of_classes
    ).subquery()
    # Teachers' exemptions have no student: NOT IN over a NULL would keep nobody.
    exempt = select(Exemption.student_id).where(
        Exemption.student_id.is_not(None), Exemption.revoked_at.is_(None)
    )
    # Every counted student is loaded, not only the unvisited, since labels tell namesakes apart
    # within the whole class.
    roster = (
        await session.execute(
            select(Student.class_id, Student.id, Student.name, Student.external_id, flags.c.student_id)
            .outerjoin(flags, flags.c.student_id == Student.id)
            .where(Student.class_id.in_(class_ids), Student.active.is_(True), Student.id.not_in(exempt))
        )
    ).all()
    exempt_rows = (
        await session.execute(
            select(Student.class_id, Student.name)
            .where(Student.class_id.in_(class_ids), Student.active.is_(True), Student.id.in_(exempt))
        )
    ).all()
    exempt_names: dict[int, list[str]] = {}
    for cid, name in exempt_rows:
        exempt_names.setdefault(cid, []).append(name)
    by_class: dict[int, list[tuple[int, str, str, bool]]] = {}
    for cid, sid, name, ext, seen in roster:
        by_class.setdefault(cid, []).append((sid, name, ext, seen is not None))
    out = []
    for c in classes:
        students = by_class.get(c.id, [])
        labels = name_labels((sid, name, ext) for sid, name, ext, _ in students)
        unvisited = sorted((name, ext, labels[sid]) for sid, name, ext, seen in students if not seen)
        figures = counts.get(c.id)
        out.append(ClassProgress(
            class_id=c.id, class_name=c.name, grade_name=c.grade_name, head=c.head,
            visited=figures.visited if figures else 0,
            one_on_one=figures.one_on_one if figures else 0,
            total=figures.students if figures else 0,
            unvisited=tuple(label for _, _, label in unvisited),
            exempt=tuple(sorted(exempt_names.get(c.id, []))),
        ))
    return out
