"""The buttons of a class nudge: "no nudges for a week" (the visit button belongs to the visit flow)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import edges
from bot.callback_data import NUDGE, NudgeMuteTap, nudge_mute_data
from bot.context import BotContext, read_tap
from bot.text import expired_text
from store.schedule_people import mute_nudges

MUTE_FOR = timedelta(days=7)


async def mute_tapped(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    if not isinstance(await read_tap(update, context), NudgeMuteTap):
        return
    tr = await context.tr(update)
    account = await context.account(update)
    if account is None:
        await edges.answer(query, expired_text(tr))
        return
    now = context.clock.now()
    async with context.session() as session:
        until = await mute_nudges(session=session, staff_id=account.staff_id, until=now + MUTE_FOR, now=now)
    day = until.astimezone(context.services.campaign.config.zone).date()
    await edges.answer(query, tr.gettext("🔕 No class nudges until {date}.").format(date=day.isoformat()))
    message = query.message
    markup = getattr(message, "reply_markup", None)
    if isinstance(markup, InlineKeyboardMarkup):
        # Keep the visit button; drop this one. Best effort: the mute is stored either way.
        rows = [row for row in markup.inline_keyboard
                if not any(b.callback_data == nudge_mute_data() for b in row)]
        await edges.edit_keyboard(query, InlineKeyboardMarkup(rows))


def handlers() -> list[CallbackQueryHandler[BotContext, None]]:
    return [CallbackQueryHandler(mute_tapped, pattern=NUDGE.pattern)]
