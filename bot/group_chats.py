"""What every group command needs: the chat's binding, the language the bot speaks there, the one
line an unbound group gets, and following a group that became a supergroup.

Below ``bot/commands/groups.py`` (``/bind``, ``/unbind``) and ``bot/commands/coverage.py``, so neither
imports the other; the weekly summaries use it too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import Update
from telegram.error import ChatMigrated

from bot.context import BotContext
from bot.i18n import Translator, translator
from bot.text import esc
from store.clock import Clock
from store.groups import GroupBinding, group_binding, migrate_group
from store.installation import StoreHandle
from store.vocab import Locale

log = logging.getLogger(__name__)
T = TypeVar("T")


def how_to_bind(tr: Translator, bot_username: str) -> str:
    """The one line an unbound group gets for a group command."""
    return tr.gettext(
        "This group is not bound yet: a school leader or middle cadre sends /bind@{bot} here to bind it "
        "to their school (the district office: the district group)."
    ).format(bot=bot_username)


def not_staff_text(tr: Translator) -> str:
    return tr.gettext(
        "I only answer the district's registered staff here. Register with me in a private chat first."
    )


def binding_name(tr: Translator, binding: GroupBinding) -> str:
    return esc(binding.school_name) if binding.school_name else tr.gettext("the district")


async def chat_binding(update: Update, context: BotContext) -> GroupBinding | None:
    """The binding of the update's group chat, or None (unbound, or not a group)."""
    chat = update.effective_chat
    if chat is None or chat.type not in (chat.GROUP, chat.SUPERGROUP):
        return None
    async with context.session() as session:
        return await group_binding(session=session, chat_id=chat.id)


async def group_tr(update: Update, context: BotContext, binding: GroupBinding | None) -> Translator:
    """What the bot says in a group: the group's language if one was set, else the asker's."""
    if binding is not None and binding.locale is not None:
        return translator(binding.locale)
    return await context.tr(update)


def unprompted_locale(binding: GroupBinding, default: Locale) -> Locale:
    """The language of what the bot posts in a group by itself (summaries): the group's, else the
    bot's default (``BOT_DEFAULT_LOCALE``)."""
    return binding.locale or default


async def follow_migration(
    store: StoreHandle, clock: Clock, chat_id: int, send: Callable[[int], Awaitable[T]]
) -> T:
    """``send(chat_id)``; when Telegram answers that the group became a supergroup, the binding moves
    to the new id and the message goes there (for what the bot posts unprompted; replies go to the
    chat the update came from, which is already the new one)."""
    try:
        return await send(chat_id)
    except ChatMigrated as migrated:
        new_id = int(migrated.new_chat_id)
        async with store.sessions() as session:
            await migrate_group(session=session, old_chat_id=chat_id, new_chat_id=new_id, now=clock.now())
        log.info("a group became a supergroup; its binding followed")
        return await send(new_id)
