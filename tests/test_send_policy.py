"""The send policy: replies paced per chat (not behind the 30/s meant for bulk), 429s honoured."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.app import BotApplication
from bot.send_policy import SendPolicy, TokenBucket
from sandbox import BotApiStandIn, World


def _policy(app: BotApplication) -> SendPolicy:
    policy = app.bot.rate_limiter
    assert isinstance(policy, SendPolicy)
    return policy


async def test_a_429_is_honoured_and_the_reply_arrives_after_retry_after(
    bot: BotApplication, standin: BotApiStandIn, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    stranger = world.user("Wang", language_code="en")
    standin.flood(1, chat_id=stranger.id)
    await stranger.send("/start")
    reply = await stranger.next_message()
    assert reply.text
    sends = [
        r for r in standin.requests if r.method == "sendMessage" and r.params.get("chat_id") == stranger.id
    ]
    refused, delivered = sends[0], sends[-1]
    assert not refused.ok and "Too Many Requests" in (refused.error or "")
    assert delivered.ok and delivered.at - refused.at >= 1.0
    assert _policy(bot).retries == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_replies_to_many_chats_are_not_queued_behind_the_overall_budget(
    bot: BotApplication, world: World
) -> None:
    users = [world.user(f"Teacher {n}") for n in range(90)]
    policy = _policy(bot)
    await asyncio.gather(*(bot.bot.send_message(u.id, "reply") for u in users))
    # A 30/s bucket with a burst of 30 would have made 60 of the 90 wait (wall time is the bench's job:
    # it depends on the machine's load).
    assert policy.bulk_waited == 0
    assert all(u.messages[-1].text == "reply" for u in users)


async def test_bulk_sends_wait_for_the_overall_budget(bot: BotApplication, world: World) -> None:
    users = [world.user(f"Teacher {n}") for n in range(40)]
    policy = _policy(bot)
    # Thirty at once would leave no slack: bulk takes the burst less the headroom, then 30 a second.
    await asyncio.gather(
        *(bot.bot.send_message(u.id, "weekly summary", rate_limit_args={"bulk": True}) for u in users)
    )
    assert policy.bulk_waited >= (40 - (30 - policy.bulk_headroom)) / 30 - 0.05
    assert all(u.messages[-1].text == "weekly summary" for u in users)


class _Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _reply(policy: SendPolicy, chat_id: int) -> None:
    async def telegram(chat_id: int) -> bool:
        return True

    await policy.process_request(telegram, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None)


async def test_bulk_gets_what_the_replies_leave_of_the_one_overall_budget() -> None:
    ticks = _Ticks()
    policy = SendPolicy(clock=ticks, overall=(30.0, 30), bulk_headroom=10)
    for n in range(20):
        await policy.bulk_slot(n + 1)  # the clock stands still: none of these may wait
    assert policy.overall.shortfall(policy.bulk_headroom + 1) == pytest.approx(1 / 30)
    for n in range(15):
        await _reply(policy, 100 + n)  # replies go at once, and are counted
    assert policy.overall.shortfall(policy.bulk_headroom + 1) == pytest.approx(16 / 30)
    ticks.now += 17 / 30  # (a little past, so float rounding cannot leave a sliver to wait for)
    await policy.bulk_slot(50)  # refilled: the next bulk slot is there

    uncounted = SendPolicy(clock=ticks, replies_count=False)
    for n in range(15):
        await _reply(uncounted, 100 + n)
    assert uncounted.overall.shortfall(uncounted.bulk_headroom + 1) == 0  # "bulk" model: replies are free


async def test_a_chat_is_ready_for_bulk_when_its_budget_and_its_pauses_allow() -> None:
    ticks = _Ticks()
    policy = SendPolicy(clock=ticks)
    person, group = 7, -100
    for _ in range(4):
        assert policy.chat_wait(person) == 0
        await policy.bulk_slot(person)  # a private chat's burst of four
    assert policy.chat_wait(person) == pytest.approx(1.0)
    for _ in range(20):
        await policy.bulk_slot(group)
        ticks.now += 0.05  # refills the overall budget, not much of the group's
    assert policy.chat_wait(group) == pytest.approx(2.0)  # 20 a minute: a third of a slot came back
    assert policy.chat_wait(-101) == 0  # another group is not held up

    async def flooded(chat_id: int) -> bool:
        raise RetryAfter(timedelta(seconds=5))

    with pytest.raises(RetryAfter):  # a paced call is sent once: its 429 is the sender's to handle
        await policy.process_request(flooded, (9,), {}, "sendMessage", {"chat_id": 9}, {"paced": True})
    assert policy.retries == 0
    assert policy.chat_wait(9) == pytest.approx(5.1)


async def test_a_bulk_429_beside_uncounted_replies_makes_replies_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    policy = SendPolicy(replies_count=False)

    async def flooded(chat_id: int) -> bool:
        raise RetryAfter(timedelta(seconds=0))

    with pytest.raises(RetryAfter):
        await policy.process_request(flooded, (9,), {}, "sendMessage", {"chat_id": 9}, {"paced": True})
    assert policy.replies_count
    assert "counting replies toward the overall budget" in caplog.text


class _Telegram:
    """A callback that answers 429 for the chats told, once each."""

    def __init__(self, flooded: dict[int, float]) -> None:
        self.flooded = flooded
        self.sent: list[tuple[int, float]] = []
        self.all_refused = asyncio.Event()

    async def __call__(self, chat_id: int) -> bool:
        wait = self.flooded.pop(chat_id, None)
        if wait is not None:
            if not self.flooded:
                self.all_refused.set()
            raise RetryAfter(timedelta(seconds=wait))
        self.sent.append((chat_id, time.monotonic()))
        return True


async def _send(policy: SendPolicy, telegram: _Telegram, chat_id: int) -> Any:
    return await policy.process_request(
        telegram, (chat_id,), {}, "sendMessage", {"chat_id": chat_id, "text": "x"}, None
    )


async def test_one_chats_429_pauses_that_chat_only() -> None:
    policy, telegram = SendPolicy(), _Telegram({1: 0.3})
    start = time.monotonic()
    await asyncio.gather(_send(policy, telegram, 1), _send(policy, telegram, 2))
    sent = dict(telegram.sent)
    assert sent[2] - start < 0.2 <= 0.3 <= sent[1] - start


async def test_two_chats_429s_are_a_flood_wait_for_every_chat() -> None:
    policy, telegram = SendPolicy(), _Telegram({1: 0.3, 2: 0.3})
    first = asyncio.gather(_send(policy, telegram, 1), _send(policy, telegram, 2))
    await telegram.all_refused.wait()
    start = time.monotonic()
    await _send(policy, telegram, 3)
    assert telegram.sent[-1][0] == 3 and telegram.sent[-1][1] - start >= 0.2
    await first


async def test_retries_are_bounded() -> None:
    policy = SendPolicy(max_retries=2)

    async def always_flooded(chat_id: int) -> bool:
        raise RetryAfter(timedelta(seconds=0.01))

    with pytest.raises(RetryAfter):
        await policy.process_request(always_flooded, (5,), {}, "sendMessage", {"chat_id": 5}, None)
    assert policy.retries == 2


def test_a_budget_gives_its_burst_then_paces_and_bounds_the_debt_of_calls_that_do_not_wait() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=1.0, burst=4, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(6)] == [0, 0, 0, 0, 1.0, 2.0]
    now[0] = 10.0
    for _ in range(100):
        bucket.count()  # a rush of replies
    assert bucket.reserve() == 5.0  # bulk waits, but not for the whole rush


async def test_a_group_waits_for_its_budget_while_a_private_chat_does_not() -> None:
    policy, telegram = SendPolicy(group=(10.0, 2), private=(10.0, 2)), _Telegram({})
    start = time.monotonic()
    await asyncio.gather(*(_send(policy, telegram, -100) for _ in range(4)))
    group_done = time.monotonic() - start
    start = time.monotonic()
    await asyncio.gather(*(_send(policy, telegram, 7) for _ in range(4)))
    private_done = time.monotonic() - start
    assert group_done >= 0.19  # two past the burst, at 10/s
    assert private_done < 0.1  # interactive: counted, not queued
