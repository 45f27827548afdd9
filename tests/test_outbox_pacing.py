"""The outbox's own pacing, on a fake monotonic clock: one message a second per person, 20 a minute
per group, the overall bucket, and a 429 pause."""

from __future__ import annotations

from bot.outbox_sender import Pacer, Pacing


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_person_gets_one_message_a_second_and_a_group_twenty_a_minute() -> None:
    ticks = Ticks()
    pacer = Pacer(Pacing(burst=100), ticks)
    person, group = 100000001, -4000000001
    assert pacer.chat_wait(person) == 0
    await pacer.take(person)
    assert pacer.chat_wait(person) == 1.0
    ticks.now += 0.4
    assert round(pacer.chat_wait(person), 6) == 0.6
    for _ in range(20):
        await pacer.take(group)
        ticks.now += 0.1
    assert round(pacer.chat_wait(group), 6) == 58.0  # the first of the twenty leaves the minute at +60 s
    ticks.now += 58.0
    assert pacer.chat_wait(group) == 0
    assert pacer.chat_wait(-4000000002) == 0  # another group is not held up


async def test_the_overall_bucket_refills_at_the_rate_and_a_429_pauses() -> None:
    ticks = Ticks()
    pacer = Pacer(Pacing(per_second=29.0, burst=20.0), ticks)
    for n in range(20):
        await pacer.take(n + 1)
    assert pacer.tokens < 1  # the burst is spent: the next take would wait 1/29 s
    ticks.now += 1.0
    pacer.pause(3.0)
    assert pacer.paused_until == ticks.now + 3.0
    ticks.now += 3.0
    await pacer.take(99)  # refilled meanwhile, so no wait
    assert 18 < pacer.tokens <= 19
