"""What nobody else handled: strangers get a polite explanation, stale buttons an answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import edges
from bot.context import BotContext, read_tap, stranger_text
from bot.text import expired_text


async def unhandled_private_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    tr = await context.tr(update)
    if await context.account(update) is None:
        await message.reply_text(await stranger_text(update, context))
        return
    await message.reply_text(
        tr.gettext("I did not understand that. Use the menu or /help to see what I can do.")
    )


async def private_only_command(update: Update, context: BotContext) -> None:
    """A personal command typed in a group: groups get aggregates only, so point to the private chat."""
    message = update.effective_message
    if message is None:
        return
    tr = await context.tr(update)
    await message.reply_text(
        tr.gettext("This works in a private chat with me, so that nobody's names are shown here.")
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from a message whose flow has ended or moved on (or a personal one in a group)."""
    query = update.callback_query
    if query is not None and await read_tap(update, context) is not None:
        await edges.answer(query, expired_text(await context.tr(update)))


def handlers() -> list[MessageHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, unhandled_private_message),
        MessageHandler(
            filters.ChatType.GROUPS & filters.Command(only_start=True) & ~filters.UpdateType.EDITED,
            private_only_command,
        ),
        CallbackQueryHandler(stale_button),
    ]
