"""Class nudges through the real bot and the stand-in, over campaign weeks on a fixed clock: only the
head teachers of lagging classes, once per week, never in quiet hours, not when muted; school leaders
get percentages only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication
from bot.callback_data import visit_class_data
from sandbox import BotApiStandIn, User, World
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import FollowUp
from store.schedule import CLASS_NUDGES, WEEKLY_SUMMARY
from tests.bot_district import District, seed_district
from tests.builders import add_staff, add_visit
from tests.outbox_bot import english_speaker, fast_bot, tick

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def lagging_district(store: StoreHandle) -> tuple[District, int]:
    """Class A (5 students) has only a group visit of two: behind on one-on-one. Class B (1 student)
    has its one-on-one visit: on track. A follow-up in class A is due on 20 December."""
    d = await seed_district(store)
    async with store.sessions() as session:
        head_b = await add_staff(session, "T1010", "鄭北", d.school, ["head_teacher"], head_of=[d.class_b])
        s1, s3, s6 = d.students["S1"], d.students["S3"], d.students["S6"]
        start = date(2026, 12, 16)
        group = await add_visit(session, d.staff["head"], "student", students=[s1, s3], visit_date=start,
                                follow_up="date")
        session.add(FollowUp(visit_id=group, person_kind="student", person_id=s1,
                             due_date=date(2026, 12, 20)))
        await add_visit(session, head_b, "student", students=[s6], visit_date=start)
        await session.commit()
    return d, head_b


def bot_texts(user: User) -> list[str]:
    return [m.text for m in user.chat_log if m.from_bot]


async def test_nudges_go_to_lagging_classes_once_a_week_outside_quiet_hours_and_not_when_muted(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, head_b = await lagging_district(store)
    head = await english_speaker(world, store, clock, d.staff["head"], "Head A")
    other_head = await english_speaker(world, store, clock, head_b, "Head B")
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    subject = await english_speaker(world, store, clock, d.staff["subject"], "Subject")
    assert await tick(app) == []  # the first look at the schedules: nothing of the past is due

    clock.set(at(2026, 12, 17, 16, 29))  # Thursday of the first visit week, a minute early
    # Monday's summary, late, with no groups yet; last Thursday's nudge run, late, before any school's
    # visit phase: nobody to nudge.
    assert [(r.kind, r.enqueued) for r in await tick(app)] == [(CLASS_NUDGES, 0), (WEEKLY_SUMMARY, 0)]
    assert bot_texts(head) == []
    clock.set(at(2026, 12, 17, 16, 30))
    runs = await tick(app)
    assert [(r.kind, r.period, r.late, r.enqueued) for r in runs] == [(CLASS_NUDGES, "2026-W51", False, 2)]

    (nudge,) = head.chat_log
    assert "七年級1班 is behind the pace needed to reach the targets by 2027-02-28." in nudge.text
    assert "Visited: 2 of 5 · one-on-one: 0 (target: all visited, 80 % one-on-one)." in nudge.text
    assert "Not visited yet (3): ⭐沈志明, 王小明 (S4), 王小明 (S5)" in nudge.text  # focus first
    assert "1 follow-up visit is due by 2026-12-23." in nudge.text
    assert nudge.keyboard[0] == [("📝 Log a visit", visit_class_data(d.class_a))]
    (note,) = leader.chat_log
    assert note.text.splitlines() == [
        "📊 第一中學: 1 of 2 classes are on track.", "Behind the pace:",
        "• 七年級1班: visited 40 %, one-on-one 0 %",
    ]
    assert bot_texts(other_head) == [] and bot_texts(subject) == []  # on track; not a head teacher
    assert await tick(app) == []  # done for this week, also after more ticks
    assert len(head.chat_log) == 1

    await head.tap("🔕 No nudges for a week", message=nudge)
    assert (await head.callback_answer()).text == "🔕 No class nudges until 2026-12-24."
    clock.set(at(2026, 12, 24, 16, 35))  # the next Thursday: muted
    assert [r.kind for r in await tick(app) if r.kind == CLASS_NUDGES] == [CLASS_NUDGES]
    assert len([m for m in head.chat_log if m.kind == "message"]) == 1
    assert len(leader.chat_log) == 2  # the leader's note is not muted

    # The bot was down from Thursday afternoon; it starts again at 23:00: the run catches up, late,
    # but waits for the morning.
    clock.set(at(2026, 12, 31, 23, 0))
    runs = await tick(app)
    assert [(r.kind, r.late) for r in runs] == [(CLASS_NUDGES, True), (WEEKLY_SUMMARY, True)]
    assert len([m for m in head.chat_log if m.kind == "message"]) == 1
    clock.set(at(2027, 1, 1, 7, 0))
    await tick(app)
    late = [m for m in head.chat_log if m.kind == "message"][-1]
    assert late.text.startswith("⏰ Late: this was due on 2026-12-31, while I was offline.")
    for text in bot_texts(leader):
        assert "沈志明" not in text and "王小明" not in text  # leaders' notes: percentages only


async def test_a_restart_in_the_same_week_repeats_nothing_and_a_later_start_catches_up(
    standin: BotApiStandIn, database_url: str, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, _ = await lagging_district(store)
    head = await english_speaker(world, store, clock, d.staff["head"], "Head A")
    async with fast_bot(standin, database_url, clock) as first:
        await tick(first)
        clock.set(at(2026, 12, 17, 16, 45))
        assert [r.kind for r in await tick(first)] == [CLASS_NUDGES, WEEKLY_SUMMARY]
    assert len(head.chat_log) == 1
    async with fast_bot(standin, database_url, clock) as second:  # restarted the same afternoon
        assert await tick(second) == []
    clock.set(at(2026, 12, 25, 9, 0))  # down from Thursday morning until Friday
    async with fast_bot(standin, database_url, clock) as third:
        assert [(r.kind, r.period, r.late) for r in await tick(third)] == [
            (CLASS_NUDGES, "2026-W52", True), (WEEKLY_SUMMARY, "2026-W52", True)
        ]
    assert [m.text.splitlines()[0] for m in head.chat_log] == [
        "📋 七年級1班 is behind the pace needed to reach the targets by 2027-02-28.",
        "⏰ Late: this was due on 2026-12-24, while I was offline.",
    ]
