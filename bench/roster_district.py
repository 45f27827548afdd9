"""A synthetic district as its office would export it: ``staff.csv`` and ``students.csv``.

Each school has six grades of twelve classes of fifty students (3,600 students), one head teacher per
class, subject teachers who teach six classes each, two school leaders, six grade heads and four
middle cadres; three district people come first. 28 schools give 100,800 students, 18 give 64,800.
Names are Chinese, every staff member has a distinct phone, about one person in twenty has a focus tag,
so every column and every link table of the import is exercised.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

GRADES = ("七年級", "八年級", "九年級", "高一", "高二", "高三")
CLASSES_PER_GRADE = 12
STUDENTS_PER_CLASS = 50
SUBJECT_TEACHERS = 48
CLASSES_PER_SUBJECT_TEACHER = 6
SURNAMES = "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何林羅高"
GIVEN = "偉芳娜敏靜麗強磊軍洋勇艷傑娟濤明超秀霞平剛桂英華玉蘭"
STUDENT_FOCUS = ("learning_difficulty", "financial_difficulty", "psychological", "student_cadre")
TEACHER_FOCUS = ("talent", "non_party", "family_difficulty", "ideological_concern")
STAFF_HEADER = ("school", "staff_id", "name", "roles", "head_of", "teaches", "grades", "phone", "focus",
                "language")
STUDENT_HEADER = ("school", "student_id", "name", "grade", "class", "focus")


def _name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 131) % len(GIVEN)]


def _classes(school: int) -> list[tuple[str, str]]:
    return [(grade, f"{grade}{c + 1}班") for grade in GRADES for c in range(CLASSES_PER_GRADE)]


def _school(n: int) -> str:
    return f"第{n + 1}中學"


def student_rows(schools: int) -> Iterator[tuple[str, ...]]:
    n = 0
    for s in range(schools):
        for grade, cls in _classes(s):
            for _ in range(STUDENTS_PER_CLASS):
                n += 1
                focus = STUDENT_FOCUS[n % 4] if n % 20 == 0 else ""
                yield (_school(s), f"S{n:07d}", _name(n), grade, cls, focus)


def staff_rows(schools: int) -> Iterator[tuple[str, ...]]:
    n = 0

    def person(school: str, roles: str, head_of: str = "", teaches: str = "", grades: str = "") -> tuple[
        str, ...
    ]:
        nonlocal n
        n += 1
        focus = TEACHER_FOCUS[n % 4] if n % 20 == 0 else ""
        return (school, f"T{n:06d}", _name(n + 7), roles, head_of, teaches, grades,
                f"139{n:08d}", focus, "")

    yield person("-", "district_leader")
    yield person("-", "district_office")
    yield person("-", "supervisor")
    for s in range(schools):
        school, classes = _school(s), _classes(s)
        yield person(school, "school_leader", grades=";".join(GRADES[0:2]))
        yield person(school, "school_leader", grades=";".join(GRADES[2:4]))
        for _ in range(4):
            yield person(school, "middle_cadre")
        for grade in GRADES:
            yield person(school, "grade_head;subject_teacher", grades=grade,
                         teaches=next(c for g, c in classes if g == grade))
        for _, cls in classes:
            yield person(school, "head_teacher;subject_teacher", head_of=cls, teaches=cls)
        for t in range(SUBJECT_TEACHERS):
            taught = [classes[(t * CLASSES_PER_SUBJECT_TEACHER + k) % len(classes)][1]
                      for k in range(CLASSES_PER_SUBJECT_TEACHER)]
            yield person(school, "subject_teacher", teaches=";".join(taught))


def write_district(folder: Path, schools: int) -> tuple[int, int]:
    """Write ``staff.csv`` and ``students.csv`` (UTF-8) into ``folder``; returns (staff, students)."""
    counts = []
    for name, header, rows in (
        ("staff.csv", STAFF_HEADER, staff_rows(schools)),
        ("students.csv", STUDENT_HEADER, student_rows(schools)),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
        counts.append(count)
    return counts[0], counts[1]


def write_workbook(folder: Path, path: Path) -> None:
    """The district's two CSVs (written first) as one workbook with sheets ``staff`` and ``students``."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for kind in ("staff", "students"):
        sheet = book.create_sheet(kind)
        with (folder / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    book.save(path)
