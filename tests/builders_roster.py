"""Rosters for the roster-import tests: CSV text from rows, the sample in other dresses, DB snapshots."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Base
from tests.conftest import DATA, SAMPLE_ROSTER

ROSTERS = DATA / "rosters"
TEN_MISTAKES = ROSTERS / "ten-mistakes"
SIMPLIFIED = ROSTERS / "simplified"

STAFF_HEADER = (
    "school",
    "staff_id",
    "name",
    "roles",
    "head_of",
    "teaches",
    "grades",
    "phone",
    "focus",
    "language",
)
STUDENT_HEADER = ("school", "student_id", "name", "grade", "class", "focus")
TRADITIONAL = {
    "school": "學校",
    "staff_id": "工號",
    "name": "姓名",
    "roles": "角色",
    "head_of": "班主任班級",
    "teaches": "任教班級",
    "grades": "聯繫年段",
    "phone": "手機",
    "focus": "重點",
    "language": "語言",
    "student_id": "學號",
    "grade": "年段",
    "class": "班級",
}


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def sample_texts() -> dict[str, str]:
    return {
        name: (SAMPLE_ROSTER / name).read_text(encoding="utf-8") for name in ("staff.csv", "students.csv")
    }


def with_headers(text: str, names: Mapping[str, str]) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows[0] = [names.get(h, h) for h in rows[0]]
    return csv_text(rows)


def zipped(files: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def workbook(sheets: Mapping[str, list[list[Any]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A small district: two grades of one school, and a second school.
SMALL_STUDENTS = [
    ["一中", "S1", "甲同學", "七年級", "七年級1班", ""],
    ["一中", "S2", "乙同學", "七年級", "七年級1班", "psychological"],
    ["一中", "S3", "丙同學", "七年級", "七年級2班", ""],
    ["一中", "S4", "丁同學", "八年級", "八年級1班", "learning_difficulty;student_cadre"],
    ["二中", "S5", "戊同學", "七年級", "七年級1班", ""],
]
SMALL_STAFF = [
    ["-", "D1", "區領導", "district_leader", "", "", "", "13800000001", "", ""],
    ["-", "D2", "辦公室", "district_office", "", "", "", "", "", "zh-Hans"],
    ["一中", "L1", "校長", "school_leader", "", "", "七年級;八年級", "13800000002", "", ""],
    ["一中", "G1", "年段長", "grade_head;subject_teacher", "", "七年級2班", "七年級", "", "", ""],
    [
        "一中",
        "H1",
        "班主任甲",
        "head_teacher;subject_teacher",
        "七年級1班",
        "七年級1班",
        "",
        "",
        "talent",
        "en",
    ],
    ["一中", "H2", "班主任乙", "head_teacher", "七年級2班", "", "", "", "", ""],
    ["一中", "T1", "科任甲", "subject_teacher", "", "七年級1班;八年級1班", "", "", "", ""],
    ["二中", "H3", "班主任丙", "head_teacher", "七年級1班", "", "", "", "", ""],
]


def small_files(
    staff: Sequence[Sequence[Any]] | None = None, students: Sequence[Sequence[Any]] | None = None
) -> dict[str, bytes]:
    return {
        "staff.csv": csv_text([STAFF_HEADER, *(SMALL_STAFF if staff is None else staff)]).encode(),
        "students.csv": csv_text(
            [STUDENT_HEADER, *(SMALL_STUDENTS if students is None else students)]
        ).encode(),
    }


async def snapshot(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: equal snapshots mean an unchanged database."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        rows = await session.execute(select(table).order_by(*table.primary_key.columns))
        out[table.name] = [tuple(r) for r in rows]
    return out
