"""Telegram's Forbidden: a group that refuses the bot ends its binding and marks nobody; a person who
blocked the bot is marked blocked."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import BotApplication
from sandbox import BotApiStandIn, World
from store.groups import group_binding
from store.installation import StoreHandle
from store.models import TelegramAccount
from tests.bot_district import person, seed_district
from tests.conftest import FixedClock


async def blocked_at(store: StoreHandle, telegram_user_id: int) -> object:
    async with store.sessions() as session:
        return await session.scalar(
            select(TelegramAccount.blocked_at).where(TelegramAccount.telegram_user_id == telegram_user_id)
        )


async def test_a_group_that_refuses_the_bot_is_unbound_and_nobody_is_marked(
    bot: BotApplication, standin: BotApiStandIn, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    room = world.group("第一中學 staff", members=[leader])
    await leader.send("/bind@TwoVisitsBot", chat=room)
    assert "now bound" in (await room.next_message()).text

    room.lose_bot()
    await leader.send("/help@TwoVisitsBot", chat=room)  # its answer is refused with 403
    await standin.wait_for_call("sendMessage", ok=False, chat_id=room.id)
    room.regain_bot()
    # One chat's updates are handled in order, error handler included: by this answer, the refusal
    # has been dealt with, and the group is no longer bound.
    await leader.send("/help@TwoVisitsBot", chat=room)
    assert "/bind@TwoVisitsBot" in (await room.next_message()).text
    async with store.sessions() as session:
        assert await group_binding(session=session, chat_id=room.id) is None
    assert await blocked_at(store, leader.id) is None
    # The leader still gets private answers.
    await leader.send("/help")
    assert (await leader.next_message()).text


async def test_a_person_who_blocked_the_bot_is_marked(
    bot: BotApplication, standin: BotApiStandIn, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    head = await person(world, store, clock, d.staff["head"], "Peng")
    head.blocks_bot()
    await head.send("/help")  # the answer is refused: "bot was blocked by the user"
    await standin.wait_for_call("sendMessage", ok=False, chat_id=head.id)
    head.unblocks_bot()
    await head.send("/help")
    assert (await head.next_message()).text
    assert await blocked_at(store, head.id) is not None
