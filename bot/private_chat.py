"""Commands whose answer names students (the archive, the summary report) answer in private only."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatType

from bot.context import BotContext, scope_or_explain
from bot.i18n import Translator
from store.scopes import Scope


@dataclass(frozen=True)
class PrivateAsker:
    message: Message
    tr: Translator
    scope: Scope


async def private_asker(update: Update, context: BotContext, elsewhere: str) -> PrivateAsker | None:
    """The person asking in a private chat; None after answering ``elsewhere`` (a translated text
    saying why only in private) in any other chat, or telling a stranger they are not on the roster."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    tr = await context.tr(update)
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(elsewhere)
        return None
    scope = await scope_or_explain(update, context)
    if scope is None:
        return None
    return PrivateAsker(message, tr, scope)
