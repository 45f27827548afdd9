"""The buttons of a class nudge: "no nudges for a week" (the visit button belongs to the visit flow)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.callback_data import encode, pattern
from bot.context import BotContext
from bot.nudges import NUDGE_FAMILY
from store.schedule_people import mute_nudges

MUTE_FOR = timedelta(days=7)


async def mute_tapped(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    tr = await context.tr(update)
    account = await context.account(update)
    if account is None:
        await query.answer(tr.gettext("This button has expired. Nothing was changed."))
        return
    now = context.clock.now()
    async with context.store.sessions() as session:
        until = await mute_nudges(session=session, staff_id=account.staff_id, until=now + MUTE_FOR, now=now)
    day = until.astimezone(context.services.campaign.config.zone).date()
    await query.answer(tr.gettext("🔕 No class nudges until {date}.").format(date=day.isoformat()))
    message = query.message
    markup = getattr(message, "reply_markup", None)
    if isinstance(markup, InlineKeyboardMarkup):
        # Keep the visit button; drop this one. Best effort: the mute is stored either way.
        rows = [row for row in markup.inline_keyboard
                if not any(b.callback_data == encode(NUDGE_FAMILY, "mute") for b in row)]
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
        except TelegramError:
            pass


def handlers() -> list[CallbackQueryHandler[BotContext, None]]:
    return [CallbackQueryHandler(mute_tapped, pattern=pattern(NUDGE_FAMILY))]
