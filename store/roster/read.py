"""Reading roster files into raw tables: CSVs (bytes, a folder, a ZIP) or one XLSX workbook.

Nothing here judges the rows; it only finds the two tables, decodes them and numbers their rows as
Excel shows them (the header is row 1). Problems with whole files become findings.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import Any

from store.roster.decode import EncodingRefused, decode_csv, first_line
from store.roster.labels import STAFF_HEADER_INDEX, STUDENT_HEADER_INDEX, normalise_label
from store.roster.results import Finding

STAFF = "staff"
STUDENTS = "students"
KINDS = (STAFF, STUDENTS)
EXPECTED_CSV = {STAFF: "staff.csv", STUDENTS: "students.csv"}
_ID_COLUMN = {STAFF: "staff_id", STUDENTS: "student_id"}
_HEADER_INDEX = {STAFF: STAFF_HEADER_INDEX, STUDENTS: STUDENT_HEADER_INDEX}
_NAME_HINTS = {
    STUDENTS: ("student", "學生", "学生"),
    STAFF: ("staff", "teacher", "教職工", "教职工", "教師", "教师"),
}

# Caps against oversized uploads and zip bombs. A district of 100,000 students is ~10 MB of CSV.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_ZIP_ENTRIES = 200


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


@dataclass(frozen=True)
class RosterSource:
    """What was read: the tables found (by kind), encodings of decoded CSVs, file-level findings."""

    tables: dict[str, RawTable] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    files: tuple[str, ...] = ()


class _TooLarge(Exception):
    pass


def header_recognised(kind: str, line: str) -> bool:
    """Whether ``line`` (a CSV header line) names the id column of ``kind`` in any accepted language."""
    try:
        cells = next(csv.reader([line]), [])
    except csv.Error:
        return False
    return _names_id_column(kind, cells)


def _names_id_column(kind: str, cells: Sequence[Any]) -> bool:
    index = _HEADER_INDEX[kind]
    return any(index.get(normalise_label(_cell_text(cell))) == _ID_COLUMN[kind] for cell in cells)


def _kind_from_name(name: str) -> str | None:
    stem = PurePosixPath(name.replace("\\", "/")).stem.casefold()
    for kind in (STUDENTS, STAFF):  # "students" first: "staff" hints never occur in it
        if any(hint in stem for hint in _NAME_HINTS[kind]):
            return kind
    return None


def _cell_text(value: Any) -> str:
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


def _first_rows(records: Iterator[Row], file: str) -> tuple[str, ...] | Finding:
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


def _csv_records(text: str) -> Iterator[Row]:
    """Every non-empty record with its number (a line break inside a quoted cell is still one row)."""
    for n, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        cells = tuple(map(str.strip, record))
        if any(cells):
            yield n, cells


def _csv_data(file: str, text: str) -> Iterator[Row]:
    records = _csv_records(text)
    try:
        next(records)  # the header
        yield from records
    except csv.Error as exc:
        raise UnreadableTable(Finding(file, None, None, "unreadable_csv", {"detail": str(exc)})) from None


def _parse_csv(kind: str, file: str, text: str) -> RawTable | Finding:
    """The table's header and a way to walk its rows: only the first two records are parsed here."""
    try:
        header = _first_rows(_csv_records(text), file)
    except csv.Error as exc:
        return Finding(file, None, None, "unreadable_csv", {"detail": str(exc)})
    if isinstance(header, Finding):
        return header
    return RawTable(kind=kind, file=file, header=header, data=partial(_csv_data, file, text))


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The entry's bytes, stopping at ``cap``: the declared size of an entry can lie."""
    if info.file_size > cap:
        raise _TooLarge
    out = bytearray()
    with archive.open(info) as handle:
        while chunk := handle.read(1024 * 1024):
            out += chunk
            if len(out) > cap:
                raise _TooLarge
    return bytes(out)


def _unzip(name: str, data: bytes) -> dict[str, bytes] | Finding:
    """The CSV entries of a ZIP, by their base name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return Finding(name, None, None, "file_too_large")
            out: dict[str, bytes] = {}
            for info in infos:
                base = PurePosixPath(info.filename.replace("\\", "/")).name
                if info.is_dir() or base.startswith(".") or "__MACOSX" in info.filename:
                    continue
                if base.casefold().endswith(".csv"):
                    out[base] = _read_capped(archive, info, MAX_FILE_BYTES)
            return out
    except _TooLarge:
        return Finding(name, None, None, "file_too_large")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
        return Finding(name, None, None, "unreadable_zip")


def _sheet_table(kind: str, file: str, sheet: Any) -> RawTable | Finding:
    """A worksheet streamed row by row (read-only mode), kept as trimmed texts and formula marks."""
    rows: list[Row] = []
    formulas: dict[int, frozenset[int]] = {}
    for n, cells in enumerate(sheet.iter_rows(), start=1):
        texts = tuple(_cell_text(cell.value) for cell in cells)
        if not any(texts):
            continue
        marked = frozenset(i for i, cell in enumerate(cells) if cell.data_type == "f")
        if marked:
            formulas[n] = marked
        rows.append((n, texts))
    header = _first_rows(iter(rows), file)
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
        lambda kind, sheet: _kind_from_name(sheet) == kind,
        lambda kind, sheet: _names_id_column(kind, first_row(sheet)),
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


def _read_xlsx(name: str, data: bytes) -> tuple[list[RawTable], list[Finding], set[str]]:
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


def read_roster_files(files: Mapping[str, bytes]) -> RosterSource:
    """Find and read the roster's two tables among uploaded files, given by file name.

    Accepts one XLSX with sheets ``staff`` and ``students``, one ZIP holding ``staff.csv`` and
    ``students.csv``, or the two CSVs. A CSV is told staff or students by its name, else by its
    header. Problems with whole files are returned as findings; rows are not judged here.
    """
    findings: list[Finding] = []
    tables: dict[str, RawTable] = {}
    encodings: dict[str, str] = {}
    attempted: set[str] = set()  # kinds whose file was found, read or not
    csvs: dict[str, bytes] = {}
    zips: list[str] = []
    unreadable = False

    def keep(table: RawTable) -> None:
        if table.kind in tables:
            findings.append(Finding(table.file, None, None, "duplicate_file", {"kind": table.kind}))
        else:
            tables[table.kind] = table

    for name, data in files.items():
        suffix = PurePosixPath(name.replace("\\", "/")).suffix.casefold()
        if len(data) > MAX_FILE_BYTES:
            findings.append(Finding(name, None, None, "file_too_large"))
            unreadable = True
        elif suffix == ".csv":
            csvs[name] = data
        elif suffix == ".zip":
            zips.append(name)
            unzipped = _unzip(name, data)
            if isinstance(unzipped, Finding):
                findings.append(unzipped)
                unreadable = True
            else:
                csvs.update({f"{name}/{entry}": blob for entry, blob in unzipped.items()})
        elif suffix in (".xlsx", ".xlsm"):
            found, problems, sheets = _read_xlsx(name, data)
            findings.extend(problems)
            attempted |= sheets
            unreadable = unreadable or any(f.code in _UNREADABLE for f in problems)
            for table in found:
                keep(table)
        else:
            findings.append(Finding(name, None, None, "unsupported_file"))

    for name, data in sorted(csvs.items(), key=lambda item: _kind_from_name(item[0]) is None):
        kind = _kind_from_name(name) or next(
            (k for k in KINDS if k not in attempted and _sniff(k, data)), None
        )
        if kind is None:
            findings.append(Finding(name, None, None, "unknown_file"))
            continue
        attempted.add(kind)
        try:
            decoded = decode_csv(data, partial(header_recognised, kind))
        except EncodingRefused as exc:
            findings.append(Finding(name, None, None, exc.code, {"candidates": ", ".join(exc.candidates)}))
            continue
        encodings[name] = decoded.encoding
        result = _parse_csv(kind, name, decoded.text)
        if isinstance(result, Finding):
            findings.append(result)
        else:
            keep(result)

    if not unreadable:
        for kind in KINDS:
            if kind in attempted:
                continue
            if zips:
                missing = {"missing": EXPECTED_CSV[kind]}
                findings.append(Finding(zips[0], None, None, "zip_incomplete", missing))
            else:
                findings.append(Finding(EXPECTED_CSV[kind], None, None, "missing_file", {"kind": kind}))
    return RosterSource(tables=tables, encodings=encodings, findings=findings, files=tuple(files))


_UNREADABLE = frozenset({"unreadable_xlsx", "unreadable_zip", "file_too_large"})


def _sniff(kind: str, data: bytes) -> bool:
    """Whether a CSV with an unhelpful name has the header of ``kind``."""
    try:
        decoded = decode_csv(data, partial(header_recognised, kind))
    except EncodingRefused:
        return False
    return header_recognised(kind, first_line(decoded.text))


def read_roster_paths(paths: Sequence[Path]) -> RosterSource:
    """Read the roster from the command line's paths: a folder, the two CSVs, or one XLSX."""
    if len(paths) == 1 and paths[0].is_dir():
        folder = paths[0]
        entries = {p.name.casefold(): p for p in folder.iterdir() if p.is_file()}
        chosen = [entries[n] for n in ("staff.csv", "students.csv") if n in entries]
        workbooks = [p for n, p in sorted(entries.items()) if n.endswith(".xlsx") and not n.startswith("~$")]
        if not chosen and len(workbooks) == 1:
            chosen = workbooks
        if not chosen:
            return RosterSource(findings=[
                Finding(str(folder / EXPECTED_CSV[k]), None, None, "missing_file", {"kind": k}) for k in KINDS
            ])
        paths = chosen
    files: dict[str, bytes] = {}
    findings: list[Finding] = []
    for path in paths:
        label = path.name if sum(p.name == path.name for p in paths) == 1 else str(path)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                findings.append(Finding(label, None, None, "file_too_large"))
                continue
            files[label] = path.read_bytes()
        except OSError:
            findings.append(Finding(str(path), None, None, "missing_file", {"kind": ""}))
    if findings:
        return RosterSource(findings=findings, files=tuple(files))
    return read_roster_files(files)
