"""Reading the roster from one XLSX workbook: which sheet is which, streamed in read-only mode."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from itertools import islice
from typing import Any

from store.roster.results import Finding, Severity
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
MERGE_SCAN_CHUNK = 1024 * 1024


# A merged range as the sheet's XML writes it, with or without a namespace prefix.
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3}[0-9]+:[A-Z]{1,3}[0-9]+)\"")
_MERGES_START = re.compile(rb"<(?:\w+:)?mergeCells\b")


def _merged_ranges(archive: zipfile.ZipFile, sheet: Any) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as (first column, first row, last column, last row), 1-based.

    Read-only mode does not parse them, so the sheet's XML is scanned for its ``<mergeCells>``
    element, which follows the rows: chunk by chunk, keeping only what comes after it.
    """
    from openpyxl.utils.cell import range_boundaries

    path = getattr(sheet, "_worksheet_path", None)  # openpyxl's own; without it, no merges are seen
    if not isinstance(path, str):
        return []
    tail = b""
    found = False
    with archive.open(path) as source:
        while chunk := source.read(MERGE_SCAN_CHUNK):
            tail = tail[-64:] + chunk if not found else tail + chunk
            if not found and (start := _MERGES_START.search(tail)):
                tail, found = tail[start.start():], True
    if not found:
        return []
    out = []
    for ref in _MERGE_REF.findall(tail):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        if min_col is not None and min_row is not None and max_col is not None and max_row is not None:
            out.append((min_col, min_row, max_col, max_row))
    return out


def _sheet_table(
    kind: str, file: str, sheet: Any, merged: list[tuple[int, int, int, int]], findings: list[Finding]
) -> RawTable | Finding:
    """A worksheet streamed row by row (read-only mode), kept as trimmed texts and formula marks.

    A data cell inside a merged range reads as the range's first cell, as the office sees it (a
    school's name merged down its rows is common); one warning says how many ranges were so read.
    """
    # Row → (first column, last column, anchor) of each merged range covering it, 0-based columns.
    covering: dict[int, list[tuple[int, int, tuple[int, int]]]] = defaultdict(list)
    for min_col, min_row, max_col, max_row in merged:
        for n in range(max(min_row, 2), max_row + 1):  # the header row is never filled
            covering[n].append((min_col - 1, max_col - 1, (min_row, min_col - 1)))
    anchors = {anchor for spans in covering.values() for _, _, anchor in spans}
    anchor_cells: dict[tuple[int, int], tuple[str, bool]] = {}
    used: set[tuple[int, int]] = set()
    rows: list[Row] = []
    formulas: dict[int, frozenset[int]] = {}
    for n, cells in enumerate(sheet.iter_rows(), start=1):
        texts = tuple(cell_text(cell.value) for cell in cells)
        marked = frozenset(i for i, cell in enumerate(cells) if cell.data_type == "f")
        if anchors:
            for i, text in enumerate(texts):
                if (n, i) in anchors:
                    anchor_cells[(n, i)] = (text, i in marked)
            if n in covering:
                texts, marked = _filled(n, texts, marked, covering[n], anchor_cells, used)
        if not any(texts):
            continue
        if marked:
            formulas[n] = marked
        rows.append((n, texts))
    if used:
        findings.append(Finding(file, None, None, "merged_cells", {"count": len(used)}, Severity.WARNING))
    header = first_rows(iter(rows), file)
    if isinstance(header, Finding):
        return header
    return RawTable(kind=kind, file=file, header=header, data=partial(islice, rows, 1, None),
                    formulas=formulas)


def _filled(
    n: int, texts: tuple[str, ...], marked: frozenset[int], spans: list[tuple[int, int, tuple[int, int]]],
    anchor_cells: dict[tuple[int, int], tuple[str, bool]], used: set[tuple[int, int]],
) -> tuple[tuple[str, ...], frozenset[int]]:
    """Row ``n`` with each empty cell of a merged range given its anchor's text (and formula mark)."""
    cells = list(texts)
    marks = set(marked)
    for first, last, anchor in spans:
        text, formula = anchor_cells.get(anchor, ("", False))
        if not text:
            continue
        if len(cells) <= last:
            cells += [""] * (last + 1 - len(cells))
        for i in range(first, last + 1):
            if (n, i) != anchor and not cells[i]:
                cells[i] = text
                used.add(anchor)
                if formula:
                    marks.add(i)
    return tuple(cells), frozenset(marks)


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
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    merged = _merged_ranges(archive, book[sheet])
                result = _sheet_table(kind, f"{name} [{sheet}]", book[sheet], merged, findings)
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
