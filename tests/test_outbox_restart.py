"""The bot killed (SIGKILL) in the middle of a fan-out: after a restart every remaining message goes
exactly once, and the ones that were in flight (at most the sender's ``in_flight``) are logged, each
with its key, as possibly sent twice."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.outbox_sender import Pacing
from sandbox import BotApiStandIn, World
from store.clock import FixedClock, SystemClock
from store.installation import StoreHandle
from store.outbox import NewMessage, OutboxState, enqueue, outbox_counts, outbox_messages
from tests.e2e import BotProcess

STARTUP = 60.0  # a child process starts in a few seconds on a loaded machine


@pytest.fixture
def clock() -> FixedClock:
    # The child process runs on the real clock, so the database is created "now" as well.
    return FixedClock(SystemClock().now())


def campaign_without_quiet_hours_now(path: Path, clock: FixedClock) -> Path:
    """A campaign around today whose quiet hours start two hours from now: the fan-out may go."""
    zone = ZoneInfo("Asia/Shanghai")
    now = clock.now().astimezone(zone)
    start, end = (now + timedelta(hours=2)).strftime("%H:%M"), (now + timedelta(hours=3)).strftime("%H:%M")
    path.write_text(
        f'start = {(now - timedelta(days=30)).date()}\nend = {(now + timedelta(days=120)).date()}\n'
        f'[schedule]\nquiet_hours = "{start}-{end}"\n',
        encoding="utf-8",
    )
    return path


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = STARTUP) -> None:  # noqa: ASYNC109
    """Wait for a condition on the database (the bot is another process: there is no event to await)."""
    async with asyncio.timeout(timeout):
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_killed_mid_fan_out_sends_each_remaining_message_once(
    standin: BotApiStandIn, world: World, store: StoreHandle, clock: FixedClock, database_url: str,
    tmp_path: Path,
) -> None:
    users = [world.user(f"Teacher {n}") for n in range(12)]
    async with store.sessions() as session:
        await enqueue(session=session, now=clock.now(), messages=[
            NewMessage(u.id, "test_note", "2026-W49", {"text": f"Note {n}"}) for n, u in enumerate(users)
        ])
        await session.commit()

    async def sent() -> int:
        async with store.sessions() as session:
            return (await outbox_counts(session=session))[OutboxState.SENT]

    hold = standin.faults.hold("sendMessage", after=5)  # the sixth send on never reaches anyone
    bot = BotProcess(standin, database_url, tmp_path)
    bot.env["CAMPAIGN_FILE"] = str(campaign_without_quiet_hours_now(tmp_path / "campaign.toml", clock))
    await bot.start()
    try:
        await hold.wait_waiting(1, timeout=STARTUP)
        await until(lambda: _equals(sent, 5))  # the five delivered ones are recorded as sent
        await bot.kill()
        hold.release(deliver=False)
        standin.faults.clear()
        assert sum(1 for u in users if u.chat_log) == 5
        async with store.sessions() as session:
            rows = await outbox_messages(session=session)
        in_flight = [m.id for m in rows if m.state == OutboxState.SENDING]
        assert 1 <= len(in_flight) <= Pacing().in_flight  # the parked sends, and no more

        await bot.start()
        for user in users:
            if not user.chat_log:
                await user.next_message(timeout=STARTUP)
        await until(lambda: _equals(sent, 12))
    finally:
        log = await bot.stop()
    for n, user in enumerate(users):
        assert [m.text for m in user.chat_log] == [f"Note {n}"], user
    logged = re.findall(r"WARNING .*outbox message (\d+) \(key: kind test_note, period 2026-W49\) was being "
                        r"sent when the bot stopped: sending it again, it may arrive twice", log)
    assert sorted(int(n) for n in logged) == sorted(in_flight)  # each possible repeat, once, with its key
    assert "TEST-token" not in log


async def _equals(value: Callable[[], Awaitable[int]], wanted: int) -> bool:
    return await value() == wanted
