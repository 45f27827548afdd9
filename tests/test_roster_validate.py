"""Every row rule of the roster, one mistake at a time, on a small district."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from bot.i18n import translator
from bot.roster_messages import finding_line, finding_reason
from store.phones import phones_match
from store.roster import Severity, check_roster, read_roster_files
from store.roster.results import ROW_CODES
from store.vocab import Locale
from tests.builders_roster import (
    SMALL_STAFF,
    SMALL_STUDENTS,
    STAFF_HEADER,
    STUDENT_HEADER,
    csv_text,
    small_files,
    workbook,
)

S = {k: i for i, k in enumerate(STAFF_HEADER)}
P = {k: i for i, k in enumerate(STUDENT_HEADER)}
Rows = list[list[str]]


def check(staff: Rows | None = None, students: Rows | None = None):  # type: ignore[no-untyped-def]
    return check_roster(read_roster_files(small_files(staff, students)))


def found(checked) -> set[tuple[str, int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return {(f.file, f.row, f.column, f.code) for f in checked.findings}


def test_the_small_district_is_clean() -> None:
    checked = check()
    assert checked.findings == [] and checked.accepted
    assert len(checked.staff) == len(SMALL_STAFF) and len(checked.students) == len(SMALL_STUDENTS)


def staff_edit(row: int, column: str, value: str) -> Callable[[Rows, Rows], None]:
    """Set a cell of the staff row shown in Excel as ``row`` (the header is row 1)."""

    def edit(staff: Rows, students: Rows) -> None:
        staff[row - 2][S[column]] = value

    return edit


def student_edit(row: int, column: str, value: str) -> Callable[[Rows, Rows], None]:
    def edit(staff: Rows, students: Rows) -> None:
        students[row - 2][P[column]] = value

    return edit


# (edit, expected finding (file, row, column, code), severity)
CASES = {
    "missing staff name": (staff_edit(4, "name", ""), ("staff.csv", 4, "name", "missing_value")),
    "missing school for a school role": (
        staff_edit(4, "school", "-"),
        ("staff.csv", 4, "school", "missing_value"),
    ),
    "missing student class": (student_edit(3, "class", " "), ("students.csv", 3, "class", "missing_value")),
    "too long name": (staff_edit(5, "name", "名" * 101), ("staff.csv", 5, "name", "too_long")),
    "duplicate staff id": (staff_edit(5, "staff_id", "L1"), ("staff.csv", 5, "staff_id", "duplicate_id")),
    "duplicate student id": (
        student_edit(4, "student_id", "S1"),
        ("students.csv", 4, "student_id", "duplicate_id"),
    ),
    "unknown role": (
        staff_edit(8, "roles", "subject_teacher;janitor"),
        ("staff.csv", 8, "roles", "unknown_role"),
    ),
    "unknown staff focus": (staff_edit(8, "focus", "lazy"), ("staff.csv", 8, "focus", "unknown_focus")),
    "student tag on staff": (
        staff_edit(8, "focus", "psychological"),
        ("staff.csv", 8, "focus", "wrong_focus_list"),
    ),
    "staff tag on student": (
        student_edit(2, "focus", "talent"),
        ("students.csv", 2, "focus", "wrong_focus_list"),
    ),
    "unknown student focus": (
        student_edit(2, "focus", "clever"),
        ("students.csv", 2, "focus", "unknown_focus"),
    ),
    "head teacher without class": (
        staff_edit(6, "head_of", ""),
        ("staff.csv", 6, "head_of", "missing_head_of"),
    ),
    "head_of without the role": (
        staff_edit(8, "head_of", "八年級1班"),
        ("staff.csv", 8, "head_of", "head_of_without_role"),
    ),
    "head of unknown class": (
        staff_edit(6, "head_of", "九年級1班"),
        ("staff.csv", 6, "head_of", "unknown_class"),
    ),
    "head of another school's class": (
        staff_edit(9, "head_of", "七年級2班"),
        ("staff.csv", 9, "head_of", "unknown_class"),
    ),
    "teaches unknown class": (
        staff_edit(8, "teaches", "七年級1班;七年級3班"),
        ("staff.csv", 8, "teaches", "unknown_class"),
    ),
    "two head teachers": (
        staff_edit(7, "head_of", "七年級1班"),
        ("staff.csv", 7, "head_of", "two_head_teachers"),
    ),
    "school leader without grades": (
        staff_edit(4, "grades", ""),
        ("staff.csv", 4, "grades", "missing_grades"),
    ),
    "grade head without grades": (staff_edit(5, "grades", ""), ("staff.csv", 5, "grades", "missing_grades")),
    "unknown grade": (staff_edit(5, "grades", "九年級"), ("staff.csv", 5, "grades", "unknown_grade")),
    "unknown school": (staff_edit(8, "school", "三中"), ("staff.csv", 8, "school", "unknown_school")),
    "bad phone": (staff_edit(4, "phone", "138 0000 000x"), ("staff.csv", 4, "phone", "bad_phone")),
    "phone with a plus in the middle": (
        staff_edit(4, "phone", "86+138"),
        ("staff.csv", 4, "phone", "bad_phone"),
    ),
    "bad language": (staff_edit(4, "language", "klingon"), ("staff.csv", 4, "language", "bad_language")),
    "class under two grades": (
        student_edit(3, "grade", "八年級"),
        ("students.csv", 3, "grade", "class_in_two_grades"),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_mistake_is_an_error_with_row_and_column(case: str) -> None:
    edit, expected = CASES[case]
    staff, students = copy.deepcopy(SMALL_STAFF), copy.deepcopy(SMALL_STUDENTS)
    edit(staff, students)
    checked = check(staff, students)
    assert not checked.accepted
    errors = {(f.file, f.row, f.column, f.code) for f in checked.findings if f.severity is Severity.ERROR}
    assert expected in errors, checked.findings
    assert len(errors) == 1, checked.findings


def test_findings_carry_what_the_message_needs() -> None:
    staff = copy.deepcopy(SMALL_STAFF)
    staff[4][S["head_of"]] = "七年級2班"  # H1 (row 6) now heads H2's class too
    f = next(f for f in check(staff).findings if f.code == "two_head_teachers")
    assert (f.row, dict(f.params)) == (7, {"cls": "七年級2班", "other": "H1", "first_row": 6})
    students = copy.deepcopy(SMALL_STUDENTS)
    students[1][P["student_id"]] = "S1"
    f = next(f for f in check(students=students).findings if f.code == "duplicate_id")
    assert dict(f.params) == {"id": "S1", "first_row": 2}


def test_warnings_do_not_refuse() -> None:
    staff = copy.deepcopy(SMALL_STAFF)
    staff[2][S["grades"]] = "七年級;八年級;七年級"  # duplicates count once: 2 grades, no warning
    staff.append(["一中", "L2", "副校長", "school_leader", "", "", "七年級、八年級、七年級", "", "", ""])
    staff[0][S["school"]] = "二中"  # a district leader with a school
    staff[3][S["phone"]] = "138-0000-0002"  # same digits as L1
    checked = check(staff)
    assert checked.accepted
    warnings = {(f.row, f.code) for f in checked.findings}
    assert warnings == {(2, "district_role_with_school"), (5, "duplicate_phone")}
    staff[-1][S["grades"]] = "七年級;八年級;九年級"
    students = [*SMALL_STUDENTS, ["一中", "S9", "己同學", "九年級", "九年級1班", ""]]
    checked = check(staff, students)
    assert checked.accepted
    assert (10, "leader_many_grades") in {(f.row, f.code) for f in checked.findings}
    assert next(s for s in checked.staff if s.external_id == "D1").school == "二中"


def test_unknown_columns_warn_and_required_columns_refuse() -> None:
    files = small_files()
    files["students.csv"] = csv_text(
        [
            ["school", "student_id", "name", "grade", "class", "備註"],
            ["一中", "S1", "甲", "七年級", "七年級1班", "x"],
        ]
    ).encode()
    files["staff.csv"] = csv_text(
        [["school", "Staff ID", "name", "roles"], ["-", "D1", "x", "supervisor"]]
    ).encode()
    checked = check_roster(read_roster_files(files))
    assert checked.accepted
    assert found(checked) == {("students.csv", 1, "備註", "unknown_column")}
    assert [f.severity for f in checked.findings] == [Severity.WARNING]
    files["staff.csv"] = csv_text([["school", "staff_id", "姓名", "name"], ["-", "D1", "x", "y"]]).encode()
    checked = check_roster(read_roster_files(files))
    assert {
        ("staff.csv", 1, "roles", "missing_column"),
        ("staff.csv", 1, "name", "duplicate_column"),
    } <= found(checked)
    assert not checked.accepted


@pytest.mark.parametrize(
    "spelling",
    ["+8613800000002", "008613800000002", "0086 138 0000 0002", "86-138-0000-0002", "138 0000 0002"],
)
def test_the_duplicate_phone_warning_matches_phones_as_registration_does(spelling: str) -> None:
    """Registration refuses everyone who shares a number (store.phones): the roster warns of each."""
    staff = copy.deepcopy(SMALL_STAFF)  # L1, row 4, has 13800000002
    staff[3][S["phone"]] = spelling  # G1, row 5
    checked = check(staff)
    assert checked.accepted
    assert [(f.row, f.column, f.code, dict(f.params)) for f in checked.findings] == [
        (5, "phone", "duplicate_phone", {"other": "L1", "first_row": 4})
    ]
    assert phones_match(spelling, "13800000002")


def test_phones_that_registration_tells_apart_are_not_warned_about() -> None:
    staff = copy.deepcopy(SMALL_STAFF)
    staff[3][S["phone"]] = "+852 9123 4567"
    staff[4][S["phone"]] = "+853 9123 4567"  # another region: another phone
    staff[5][S["phone"]] = "13800000020"  # 13800000002 with a digit more
    assert check(staff).findings == []
    assert not phones_match("+852 9123 4567", "+853 9123 4567")


def test_every_bad_row_is_listed_not_only_the_first() -> None:
    staff = copy.deepcopy(SMALL_STAFF)
    staff += [["一中", f"X{i}", f"人{i}", "subject_teacher", "", "", "", "bad", "", ""] for i in range(70)]
    checked = check(staff)
    assert [f.row for f in checked.findings] == list(range(10, 80))


def test_the_row_rules_are_all_exercised() -> None:
    exercised = {expected[3] for _, expected in CASES.values()}
    warnings = {"district_role_with_school", "duplicate_phone", "leader_many_grades"}
    xlsx_only = {"formula_cell"}  # test_a_formula_cell_is_refused_as_a_formula
    assert exercised | warnings | xlsx_only == ROW_CODES


def test_a_formula_cell_is_refused_as_a_formula_with_row_and_column() -> None:
    """Not as an empty cell ("a value is required"), nor anything else said about the blank."""
    staff, students = copy.deepcopy(SMALL_STAFF), copy.deepcopy(SMALL_STUDENTS)
    students[1][P["name"]] = '=CONCAT("乙","同學")'  # row 3
    staff[2][S["grades"]] = "=G2"  # row 4: L1, a school leader, is not also told they lack grades
    students_sheet = [[*STUDENT_HEADER, "備註"], *([*row, ""] for row in students)]
    students_sheet[4][-1] = "=A5"  # a formula in a column we ignore is ignored with it
    book = workbook({"staff": [list(STAFF_HEADER), *staff], "students": students_sheet})
    checked = check_roster(read_roster_files({"roster.xlsx": book}))
    assert not checked.accepted
    assert found(checked) == {
        ("roster.xlsx [students]", 1, "備註", "unknown_column"),
        ("roster.xlsx [students]", 3, "name", "formula_cell"),
        ("roster.xlsx [staff]", 4, "grades", "formula_cell"),
    }
    formula = next(f for f in checked.findings if f.row == 3)
    assert finding_line(formula, translator(Locale.EN)) == (
        "roster.xlsx [students], row 3, column name: the cell holds a formula; type the value itself "
        "(in Excel: copy the column, then Paste Special → Values)."
    )
    assert "公式" in finding_reason(formula, translator(Locale.ZH_HANT))
    # The other rows are read as usual: only the two rows with a formula are left out.
    assert len(checked.students) == len(SMALL_STUDENTS) - 1 and len(checked.staff) == len(SMALL_STAFF) - 1
