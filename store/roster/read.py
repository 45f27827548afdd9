"""Reading roster files into raw tables: CSVs (bytes, a folder, a ZIP) or one XLSX workbook.

Nothing here judges the rows; it only finds the two tables, decodes them and numbers their rows as
Excel shows them (the header is row 1). Problems with whole files become findings.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath

from store.roster.decode import EncodingRefused, decode_csv, first_line
from store.roster.results import Finding
from store.roster.tables import (
    KINDS,
    STAFF,
    STUDENTS,
    RawTable,
    Row,
    UnreadableTable,
    first_rows,
    header_recognised,
    kind_from_name,
)
from store.roster.xlsx import read_xlsx

__all__ = [
    "KINDS", "STAFF", "STUDENTS", "RawTable", "RosterSource", "UnreadableTable", "header_recognised",
    "read_roster_files", "read_roster_paths",
]

EXPECTED_CSV = {STAFF: "staff.csv", STUDENTS: "students.csv"}
# Caps against oversized uploads and zip bombs (the XLSX one is in store/roster/xlsx.py). A district of
# 100,000 students is ~6 MB of CSV.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_ENTRIES = 200


@dataclass(frozen=True)
class RosterSource:
    """What was read: the tables found (by kind), encodings of decoded CSVs, file-level findings."""

    tables: dict[str, RawTable] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    files: tuple[str, ...] = ()


class _TooLarge(Exception):
    pass


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
        header = first_rows(_csv_records(text), file)
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
            found, problems, sheets = read_xlsx(name, data)
            findings.extend(problems)
            attempted |= sheets
            unreadable = unreadable or any(f.code in _UNREADABLE for f in problems)
            for table in found:
                keep(table)
        else:
            findings.append(Finding(name, None, None, "unsupported_file"))

    for name, data in sorted(csvs.items(), key=lambda item: kind_from_name(item[0]) is None):
        kind = kind_from_name(name) or next(
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
