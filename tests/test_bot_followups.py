"""Follow-up visits through the real bot: a group talk that asks for a follow-up creates one per
student (owned by the subject teacher who visited); on the nudge schedule the visitor is reminded of the
overdue ones and an item's owner of an overdue item; ``/followups`` lists them with a button that
starts the visit, and saving that visit offers "this is the follow-up of …", whose tap closes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import BotApplication
from sandbox import BotApiStandIn, World
from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import AuditEntry, FollowUp
from store.rectification import ItemDraft, create_item
from store.scopes import scope_for
from store.visit_rules import VisitDraft
from store.visits import record_visit
from store.vocab import FollowUpWish, VisitKind
from tests.bot_district import say
from tests.outbox_bot import english_speaker, fast_bot, tick
from tests.rectify_world import seed_opinions

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def test_a_follow_up_created_reminded_and_closed_by_logging_it(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d, _ = await seed_opinions(store)
    subject = await english_speaker(world, store, clock, d.staff["subject"], "Subject")
    cadre = await english_speaker(world, store, clock, d.staff["cadre"], "Cadre")
    assert await tick(app) == []  # the first look at the schedules
    clock.set(datetime(2026, 12, 9, 2, 0, tzinfo=UTC))  # in the visit phase
    s1, s3 = d.students["S1"], d.students["S3"]
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=d.staff["subject"])
        leader = await scope_for(session=session, staff_id=d.staff["leader"])
        campaign = await current_campaign(session=session)
        assert scope is not None and leader is not None and campaign is not None
        await record_visit(
            session=session,
            scope=scope,
            campaign=campaign,
            now=clock.now(),
            draft=VisitDraft(
                client_key="group-talk",
                kind=VisitKind.STUDENT,
                class_id=d.class_a,
                visitee_ids=(s1, s3),
                visit_date=date(2026, 12, 9),
                follow_up=FollowUpWish.ONE_WEEK,
            ),
        )
        await create_item(
            session=session,
            scope=leader,
            now=clock.now(),
            draft=ItemDraft(
                title="食堂",
                public_title="食堂",
                goal="快",
                measures="分批",
                owner_staff_id=d.staff["cadre"],
                deadline=date(2026, 12, 12),
            ),
        )
        rows = (await session.scalars(select(FollowUp).order_by(FollowUp.person_id))).all()
    assert [(f.person_id, f.due_date) for f in rows] == sorted(
        [(s1, date(2026, 12, 16)), (s3, date(2026, 12, 16))]
    )

    clock.set(datetime(2026, 12, 17, 16, 30, tzinfo=SHANGHAI))  # Thursday's nudge time
    await tick(app)
    reminder = await subject.next_message()
    assert reminder.text.startswith("🔁 Follow-up visits past their date:")
    assert "吳欣怡, due 2026-12-16" in reminder.text and "戴詩涵, due 2026-12-16" in reminder.text
    owner_reminder = await cadre.next_message()
    assert owner_reminder.text.startswith("⏰ Your rectification items past their deadline:")
    assert "食堂 — 余柏翰, 5 days overdue" in owner_reminder.text

    listing = await say(subject, "/followups")
    assert "⏰ 吳欣怡: due 2026-12-16, 1 days overdue (visit of 2026-12-09)" in listing.text
    await subject.tap("📝 Visit 吳欣怡")  # the visit starts with her, at the form step
    assert (await subject.next_reply()).text == "How did it happen?"
    for label in ["🗣 In person", "⬜ 學習情況", "Continue ➡️"]:
        await subject.tap(label)
        await subject.next_reply()
    await subject.tap("💾 Save")
    asked = await subject.next_reply()
    assert (
        asked.text
        == "Is this visit the follow-up of an earlier one?\n🔁 吳欣怡: visit of 2026-12-09, due 2026-12-16"
    )
    await subject.tap("✅ The follow-up of 吳欣怡")
    assert (await subject.next_reply()).text.startswith("✅ Saved.")
    async with store.sessions() as session:
        done = dict((await session.execute(select(FollowUp.person_id, FollowUp.done_visit_id))).all())
        audited = await session.scalar(select(AuditEntry).where(AuditEntry.action == "follow_up_done"))
    assert done[s1] is not None and done[s3] is None and audited is not None
    assert "戴詩涵" in (await say(subject, "/followups")).text
    assert "吳欣怡" not in subject.messages[-1].text
