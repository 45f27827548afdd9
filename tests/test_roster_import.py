"""Importing into the database: all or nothing, the upsert, deactivation, the audit entry, bulk SQL."""

from __future__ import annotations

import copy
from datetime import date

from sqlalchemy import event, func, select

from store.installation import StoreHandle
from store.models import (
    AuditEntry,
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
)
from store.roster import EntityCounts, RosterReport, import_roster, read_roster_files, read_roster_paths
from store.roster.read import RosterSource
from tests.builders_roster import (
    SMALL_STAFF,
    SMALL_STUDENTS,
    STAFF_HEADER,
    STUDENT_HEADER,
    TEN_MISTAKES,
    csv_text,
    small_files,
    snapshot,
)
from tests.conftest import SAMPLE_ROSTER

S = {k: i for i, k in enumerate(STAFF_HEADER)}


async def run(store: StoreHandle, source: RosterSource) -> RosterReport:
    async with store.sessions() as session:
        return await import_roster(session=session, source=source, now=store.clock.now())


async def test_sample_roster_is_imported(store: StoreHandle) -> None:
    report = await run(store, read_roster_paths([SAMPLE_ROSTER]))
    assert report.accepted and report.findings == []
    assert report.summary.schools == EntityCounts(added=2)
    assert report.summary.grades == EntityCounts(added=6)
    assert report.summary.classes == EntityCounts(added=12)
    assert report.summary.staff == EntityCounts(added=51)
    assert report.summary.students == EntityCounts(added=180)
    async with store.sessions() as session:
        t1008 = await session.scalar(select(Staff).where(Staff.external_id == "T1008"))
        assert t1008 is not None and t1008.phone == "13800000293" and t1008.active
        roles = set((await session.scalars(select(StaffRole.role).filter_by(staff_id=t1008.id))).all())
        assert roles == {"head_teacher", "subject_teacher"}
        links = (
            await session.execute(
                select(SchoolClass.name, StaffClass.link)
                .join(StaffClass, StaffClass.class_id == SchoolClass.id)
                .where(StaffClass.staff_id == t1008.id)
            )
        ).all()
        assert sorted(links) == [("七年級1班", "head"), ("七年級1班", "teaches")]
        t1004 = await session.scalar(select(Staff).where(Staff.external_id == "T1004"))
        assert t1004 is not None
        grades = (
            await session.scalars(
                select(Grade.name)
                .join(StaffGrade, StaffGrade.grade_id == Grade.id)
                .filter_by(staff_id=t1004.id)
            )
        ).all()
        assert sorted(grades) == ["七年級", "八年級"]
        district = await session.scalar(select(Staff).where(Staff.external_id == "T1001"))
        assert district is not None and district.school_id is None
        assert await session.scalar(select(func.count()).select_from(StudentFocus)) > 0
        audit = (await session.scalars(select(AuditEntry))).all()
        assert [(a.action, a.actor) for a in audit] == [("roster_import", "cli")]
        assert audit[0].detail is not None and audit[0].detail["summary"]["students"]["added"] == 180
        assert audit[0].at == store.clock.now()


async def test_ten_kinds_of_mistakes_are_all_listed_and_nothing_changes(store: StoreHandle) -> None:
    """The issue's acceptance test: every mistake listed with row, column and reason; database untouched."""
    assert (await run(store, read_roster_paths([SAMPLE_ROSTER]))).accepted
    async with store.sessions() as session:
        before = await snapshot(session)

    report = await run(store, read_roster_paths([TEN_MISTAKES]))

    assert not report.accepted
    listed = {(f.file, f.row, f.column, f.code) for f in report.errors}
    assert listed == {
        ("staff.csv", 7, "roles", "unknown_role"),
        ("staff.csv", 9, "head_of", "missing_head_of"),
        ("staff.csv", 12, "head_of", "unknown_class"),
        ("staff.csv", 15, "grades", "missing_grades"),
        ("staff.csv", 19, "head_of", "two_head_teachers"),
        ("staff.csv", 22, "grades", "unknown_grade"),
        ("staff.csv", 24, "phone", "bad_phone"),
        ("staff.csv", 25, "language", "bad_language"),
        ("staff.csv", 27, "focus", "wrong_focus_list"),
        ("staff.csv", 31, "staff_id", "duplicate_id"),
        ("staff.csv", 34, "name", "missing_value"),
        ("staff.csv", 36, "school", "unknown_school"),
        ("students.csv", 10, "student_id", "duplicate_id"),
        ("students.csv", 20, "grade", "class_in_two_grades"),
        ("students.csv", 40, "focus", "wrong_focus_list"),
        ("students.csv", 50, "focus", "unknown_focus"),
    }
    assert len({f.code for f in report.errors}) >= 10
    assert report.summary.students == EntityCounts()
    async with store.sessions() as session:
        assert await snapshot(session) == before


async def test_refused_import_into_an_empty_database_writes_nothing(store: StoreHandle) -> None:
    async with store.sessions() as session:
        before = await snapshot(session)
    report = await run(store, read_roster_paths([TEN_MISTAKES]))
    assert not report.accepted
    async with store.sessions() as session:
        after = await snapshot(session)
    assert after == before
    assert after["staff"] == [] and after["audit_log"] == []


async def add_visit(store: StoreHandle, student_ext: str, visitor_ext: str) -> int:
    async with store.sessions() as session:
        student = await session.scalar(select(Student).where(Student.external_id == student_ext))
        visitor = await session.scalar(select(Staff).where(Staff.external_id == visitor_ext))
        assert student is not None and visitor is not None
        now = store.clock.now()
        visit = Visit(
            client_key=f"k-{student_ext}",
            kind="student",
            visitor_id=visitor.id,
            school_id=student.school_id,
            class_id=student.class_id,
            form="in_person",
            place="classroom",
            visit_date=date(2026, 12, 1),
            one_on_one=True,
            created_at=now,
            updated_at=now,
        )
        session.add(visit)
        await session.flush()
        session.add(VisitStudent(visit_id=visit.id, student_id=student.id))
        await session.commit()
        return visit.id


async def test_reimport_updates_deactivates_and_reactivates_keeping_visits(store: StoreHandle) -> None:
    assert (await run(store, read_roster_files(small_files()))).accepted
    visit_id = await add_visit(store, "S5", "H3")  # 二中's only student, visited by 二中's only teacher

    staff = copy.deepcopy(SMALL_STAFF)[:-1]  # H3 leaves
    staff[4][S["focus"]] = ""  # H1: focus removed (a link change only)
    staff[6][S["name"]] = "科任甲（改名）"  # T1: renamed
    staff.append(["一中", "N1", "新老師", "subject_teacher", "", "八年級1班", "", "", "", ""])
    students = copy.deepcopy(SMALL_STUDENTS)[:-1]  # 二中 and its only class and grade disappear
    students[0][2] = "甲同學（改名）"
    students[1][5] = ""  # S2: focus removed
    students.append(["一中", "S6", "新同學", "八年級", "八年級1班", ""])
    second = await run(store, read_roster_files(small_files(staff, students)))

    assert second.accepted, second.findings
    assert second.summary.schools == EntityCounts(deactivated=1)
    assert second.summary.grades == EntityCounts(deactivated=1)
    assert second.summary.classes == EntityCounts(deactivated=1)
    assert second.summary.staff == EntityCounts(added=1, updated=2, deactivated=1)
    assert second.summary.students == EntityCounts(added=1, updated=2, deactivated=1)
    async with store.sessions() as session:
        s5 = await session.scalar(select(Student).where(Student.external_id == "S5"))
        h3 = await session.scalar(select(Staff).where(Staff.external_id == "H3"))
        assert s5 is not None and not s5.active  # kept, inactive
        assert h3 is not None and not h3.active
        assert await session.get(Visit, visit_id) is not None
        assert await session.scalar(select(func.count()).select_from(VisitStudent)) == 1
        school = await session.scalar(select(School).where(School.name == "二中"))
        assert school is not None and not school.active
        h1 = await session.scalar(select(Staff).where(Staff.external_id == "H1"))
        assert h1 is not None
        assert (await session.scalars(select(StaffFocus.tag).filter_by(staff_id=h1.id))).all() == []

    third = await run(store, read_roster_files(small_files()))  # the original again
    assert third.accepted
    assert third.summary.schools == EntityCounts(reactivated=1)
    assert third.summary.classes == EntityCounts(reactivated=1)
    assert third.summary.staff == EntityCounts(updated=2, deactivated=1, reactivated=1)
    assert third.summary.students == EntityCounts(updated=2, deactivated=1, reactivated=1)
    async with store.sessions() as session:
        s5 = await session.scalar(select(Student).where(Student.external_id == "S5"))
        assert s5 is not None and s5.active
        visit = await session.get(Visit, visit_id)
        assert visit is not None and visit.class_id == s5.class_id  # the same class row came back
        audits = await session.scalar(select(func.count()).select_from(AuditEntry))
        assert audits == 3


async def test_identical_reimport_changes_nothing(store: StoreHandle) -> None:
    assert (await run(store, read_roster_paths([SAMPLE_ROSTER]))).accepted
    again = await run(store, read_roster_paths([SAMPLE_ROSTER]))
    assert again.accepted
    assert not any(
        c.changed
        for c in (
            again.summary.schools,
            again.summary.grades,
            again.summary.classes,
            again.summary.staff,
            again.summary.students,
        )
    )


async def test_a_class_moving_grade_and_a_student_moving_class(store: StoreHandle) -> None:
    assert (await run(store, read_roster_files(small_files()))).accepted
    students = copy.deepcopy(SMALL_STUDENTS)
    students[2][3] = "八年級"  # 七年級2班 now listed under 八年級 (its only student)
    students[0][4] = "八年級1班"  # S1 moves class
    students[0][3] = "八年級"
    staff = copy.deepcopy(SMALL_STAFF)
    staff[3][S["grades"]] = "八年級"  # G1 follows
    report = await run(store, read_roster_files(small_files(staff, students)))
    assert report.accepted, report.findings
    assert report.summary.classes == EntityCounts(updated=1)
    assert report.summary.students == EntityCounts(updated=1)
    async with store.sessions() as session:
        cls = await session.scalar(select(SchoolClass).where(SchoolClass.name == "七年級2班"))
        grade = await session.get(Grade, cls.grade_id) if cls else None
        assert grade is not None and grade.name == "八年級"


async def test_a_big_district_costs_a_bounded_number_of_statements(store: StoreHandle) -> None:
    students = [
        ["一中", f"S{i}", f"學生{i}", f"{g}年級", f"{g}年級{c}班", "psychological" if i % 9 == 0 else ""]
        for i, (g, c) in enumerate((g, c) for g in "七八九" for c in range(1, 11) for _ in range(100))
    ]
    staff = [
        [
            "一中",
            f"T{g}{c}",
            f"老師{g}{c}",
            "head_teacher;subject_teacher",
            f"{g}年級{c}班",
            f"{g}年級{c}班",
            "",
            "",
            "talent",
            "",
        ]
        for g in "七八九"
        for c in range(1, 11)
    ]
    files = {
        "staff.csv": csv_text([STAFF_HEADER, *staff]).encode(),
        "students.csv": csv_text([STUDENT_HEADER, *students]).encode(),
    }
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    try:
        report = await run(store, read_roster_files(files))
        assert report.accepted and report.summary.students == EntityCounts(added=3000)
        first = len(statements)
        students[0][2] = "改名"
        statements.clear()
        report = await run(
            store, read_roster_files(files | {"students.csv": csv_text([STUDENT_HEADER, *students]).encode()})
        )
        assert report.summary.students == EntityCounts(updated=1)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
    # One SELECT per row would be thousands; the bulk path needs a few dozen whatever the size.
    assert first < 60 and len(statements) < 40
