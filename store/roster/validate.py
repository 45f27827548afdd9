"""The row rules of roster-format.md: raw tables in, clean records and findings out. No database.

Students come first because they define the district's schools, grades and classes; staff rows are
then checked against them (a head teacher's class must exist in their school, and so on).
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from store.phones import PhoneBook
from store.roster.labels import (
    LANGUAGE_LABELS,
    NO_SCHOOL,
    ROLE_LABELS,
    STAFF_COLUMNS,
    STAFF_HEADER_INDEX,
    STAFF_REQUIRED,
    STUDENT_COLUMNS,
    STUDENT_FOCUS_LABELS,
    STUDENT_HEADER_INDEX,
    STUDENT_REQUIRED,
    TEACHER_FOCUS_LABELS,
    normalise_label,
    split_list,
)
from store.roster.read import STAFF, STUDENTS, RosterSource, UnreadableTable
from store.roster.results import Finding, Severity
from store.roster.table_check import MAX_LENGTH, NO_TAGS, TableCheck
from store.vocab import DISTRICT_ROLES, Role

PHONE = re.compile(r"\+?\d{5,20}")
PHONE_PUNCTUATION = re.compile(r"[\s\-]")  # "138-0000-0042" and "138 0000 0042" are kept as digits
LEADER_MAX_GRADES = 2


class StudentRecord(NamedTuple):
    external_id: str
    name: str
    school: str
    grade: str
    class_name: str
    focus: frozenset[str]


class StaffRecord(NamedTuple):
    external_id: str
    name: str
    school: str | None  # None for district people
    roles: frozenset[str]
    head_of: frozenset[str]
    teaches: frozenset[str]
    grades: frozenset[str]
    phone: str | None
    language: str | None
    focus: frozenset[str]


@dataclass
class CheckedRoster:
    """Clean records and every finding; ``accepted`` when no finding is an error."""

    staff: list[StaffRecord] = field(default_factory=list)
    students: list[StudentRecord] = field(default_factory=list)
    # (school, class) → grade, as the students file defines them.
    classes: dict[tuple[str, str], str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not any(f.is_error for f in self.findings)


def check_roster(source: RosterSource) -> CheckedRoster:
    """Apply every row rule to what was read, in one pass over each table.

    File-level findings of ``source`` come first. A table that turns out unreadable past its first
    rows is answered as it would have been had reading it failed at once: its findings and records
    are dropped for one ``unreadable_csv``.
    """
    # 100,000 records are 100,000 new tuples: without this the cycle collector walks them over and
    # over (a third of the time), though records hold no cycles. Back on as soon as we are done.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(source)
    finally:
        if enabled:
            gc.enable()


def _check(source: RosterSource) -> CheckedRoster:
    out = CheckedRoster(findings=list(source.findings))
    students_raw = source.tables.get(STUDENTS)
    staff_raw = source.tables.get(STAFF)
    students_ok = False
    if students_raw is not None:
        mark = len(out.findings)
        students = TableCheck(
            students_raw, STUDENT_HEADER_INDEX, STUDENT_COLUMNS, STUDENT_REQUIRED, out.findings
        )
        if students.usable:
            try:
                _check_students(students, out)
                students_ok = True
            except UnreadableTable as exc:
                out.classes.clear()
                out.students.clear()
                out.findings[mark:] = [exc.finding]
    if staff_raw is not None:
        mark = len(out.findings)
        staff = TableCheck(staff_raw, STAFF_HEADER_INDEX, STAFF_COLUMNS, STAFF_REQUIRED, out.findings)
        if staff.usable:
            try:
                _check_staff(staff, out, students_ok)
            except UnreadableTable as exc:
                out.staff.clear()
                out.findings[mark:] = [exc.finding]
    return out


def _check_students(table: TableCheck, out: CheckedRoster) -> None:
    """Every students row; a clean row costs a few comparisons, any other takes the full rules."""
    seen: dict[str, int] = {}
    class_first_row: dict[tuple[str, str], int] = {}
    # One (school, grade, class) tuple per class, shared by its students' records.
    places: dict[tuple[str, str], tuple[str, str, str]] = {}
    focus_memo: dict[str, frozenset[str] | None] = {"": NO_TAGS}
    pos = table.position
    i_school, i_id, i_name, i_grade, i_class = (pos[k] for k in STUDENT_REQUIRED)
    i_focus = pos.get("focus")
    m_id, m_name, m_school = MAX_LENGTH["student_id"], MAX_LENGTH["name"], MAX_LENGTH["school"]
    m_grade, m_class = MAX_LENGTH["grade"], MAX_LENGTH["class"]
    width, formulas = table.width, table.raw.formulas
    append = out.students.append
    for row, cells in table.raw.rows():
        if len(cells) < width:
            cells = table.padded(cells)
        school, sid, name, grade, cls = cells[i_school], cells[i_id], cells[i_name], cells[i_grade], \
            cells[i_class]
        focus_cell = cells[i_focus] if i_focus is not None else ""
        focus = focus_memo[focus_cell] if focus_cell in focus_memo else _memo_focus(focus_memo, focus_cell)
        place = places.get((school, cls))
        if (
            school and sid and name and grade and cls and focus is not None and sid not in seen
            and (place is None or place[1] == grade) and not (formulas and row in formulas)
            and len(sid) <= m_id and len(name) <= m_name and len(school) <= m_school
            and len(grade) <= m_grade and len(cls) <= m_class
        ):
            seen[sid] = row
            if place is None:
                place = places[(school, cls)] = (school, grade, cls)
                out.classes[(school, cls)] = grade
                class_first_row[(school, cls)] = row
            append(StudentRecord(sid, name, *place, focus))
        else:
            _student_row(table, out, row, cells, seen, class_first_row, places)


def _memo_focus(memo: dict[str, frozenset[str] | None], cell: str) -> frozenset[str] | None:
    """The tags of a focus cell when every label is a student one; None sends the row to the full rules."""
    tags = set()
    for item in split_list(cell):
        tag = STUDENT_FOCUS_LABELS.get(normalise_label(item))
        if tag is None:
            memo[cell] = None
            return None
        tags.add(tag)
    memo[cell] = frozenset(tags) if tags else NO_TAGS
    return memo[cell]


def _student_row(
    table: TableCheck, out: CheckedRoster, row: int, cells: tuple[str, ...], seen: dict[str, int],
    class_first_row: dict[tuple[str, str], int], places: dict[tuple[str, str], tuple[str, str, str]],
) -> None:
    """One students row under every rule, each mistake a finding."""
    before = len(out.findings)
    cells, blanked = table.formulas(row, cells)
    v = table.required(row, cells, STUDENT_REQUIRED)
    sid = v["student_id"]
    if sid:
        if sid in seen:
            table.finding(row, table.header["student_id"], "duplicate_id", id=sid, first_row=seen[sid])
        else:
            seen[sid] = row
    school, grade, name = v["school"], v["grade"], v["class"]
    if school and grade and name:
        known = out.classes.get((school, name))
        if known is None:
            out.classes[(school, name)] = grade
            class_first_row[(school, name)] = row
            places[(school, name)] = (school, grade, name)
        elif known != grade:
            table.finding(
                row, table.header["grade"], "class_in_two_grades",
                cls=name, grade=grade, other_grade=known, first_row=class_first_row[(school, name)],
            )
    focus = table.tags(row, cells, STUDENT_FOCUS_LABELS, TEACHER_FOCUS_LABELS, STUDENTS)
    table.forget(before, blanked)
    if len(out.findings) == before:
        out.students.append(StudentRecord(sid, v["name"], school, grade, name, focus))


def _check_staff(table: TableCheck, out: CheckedRoster, students_ok: bool) -> None:
    schools = {school for school, _ in out.classes}
    grades = {(school, grade) for (school, _), grade in out.classes.items()}
    seen: dict[str, int] = {}
    heads: dict[tuple[str, str], tuple[str, int]] = {}
    phones: PhoneBook[tuple[str, int]] = PhoneBook()  # (staff id, row), matched as registration does
    h = table.header
    for row, cells in table.raw.rows():
        before = len(out.findings)
        cells, blanked = table.formulas(row, table.padded(cells))
        v = table.required(row, cells, ("staff_id", "name", "roles"))
        staff_id = v["staff_id"]
        if staff_id:
            if staff_id in seen:
                table.finding(row, h["staff_id"], "duplicate_id", id=staff_id, first_row=seen[staff_id])
            else:
                seen[staff_id] = row

        roles: set[str] = set()
        for item in split_list(v["roles"]):
            role = ROLE_LABELS.get(normalise_label(item))
            if role is None:
                table.finding(row, h["roles"], "unknown_role", value=item)
            else:
                roles.add(role)
        district_only = bool(roles) and roles <= DISTRICT_ROLES

        school_cell = table.cell(cells, "school")
        school: str | None = None if school_cell in NO_SCHOOL else school_cell
        if school is None:
            if roles and not district_only:
                table.finding(row, h["school"], "missing_value", key="school")
        elif len(school) > MAX_LENGTH["school"]:
            table.finding(row, h["school"], "too_long", key="school", max=MAX_LENGTH["school"])
        elif students_ok and school not in schools:
            table.finding(row, h["school"], "unknown_school", school=school)
            school = None  # its classes and grades cannot be checked
        elif district_only:
            table.finding(row, h["school"], "district_role_with_school", severity=Severity.WARNING,
                          school=school)
        checkable = students_ok and school is not None

        head_of = split_list(table.cell(cells, "head_of"))
        if Role.HEAD_TEACHER in roles and not head_of:
            table.finding(row, h["head_of"], "missing_head_of")
        if head_of and roles and Role.HEAD_TEACHER not in roles:
            table.finding(row, h["head_of"], "head_of_without_role")
        teaches = split_list(table.cell(cells, "teaches"))
        if checkable:
            assert school is not None
            for cls in head_of:
                if (school, cls) not in out.classes:
                    table.finding(row, h["head_of"], "unknown_class", cls=cls, school=school)
                elif (school, cls) in heads and heads[(school, cls)][0] != staff_id:
                    other, other_row = heads[(school, cls)]
                    table.finding(row, h["head_of"], "two_head_teachers", cls=cls, other=other,
                                  first_row=other_row)
                else:
                    heads[(school, cls)] = (staff_id, row)
            for cls in teaches:
                if (school, cls) not in out.classes:
                    table.finding(row, h["teaches"], "unknown_class", cls=cls, school=school)

        linked = split_list(table.cell(cells, "grades"))
        for role in (Role.SCHOOL_LEADER, Role.GRADE_HEAD):
            if role in roles and not linked:
                table.finding(row, h["grades"], "missing_grades", role=str(role))
                break
        if checkable:
            for grade in linked:
                if (school, grade) not in grades:
                    table.finding(row, h["grades"], "unknown_grade", grade=grade, school=school)
        if Role.SCHOOL_LEADER in roles and len(set(linked)) > LEADER_MAX_GRADES:
            table.finding(row, h["grades"], "leader_many_grades", severity=Severity.WARNING,
                          count=len(set(linked)), max=LEADER_MAX_GRADES)

        phone = PHONE_PUNCTUATION.sub("", table.cell(cells, "phone")) or None
        if phone is not None:
            if not PHONE.fullmatch(phone):
                table.finding(row, h["phone"], "bad_phone", value=table.cell(cells, "phone"))
            elif shared := next((m for m in phones.matches(phone) if m[0] != staff_id), None):
                table.finding(row, h["phone"], "duplicate_phone", severity=Severity.WARNING,
                              other=shared[0], first_row=shared[1])
            else:
                phones.add(phone, (staff_id, row))

        language_cell = table.cell(cells, "language")
        language = LANGUAGE_LABELS.get(normalise_label(language_cell)) if language_cell else None
        if language_cell and language is None:
            table.finding(row, h["language"], "bad_language", value=language_cell)

        focus = table.tags(row, cells, TEACHER_FOCUS_LABELS, STUDENT_FOCUS_LABELS, STAFF)
        table.forget(before, blanked)
        if not any(f.is_error for f in out.findings[before:]):
            out.staff.append(StaffRecord(
                staff_id, v["name"], school, frozenset(roles), frozenset(head_of), frozenset(teaches),
                frozenset(linked), phone, language, focus,
            ))
