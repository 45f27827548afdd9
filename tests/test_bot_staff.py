"""/staff end to end: the office sees every school, a school leader their own, the not-yet-joined list
carries the links ``twovisits invites`` writes; others and groups are refused; the office is reminded
once, a week into the visit phase, of schools under 80 % joined."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication
from sandbox import BotApiStandIn, World
from store.clock import FixedClock
from store.installation import StoreHandle
from store.invites import invite_link, issue_invites
from tests.bot_district import District, answer_to, seed_district
from tests.builders import add_school, add_staff
from tests.outbox_bot import english_speaker, fast_bot, tick

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def two_schools(store: StoreHandle) -> tuple[District, int]:
    d = await seed_district(store)
    async with store.sessions() as session:
        second = await add_school(session, "第二中學")
        await add_staff(session, "T2001", "鄭北", second, ["head_teacher"])
        office = await add_staff(session, "T0200", "吳雨萱", None, ["district_office"])
        await session.commit()
    return d, office


async def test_the_office_sees_every_school_and_forwards_the_invite_links(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, office = await two_schools(store)
    officer = await english_speaker(world, store, clock, office, "Wu")
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Li")
    teacher = await english_speaker(world, store, clock, d.staff["head"], "Peng")
    async with store.sessions() as session:  # the office ran `twovisits invites` before
        links = {r.name: invite_link("TwoVisitsBot", r.code)
                 for r in await issue_invites(session=session, now=clock.now())}

    await officer.send("/staff")
    progress = await officer.next_message()
    assert progress.text.splitlines()[1:4] == [
        "第一中學: 2 of 4 joined (50 %), 2 not yet ⚠️",
        "第二中學: 0 of 1 joined (0 %), 1 not yet ⚠️",
        "District staff: 1 of 1 joined (100 %), 0 not yet",
    ]
    assert progress.buttons == ["📨 第一中學 (2)", "📨 第二中學 (1)"]
    query = await officer.tap("📨 第一中學 (2)")
    await answer_to(officer, query)
    listing = await officer.next_message()
    assert listing.text.splitlines() == [
        "Not yet joined at 第一中學 (2). Forward each person their own link:",
        f"• 余柏翰 (middle cadre): {links['余柏翰']}",
        f"• 劉雨萱 (subject teacher): {links['劉雨萱']}",
    ]

    await leader.send("/staff")
    mine = await leader.next_message()
    assert mine.text.splitlines()[1] == "第一中學: 2 of 4 joined (50 %), 2 not yet ⚠️"
    assert "第二中學" not in mine.text and mine.buttons == ["📨 第一中學 (2)"]

    await teacher.send("/staff")
    assert "for the district office" in (await teacher.next_message()).text
    room = world.group("第一中學 staff", members=[leader])
    await leader.send("/staff@TwoVisitsBot", chat=room)
    assert "only in a private chat" in (await room.next_message()).text


async def test_the_office_is_reminded_once_a_week_into_the_visit_phase(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    _, office = await two_schools(store)
    officer = await english_speaker(world, store, clock, office, "Wu")
    await tick(app)  # the first look at the schedules
    clock.set(datetime(2026, 12, 17, 16, 30, tzinfo=SHANGHAI))  # the visit phase's second day: too early
    await tick(app)
    assert [m for m in officer.chat_log if m.from_bot] == []
    clock.set(datetime(2026, 12, 24, 16, 30, tzinfo=SHANGHAI))  # a week in
    await tick(app)
    (reminder,) = [m for m in officer.chat_log if m.from_bot]
    assert reminder.text.splitlines() == [
        "👥 A week into the visit phase, these schools have fewer than 80 % of their staff registered "
        "with me:",
        "• 第一中學: 0 of 4 joined (0 %)",
        "• 第二中學: 0 of 1 joined (0 %)",
        "Send /staff for the lists of those not yet joined, with their invite links to forward.",
    ]
    clock.set(datetime(2026, 12, 31, 16, 30, tzinfo=SHANGHAI))  # the next week: not again
    await tick(app)
    assert len([m for m in officer.chat_log if m.from_bot]) == 1
