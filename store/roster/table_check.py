"""One table under check: its columns located from the header, and the findings of its rows.

:class:`TableCheck` reads the header (unknown, duplicate and missing columns become findings), then
gives the row rules in store/roster/validate.py what they need: a cell by column key, the required
cells, the focus tags, and the handling of XLSX formula cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from store.roster.labels import normalise_label, split_list
from store.roster.results import Finding, Severity
from store.roster.tables import RawTable

# The database's column widths (store/models/org.py).
MAX_LENGTH = {"staff_id": 64, "student_id": 64, "name": 100, "school": 200, "grade": 100, "class": 100}
NO_TAGS: frozenset[str] = frozenset()


class TableCheck:
    """One raw table with its columns located; adds findings about its header."""

    def __init__(
        self, raw: RawTable, index: Mapping[str, str], columns: Mapping[str, tuple[str, ...]],
        required: tuple[str, ...], findings: list[Finding],
    ) -> None:
        self.raw = raw
        self.findings = findings
        self.position: dict[str, int] = {}
        self.duplicated = False
        self.header: dict[str, str] = {key: key for key in columns}
        for i, text in enumerate(raw.header):
            if not text:
                continue
            key = index.get(normalise_label(text))
            if key is None:
                self.finding(1, text, "unknown_column", severity=Severity.WARNING)
            elif key in self.position:
                self.finding(1, text, "duplicate_column", key=key)
                self.duplicated = True
            else:
                self.position[key] = i
                self.header[key] = text
        self.missing = [key for key in required if key not in self.position]
        for key in self.missing:
            self.finding(1, key, "missing_column", key=key)
        self.width = max(self.position.values(), default=-1) + 1
        self._used = {i: self.header[key] for key, i in self.position.items()}

    @property
    def usable(self) -> bool:
        return not self.missing and not self.duplicated

    def finding(
        self, row: int, column: str | None, code: str, severity: Severity = Severity.ERROR, **params: Any
    ) -> None:
        self.findings.append(Finding(self.raw.file, row, column, code, params, severity))

    def padded(self, cells: tuple[str, ...]) -> tuple[str, ...]:
        """The row with a cell for every column we read (short rows end early in CSV and XLSX)."""
        short = self.width - len(cells)
        return cells + ("",) * short if short > 0 else cells

    def formulas(self, row: int, cells: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
        """Blank the row's formula cells in the columns we read, with a finding for each.

        Returns the cells and the headers blanked: whatever else the checks say about those cells
        (for instance "a value is required") is about the blank, not about the office's mistake.
        """
        marked = self.raw.formulas.get(row)
        if not marked:
            return cells, frozenset()
        blanked = {i: self._used[i] for i in sorted(marked) if i in self._used}
        for header in blanked.values():
            self.finding(row, header, "formula_cell")
        return tuple("" if i in blanked else c for i, c in enumerate(cells)), frozenset(blanked.values())

    def forget(self, since: int, columns: frozenset[str]) -> None:
        """Drop the findings added since ``since`` on ``columns``, except the formula ones."""
        if columns:
            self.findings[since:] = [
                f for f in self.findings[since:] if f.code == "formula_cell" or f.column not in columns
            ]

    def cell(self, cells: tuple[str, ...], key: str) -> str:
        i = self.position.get(key)
        return cells[i] if i is not None else ""

    def required(self, row: int, cells: tuple[str, ...], keys: tuple[str, ...]) -> dict[str, str]:
        """The row's values of ``keys``; a finding for each empty or too long one."""
        values = {}
        for key in keys:
            value = self.cell(cells, key)
            if not value:
                self.finding(row, self.header[key], "missing_value", key=key)
            elif len(value) > MAX_LENGTH.get(key, 10_000):
                self.finding(row, self.header[key], "too_long", key=key, max=MAX_LENGTH[key])
            values[key] = value
        return values

    def tags(self, row: int, cells: tuple[str, ...], labels: Mapping[str, str],
             other: Mapping[str, str], kind: str) -> frozenset[str]:
        """The focus tags of a row; a finding for each label of neither or of the other list."""
        tags = set()
        for item in split_list(self.cell(cells, "focus")):
            tag = labels.get(normalise_label(item))
            if tag is not None:
                tags.add(tag)
            elif normalise_label(item) in other:
                self.finding(row, self.header["focus"], "wrong_focus_list", value=item, kind=kind)
            else:
                self.finding(row, self.header["focus"], "unknown_focus", value=item, kind=kind)
        return frozenset(tags) if tags else NO_TAGS
