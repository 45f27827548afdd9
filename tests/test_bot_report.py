"""/report end to end: the office gets the district's PDF (or a named school's), a school leader their
own school's and not another's, a teacher is refused, a group is sent to private chat; audited."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from bot.app import BotApplication
from sandbox import World
from store.installation import StoreHandle
from store.models import AuditEntry
from tests.bot_district import person
from tests.conftest import FixedClock
from tests.test_bot_export import roster_with_visits


def text_of(data: bytes | None) -> str:
    assert data is not None
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def audit(store: StoreHandle) -> list[AuditEntry]:
    async with store.sessions() as s:
        return list((await s.scalars(select(AuditEntry).where(AuditEntry.action == "report")
                                     .order_by(AuditEntry.id))).all())


async def test_the_office_gets_the_district_report_and_a_named_school(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r = await roster_with_visits(store)
    office = await person(world, store, clock, r.staff["office"], "Office")
    await office.send("/report")
    document = await office.next_message()
    assert document.kind == "document" and document.filename == "report-district-2026-12-01.pdf"
    assert "The district" in document.text
    text = text_of(document.document)
    assert "The district · summary report" in text and "Ranking of the schools" in text
    assert "第一中學" in text and "第二中學" in text
    await office.send("/report 第二中學")
    document = await office.next_message()
    assert document.filename == f"report-school-{r.school_b}-2026-12-01.pdf"
    assert "第二中學 · summary report" in text_of(document.document)
    entries = await audit(store)
    assert [(e.actor_staff_id, e.object_type, e.object_id) for e in entries] == [
        (r.staff["office"], "district", None), (r.staff["office"], "school", r.school_b)]


async def test_a_school_leader_gets_their_own_school_only_a_teacher_and_groups_are_refused(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r = await roster_with_visits(store)
    leader = await person(world, store, clock, r.staff["leader"], "Li")
    await leader.send("/report")
    document = await leader.next_message()
    assert document.filename == f"report-school-{r.school_a}-2026-12-01.pdf"
    text = text_of(document.document)
    assert "第一中學 · summary report" in text and "第二中學" not in text
    assert "3 of 6" in text  # the school's six students, three visited
    await leader.send("/report 第二中學")
    assert "for school leaders (their own school)" in (await leader.next_message()).text

    teacher = await person(world, store, clock, r.staff["head71"], "Peng")
    await teacher.send("/report")
    assert "for district leaders and the district office" in (await teacher.next_message()).text
    room = world.group("staff", members=[leader])
    await leader.send("/report@TwoVisitsBot", chat=room)
    assert "only in a private chat" in (await room.next_message()).text
    entries = await audit(store)
    assert [(e.actor_staff_id, e.object_id) for e in entries] == [(r.staff["leader"], r.school_a)]
