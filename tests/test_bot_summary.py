"""Weekly summaries through the real bot and the stand-in, on a clock the test moves: once per bound
group at its time, in the group's language, not again after a restart in the same week, caught up
and marked late after downtime; ``/summary`` on demand. Groups never see a name (the suite fixture)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from matplotlib.image import imread

from bot.app import BotApplication
from sandbox import BotApiStandIn, ChatMessage, Group, User, World
from store.clock import FixedClock
from store.groups import bind_group, set_group_locale
from store.installation import StoreHandle
from store.schedule import WEEKLY_SUMMARY
from store.scopes import scope_for
from store.vocab import Locale
from tests.bot_district import District, person, seed_district
from tests.builders import add_staff, add_visit
from tests.outbox_bot import fast_bot, tick

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def district_with_visits(store: StoreHandle) -> tuple[District, int]:
    """The small district; S1 one-on-one on 12 Dec, S2+S3 together on 16 Dec, S6 one-on-one on the 17th."""
    d = await seed_district(store)
    async with store.sessions() as session:
        office = await add_staff(session, "T0200", "吳雨萱", None, ["district_office"])
        s = d.students
        for who, students, day in [("head", ["S1"], 12), ("head", ["S2", "S3"], 16), ("subject", ["S6"], 17)]:
            await add_visit(session, d.staff[who], "student", students=[s[x] for x in students],
                            visit_date=date(2026, 12, day))
        await session.commit()
    return d, office


async def bound(world: World, by: User, title: str) -> Group:
    room = world.group(title, members=[by])
    await by.send("/bind@TwoVisitsBot", chat=room)
    await room.next_message()
    return room


async def rooms(world: World, store: StoreHandle, clock: FixedClock, d: District, office: int
                ) -> tuple[User, Group, Group]:
    """The school's group (default language, zh-Hant) and the district group (English)."""
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    officer = await person(world, store, clock, office, "Wu")
    school_room = await bound(world, leader, "第一中學 staff")
    district_room = await bound(world, officer, "District office")
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=office)
        assert scope is not None
        await set_group_locale(session=session, chat_id=district_room.id, scope=scope, locale=Locale.EN,
                               now=clock.now())
    return leader, school_room, district_room


def photos(room: Group) -> list[ChatMessage]:
    return [m for m in room.chat_log if m.from_bot and m.kind == "photo"]


def assert_png(message: ChatMessage) -> None:
    assert message.photo is not None
    assert imread(io.BytesIO(message.photo), format="png").shape[1] == 800


async def bind_in_store(store: StoreHandle, clock: FixedClock, world: World, staff_id: int, title: str
                        ) -> Group:
    room = world.group(title)
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=staff_id)
        assert scope is not None
        assert (await bind_group(session=session, chat_id=room.id, scope=scope, now=clock.now())).outcome.ok
    return room


async def test_the_summary_goes_to_every_bound_group_once_a_week_and_late_after_downtime(
    standin: BotApiStandIn, database_url: str, world: World, store: StoreHandle, clock: FixedClock,
) -> None:
    d, office = await district_with_visits(store)
    school_room = await bind_in_store(store, clock, world, d.staff["leader"], "第一中學 staff")
    district_room = await bind_in_store(store, clock, world, office, "District office")
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=office)
        assert scope is not None
        await set_group_locale(session=session, chat_id=district_room.id, scope=scope, locale=Locale.EN,
                               now=clock.now())
    async with fast_bot(standin, database_url, clock) as first:
        assert await tick(first) == []  # the first look at the schedules
        clock.set(at(2026, 12, 21, 7, 59))  # Monday, a minute early: last Monday's is caught up, late
        # (Thursday's class nudges too: the school group gets its lagging classes then, if any.)
        assert [(r.period, r.late) for r in await tick(first) if r.kind == WEEKLY_SUMMARY] == [
            ("2026-W51", True)]
        clock.set(at(2026, 12, 21, 8, 0))
        runs = await tick(first)
        assert [(r.kind, r.period, r.late, r.enqueued) for r in runs] == [
            (WEEKLY_SUMMARY, "2026-W52", False, 2)]

        school = photos(school_room)[-1]
        assert_png(school)
        assert (school.caption or "").splitlines() == [
            "📰 第一中學 · 每週小結，2026-12-15 至 2026-12-21",
            "訪談：這 7 天 2 次，活動開始以來共 3 次。",
            "已訪學生 4/6（67 %，較上週 +50）· 一對一 2/6（33 %，+16；目標 80 %）",
            "已訪教師 0/2 · 重點對象一對一 0/1",
            "",
            "進度達標的班級：2 個中 2 個。",
            "收集意見建議：本週沒有。",
            "2026-12-27 前到期的回訪：0 次；已逾期：0 次。",
        ]
        district = photos(district_room)[-1]
        assert_png(district)
        caption = district.caption or ""
        assert "📰 The district · weekly summary, 2026-12-15 to 2026-12-21" in caption
        assert "Schools on track: 1 of 1." in caption
        assert "✅ 第一中學: visited 67 %, one-on-one 33 %" in caption
        assert len(photos(school_room)) == 2 and len(photos(district_room)) == 2
        assert await tick(first) == []  # done for this week

    async with fast_bot(standin, database_url, clock) as restarted:  # restarted the same morning
        assert await tick(restarted) == []
    assert len(photos(school_room)) == 2
    clock.set(at(2026, 12, 29, 12, 0))  # down from Sunday until Tuesday noon
    async with fast_bot(standin, database_url, clock) as later:
        runs = [r for r in await tick(later) if r.kind == WEEKLY_SUMMARY]
        assert [(r.period, r.late, r.enqueued) for r in runs] == [("2026-W53", True, 2)]
    assert len(photos(school_room)) == 3 and len(photos(district_room)) == 3
    late = photos(school_room)[-1].caption or ""
    assert late.startswith("⏰ 遲到了：這原定於 2026-12-28 發出")
    assert (photos(district_room)[-1].caption or "").startswith(
        "⏰ Late: this was due on 2026-12-28, while I was offline.")


async def test_summary_on_demand_in_a_group_and_in_private(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, office = await district_with_visits(store)
    leader, school_room, _ = await rooms(world, store, clock, d, office)
    clock.set(at(2026, 12, 18, 10, 0))
    await leader.send("/summary@TwoVisitsBot", chat=school_room)
    reply = await school_room.next_message()
    assert reply.kind == "photo"
    assert_png(reply)
    # The group has no language of its own: the asker's (English) for a reply.
    assert "📰 第一中學 · weekly summary, 2026-12-12 to 2026-12-18" in (reply.caption or "")
    assert "Visits: 3 in these 7 days, 3 since the campaign began." in (reply.caption or "")

    await leader.send("/summary")
    mine = await leader.next_message()
    assert mine.kind == "photo" and "weekly summary, 2026-12-12 to 2026-12-18" in (mine.caption or "")

    stranger = world.user("Nobody", language_code="en")
    room = world.group("Unbound", members=[stranger, leader])
    await leader.send("/summary@TwoVisitsBot", chat=room)
    assert "not bound yet" in (await room.next_message()).text
    await stranger.send("/summary@TwoVisitsBot", chat=school_room)
    assert "registered staff" in (await school_room.next_message()).text


async def test_the_class_nudge_run_posts_the_lagging_classes_to_the_school_group(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    """The scheduler's group hook feeds the nudges too: percentages only, never a name."""
    d = await seed_district(store)
    async with store.sessions() as session:
        s = d.students
        await add_visit(session, d.staff["head"], "student", students=[s["S1"], s["S3"]],
                        visit_date=date(2026, 12, 16))
        await add_visit(session, d.staff["subject"], "student", students=[s["S6"]],
                        visit_date=date(2026, 12, 16))
        await session.commit()
    room = await bind_in_store(store, clock, world, d.staff["leader"], "第一中學 staff")
    await tick(app)
    clock.set(at(2026, 12, 17, 16, 30))
    await tick(app)
    texts = [m.text for m in room.chat_log if m.from_bot and m.kind == "message"]
    assert texts == ["📊 第一中學：2 個班級中有 1 個進度達標。\n進度落後：\n"
                     "• 七年級1班：已訪 40 %，一對一 0 %"]
