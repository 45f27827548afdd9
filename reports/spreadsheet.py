"""Every file a person may open in a spreadsheet, written so that no cell becomes a formula.

A roster name such as ``=HYPERLINK("http://…"&A1,"click")`` would run as a formula when the district
office opens a CSV export in Excel (CSV injection). In CSV, text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading single quote (OWASP's rule), which spreadsheets show
as text; in XLSX, text is always stored as a string cell (openpyxl would store ``=…`` as a formula).
Numbers and dates are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def csv_safe(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet runs: formula-leading text is quoted with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(handle: IO[str], rows: Iterable[Row]) -> None:
    """Rows into an open text file (opened with ``newline=""``), every text cell made safe."""
    writer = csv.writer(handle)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])


def csv_text(rows: Iterable[Row]) -> str:
    """The rows as CSV text, every text cell made safe."""
    buffer = io.StringIO(newline="")
    write_csv(buffer, rows)
    return buffer.getvalue()


def xlsx_bytes(rows: Iterable[Row], *, sheet_title: str = "Sheet1") -> bytes:
    """The rows as one XLSX sheet; text is stored as strings, never as formulas."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl made "=…" a formula ("f")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
