"""The summary report (PDF): ``twovisits report`` on the sample district, read back with pypdf; the
pure renderer's wrapping and text; anonymised notable cases; who may have a report (Scope.may_report)."""

from __future__ import annotations

import asyncio
import io
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from bot.cli import main
from reports.pdf_report import Section, SummaryReport, render_pdf, wrap
from reports.summary_report import build_report
from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import open_store
from store.models import AuditEntry, Visit
from store.scopes import StaffFacts, compute_scope
from store.vocab import Role
from tests.test_export import DAY, NOW, sample_with_visits


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'report.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def flag_notable(url: str, ids: list[int]) -> None:
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            await s.execute(update(Visit).where(Visit.id.in_(ids)).values(notable=True))
            await s.commit()
    finally:
        await handle.close()


async def report_audit(url: str) -> list[AuditEntry]:
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            return list((await s.scalars(select(AuditEntry).where(AuditEntry.action == "report"))).all())
    finally:
        await handle.close()


def test_a_school_report_holds_its_name_and_headline_figures_owner_only_and_audited(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = asyncio.run(sample_with_visits(db))
    asyncio.run(flag_notable(db, ids[:1]))
    out = tmp_path / "school.pdf"
    assert main(["report", "--out", str(out), "--school", "第一中學"]) == 0
    assert "第一中學" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    # The sample school: 90 students, 3 visited (one in a group talk only), 1 one-on-one; 1 of 21
    # teachers interviewed; 3 opinions (two in a student visit, one in a teacher interview).
    assert "第一中學 · 總結報告" in text
    assert "已訪學生" in text and "90 中 3（3 %）" in text
    assert "一對一已訪學生（目標 80 %）" in text and "90 中 1（1 %）" in text
    assert "21 中 1（4 %）" in text
    assert "收集意見建議" in text and "共 3 條意見建議。" in text
    # The command line is the district office's: cases anonymised, the situation's names blanked.
    assert "典型案例" in text and "1 名學生（姓名不顯示）" in text and "吳欣怡" not in text
    assert "情況：家長反映孩子作業多" in text
    assert "整改進度" in text and "尚無整改事項。" in text
    assert "學校排名" not in text and "七年級1班" in text  # a school's report ranks its classes
    entries = asyncio.run(report_audit(db))
    assert [(e.actor, e.object_type, (e.detail or {}).get("file")) for e in entries] == [
        ("cli", "school", "school.pdf")]


def test_the_district_report_ranks_the_schools_in_english(db: str, tmp_path: Path) -> None:
    asyncio.run(sample_with_visits(db))
    out = tmp_path / "district.pdf"
    assert main(["report", "--out", str(out), "--lang", "en"]) == 0
    text = pdf_text(out.read_bytes())
    assert "The district · summary report" in text
    assert "Ranking of the schools" in text and "第一中學" in text and "實驗中學" in text
    assert "No visit is flagged notable yet." in text


def test_an_unknown_school_is_refused(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(sample_with_visits(db))
    assert main(["report", "--out", str(tmp_path / "x.pdf"), "--school", "第九中學"]) != 0
    assert "第九中學" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


async def test_notable_cases_are_anonymised_for_a_reader_not_entitled_to_the_class(db: str) -> None:
    ids = await sample_with_visits(db)
    await flag_notable(db, ids[:2])
    handle = await open_store(db, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            campaign = await current_campaign(session=s)
        assert campaign is not None
        built = await build_report(sessions=handle.sessions, campaign=campaign, today=DAY,
                                   gettext=lambda m: m, school_id=None, names_of=lambda _s, _c: False)
    finally:
        await handle.close()
    assert built is not None
    text = pdf_text(built.pdf)
    assert "1 student(s), names withheld" in text and "3 student(s), names withheld" in text
    assert not {"吳欣怡", "沈志明"} & set(text.split())
    assert "吳欣怡" not in text and "沈志明" not in text


def test_the_renderer_embeds_chinese_text_that_can_be_read_back_and_breaks_long_lines() -> None:
    long = "這是一段很長的說明文字，" * 12
    report = SummaryReport(
        title="第一中學 · 總結報告", subtitle="兩訪兩創", headline_title="主要數據",
        headline=(("已訪學生", "90 中 3"),),
        sections=tuple(Section(f"第{i}節", lines=(long,), header=("班級", "得分"),
                               rows=(("七年級1班", "12.5"),), columns=(0.0, 0.7)) for i in range(12)),
        footer="頁腳",
    )
    data = render_pdf(report)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2  # twelve sections do not fit one page
    text = pdf_text(data)
    assert "第一中學 · 總結報告" in text and "90 中 3" in text and "第11節" in text
    assert all(len(line) <= 60 for line in wrap(long, 100))
    assert "".join(wrap(long, 100)) == long
    assert wrap("Rectification items are not recorded", 20) == ["Rectification items", "are not recorded"]


def _scope(*roles: Role, school_id: int | None = 1):  # type: ignore[no-untyped-def]
    return compute_scope(StaffFacts(staff_id=1, school_id=school_id, roles=frozenset(roles)))


def test_who_may_have_which_report() -> None:
    for role in (Role.DISTRICT_OFFICE, Role.DISTRICT_LEADER):
        scope = _scope(role, school_id=None)
        assert scope.may_report(None) and scope.may_report(1) and scope.may_report(2)
    leader = _scope(Role.SCHOOL_LEADER)
    assert leader.may_report(1) and not leader.may_report(2) and not leader.may_report(None)
    others = (Role.SUPERVISOR, Role.MIDDLE_CADRE, Role.GRADE_HEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER)
    for role in others:
        scope = _scope(role, school_id=None if role is Role.SUPERVISOR else 1)
        assert not scope.may_report(None) and not scope.may_report(1), role
