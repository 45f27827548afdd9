"""Late and repeated taps: Telegram refuses the answer or the edit, the action happens anyway."""

from __future__ import annotations

import logging

import pytest

from bot.app import BotApplication
from sandbox import BotApiStandIn, User, World
from store.installation import StoreHandle
from tests.bot_district import District, move_into_visit_phase, person, say, seed_district, step, visit_count
from tests.conftest import FixedClock


@pytest.fixture(autouse=True)
def _in_the_visit_phase(store: StoreHandle, clock: FixedClock) -> None:
    move_into_visit_phase(clock)


@pytest.fixture
async def d(store: StoreHandle) -> District:
    return await seed_district(store)


@pytest.fixture
async def teacher(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, d: District
) -> User:
    return await person(world, store, clock, d.staff["head"])


def above_warning(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno > logging.WARNING]


async def test_a_late_tap_on_a_stale_button_is_quiet(
    standin: BotApiStandIn, store: StoreHandle, teacher: User, caplog: pytest.LogCaptureFixture
) -> None:
    abandoned = await say(teacher, "/visit")
    current = await say(teacher, "/visit")
    await teacher.tap("沈志明", partial=True, message=abandoned, late=True)
    await standin.wait_for_call("answerCallbackQuery", ok=False)
    await teacher.expect_no_reply()
    # The current flow is untouched and goes on.
    assert "How did it happen?" in (await step(teacher, "吳欣怡", message=current)).text
    assert not above_warning(caplog)


async def test_a_late_tap_on_cancel_cancels(
    standin: BotApiStandIn, store: StoreHandle, teacher: User, caplog: pytest.LogCaptureFixture
) -> None:
    await say(teacher, "/visit")
    await step(teacher, "吳欣怡")
    cancelled = await step(teacher, "✖️ Cancel", late=True)
    assert "Cancelled. Nothing was saved." in cancelled.text and not cancelled.buttons
    await standin.wait_for_call("answerCallbackQuery", ok=False)
    assert await visit_count(store) == 0
    assert not above_warning(caplog)


async def test_a_late_tap_on_save_saves(
    standin: BotApiStandIn, store: StoreHandle, teacher: User, caplog: pytest.LogCaptureFixture
) -> None:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️"]:
        await step(teacher, label)
    saved = await step(teacher, "💾 Save", late=True)
    assert saved.text.startswith("✅ Saved.")
    await standin.wait_for_call("answerCallbackQuery", ok=False)
    assert await visit_count(store) == 1
    assert not above_warning(caplog)


async def test_a_double_tap_on_lang_is_not_an_error(
    standin: BotApiStandIn, teacher: User, caplog: pytest.LogCaptureFixture
) -> None:
    keyboard = await say(teacher, "/lang")
    await teacher.tap("English", message=keyboard)
    await teacher.tap("English", message=keyboard)  # the double tap, before the first is handled
    assert "Language set: English." in (await teacher.next_reply()).text
    await standin.wait_for_call("editMessageText", ok=False)
    await teacher.callback_answer()
    await teacher.callback_answer()
    await teacher.expect_no_reply()
    assert not above_warning(caplog)
    assert "Sorry" not in " ".join(m.text for m in teacher.messages)
