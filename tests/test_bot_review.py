"""``/review`` and the interviewed teacher's confirmation through the real bot: who may review which
school, verifying, returning with a comment (the teacher hears of it and may edit for 48 hours),
stale buttons, the one-tap confirmation and a dispute reaching the school's leaders and the reviewer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import BotApplication
from bot.callback_data import confirm_data, review_data, saved_data
from bot.review_notify import INTERVIEW_CONFIRM
from sandbox import BotApiStandIn, ChatMessage, World
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import AuditEntry
from store.outbox import outbox_messages
from tests.bot_district import answer_to, say, step
from tests.outbox_bot import drain, english_speaker, fast_bot, tick
from tests.review_world import log_visit, seed_reviews

T0 = datetime(2026, 12, 18, 2, 0, tzinfo=UTC)  # a Friday in the visit phase, 10:00 in Shanghai


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


def visit_id_of(record: ChatMessage) -> int:
    found = re.search(r"#(\d+)", record.text)
    assert found, record.text
    return int(found.group(1))


async def test_who_may_review_which_school(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_reviews(store)
    clock.set(T0 + timedelta(hours=1))
    in_a = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],))
    in_b = await log_visit(store, d.staff["teacher_b"], at=T0, students=(d.students["B1"],))

    for who in ("head", "district_leader"):
        refused = await english_speaker(world, store, clock, d.staff[who], who)
        answer = await say(refused, "/review")
        assert "for supervisors (any school) and school leaders" in answer.text
        # A modified client sending a reviewer's button, and a malformed one.
        forged = await refused.tap_data(review_data("ok", in_a, 0, 1), message=answer)
        assert (await answer_to(refused, forged)).text == "You may not review this visit."
        broken = await refused.tap_data("v1:rv:ok:1", message=answer)
        assert (await answer_to(refused, broken)).text == "This button has expired. Nothing was changed."

    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    assert "1 visits to check" in (await say(leader, "/review")).text
    record = await leader.next_message()
    assert visit_id_of(record) == in_a
    assert "吳欣怡" in record.text and "Visitor: 彭志" in record.text and "鄭同學" not in record.text
    assert "Private notes" not in record.text

    supervisor = await english_speaker(world, store, clock, d.staff["supervisor"], "Supervisor")
    assert "2 visits to check" in (await say(supervisor, "/review")).text
    records = [await supervisor.next_message(), await supervisor.next_message()]
    assert {visit_id_of(r) for r in records} == {in_a, in_b}
    assert any("鄭同學" in r.text for r in records)

    room = world.group("督導組", members=[supervisor])
    await supervisor.send("/review@TwoVisitsBot", chat=room)
    assert "only in a private chat" in (await room.next_message()).text


async def test_verify_and_return_and_the_teacher_edits_within_48_hours(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_reviews(store)
    clock.set(T0)
    verified = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],))
    returned = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S2"],))
    teacher = await english_speaker(world, store, clock, d.staff["head"], "Head")
    supervisor = await english_speaker(world, store, clock, d.staff["supervisor"], "Supervisor")
    clock.set(T0 + timedelta(hours=72))  # the card's own 48 hours are over

    assert "2 visits to check" in (await say(supervisor, "/review")).text
    shown = {visit_id_of(m): m for m in [await supervisor.next_message(), await supervisor.next_message()]}
    done = await step(supervisor, "✅ Verified", message=shown[verified])
    assert "✅ Verified by you." in done.text and not done.inline_buttons
    again = await supervisor.tap_data(review_data("ok", verified, 0, 1), message=shown[verified])
    assert "reviewed or changed since" in (await answer_to(supervisor, again)).text

    await supervisor.tap("↩️ Return with a comment…", message=shown[returned])
    assert "Type the comment for the teacher" in (await supervisor.next_message()).text
    await say(supervisor, "/cancel")  # any command drops the wait: the next text is not a comment
    assert "returned to" not in (await say(supervisor, "算了")).text
    await supervisor.tap("↩️ Return with a comment…", message=shown[returned])
    assert "Type the comment for the teacher" in (await supervisor.next_message()).text
    assert "at most 500 fit" in (await say(supervisor, "太" * 501)).text
    assert "returned to 彭志" in (await say(supervisor, "請補充學生的具體情況")).text
    record = next(m for m in supervisor.messages if m.message_id == shown[returned].message_id)
    assert not record.inline_buttons  # the returned record keeps no buttons to tap again

    await drain(app)
    notice = await teacher.next_message()
    assert "A reviewer returned your visit of 2026-12-18" in notice.text
    assert "請補充學生的具體情況" in notice.text and "沈志明" in notice.text
    clock.advance(timedelta(hours=47))
    assert "Editing the visit" in (await step(teacher, "✏️ Edit", message=notice)).text
    await say(teacher, "/cancel")
    clock.advance(timedelta(hours=2))  # 49 hours after the return
    # The same Edit as the notice carried (the flow has turned that message into the card since).
    late = await teacher.tap_data(saved_data("edit", returned), message=notice)
    assert "48 hours for editing from this card are over" in (await answer_to(teacher, late)).text

    assert "Nothing to check" in (await say(supervisor, "/review")).text
    async with store.sessions() as session:
        actions = set((await session.execute(select(AuditEntry.action, AuditEntry.object_id))).all())
    assert {("visit_verified", verified), ("visit_returned", returned)} <= actions
    # The evaluation counts them: one of the two checked visits held up.
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    assert "reviews 1/2" in (await say(leader, "/ranking")).text


async def test_the_interviewed_teacher_confirms_or_disputes_once(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_reviews(store)
    clock.set(T0)
    confirmed = await log_visit(store, d.staff["cadre"], at=T0, teachers=(d.staff["head"],))
    disputed = await log_visit(store, d.staff["cadre"], at=T0, teachers=(d.staff["subject"],))
    head = await english_speaker(world, store, clock, d.staff["head"], "Head")
    subject = await english_speaker(world, store, clock, d.staff["subject"], "Subject")
    leader = await english_speaker(world, store, clock, d.staff["leader"], "Leader")
    supervisor = await english_speaker(world, store, clock, d.staff["supervisor"], "Supervisor")

    await tick(app)
    await tick(app)  # a second tick asks no one again
    async with store.sessions() as session:
        assert len(await outbox_messages(session=session, kind=INTERVIEW_CONFIRM)) == 2
    question = await head.next_message()
    assert "余柏翰 logged an interview with you on 2026-12-18" in question.text
    assert "Thank you: you confirmed" in (await step(head, "✅ Yes, it took place")).text
    twice = await head.tap_data(confirm_data("no", confirmed), message=question)
    assert (await answer_to(head, twice)).text == "You have answered this already."

    await subject.next_message()
    assert "did not happen" in (await step(subject, "❌ This did not happen")).text
    await drain(app)
    told = await leader.next_message()
    assert "劉雨萱 says the interview of 2026-12-18 logged by 余柏翰 did not happen" in told.text
    assert f"#{disputed}" in told.text

    clock.advance(timedelta(hours=1))
    assert "2 visits to check" in (await say(supervisor, "/review")).text
    first = await supervisor.next_message()  # flagged visits come first
    assert visit_id_of(first) == disputed
    assert "⚠️ Flags: the interviewed teacher says it did not happen" in first.text
    second = await supervisor.next_message()
    assert visit_id_of(second) == confirmed and "Flags" not in second.text
