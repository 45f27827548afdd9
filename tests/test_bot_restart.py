"""The bot as a separate process, killed with SIGKILL mid-visit: the teacher resumes at the same step."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import BotApiStandIn, World
from store.clock import FixedClock, SystemClock
from store.installation import StoreHandle
from tests.bot_district import person, seed_district, visit_count
from tests.e2e import BotProcess

# A child process starts in a few seconds on a loaded machine; waits are generous, never sleeps.
STARTUP = 60.0


@pytest.fixture
def clock() -> FixedClock:
    # The child process runs on the real clock, so the database is created "now" as well.
    return FixedClock(SystemClock().now())


async def test_kill_9_mid_visit_resumes_at_the_same_step(
    standin: BotApiStandIn,
    world: World,
    store: StoreHandle,
    clock: FixedClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    bot = BotProcess(standin, database_url, tmp_path)
    await bot.start()
    try:
        await teacher.send("/visit")
        await teacher.next_message(timeout=STARTUP)
        await teacher.tap("吳欣怡")
        form_step = await teacher.next_reply()
        assert "How did it happen?" in form_step.text

        await bot.kill()  # kill -9: no clean shutdown, no flush on exit
        await bot.start()

        await teacher.tap("🗣 In person")  # on the message the teacher was looking at
        topics = await teacher.next_reply(timeout=STARTUP)
        assert "Which topics" in topics.text
        await teacher.tap("Continue ➡️")
        card = await teacher.next_reply()
        assert "With: 吳欣怡" in card.text  # the draft survived too
        await teacher.tap("💾 Save")
        assert (await teacher.next_reply()).text.startswith("✅ Saved.")
    finally:
        log = await bot.stop()
    assert await visit_count(store) == 1
    assert "TEST-token" not in log  # the token never reaches a log
