"""What nobody else handled: strangers get a polite explanation, stale buttons an answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import edges
from bot.commands.start import not_registered_text
from bot.context import BotContext


async def unhandled_private_message(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    tr = await context.tr(update)
    if await context.account(update) is None:
        await message.reply_text(not_registered_text(tr))
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
    """A button from a message whose flow has ended or moved on."""
    query = update.callback_query
    if query is None:
        return
    tr = await context.tr(update)
    await edges.answer(query, tr.gettext("This button has expired. Nothing was changed."), show_alert=False)


def handlers() -> list[MessageHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, unhandled_private_message),
        MessageHandler(
            filters.ChatType.GROUPS & filters.Command(only_start=True) & ~filters.UpdateType.EDITED,
            private_only_command,
        ),
        CallbackQueryHandler(stale_button),
    ]
