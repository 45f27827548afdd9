"""``/overdue`` and ``/board`` through the real bot: after the clock passes a deadline the group sees
what the store says (public titles, no student names: the suite-wide check), the district group its
escalated items and each school's count; the board per category and posted to the group with a tap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import BotApplication
from sandbox import BotApiStandIn, World
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import FollowUp, Opinion
from store.rectification import ItemDraft, ItemLevel, create_item, overdue_items
from store.scopes import scope_for
from tests.bot_district import say
from tests.builders import add_visit
from tests.outbox_bot import english_speaker, fast_bot
from tests.rectify_world import seed_opinions
from tests.test_bot_coverage import bound_room


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def _items(store: StoreHandle, leader_id: int, cadre_id: int, opinions: list[int]) -> None:
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=leader_id)
        assert scope is not None
        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        await create_item(
            session=session,
            scope=scope,
            now=now,
            draft=ItemDraft(
                title="吳欣怡說食堂太擠",
                public_title="食堂就餐秩序",
                goal="十分鐘取餐",
                measures="分批",
                owner_staff_id=cadre_id,
                owner_unit="總務處",
                deadline=date(2026, 12, 5),
                opinion_ids=(opinions[0],),
            ),
        )
        await create_item(
            session=session,
            scope=scope,
            now=now,
            draft=ItemDraft(
                title="校舍漏水",
                public_title="校舍維修",
                goal="不漏",
                measures="經費",
                owner_staff_id=leader_id,
                deadline=date(2026, 12, 3),
                level=ItemLevel.DISTRICT,
            ),
        )
        await create_item(
            session=session,
            scope=scope,
            now=now,
            draft=ItemDraft(
                title="燈",
                public_title="操場照明",
                goal="亮",
                measures="修",
                owner_staff_id=cadre_id,
                deadline=date(2026, 12, 30),
            ),
        )


async def test_overdue_in_the_school_group_equals_the_store(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, opinions = await seed_opinions(store)
    await _items(store, d.staff["leader"], d.staff["cadre"], opinions)
    async with store.sessions() as session:
        visit = await add_visit(
            session,
            d.staff["head"],
            "student",
            students=[d.students["S1"], d.students["S3"]],
            visit_date=date(2026, 12, 1),
        )
        session.add_all(
            [
                FollowUp(visit_id=visit, person_kind="student", person_id=s, due_date=date(2026, 12, 7))
                for s in (d.students["S1"], d.students["S3"])
            ]
        )
        await session.commit()
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    room = await bound_room(world, leader)
    clock.advance(timedelta(days=9))  # 10 December: two deadlines and the follow-ups have passed
    async with store.sessions() as session:
        expected = await overdue_items(session=session, school_ids=[d.school], today=date(2026, 12, 10))
    assert [(i.public_title, i.days_overdue(date(2026, 12, 10))) for i in expected] == [
        ("校舍維修", 7),
        ("食堂就餐秩序", 5),
    ]
    await leader.send("/overdue@TwoVisitsBot", chat=room)
    text = (await room.next_message()).text
    assert text.splitlines()[1:3] == [
        "⏰ 校舍維修 — 李詩涵, 7 days overdue, district",
        "⏰ 食堂就餐秩序 — 總務處 · 余柏翰, 5 days overdue, school",
    ]
    assert "• 七年級1班: 2" in text and "吳欣怡" not in text and "操場照明" not in text

    private = await say(leader, "/overdue")
    assert "吳欣怡說食堂太擠" in private.text  # a leader in private sees the item's own title

    await leader.send("/board@TwoVisitsBot", chat=room)
    posted = (await room.next_message()).text
    assert (
        "• no category: 4 / 1 / 0" in posted and "• 操場照明 — 總務處 · 余柏翰, by 2026-12-30" not in posted
    )
    assert "• 操場照明 — 余柏翰, by 2026-12-30" in posted and "食堂太擠" not in posted
    mine = await say(leader, "/board")
    assert mine.text == posted
    await leader.tap("📌 Post to the school's group")
    tapped = (await room.next_message()).text  # in the bot's default language: the group chose none
    assert "• 未分類：4 / 1 / 0" in tapped and "食堂太擠" not in tapped


async def test_the_district_group_sees_escalations_and_each_schools_count(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, opinions = await seed_opinions(store)
    await _items(store, d.staff["leader"], d.staff["cadre"], opinions)
    office = await english_speaker(world, store, clock, d.staff["office"], "Office")
    room = world.group("區 staff", members=[office])
    await office.send("/bind@TwoVisitsBot district", chat=room)
    await room.next_message()
    clock.advance(timedelta(days=9))
    await office.send("/overdue@TwoVisitsBot", chat=room)
    text = (await room.next_message()).text
    assert "Escalated to the district: 1\n• 第一中學: 校舍維修" in text
    assert "Overdue items per school:\n• 第一中學: 2" in text
    assert Opinion  # the opinions' texts never reach a group: the suite-wide check reads names
