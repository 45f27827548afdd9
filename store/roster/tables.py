"""What reading a roster yields, and the rules that tell a table's kind: shared by CSV and XLSX."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePosixPath
from typing import Any

from store.roster.labels import STAFF_HEADER_INDEX, STUDENT_HEADER_INDEX, normalise_label
from store.roster.results import Finding

STAFF = "staff"
STUDENTS = "students"
KINDS = (STAFF, STUDENTS)
ID_COLUMN = {STAFF: "staff_id", STUDENTS: "student_id"}
HEADER_INDEX = {STAFF: STAFF_HEADER_INDEX, STUDENTS: STUDENT_HEADER_INDEX}
NAME_HINTS = {
    STUDENTS: ("student", "學生", "学生"),
    STAFF: ("staff", "teacher", "教職工", "教职工", "教師", "教师"),
}

Row = tuple[int, tuple[str, ...]]


class UnreadableTable(Exception):
    """A table that failed to parse past its first rows; carries the file-level finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.code)
        self.finding = finding


@dataclass(frozen=True)
class RawTable:
    """One table as read: its header and, on demand, its non-empty data rows.

    :meth:`rows` pairs each row's Excel row number with its trimmed cells. A CSV is parsed again on
    each call rather than kept as a list: the checks walk it once, and a 100,000-row table then never
    sits in memory as cells. ``formulas`` names, by row number, the columns (0-based) whose XLSX cell
    holds a formula; such a cell's text is the formula, not a value.
    """

    kind: str
    file: str
    header: tuple[str, ...]
    data: Callable[[], Iterator[Row]] = field(repr=False, compare=False)
    formulas: Mapping[int, frozenset[int]] = field(default_factory=dict)

    def rows(self) -> Iterator[Row]:
        """The data rows (after the header); raises :class:`UnreadableTable` if parsing fails later."""
        return self.data()


def header_recognised(kind: str, line: str) -> bool:
    """Whether ``line`` (a CSV header line) names the id column of ``kind`` in any accepted language."""
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error:
        return False
    return names_id_column(kind, cells)


def names_id_column(kind: str, cells: Sequence[Any]) -> bool:
    index = HEADER_INDEX[kind]
    return any(index.get(normalise_label(cell_text(cell))) == ID_COLUMN[kind] for cell in cells)


def kind_from_name(name: str) -> str | None:
    stem = PurePosixPath(name.replace("\\", "/")).stem.casefold()
    for kind in (STUDENTS, STAFF):  # "students" first: "staff" hints never occur in it
        if any(hint in stem for hint in NAME_HINTS[kind]):
            return kind
    return None


def cell_text(value: Any) -> str:
    """An XLSX cell as the office typed it: 13800000042.0 is a phone number, not a float."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def first_rows(records: Iterator[Row], file: str) -> tuple[str, ...] | Finding:
    """The header from the first records; a finding when there is no header or no data row."""
    first = next(records, None)
    if first is None:
        return Finding(file, None, None, "empty_file")
    if first[0] != 1:
        # Excel's row numbers only mean something when the header is row 1.
        return Finding(file, None, None, "header_not_first_row")
    if next(records, None) is None:
        return Finding(file, None, None, "no_rows")
    return first[1]
