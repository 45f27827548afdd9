"""The stand-in's group features: the bot added and removed (my_chat_member), supergroup upgrades."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import ChatMigrated, Forbidden

from sandbox import BotApiStandIn
from tests.e2e import TOKEN


async def test_upgrade_and_removal_as_telegram_answers_them(standin: BotApiStandIn) -> None:
    world = standin.world
    admin = world.user("Admin")
    room = world.group("Staff", members=[admin])
    async with Bot(TOKEN, base_url=standin.base_url) as bot:
        await room.add_bot(by=admin)
        updates = await bot.get_updates(timeout=0)
        change = updates[-1].my_chat_member
        assert change is not None and change.chat.id == room.id
        assert (change.old_chat_member.status, change.new_chat_member.status) == ("left", "member")

        upgraded = await room.migrate_to_supergroup(by=admin)
        updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
        notes = [(u.message.chat.id, u.message.migrate_to_chat_id, u.message.migrate_from_chat_id)
                 for u in updates if u.message]
        assert notes == [(room.id, upgraded.id, None), (upgraded.id, None, room.id)]
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(room.id, "hello")
        assert migrated.value.new_chat_id == upgraded.id
        assert (await bot.send_message(upgraded.id, "hello")).chat.type == "supergroup"

        await upgraded.remove_bot(by=admin)
        with pytest.raises(Forbidden, match="kicked"):
            await bot.send_message(upgraded.id, "still here?")
