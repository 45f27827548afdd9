"""What a roster import answers: findings (codes, never sentences), encodings and the summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # the import is refused
    WARNING = "warning"  # the import goes ahead; the office is told


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the roster.

    ``row`` is the row number as the office sees it in Excel (the header is row 1); None for a finding
    about the whole file. ``column`` is the column's header as written in the file (or the English key
    when the column is missing). ``code`` names the rule; ``params`` fill its message.
    """

    file: str
    row: int | None
    column: str | None
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


@dataclass(frozen=True)
class EntityCounts:
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deactivated or self.reactivated)

    def as_dict(self) -> dict[str, int]:
        return {
            "added": self.added, "updated": self.updated,
            "deactivated": self.deactivated, "reactivated": self.reactivated,
        }


@dataclass(frozen=True)
class ImportSummary:
    """What an accepted import changed, per kind of thing."""

    schools: EntityCounts = EntityCounts()
    grades: EntityCounts = EntityCounts()
    classes: EntityCounts = EntityCounts()
    staff: EntityCounts = EntityCounts()
    students: EntityCounts = EntityCounts()

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "schools": self.schools.as_dict(), "grades": self.grades.as_dict(),
            "classes": self.classes.as_dict(), "staff": self.staff.as_dict(),
            "students": self.students.as_dict(),
        }


@dataclass(frozen=True)
class RosterReport:
    """The answer to an import. ``accepted`` False means the database was not touched."""

    findings: list[Finding]
    accepted: bool
    encodings: dict[str, str]
    summary: ImportSummary = ImportSummary()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


# Every finding code the roster import can answer with; bot/roster_messages.py words each one.
FILE_CODES = frozenset({
    "empty_file", "no_rows", "header_not_first_row", "unreadable_csv", "unreadable_xlsx", "unreadable_zip",
    "file_too_large", "unsupported_file", "unknown_file", "missing_file", "missing_sheet", "zip_incomplete",
    "duplicate_file", "encoding_ambiguous", "encoding_unknown", "merged_cells",
})
HEADER_CODES = frozenset({"unknown_column", "duplicate_column", "missing_column"})
ROW_CODES = frozenset({
    "missing_value", "too_long", "duplicate_id", "class_in_two_grades", "unknown_role", "unknown_school",
    "district_role_with_school", "missing_head_of", "head_of_without_role", "unknown_class",
    "two_head_teachers", "missing_grades", "unknown_grade", "leader_many_grades", "bad_phone",
    "duplicate_phone", "bad_language", "unknown_focus", "wrong_focus_list", "formula_cell",
})
FINDING_CODES = FILE_CODES | HEADER_CODES | ROW_CODES
