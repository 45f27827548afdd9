"""/export end to end: the district office gets the district's workbook as a document with a progress
message, a school leader their own school's, a teacher is refused, a group is sent to private chat."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import BotApplication
from bot.commands import export as export_command
from sandbox import World
from store.installation import StoreHandle
from store.models import AuditEntry
from tests.bot_district import person
from tests.builders import add_visit
from tests.conftest import FixedClock
from tests.visit_world import World as Roster
from tests.visit_world import build_world

DAY = date(2026, 12, 1)


async def roster_with_visits(store: StoreHandle) -> Roster:
    r = await build_world(store)
    async with store.sessions() as s:
        for student in ("wu", "shen", "dai"):
            await add_visit(s, r.staff["head71"], "student", students=[r.students[student]], visit_date=DAY)
        await add_visit(s, r.staff["headB"], "student", students=[r.students["bkid"]], visit_date=DAY)
        await s.commit()
    return r


async def audit(store: StoreHandle) -> list[AuditEntry]:
    async with store.sessions() as s:
        return list((await s.scalars(select(AuditEntry).where(AuditEntry.action == "export"))).all())


async def test_the_office_gets_the_district_archive_with_progress_and_it_is_audited(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = await roster_with_visits(store)
    monkeypatch.setattr(export_command, "PROGRESS_EVERY", 2)
    office = await person(world, store, clock, r.staff["office"], "Office")
    await office.send("/export")
    assert (await office.next_message()).text == "Preparing the archive…"
    progress = await office.next_reply()
    assert progress.edited and "2 visits so far" in progress.text
    document = await office.next_message()
    assert document.kind == "document" and document.filename == "archive-district-2026-12-01.xlsx"
    assert "4 visits" in document.text
    assert document.document is not None
    book = load_workbook(io.BytesIO(document.document))
    names = {row[3] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert names == {"吳欣怡", "沈志明", "戴詩涵", "何北"}
    done = await office.next_reply()
    assert done.edited and done.text == "The archive is ready."
    entries = await audit(store)
    assert [(e.actor_staff_id, e.object_type, e.detail and e.detail["via"]) for e in entries] == [
        (r.staff["office"], "district", "bot")]


async def test_a_school_leader_gets_their_school_a_teacher_is_refused_groups_are_told_to_go_private(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r = await roster_with_visits(store)
    leader = await person(world, store, clock, r.staff["leader"], "Li")
    await leader.send("/export")
    await leader.next_message()  # preparing
    document = await leader.next_message()
    assert document.filename == f"archive-school-{r.school_a}-2026-12-01.xlsx"
    assert document.document is not None
    book = load_workbook(io.BytesIO(document.document))
    assert {row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)} == {"第一中學"}
    assert "何北" not in {row[3] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}

    teacher = await person(world, store, clock, r.staff["head71"], "Peng")
    await teacher.send("/export")
    assert "exported by the district office" in (await teacher.next_message()).text
    room = world.group("staff", members=[leader])
    await leader.send("/export@TwoVisitsBot", chat=room)
    assert "only in a private chat" in (await room.next_message()).text
    entries = await audit(store)
    assert [(e.actor_staff_id, e.object_id) for e in entries] == [(r.staff["leader"], r.school_a)]
