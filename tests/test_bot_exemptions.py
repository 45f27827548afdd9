"""``/exempt`` through the real bot: a head teacher proposes, a school leader approves with one tap
(the request comes through the outbox), the student leaves the denominator and shows as exempt; a
decline changes nothing; a teacher on long leave; people without the role are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import BotApplication
from reports.coverage import coverage_report
from sandbox import BotApiStandIn, User, World
from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import StoreHandle
from tests.bot_district import District, answer_to, say, seed_district, step
from tests.outbox_bot import drain, english_speaker, fast_bot


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def denominators(store: StoreHandle, d: District) -> tuple[int, int]:
    """(students counted in class A, teachers counted in the school)."""
    async with store.sessions() as session:
        campaign = await current_campaign(session=session)
        assert campaign is not None
        report = await coverage_report(session=session, scope=None, campaign=campaign)
    (school,) = report.schools
    class_a = next(c for g in school.grades for c in g.classes if c.class_id == d.class_a)
    assert school.teachers is not None
    return class_a.students.total, school.teachers.total


async def request_for(app: BotApplication, user: User) -> str:
    """The approval request the outbox delivers to ``user``."""
    await drain(app)
    return (await user.next_message()).text


async def test_proposed_approved_and_leaving_the_denominator_then_one_declined(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    head = await english_speaker(world, store, clock, d.staff["head"], "Head")
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    cadre = await english_speaker(world, store, clock, d.staff["cadre"], "Cadre")
    assert await denominators(store, d) == (5, 2)

    view = await say(head, "/exempt")
    assert "Exempt (away for the campaign): —" in view.text
    assert "Why is 戴詩涵 away for the campaign?" in (await step(head, "戴詩涵")).text
    proposed = await step(head, "long sick leave")
    assert proposed.text.startswith("📨 Proposed: 戴詩涵 (七年級1班), long sick leave.")
    request = await request_for(app, leader)
    assert request == ("🗂 彭志 proposes 戴詩涵 (七年級1班) as away for the campaign: long sick leave. "
                       "Until you approve, they count in coverage.")
    assert (await cadre.next_message()).text == request  # every decider of the school, not the proposer
    assert await denominators(store, d) == (5, 2)  # pending: still counted

    approved = await step(leader, "✅ Approve")
    assert approved.text == (
        "✅ Approved by 李詩涵: 戴詩涵 (七年級1班) is exempt and leaves the coverage figures."
    )
    assert await denominators(store, d) == (4, 2)
    await drain(app)
    assert (await head.next_message()).text == approved.text  # the proposer hears the decision
    late_tap = await cadre.tap("✅ Approve")
    assert (await answer_to(cadre, late_tap)).text == "Already decided."
    assert "Exempt (away for the campaign): 戴詩涵" in (await say(head, "/exempt")).text
    my = await say(head, "/my")  # the class view: figures net of the exempt student, who is named
    assert "Visited: 0 of 4" in my.text and "Exempt (away for the campaign): 戴詩涵" in my.text

    await step(head, "吳欣怡")
    await step(head, "transferred")
    await request_for(app, leader)
    assert "Awaiting approval: 吳欣怡" in (await say(head, "/exempt")).text
    declined = await step(leader, "❌ Decline")
    assert declined.text == "❌ Declined by 李詩涵: 吳欣怡 (七年級1班) still counts in coverage."
    assert await denominators(store, d) == (4, 2)


async def test_a_teacher_on_long_leave_and_those_without_the_role(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    cadre = await english_speaker(world, store, clock, d.staff["cadre"], "Cadre")
    subject = await english_speaker(world, store, clock, d.staff["subject"], "Subject")

    refused = await say(subject, "/exempt")
    assert refused.text.startswith("Only the class's head teacher proposes a student")

    await say(leader, "/exempt")
    assert "Which teacher is on long leave" in (await step(leader, "👩‍🏫 A teacher on long leave…")).text
    assert (await step(leader, "劉雨萱")).text.startswith("📨 Proposed: 劉雨萱 (teacher), long leave.")
    assert "劉雨萱 (teacher) as away for the campaign: long leave" in await request_for(app, cadre)
    assert leader.drain() == []  # the proposer is not asked to approve their own proposal
    assert (await step(cadre, "✅ Approve")).text.startswith("✅ Approved by 余柏翰: 劉雨萱 (teacher)")
    assert await denominators(store, d) == (5, 1)
