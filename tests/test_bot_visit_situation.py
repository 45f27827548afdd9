"""The visit card's shareable "situation" (情況) end to end: optional (no extra tap), typed, shown
escaped on the saved card, refused when too long, cleared or changed when editing; old drafts load."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import BotApplication
from bot.conversations.visit_state import flow_from_json
from sandbox import User, World
from store.installation import StoreHandle
from store.models import Visit, VisitVersion
from tests.bot_district import District, move_into_visit_phase, person, say, seed_district, step
from tests.conftest import FixedClock

SITUATION = "家長<王女士>說孩子晚上睡得晚 & 作業拖延"


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


async def situation_of(store: StoreHandle) -> str | None:
    async with store.sessions() as session:
        return (await session.scalars(select(Visit.situation))).one()


async def test_the_situation_is_typed_from_the_card_shown_escaped_and_saved(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person"]:
        await step(teacher, label)
    card = await step(teacher, "Continue ➡️")
    assert "Situation: —" in card.text and "📋 Situation" in card.buttons
    await teacher.send("a word where a button is expected")
    assert "Please use the buttons" in (await teacher.next_message()).text
    assert "Situation: —" in (await teacher.next_message()).text  # the card again
    prompt = await step(teacher, "📋 Situation")
    assert "Unlike private notes" in prompt.text and "up to 1000 characters" in prompt.text
    assert "🗑 Clear the situation" not in prompt.buttons
    refused = await say(teacher, "晚" * 1001)
    assert "That is 1001 characters; the situation may have at most 1000" in refused.text
    assert "Type the situation" in (await teacher.next_message()).text  # the same step again
    card = await say(teacher, SITUATION)
    assert f"Situation: {SITUATION}" in card.text  # the stand-in parses HTML: it was escaped
    saved = await step(teacher, "💾 Save")
    assert saved.text.startswith("✅ Saved.") and f"Situation: {SITUATION}" in saved.text
    assert await situation_of(store) == SITUATION


async def test_skipping_it_is_one_tap_back_and_nothing_is_kept(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️", "📋 Situation"]:
        await step(teacher, label)
    card = await step(teacher, "⬅️ Back")
    assert "Situation: —" in card.text
    assert (await step(teacher, "💾 Save")).text.startswith("✅ Saved.")
    assert await situation_of(store) is None


async def test_editing_a_saved_visit_changes_or_clears_the_situation_keeping_the_version(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️", "📋 Situation"]:
        await step(teacher, label)
    await say(teacher, "第一次")
    await step(teacher, "💾 Save")
    editing = await step(teacher, "✏️ Edit")
    assert "Editing the visit" in editing.text and "Situation: 第一次" in editing.text
    prompt = await step(teacher, "📋 Situation")
    card = await step(teacher, "🗑 Clear the situation")
    assert "Situation: —" in card.text
    await step(teacher, "📋 Situation")
    assert "Situation: 第二次" in (await say(teacher, "第二次")).text
    assert (await step(teacher, "💾 Save")).text.startswith("✅ Changes saved.")
    assert prompt.buttons[0] == "🗑 Clear the situation"
    assert await situation_of(store) == "第二次"
    async with store.sessions() as session:
        versions = (await session.scalars(select(VisitVersion))).all()
    assert [v.snapshot["situation"] for v in versions] == ["第一次"]


def test_a_draft_kept_before_the_situation_existed_still_loads() -> None:
    kept = {
        "shape": 2,
        "draft": {"client_key": "k1", "kind": "student", "class_id": 3, "visitee_ids": [7],
                  "form": "in_person", "private_notes": "舊的"},
        "ui": {"flow": "abc123", "page": 0},
    }
    flow = flow_from_json(kept)
    assert flow.draft.situation is None and flow.draft.private_notes == "舊的"
    assert flow.to_json()["draft"]["situation"] is None
