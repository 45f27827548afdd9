"""The one error handler: log with the traceback (never the token), tell the person briefly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from bot import edges
from bot.context import BotContext
from bot.edges import is_harmless
from bot.i18n import translator
from store.accounts import mark_blocked

log = logging.getLogger("twovisits.errors")


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if is_harmless(error):
        # A late tap, a double tap, a message already gone: nothing went wrong, nothing to tell.
        log.info("harmless refusal from Telegram: %s", error)
        return
    if isinstance(error, Forbidden):
        # The person blocked the bot: remember it, so nothing keeps retrying them.
        user = update.effective_user if isinstance(update, Update) else None
        if user is not None:
            async with context.session() as session:
                await mark_blocked(session=session, telegram_user_id=user.id, now=context.clock.now())
        log.info("a user has blocked the bot")
        return
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        log.warning("network error while polling: %s", type(error).__name__)
        return
    log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        tr = await context.tr(update)
    except Exception:
        tr = translator(context.bot_data.services.settings.bot_default_locale)
    text = tr.gettext(
        "Sorry, something went wrong on my side. Nothing was saved from that step; please try again."
    )
    try:
        if update.callback_query is not None:
            await edges.answer(update.callback_query, text[:200], show_alert=True)
        else:
            await update.effective_chat.send_message(text)
    except Exception:
        log.warning("could not tell the user about the error")
