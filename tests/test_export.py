"""``twovisits export``: the sample district with visits, opened back with openpyxl and checked cell by
cell against the store; formula-like text stays text; private notes never leave; owner-only; audited."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import main
from reports.coverage import coverage_report
from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import StoreHandle, load_campaign, open_store
from store.models import AuditEntry, School, SchoolClass, Staff, Student
from store.roster.demo import import_sample_roster
from store.scopes import scope_for
from store.visit_rules import OpinionDraft
from store.visit_views import get_visit
from store.visits import VisitDraft, record_visit
from store.vocab import FollowUpWish, VisitForm, VisitKind

DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
INJECTION = '=HYPERLINK("http://evil.example","點我")'
SECRET = "只給自己看的筆記 SECRET-NOTE"
SITUATION = "家長反映孩子作業多，晚上睡得晚"


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'export.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


async def _ids(handle: StoreHandle, model: Any, column: Any, *values: str) -> list[int]:
    async with handle.sessions() as s:
        rows = dict((await s.execute(select(column, model.id).where(column.in_(values)))).all())
    return [rows[v] for v in values]


async def sample_with_visits(url: str) -> list[int]:
    """The sample district; a student renamed to an injection string; four visits. Returns their ids."""
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        campaign = await load_campaign(handle, None, bot_timezone="Asia/Shanghai")
        async with handle.sessions() as s:
            report = await import_sample_roster(session=s, now=NOW)
            assert report.accepted
        peng, liu, li, cadre = await _ids(handle, Staff, Staff.external_id,
                                          "T1008", "T1009", "T1004", "T1006")
        wu, shen, dai = await _ids(handle, Student, Student.external_id, "S100001", "S100002", "S100003")
        (c71,) = await _ids(handle, SchoolClass, SchoolClass.name, "七年級1班")
        async with handle.sessions() as s:
            (await s.get(Student, dai)).name = INJECTION  # type: ignore[union-attr]
            await s.commit()
        drafts = [
            (peng, VisitDraft(
                client_key="v1", kind=VisitKind.STUDENT, class_id=c71, visitee_ids=(wu,), form=VisitForm.HOME,
                visit_date=DAY, topic_ids=(campaign.student_topics[0].id, campaign.student_topics[2].id),
                opinions=(OpinionDraft(text="食堂的菜太鹹", category_id=campaign.categories[2].id),
                          OpinionDraft(text=INJECTION, category_id=campaign.categories[6].id)),
                follow_up=FollowUpWish.ONE_WEEK, private_notes=SECRET, situation=SITUATION,
            )),
            (peng, VisitDraft(  # a group talk: one row per student
                client_key="v2", kind=VisitKind.STUDENT, class_id=c71, visitee_ids=(shen, dai, wu),
                form=VisitForm.IN_PERSON, visit_date=DAY, topic_ids=(campaign.student_topics[1].id,),
                co_visitor_ids=(liu, li), private_notes=SECRET,
            )),
            (cadre, VisitDraft(
                client_key="v3", kind=VisitKind.TEACHER, visitee_ids=(peng,), form=VisitForm.PHONE,
                visit_date=DAY, topic_ids=(campaign.teacher_topics[0].id,),
                opinions=(OpinionDraft(text="希望減少會議", category_id=campaign.categories[1].id),),
                private_notes=SECRET, situation="談到教研組的分工",
            )),
        ]
        ids = []
        for who, draft in drafts:
            async with handle.sessions() as s:
                scope = await scope_for(session=s, staff_id=who)
                assert scope is not None
                saved = await record_visit(session=s, scope=scope, draft=draft, campaign=campaign, now=NOW)
                ids.append(saved.id)
        return ids
    finally:
        await handle.close()


async def expected_rows(url: str, ids: list[int]) -> dict[str, Any]:
    """What the sheets should hold, read through the store's own visit views (not the export's queries)."""
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            (office,) = await _ids(handle, Staff, Staff.external_id, "T1002")
            (reader,) = await _ids(handle, Staff, Staff.external_id, "T1001")  # the district leader
            scope = await scope_for(session=s, staff_id=reader)
            assert scope is not None and office
            schools = dict((await s.execute(select(School.id, School.name))).all())
            visits = [await get_visit(session=s, scope=scope, visit_id=i) for i in ids]
            campaign = await current_campaign(session=s)
            assert campaign is not None
            coverage = await coverage_report(session=s, scope=None, campaign=campaign)
        return {"visits": visits, "schools": schools, "coverage": coverage}
    finally:
        await handle.close()


def sheet_rows(path: Path, index: int) -> list[tuple[Any, ...]]:
    book = load_workbook(path, read_only=False)
    return [tuple(c.value for c in row) for row in book.worksheets[index].iter_rows()]


def test_the_export_matches_the_store_cell_by_cell(db: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ids = asyncio.run(sample_with_visits(db))
    out = tmp_path / "archive.xlsx"
    assert main(["export", "--out", str(out)]) == 0
    assert "3 次訪談" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    expected = asyncio.run(expected_rows(db, ids))
    book = load_workbook(out)
    assert book.sheetnames == ["學生家訪記錄本", "訪談教師記錄表", "各班覆蓋率", "各校覆蓋率",
                               "意見建議及處理", "整改方案", "考評得分"]

    students = [tuple(c.value for c in row) for row in book.worksheets[0].iter_rows()]
    assert students[0] == ("日期", "學校", "班級", "學生", "學號", "訪談人", "訪談形式", "地點", "訪談內容",
                           "情況", "意見建議", "回訪")
    want = []
    for v in expected["visits"][:2]:
        visitors = "、".join([v.visitor_name, *(p.name for p in v.co_visitors)])
        topics = "、".join(t.name for t in v.topics)
        opinions = "\n".join(f"[{o.category_name}] {o.text}" for o in v.opinions) or None
        follow = f"{v.follow_up_due.isoformat()} 前" if v.follow_up_due else None
        for p in v.visitees:
            form = {"home": "家訪", "in_person": "面談"}[v.form]
            place = {"home": "家中", "classroom": "教室"}[v.place]
            day = datetime.combine(v.visit_date, datetime.min.time())
            want.append((day, expected["schools"][v.school_id], v.class_name, p.name, p.external_id,
                         visitors, form, place, topics, v.situation, opinions, follow))
    assert students[1:] == want
    assert len(students) == 1 + 1 + 3  # the group talk of three gives three rows
    # The injection string is a string cell, not a formula, wherever it appears.
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)
    assert any(c.value == INJECTION for c in cells)

    teachers = [tuple(c.value for c in row) for row in book.worksheets[1].iter_rows()]
    interview = expected["visits"][2]
    assert teachers[1] == (datetime.combine(DAY, datetime.min.time()), "第一中學", "彭志", "T1008",
                           interview.visitor_name, "電話", "遠程", interview.topics[0].name,
                           "談到教研組的分工", "[管理] 希望減少會議", None)

    classes = [tuple(c.value for c in row) for row in book.worksheets[2].iter_rows()]
    by_class = {(r[0], r[2]): r for r in classes[1:]}
    for school in expected["coverage"].schools:
        for grade in school.grades:
            for c in grade.classes:
                row = by_class[(school.name, c.name)]
                assert row[1] == grade.name
                assert row[3:6] == (c.students.total, c.students.exempt, c.students.visited)
                assert row[6] == c.students.coverage and row[7] == c.students.one_on_one
    assert by_class[("第一中學", "七年級1班")][5] == 3
    schools = [tuple(c.value for c in row) for row in book.worksheets[3].iter_rows()]
    assert [r[0] for r in schools[1:]] == [s.name for s in expected["coverage"].schools]
    first = next(s for s in expected["coverage"].schools if s.name == "第一中學")
    row = next(r for r in schools if r[0] == "第一中學")
    assert row[1:3] == (first.students.total, 3) and row[7] == 1  # one teacher interviewed

    opinions = [tuple(c.value for c in row) for row in book.worksheets[4].iter_rows()]
    assert sorted(r[7] for r in opinions[1:]) == sorted(["食堂的菜太鹹", INJECTION, "希望減少會議"])
    assert {r[8] for r in opinions[1:]} == {"尚未處理"}  # nothing handled in this sample
    assert book.worksheets[5].max_row == 1  # no rectification item yet: headers only
    scores = [tuple(c.value for c in row) for row in book.worksheets[6].iter_rows()]
    assert scores[1][0] == "學校" and scores[1][3] == 1 and isinstance(scores[1][4], float)

    # Private notes never leave the store.
    every = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not any("SECRET-NOTE" in v for v in every)


def test_a_school_export_holds_that_school_only_and_every_export_is_audited(
    db: str, tmp_path: Path
) -> None:
    asyncio.run(sample_with_visits(db))
    out = tmp_path / "school.xlsx"
    assert main(["export", "--out", str(out), "--school", "實驗中學", "--lang", "en"]) == 0
    book = load_workbook(out)
    assert book.sheetnames[0] == "Student visit record"
    headers = [c.value for c in next(book.worksheets[0].iter_rows())]
    assert headers[:4] == ["Date", "School", "Class", "Student"]
    assert book.worksheets[0].max_row == 1  # no visits in that school
    assert {r[0].value for r in book.worksheets[3].iter_rows(min_row=2)} == {"實驗中學"}
    assert main(["export", "--out", str(tmp_path / "x.xlsx"), "--school", "第九中學"]) != 0

    async def audit() -> list[AuditEntry]:
        handle = await open_store(db, clock=FixedClock(NOW))
        try:
            async with handle.sessions() as s:
                return list((await s.scalars(select(AuditEntry).where(AuditEntry.action == "export"))).all())
        finally:
            await handle.close()

    entries = asyncio.run(audit())
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == "cli" and entry.object_type == "school" and entry.detail is not None
    assert entry.detail["scope"] == "school" and entry.detail["file"] == "school.xlsx"
    assert entry.detail["visits"] == 0


def test_who_may_export_what() -> None:
    from store.scopes import StaffFacts, compute_scope
    from store.vocab import Role

    def scope(school: int | None, *roles: Role, active: bool = True):  # type: ignore[no-untyped-def]
        return compute_scope(StaffFacts(1, school, frozenset(roles), active=active))

    office, leader = scope(None, Role.DISTRICT_OFFICE), scope(7, Role.SCHOOL_LEADER)
    assert office.may_export(None) and office.may_export(7)
    assert leader.may_export(7) and not leader.may_export(8) and not leader.may_export(None)
    for nobody in (scope(7, Role.MIDDLE_CADRE), scope(None, Role.DISTRICT_LEADER),
                   scope(None, Role.SUPERVISOR), scope(7, Role.HEAD_TEACHER),
                   scope(7, Role.SCHOOL_LEADER, active=False)):
        assert not nobody.may_export(7) and not nobody.may_export(None)


def test_who_sees_the_ranking_of_what() -> None:
    from store.scopes import StaffFacts, compute_scope
    from store.vocab import Role

    def scope(school: int | None, *roles: Role):  # type: ignore[no-untyped-def]
        return compute_scope(StaffFacts(1, school, frozenset(roles)))

    for district in (Role.DISTRICT_LEADER, Role.DISTRICT_OFFICE, Role.SUPERVISOR):
        s = scope(None, district)
        assert s.ranks_schools and s.ranks_within(7) and s.ranks_within(8)
    leader = scope(7, Role.SCHOOL_LEADER)
    assert not leader.ranks_schools and leader.ranks_within(7) and not leader.ranks_within(8)
    for other in (scope(7, Role.MIDDLE_CADRE), scope(7, Role.GRADE_HEAD), scope(7, Role.HEAD_TEACHER)):
        assert not other.ranks_schools and not other.ranks_within(7)
