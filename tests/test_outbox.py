"""The outbox: enqueued once, sent once, through injected 429s and 502s, blocked people and quiet hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import BotApplication
from sandbox import BotApiStandIn, User, World
from store.accounts import account_for
from store.clock import FixedClock
from store.installation import StoreHandle
from store.outbox import (
    NewMessage,
    OutboxState,
    due_messages,
    enqueue,
    mark_sending,
    outbox_counts,
    outbox_messages,
    recover_interrupted,
)
from tests.bot_district import person, seed_district
from tests.outbox_bot import drain, fast_bot, sender_of


def note(user: User, n: int = 0, kind: str = "test_note") -> NewMessage:
    return NewMessage(user.id, kind, "2026-W49", {"text": f"Note {n} for <b>{user.id}</b>"})


async def put(store: StoreHandle, messages: list[NewMessage]) -> int:
    async with store.sessions() as session:
        new = await enqueue(session=session, messages=messages, now=store.clock.now())
        await session.commit()
    return new


async def counts(store: StoreHandle) -> dict[OutboxState, int]:
    async with store.sessions() as session:
        return await outbox_counts(session=session)


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


async def test_a_message_is_enqueued_once_per_recipient_kind_and_period(store: StoreHandle) -> None:
    first = NewMessage(1001, "class_nudge", "2026-W49", {"text": "a"})
    assert await put(store, [first, NewMessage(1002, "class_nudge", "2026-W49", {"text": "b"})]) == 2
    # The same key again, even with another text, keeps the first row; another period is new.
    assert await put(store, [NewMessage(1001, "class_nudge", "2026-W49", {"text": "changed"})]) == 0
    assert await put(store, [NewMessage(1001, "class_nudge", "2026-W50", {"text": "c"})]) == 1
    async with store.sessions() as session:
        rows = await outbox_messages(session=session, recipient_chat_id=1001)
    assert [(r.period, r.payload["text"]) for r in rows] == [("2026-W49", "a"), ("2026-W50", "c")]


async def test_an_interrupted_send_is_pending_again_and_reported(store: StoreHandle) -> None:
    await put(store, [NewMessage(7, "k", "p1", {"text": "x"}), NewMessage(8, "k", "p1", {"text": "y"})])
    now = store.clock.now()
    async with store.sessions() as session:
        due = await due_messages(session=session, now=now, limit=10)
        assert await mark_sending(session=session, message_id=due[0].id, now=now)
        assert not await mark_sending(session=session, message_id=due[0].id, now=now)  # claimed once
        interrupted = await recover_interrupted(session=session, now=now)
        again = await due_messages(session=session, now=now, limit=10)
    assert [i.recipient_chat_id for i in interrupted] == [7]
    assert [(i.recipient_chat_id, i.attempts) for i in again] == [(7, 1), (8, 0)]


async def test_a_fan_out_survives_429s_and_502s_with_nothing_lost_or_repeated(
    app: BotApplication, standin: BotApiStandIn, world: World, store: StoreHandle
) -> None:
    users = [world.user(f"Teacher {n}") for n in range(40)]
    # Four 429s in a row outlast the application's rate limiter (three retries), so the outbox's own
    # wait is exercised too; then a burst of 502s.
    standin.faults.fail_next("sendMessage", 429, times=4, retry_after=1)
    await put(store, [note(u, n) for n, u in enumerate(users[:20])])
    await drain(app)
    standin.faults.fail_next("sendMessage", 502, times=5)
    await put(store, [note(u, n) for n, u in enumerate(users[20:], start=20)])
    await drain(app)

    assert [code for _, code in standin.faults.injected] == [429] * 4 + [502] * 5
    for n, user in enumerate(users):
        texts = [m.text for m in user.chat_log if m.from_bot]
        assert texts == [f"Note {n} for {user.id}"], user
    assert (await counts(store))[OutboxState.SENT] == 40


async def test_a_person_who_blocked_the_bot_is_marked_and_not_retried(
    app: BotApplication, standin: BotApiStandIn, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    other = world.user("Other")
    teacher.blocks_bot()
    await put(store, [note(teacher, 1), note(teacher, 2, kind="another"), note(other, 3)])
    await drain(app)

    assert [m.text for m in other.chat_log] == [f"Note 3 for {other.id}"]
    assert len([c for c in standin.calls("sendMessage") if c["chat_id"] == teacher.id]) == 1  # stopped
    async with store.sessions() as session:
        rows = await outbox_messages(session=session, recipient_chat_id=teacher.id)
        account = await account_for(session=session, telegram_user_id=teacher.id)
    assert [r.state for r in rows] == [OutboxState.BLOCKED, OutboxState.BLOCKED]
    assert account is not None and account.blocked


async def test_nothing_goes_out_in_quiet_hours_and_it_waits_for_the_morning(
    app: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    user = world.user("Night owl")
    clock.set(datetime(2026, 12, 1, 22, 15, tzinfo=UTC) - timedelta(hours=8))  # 22:15 in Shanghai
    await put(store, [note(user)])
    await drain(app)
    assert user.chat_log == []
    clock.set(datetime(2026, 12, 2, 6, 59, tzinfo=UTC) - timedelta(hours=8))  # 06:59: still quiet
    await drain(app)
    assert user.chat_log == []
    clock.set(datetime(2026, 12, 2, 7, 0, tzinfo=UTC) - timedelta(hours=8))  # 07:00: morning
    await drain(app)
    assert [m.text for m in user.chat_log] == [f"Note 0 for {user.id}"]


async def test_429s_past_the_rate_limiters_retries_wait_in_the_outbox(
    app: BotApplication, standin: BotApiStandIn, world: World, store: StoreHandle,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, other = world.user("Busy"), world.user("Other")
    # One chat answers 429 four times: the application's limiter retries three, the fourth reaches the
    # outbox, which pauses and tries again. Other chats' messages are not lost meanwhile.
    standin.faults.fail_next("sendMessage", 429, times=4, retry_after=1, chat_id=user.id)
    with caplog.at_level("INFO", logger="twovisits.outbox"):
        await put(store, [note(user, 1), note(other, 2)])
        await drain(app)
    assert [m.text for m in user.chat_log] == [f"Note 1 for {user.id}"]
    assert [m.text for m in other.chat_log] == [f"Note 2 for {other.id}"]
    assert "429 retry after 1s; trying again" in caplog.text


async def test_one_chat_gets_its_messages_one_at_a_time_in_the_order_enqueued(
    app: BotApplication, standin: BotApiStandIn, world: World, store: StoreHandle
) -> None:
    """A weekly summary is a chart and then its text: the text must not overtake the chart."""
    room = world.group("第一中學 staff")
    hold = standin.faults.hold("sendMessage")  # the first send to the group parks at the stand-in
    await put(store, [NewMessage(room.id, "weekly_summary", f"2026-W49:{n}", {"text": f"Part {n}"})
                      for n in range(3)])
    sender = sender_of(app)
    sender.wake()
    await hold.wait_waiting(1)
    await sender._drain_once()  # a look while the first is in flight starts nothing for that chat
    assert sender.chats_in_flight == {room.id} and hold.waiting == 1
    hold.release()
    standin.faults.clear()
    await drain(app)
    assert [m.text for m in room.chat_log if m.from_bot] == ["Part 0", "Part 1", "Part 2"]


async def test_a_fan_out_beside_replies_meets_no_429_when_telegram_counts_replies_too(
    app: BotApplication, standin: BotApiStandIn, world: World, store: StoreHandle
) -> None:
    """The stand-in's strict model counts replies toward the 30/s: bulk must get only what they leave."""
    standin.rate_limits = True  # flood model "strict": every message counts
    people = [world.user(f"Asking {n}", language_code="en") for n in range(24)]
    recipients = [world.user(f"Teacher {n}") for n in range(40)]
    policy = sender_of(app).policy
    # Twenty-four replies take most of the burst of 30 at the stand-in; then 40 bulk messages, and
    # eight more replies while they go. An outbox with a budget of its own would send its burst into
    # the six slots left and meet 429s.
    for person_ in people:
        await person_.send("/help")
    for person_ in people:
        await person_.next_message()
    await put(store, [note(u, n) for n, u in enumerate(recipients)])
    sender = sender_of(app)
    sender.wake()
    for person_ in people[:8]:
        await person_.send("/help")
    for person_ in people[:8]:
        await person_.next_message()
    await sender.wait_idle(timeout=30)

    assert [r.error for r in standin.errors()] == []  # no 429, for bulk or for replies
    assert standin.default_bot.limiter.refused == 0
    for n, user in enumerate(recipients):
        assert [m.text for m in user.chat_log if m.from_bot] == [f"Note {n} for {user.id}"], user
    assert policy.bulk_waited > 0  # bulk did wait for what the replies left
