"""``twovisits demo``: the bundled sample district, and no harm to a database with a real roster."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_demo_imports_the_sample_district_and_reruns_harmlessly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "en")
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Students: 180 added" in out and "Staff: 51 added" in out and "twovisits invites" in out
    assert main(["demo"]) == 0  # a rerun updates nothing
    assert "Students: 0 added, 0 updated" in capsys.readouterr().out


def test_demo_refuses_a_database_with_other_people(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "en")
    (tmp_path / "staff.csv").write_text(
        "school,staff_id,name,roles\n-,X1,Real Officer,district_office\n", encoding="utf-8"
    )
    (tmp_path / "students.csv").write_text(
        "school,student_id,name,grade,class\n某中學,Y1,學生,七年級,七年級1班\n", encoding="utf-8"
    )
    assert main(["roster", "import", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["demo"]) != 0
    assert "2 people who are not in the demo" in capsys.readouterr().err
    assert main(["demo", "--force"]) == 0
