"""Group chats end to end: /bind and /unbind, who may, the bot added and removed, a supergroup
upgrade, and /lang in a group."""

from __future__ import annotations

import logging

import pytest

from bot.app import BotApplication
from bot.group_chats import follow_migration
from sandbox import World
from store.groups import GroupBinding, group_binding
from store.installation import StoreHandle
from store.vocab import Locale
from tests.bot_district import answer_to, person, seed_district
from tests.conftest import FixedClock


async def binding(store: StoreHandle, chat_id: int) -> GroupBinding | None:
    async with store.sessions() as session:
        return await group_binding(session=session, chat_id=chat_id)


async def test_a_leader_binds_the_staff_group_others_are_refused_politely(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    head = await person(world, store, clock, d.staff["head"], "Peng")
    cadre = await person(world, store, clock, d.staff["cadre"], "Yu")
    stranger = world.user("Someone")
    room = world.group("第一中學 staff", members=[leader, head, cadre, stranger])

    await stranger.send("/bind@TwoVisitsBot", chat=room)
    assert "registered staff" in (await room.next_message()).text
    await head.send("/bind@TwoVisitsBot", chat=room)
    assert "Only a school leader or middle cadre" in (await room.next_message()).text
    await head.send("/unbind@TwoVisitsBot", chat=room)
    assert "/bind@TwoVisitsBot" in (await room.next_message()).text  # nothing to unbind: how to bind
    assert await binding(store, room.id) is None

    await leader.send("/bind@TwoVisitsBot", chat=room)
    assert "now bound to 第一中學" in (await room.next_message()).text
    bound = await binding(store, room.id)
    assert bound is not None and bound.school_id == d.school and bound.bound_by == d.staff["leader"]
    await cadre.send("/bind", chat=room)
    assert "already bound to 第一中學" in (await room.next_message()).text

    await head.send("/unbind@TwoVisitsBot", chat=room)
    assert "Only a school leader or middle cadre of 第一中學" in (await room.next_message()).text
    await cadre.send("/unbind@TwoVisitsBot", chat=room)
    assert "no longer bound to 第一中學" in (await room.next_message()).text
    assert await binding(store, room.id) is None


async def test_the_bot_added_explains_binding_and_removed_unbinds(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    room = world.group("第一中學 staff", members=[leader])
    await room.add_bot(by=leader)
    assert "/bind@TwoVisitsBot" in (await room.next_message()).text
    await leader.send("/bind@TwoVisitsBot", chat=room)
    await room.next_message()
    assert await binding(store, room.id) is not None
    await room.remove_bot(by=leader)
    # Added again: one chat's updates are handled in order, so the removal has ended the binding
    # and the bot explains binding once more.
    await room.add_bot(by=leader)
    assert "/bind@TwoVisitsBot" in (await room.next_message()).text
    assert await binding(store, room.id) is None


async def test_the_binding_follows_a_supergroup_upgrade(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    room = world.group("第一中學 staff", members=[leader])
    await leader.send("/bind@TwoVisitsBot", chat=room)
    await room.next_message()

    # Announced: Telegram's service messages in both chats move the binding.
    upgraded = await room.migrate_to_supergroup(by=leader)
    # The new chat's updates are handled in order: by the answer to /help, its migrate_from_chat_id
    # has moved the binding (a bound group's /help says nothing about binding).
    await leader.send("/help@TwoVisitsBot", chat=upgraded)
    assert "/bind" not in (await upgraded.next_message()).text
    assert await binding(store, room.id) is None
    moved = await binding(store, upgraded.id)
    assert moved is not None and moved.school_id == d.school

    # Not seen: the next send to the old id answers ChatMigrated, and the binding follows it then.
    again = await upgraded.migrate_to_supergroup(by=leader, announce=False)
    sent = await follow_migration(
        store, clock, upgraded.id, lambda chat_id: bot.bot.send_message(chat_id, "hello")
    )
    assert sent.chat_id == again.id
    assert (await again.next_message()).text == "hello"
    assert await binding(store, upgraded.id) is None
    assert (await binding(store, again.id)) is not None


async def test_lang_in_a_group_sets_the_groups_language(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    head = await person(world, store, clock, d.staff["head"], "Peng")
    room = world.group("第一中學 staff", members=[leader, head])
    await leader.send("/lang@TwoVisitsBot", chat=room)
    assert "/bind@TwoVisitsBot" in (await room.next_message()).text  # unbound: how to bind
    await leader.send("/bind@TwoVisitsBot", chat=room)
    await room.next_message()

    await head.send("/lang@TwoVisitsBot", chat=room)
    assert "send /lang to me in a private chat" in (await room.next_message()).text
    await leader.send("/lang@TwoVisitsBot", chat=room)
    keyboard = await room.next_message()
    assert keyboard.buttons == ["繁體中文", "简体中文", "English"]
    # Someone who may not choose taps a button: refused, nothing changes.
    query = await head.tap("简体中文", chat=room)
    assert (await answer_to(head, query)).show_alert
    assert (bound := await binding(store, room.id)) is not None and bound.locale is None

    # A double tap: both reach the bot before the first one's edit; the second is harmless.
    first = await leader.tap("简体中文", chat=room)
    second = await leader.tap("简体中文", chat=room, message=keyboard)
    await answer_to(leader, first)
    await answer_to(leader, second)
    edited = await room.next_reply()
    assert edited.text == "本群组的语言：简体中文。"
    assert (bound := await binding(store, room.id)) is not None and bound.locale is Locale.ZH_HANS
    # The group's language is used for what the bot says there, whoever asks.
    await head.send("/help@TwoVisitsBot", chat=room)
    assert "汇总" in (await room.next_message()).text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("bot")]
