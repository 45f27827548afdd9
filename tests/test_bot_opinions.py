"""``/opinions`` and ``/rectify`` through the real bot: a leader categorises, merges and dismisses in the
inbox, turns two opinions into an item; the owner hears of it privately, starts and finishes it; a
leader sends it back and later verifies it; an escalated item reaches the district office. Non-leaders
are refused on every leader action; a stale inbox button is answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import select

from bot.app import BotApplication
from bot.callback_data import BOARD, ITEM, ITEM_FLOW, OPINIONS, rectify_data
from sandbox import BotApiStandIn, World
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import AuditEntry, OpinionHandling, RectificationItem
from store.rectification import ItemDraft, ItemLevel, create_item
from store.scopes import scope_for
from tests.bot_district import answer_to, say, step
from tests.outbox_bot import drain, english_speaker, fast_bot
from tests.rectify_world import seed_opinions


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def test_the_inbox_an_item_from_two_opinions_and_its_way(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, (canteen, queue, library, lights) = await seed_opinions(store)
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    cadre = await english_speaker(world, store, clock, d.staff["cadre"], "Cadre")

    inbox = await say(leader, "/opinions")
    assert "4 in all" in inbox.text and "raised by 吳欣怡" in inbox.text
    assert "Which category is opinion" in (await step(leader, f"🏷 #{canteen}")).text
    categorised = await step(leader, "後勤(食堂/宿舍)")
    assert f"#{canteen} [後勤(食堂/宿舍)]" in categorised.text
    await step(leader, f"🔗 #{queue}")
    merged = await step(leader, f"#{canteen}", partial=True)
    assert f"merged into #{canteen}" in merged.text
    # The button as the first page showed it, tapped after the merge (the page has been redrawn since).
    stale = await leader.tap_data(rectify_data(OPINIONS, "dis", queue), message=inbox)
    assert (await answer_to(leader, stale)).text == "That opinion was handled already."
    assert "Write the reason" in (await step(leader, f"🗑 #{library}")).text
    assert (await say(leader, "已經延長開放")).text == f"🗑 Opinion #{library} dismissed: 已經延長開放"

    await say(leader, "/opinions")
    await step(leader, f"☑ #{canteen}")
    await step(leader, f"☑ #{lights}")
    await leader.tap("➕ Item from 2 picked")
    assert "Its title?" in (await leader.next_message()).text
    assert "public title" in (await say(leader, "食堂擁擠與操場照明")).text
    assert "Does it name no student or teacher" in (await say(leader, "校園設施改善")).text
    await leader.tap("✅ It names no one")
    assert (await leader.next_message()).text == "The goal?"
    assert (await say(leader, "午餐十分鐘內取餐")).text == "The measures?"
    assert "responsible unit" in (await say(leader, "分批就餐、修燈")).text
    assert "Who answers" in (await say(leader, "總務處")).text
    await leader.tap("余柏翰")
    assert "deadline" in (await leader.next_message()).text
    assert "School level" in (await say(leader, "12-20")).text
    await leader.tap("🏫 School")
    saved = await leader.next_message()
    assert "💾 Saved." in saved.text and "總務處 · 余柏翰" in saved.text and "2026-12-20" in saved.text
    async with store.sessions() as session:
        item = await session.scalar(select(RectificationItem))
        assert item is not None and item.public_title == "校園設施改善"
        handled = dict(
            (await session.execute(select(OpinionHandling.opinion_id, OpinionHandling.status))).all()
        )
    assert handled == {canteen: "itemised", lights: "itemised", queue: "merged", library: "dismissed"}

    await drain(app)
    told = await cadre.next_message()
    assert told.text.startswith("🛠 A rectification item is yours:") and "食堂擁擠與操場照明" in told.text
    assert "in progress" in (await step(cadre, "▶ In progress")).text
    assert "short note" in (await step(cadre, "✅ Done…")).text
    assert "done, awaiting verification" in (await say(cadre, "已分三批就餐，燈已修好")).text
    await drain(app)
    review = await leader.next_message()
    assert review.text.startswith("✅ Done, please verify:") and "已分三批就餐" in review.text
    assert "comment for the owner" in (await step(leader, "↩ Send back…")).text
    assert "sent back" in (await say(leader, "二樓還是擠")).text
    await drain(app)
    back = await cadre.next_message()
    assert back.text.startswith("↩ Sent back:") and "二樓還是擠" in back.text
    await step(cadre, "✅ Done…")
    await say(cadre, "二樓也分批了")
    await drain(app)
    await leader.next_message()
    verified = await step(leader, "✔ Verify")
    assert "Status: verified" in verified.text
    async with store.sessions() as session:
        actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert {
        "opinion_categorised",
        "opinion_merged",
        "opinion_dismissed",
        "item_created",
        "item_in_progress",
        "item_done",
        "item_sent_back",
        "item_verified",
    } <= actions


async def test_an_escalated_item_reaches_the_district_office(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, _ = await seed_opinions(store)
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    office = await english_speaker(world, store, clock, d.staff["office"], "Office")
    await say(leader, "/rectify")
    await leader.tap("➕ New item")
    await leader.next_message()
    for text in ("校舍漏水", "校舍維修"):
        await say(leader, text)
    await leader.tap("✅ It names no one")
    await leader.next_message()
    for text in ("不再漏水", "申請維修經費"):
        await say(leader, text)
    await leader.tap("No unit: a person")
    await leader.next_message()
    await leader.tap("李詩涵")
    await leader.next_message()
    await leader.tap("in 30 days")
    await leader.next_message()
    await leader.tap("⬆ District")
    saved = await leader.next_message()
    assert "escalated, awaiting the district office" in saved.text
    await drain(app)
    escalated = await office.next_message()
    assert escalated.text.startswith("⬆ A school escalates") and "校舍漏水" in escalated.text
    accepted = await step(office, "👍 Accept")
    assert "accepted by the district office" in accepted.text
    assert "Who answers" in (await step(office, "↪ Reassign…")).text
    assert "Owner: 余柏翰" in (await step(office, "余柏翰")).text
    assert "Write a comment" in (await step(office, "⤵ Return to the school…")).text
    returned = await say(office, "請學校自行解決")
    assert "level: school" in returned.text


async def test_non_leaders_are_refused_on_each_leader_action(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, (canteen, *_) = await seed_opinions(store)
    async with store.sessions() as session:
        leader = await scope_for(session=session, staff_id=d.staff["leader"])
        assert leader is not None
        item = await create_item(
            session=session,
            scope=leader,
            now=clock.now(),
            draft=ItemDraft(
                title="校舍",
                public_title="校舍",
                goal="修",
                measures="錢",
                owner_staff_id=d.staff["cadre"],
                deadline=date(2026, 12, 20),
                level=ItemLevel.DISTRICT,
            ),
        )
    subject = await english_speaker(world, store, clock, d.staff["subject"], "Subject")
    refused = "Only the school's leaders and middle cadres do this"
    assert (await say(subject, "/opinions")).text.startswith(refused)
    assert (await say(subject, "/rectify")).text.startswith(refused)
    anchor = await say(subject, "/my")
    for data in (
        rectify_data(OPINIONS, "dis", canteen),
        rectify_data(OPINIONS, "setc", canteen, 0),
        rectify_data(OPINIONS, "into", canteen, canteen + 1),
        rectify_data(OPINIONS, "mk"),
        *(rectify_data(ITEM, action, item.id) for action in ("ok", "back", "acc", "ret", "re", "done", "go")),
        rectify_data(ITEM, "ro", item.id, d.staff["subject"]),
        rectify_data(BOARD, "post"),
    ):
        tapped = await subject.tap_data(data, message=anchor)
        assert (await answer_to(subject, tapped)).text.startswith(refused), data
    await subject.tap_data(rectify_data(ITEM_FLOW, "new", 0), message=anchor)
    assert (await subject.next_message()).text.startswith(refused)
    async with store.sessions() as session:
        assert await session.scalar(select(OpinionHandling)) is None
        row = await session.get(RectificationItem, item.id)
        assert row is not None and row.status == "open" and row.escalation == "pending"


async def test_the_typed_text_goes_to_whoever_asked_last(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    """A review's return waits for its comment; a 整改 button tapped after it asks for a reason: the
    next text is that reason, and the return is not made. Asked again, the comment goes to the review."""
    d, (_canteen, _queue, library, _lights) = await seed_opinions(store)
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    inbox = await say(leader, "/opinions")
    assert "visits to check" in (await say(leader, "/review")).text
    record = await leader.next_message()
    await leader.tap("↩️ Return with a comment…", message=record)
    assert "Type the comment for the teacher" in (await leader.next_message()).text
    asked = await leader.tap_data(rectify_data(OPINIONS, "dis", library), message=inbox)
    assert "Write the reason" in (await leader.next_reply()).text
    assert (await answer_to(leader, asked)).text in (None, "")
    assert (await say(leader, "已經延長開放")).text == f"🗑 Opinion #{library} dismissed: 已經延長開放"

    await leader.tap("↩️ Return with a comment…", message=record)
    assert "Type the comment for the teacher" in (await leader.next_message()).text
    assert "returned to" in (await say(leader, "請補充學生的具體情況")).text
    async with store.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("visit_returned") == 1 and actions.count("opinion_dismissed") == 1
