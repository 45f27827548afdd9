"""``twovisits roster import`` end to end, and the wording of every finding."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.i18n import translator
from bot.roster_messages import _REASONS, MAX_LISTED, finding_line, report_lines
from store.clock import FixedClock
from store.installation import open_store
from store.models import Staff, Student
from store.roster import FINDING_CODES, Finding, RosterReport, Severity
from tests.builders_roster import TEN_MISTAKES, read_rows, workbook
from tests.conftest import SAMPLE_ROSTER


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def counts(url: str, clock: FixedClock) -> tuple[int, int]:
    async def go() -> tuple[int, int]:
        handle = await open_store(url, clock=clock)
        try:
            async with handle.sessions() as session:
                staff = await session.scalar(select(func.count()).select_from(Staff).where(Staff.active))
                students = await session.scalar(
                    select(func.count()).select_from(Student).where(Student.active)
                )
                return staff or 0, students or 0
        finally:
            await handle.close()

    return asyncio.run(go())


def test_import_a_folder_prints_the_summary(
    db: str, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["roster", "import", str(SAMPLE_ROSTER)]) == 0
    out = capsys.readouterr().out
    assert "名冊已匯入。" in out  # the default locale is zh-Hant
    assert "學生：新增 180，更新 0，停用 0，恢復 0。" in out
    assert "staff.csv 已按 UTF-8 讀取。" in out
    assert counts(db, clock) == (51, 180)


def test_import_two_csv_paths_in_english(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "en")
    args = ["roster", "import", str(SAMPLE_ROSTER / "students.csv"), str(SAMPLE_ROSTER / "staff.csv")]
    assert main(args) == 0
    assert "Staff: 51 added, 0 updated, 0 deactivated, 0 reactivated." in capsys.readouterr().out
    assert main(args) == 0
    assert "Students: 0 added, 0 updated, 0 deactivated, 0 reactivated." in capsys.readouterr().out


def test_import_an_xlsx(
    db: str, clock: FixedClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "名冊.xlsx"
    path.write_bytes(
        workbook(
            {
                "students": read_rows(SAMPLE_ROSTER / "students.csv"),
                "staff": read_rows(SAMPLE_ROSTER / "staff.csv"),
            }
        )
    )
    assert main(["roster", "import", str(path)]) == 0
    assert counts(db, clock) == (51, 180)


def test_refused_import_lists_every_mistake_and_exits_non_zero(
    db: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "en")
    assert main(["roster", "import", str(SAMPLE_ROSTER)]) == 0
    capsys.readouterr()

    assert main(["roster", "import", str(TEN_MISTAKES)]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.splitlines()
    assert err[0] == "Roster refused, nothing was changed: 16 problems to fix."
    for line in (
        "staff.csv, row 7, column roles: unknown role “principal”.",
        "staff.csv, row 9, column head_of: a head teacher needs the class they head.",
        "staff.csv, row 12, column head_of: there is no class 七年級9班 in 第一中學 in the students list.",
        "staff.csv, row 19, column head_of: class 八年級2班 already has a head teacher: T1015 on row 16.",
        "staff.csv, row 24, column phone: “138-abc-0000” is not a phone number "
        "(digits, optionally a leading +).",
        "staff.csv, row 31, column staff_id: the id T1029 is already used on row 30.",
        "students.csv, row 20, column grade: "
        "class 七年級2班 is in grade 八年級 here but in grade 七年級 on row 17.",
    ):
        assert line in err
    assert len([line for line in err if ", row " in line]) == 16
    assert counts(db, clock) == (51, 180)  # unchanged


def test_refusal_in_traditional_chinese(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roster", "import", str(TEN_MISTAKES)]) == 1
    err = capsys.readouterr().err
    assert "名冊未匯入，資料沒有任何變動：有 16 個問題需要修正。" in err
    assert "staff.csv 第 7 列「roles」欄：未知的角色「principal」。" in err


def test_missing_file_exits_non_zero(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roster", "import", str(tmp_path / "nothing-here.csv")]) != 0
    assert "nothing-here.csv" in capsys.readouterr().err


def test_ambiguous_encoding_refusal_names_the_file(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "en")
    (tmp_path / "staff.csv").write_bytes(
        "school,staff_id,name,roles\r\n中學,T1,陳文林,subject_teacher\r\n".encode("cp950")
    )
    (tmp_path / "students.csv").write_bytes((SAMPLE_ROSTER / "students.csv").read_bytes())
    assert main(["roster", "import", str(tmp_path)]) == 1
    assert "staff.csv: cannot tell its encoding: it reads both as Big5 and as GBK." in capsys.readouterr().err


def test_every_finding_code_has_a_sentence_in_every_locale() -> None:
    assert set(_REASONS) == FINDING_CODES
    params = {
        "detail": "d",
        "sheet": "students",
        "missing": "students.csv",
        "kind": "staff",
        "key": "name",
        "max": 2,
        "id": "T1",
        "first_row": 3,
        "cls": "c",
        "grade": "g",
        "other_grade": "h",
        "value": "v",
        "school": "s",
        "other": "T2",
        "role": "grade_head",
        "count": 3,
        "candidates": "",
    }
    for locale in ("zh-Hant", "zh-Hans", "en"):
        tr = translator(locale)
        for code in FINDING_CODES:
            line = finding_line(Finding("f.csv", 2, "col", code, params), tr)
            assert "{" not in line and line.startswith("f.csv")
            if locale != "en":
                assert not any(word in line for word in ("row", "the ", "column")), line


def test_listing_stops_at_fifty_and_counts_the_rest() -> None:
    errors = [Finding("staff.csv", n, "phone", "bad_phone", {"value": "x"}) for n in range(2, 82)]
    warnings = [Finding("staff.csv", 1, "x", "unknown_column", severity=Severity.WARNING)]
    lines = report_lines(
        RosterReport(findings=errors + warnings, accepted=False, encodings={}), translator("en")
    )
    assert lines[0] == "Roster refused, nothing was changed: 80 problems to fix."
    assert lines[1 : MAX_LISTED + 1] == [
        f"staff.csv, row {n}, column phone: “x” is not a phone number (digits, optionally a leading +)."
        for n in range(2, 52)
    ]
    assert lines[MAX_LISTED + 1] == "… and 30 more problems."
    assert lines[MAX_LISTED + 2 :] == [
        "1 warning:",
        "staff.csv, row 1, column x: not a roster column; it is ignored.",
    ]
