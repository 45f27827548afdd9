"""The summary report's 整改 and case sections, read back with pypdf: opinions by category with their
handling, rectification status (open / done / overdue, the on-time share, per school, the overdue
items), notable cases with their situation, named for a school leader of the school and anonymised
for the district (Scope.names_in_report), also through /report; and the plan's definitions."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from bot.app import BotApplication
from bot.i18n import translator
from reports.plan_status import on_time, plan_status
from reports.summary_report import build_report, redact
from sandbox import World
from store.archive_rows import PlanRow
from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import StoreHandle, open_store
from store.models import School, Visit
from store.scopes import StaffFacts, compute_scope
from store.vocab import Locale, Role
from tests.archive_world import Archive, with_rectification
from tests.bot_district import person
from tests.test_bot_export import roster_with_visits
from tests.test_export import DAY, NOW

NAMED = "吳欣怡的家長說她晚上睡得晚，吳欣怡自己也想早點睡"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'report.db'}"


async def _report(url: str, archive: Archive, *, school: bool, names: bool, locale: Locale) -> str:
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            # The first visit (吳欣怡, one-on-one) is notable, its situation naming her twice.
            await s.execute(update(Visit).where(Visit.id == archive.visits[0])
                            .values(notable=True, situation=NAMED))
            await s.commit()
            campaign = await current_campaign(session=s)
            school_id = await s.scalar(select(School.id).where(School.name == "第一中學"))
        assert campaign is not None
        built = await build_report(
            sessions=handle.sessions, campaign=campaign, today=DAY, gettext=translator(locale).gettext,
            school_id=school_id if school else None, names_of=lambda _s, _c: names,
        )
    finally:
        await handle.close()
    assert built is not None
    return pdf_text(built.pdf)


async def test_a_school_report_counts_opinions_handling_and_the_plan(db: str) -> None:
    archive = await with_rectification(db)
    text = await _report(db, archive, school=True, names=True, locale=Locale.ZH_HANT)
    # Four opinions: one in an item, one merged into it, one dismissed, one new.
    assert "收集意見建議 4" in text
    assert "已處理 3 條（合併、不予採納或列入整改事項），其中 2 條已立項。" in text
    # Four items on 1 December: done on time, done late, overdue (deadline 20 November), open.
    assert "共 4 項整改事項：待辦 1 項，已完成 2 項，逾期 1 項。按時完成：到期 3 項中 1 項（33 %）。" in text
    assert "按時完成的整改事項 3 中 1（33 %）" in text and "逾期的整改事項 4 中 1（25 %）" in text
    assert "逾期：修繕操場 · 劉雨萱 · 期限 2026-11-20，已逾期 11 天" in text
    # Entitled (a school leader of the school): the student's name and the whole situation.
    assert "吳欣怡" in text and "情況：吳欣怡的家長說她晚上睡得晚" in text
    assert "已匿名處理" not in text


async def test_the_district_report_anonymises_cases_and_tabulates_the_schools(db: str) -> None:
    archive = await with_rectification(db)
    text = await _report(db, archive, school=False, names=False, locale=Locale.EN)
    assert "Rectification status" in text
    assert "4 items: 1 open, 2 done, 1 overdue. Done on time: 1 of 3 due (33 %)." in text
    assert "第一中學 4 1 2 1 33 %" in text  # the per-school table
    assert "Overdue: 第一中學 · 修繕操場" in text
    assert "1 student(s), names withheld" in text and "吳欣怡" not in text
    assert "Situation: ○○的家長說她晚上睡得晚，○○自己也想早點睡" in text
    assert "Cases are anonymised for this reader" in text


async def test_report_through_the_bot_names_for_the_school_leader_not_for_the_office(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r = await roster_with_visits(store)
    async with store.sessions() as s:
        # The class's three visits; a classmate's name is blanked out too, not only the visited one's.
        await s.execute(update(Visit).where(Visit.class_id == r.c71)
                        .values(notable=True, situation="吳欣怡說想參加社團"))
        await s.commit()
    leader = await person(world, store, clock, r.staff["leader"], "Li")
    await leader.send("/report")
    own = pdf_text((await leader.next_message()).document or b"")
    assert "吳欣怡" in own and "Situation: 吳欣怡說想參加社團" in own
    office = await person(world, store, clock, r.staff["office"], "Office")
    await office.send("/report")
    district = pdf_text((await office.next_message()).document or b"")
    assert "Notable cases" in district and "吳欣怡" not in district and "沈志明" not in district
    assert "Situation: ○○說想參加社團" in district


def _scope(*roles: Role, school_id: int | None = 1):  # type: ignore[no-untyped-def]
    return compute_scope(StaffFacts(staff_id=1, school_id=school_id, roles=frozenset(roles),
                                    head_class_ids=frozenset({10}), taught_class_ids=frozenset({10}),
                                    school_classes_by_grade={1: frozenset({10, 11})}))


def test_who_reads_notable_cases_with_names() -> None:
    leader = _scope(Role.SCHOOL_LEADER)
    assert leader.names_in_report(1, 10) and leader.names_in_report(1, 11)
    assert not leader.names_in_report(2, 10) and not leader.names_in_report(1, None)
    for role in (Role.DISTRICT_OFFICE, Role.DISTRICT_LEADER, Role.SUPERVISOR):
        assert not _scope(role, school_id=None).names_in_report(1, 10), role
    for role in (Role.MIDDLE_CADRE, Role.GRADE_HEAD, Role.HEAD_TEACHER):
        assert not _scope(role).names_in_report(1, 10), role


def _item(status: str, deadline: date, done: datetime | None = None) -> PlanRow:
    return PlanRow(id=1, school_id=1, school_name="", title="", goal="", measures="", owner_name="",
                   owner_unit=None, deadline=deadline, level="school", status=status, escalation=None,
                   done_at=done, opinion_ids=())


def test_the_plan_definitions_on_hand_computed_cases() -> None:
    today, zone = date(2026, 12, 10), UTC
    items = [
        _item("verified", date(2026, 12, 5), datetime(2026, 12, 5, 23, 0, tzinfo=UTC)),  # on its deadline
        _item("done", date(2026, 12, 5), datetime(2026, 12, 6, 1, 0, tzinfo=UTC)),  # a day late
        _item("in_progress", date(2026, 12, 9)),  # overdue
        _item("returned", date(2026, 12, 10)),  # due today: not overdue yet
        _item("open", date(2027, 1, 1)),
    ]
    assert [on_time(i, today, zone) for i in items] == [True, False, False, None, None]
    status = plan_status(items, today, zone)
    assert (status.items, status.open, status.done, status.overdue) == (5, 2, 2, 1)
    assert (status.done_on_time, status.due, status.on_time_share) == (1, 3, 1 / 3)
    assert plan_status([], today, zone).on_time_share is None
    assert redact("王小明和王小說話", ["王小", "王小明"]) == "○○和○○說話"
