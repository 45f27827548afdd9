"""The stand-in's flood models: "strict" counts every message toward the global 30/s; "bulk" lets
replies to private chats that wrote in the last minute through without counting them."""

from __future__ import annotations

import pytest

from sandbox import BotApiStandIn
from sandbox.limits import RateLimiter


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _send_to(limiter: RateLimiter, chats: range) -> list[int]:
    return [limiter.check(chat, True) for chat in chats]


def test_strict_counts_replies_toward_the_global_budget() -> None:
    ticks = Ticks()
    limiter = RateLimiter(enabled=True, clock=ticks, model="strict")
    for chat in range(1, 31):
        limiter.saw_update(chat)
    assert _send_to(limiter, range(1, 31)) == [0] * 30  # the replies take the burst of 30
    assert limiter.check(100, True) == 1  # so the next bulk message is refused
    assert limiter.refused == 1 and limiter.uncounted_replies == 0


def test_bulk_lets_fresh_replies_through_but_keeps_each_chats_limit() -> None:
    ticks = Ticks()
    limiter = RateLimiter(enabled=True, clock=ticks, model="bulk")
    for chat in range(1, 31):
        limiter.saw_update(chat)
    assert _send_to(limiter, range(1, 31)) == [0] * 30  # replies: not counted
    assert _send_to(limiter, range(100, 130)) == [0] * 30  # so bulk still has its burst of 30
    assert limiter.check(200, True) == 1
    assert [limiter.check(1, True) for _ in range(4)] == [0, 0, 0, 1]  # a chat's own burst of 4, then 1/s
    ticks.now += 61.0  # a minute after chat 2 wrote, a message to it is bulk again
    assert _send_to(limiter, range(300, 330)) == [0] * 30
    assert limiter.check(2, True) == 1
    assert limiter.uncounted_replies == 33


def test_a_group_is_never_a_reply() -> None:
    limiter = RateLimiter(enabled=True, clock=Ticks(), model="bulk")
    limiter.saw_update(-5)
    assert [limiter.check(-5, False) for _ in range(21)][-1] >= 1  # 20 a minute, whatever it sent
    assert limiter.uncounted_replies == 0


async def test_an_update_from_a_private_chat_makes_the_next_messages_replies() -> None:
    async with BotApiStandIn(rate_limits=True, flood_model="bulk") as standin:
        user, group = standin.world.user("Wang"), standin.world.group("Staff")
        await user.send("hello")
        await user.send("/help", chat=group)  # delivered (a command), but a group is not a private chat
        limiter = standin.default_bot.limiter
        assert limiter.check(user.id, True) == 0 and limiter.uncounted_replies == 1
        assert limiter.check(group.id, False) == 0 and limiter.uncounted_replies == 1
    with pytest.raises(ValueError, match="flood model"):
        BotApiStandIn(flood_model="lenient")
