"""Reading the roster from one XLSX workbook: which sheet is which, streamed in read-only mode."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from functools import partial
from itertools import islice
from typing import Any

from store.roster.results import Finding
from store.roster.tables import (
    KINDS,
    STAFF,
    STUDENTS,
    RawTable,
    Row,
    cell_text,
    first_rows,
    kind_from_name,
    names_id_column,
)

MAX_XLSX_UNPACKED_BYTES = 512 * 1024 * 1024


def _sheet_table(kind: str, file: str, sheet: Any) -> RawTable | Finding:
    """A worksheet streamed row by row (read-only mode), kept as trimmed texts and formula marks."""
    rows: list[Row] = []
    formulas: dict[int, frozenset[int]] = {}
    for n, cells in enumerate(sheet.iter_rows(), start=1):
        texts = tuple(cell_text(cell.value) for cell in cells)
        if not any(texts):
            continue
        marked = frozenset(i for i, cell in enumerate(cells) if cell.data_type == "f")
        if marked:
            formulas[n] = marked
        rows.append((n, texts))
    header = first_rows(iter(rows), file)
    if isinstance(header, Finding):
        return header
    return RawTable(kind=kind, file=file, header=header, data=partial(islice, rows, 1, None),
                    formulas=formulas)


_SHEET_NAMES = {
    STAFF: ("staff", "教職工", "教职工"),
    STUDENTS: ("students", "student", "學生", "学生"),
}


def _choose_sheets(book: Any) -> dict[str, str]:
    """Which sheet holds which table: its name, else a name hinting at one kind (``學生名單``), else
    a header naming the kind's id column (a workbook left with ``Sheet1`` and ``Sheet2``).

    The same rules as for CSV files; a rule that fits two sheets decides nothing.
    """
    by_name = {sheet.strip().casefold(): sheet for sheet in book.sheetnames}
    chosen: dict[str, str] = {}
    for kind in KINDS:
        wanted = (s.casefold() for s in _SHEET_NAMES[kind])
        sheet = next((by_name[s] for s in wanted if s in by_name), None)
        if sheet is not None:
            chosen[kind] = sheet

    def first_row(sheet: str) -> Sequence[Any]:
        rows = getattr(book[sheet], "iter_rows", None)  # a chart sheet has none
        return next(rows(max_row=1, values_only=True), ()) if rows is not None else ()

    rules: tuple[Callable[[str, str], bool], ...] = (
        lambda kind, sheet: kind_from_name(sheet) == kind,
        lambda kind, sheet: names_id_column(kind, first_row(sheet)),
    )
    for fits in rules:
        for kind in KINDS:
            if kind in chosen:
                continue
            free = [s for s in book.sheetnames if s not in chosen.values()]
            fitting = [s for s in free if fits(kind, s)]
            if len(fitting) == 1:
                chosen[kind] = fitting[0]
    return chosen


def read_xlsx(name: str, data: bytes) -> tuple[list[RawTable], list[Finding], set[str]]:
    """The workbook's tables, its findings, and the kinds whose sheet was there."""
    import openpyxl  # imported here: only XLSX imports pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNPACKED_BYTES:
                return [], [Finding(name, None, None, "file_too_large")], set()
    except (zipfile.BadZipFile, OSError, EOFError):
        return [], [Finding(name, None, None, "unreadable_xlsx")], set()
    tables: list[RawTable] = []
    findings: list[Finding] = []
    sheets: set[str] = set()
    try:
        # Not data_only: a formula must be seen as one (its cached value may be missing or stale).
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            chosen = _choose_sheets(book)
            for kind in KINDS:
                sheet = chosen.get(kind)
                if sheet is None:
                    params = {"sheet": kind, "sheets": ", ".join(book.sheetnames)}
                    findings.append(Finding(name, None, None, "missing_sheet", params))
                    sheets.add(kind)
                    continue
                sheets.add(kind)
                result = _sheet_table(kind, f"{name} [{sheet}]", book[sheet])
                if isinstance(result, Finding):
                    findings.append(result)
                else:
                    tables.append(result)
        finally:
            book.close()
    except (
        InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, OSError,
        EOFError,
    ):  # AttributeError: a chart sheet where a worksheet should be
        return [], [Finding(name, None, None, "unreadable_xlsx")], set()
    return tables, findings, sheets
