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
from store.groups import bot_removed

log = logging.getLogger("twovisits.errors")


_GROUP_KINDS = ("group", "supergroup", "channel")


async def _refused(update: object, context: BotContext, error: Forbidden) -> None:
    """Telegram refuses the bot a chat. In a group (the bot was removed, its update lost), the
    group's binding ends and nobody is marked; in a private chat, the person blocked the bot: remember
    it, so nothing keeps retrying them."""
    text = str(error).lower()
    chat = update.effective_chat if isinstance(update, Update) else None
    about_a_group = any(kind in text for kind in _GROUP_KINDS) and "user" not in text
    if about_a_group:
        if chat is not None and chat.type in _GROUP_KINDS:
            async with context.session() as session:
                ended = await bot_removed(session=session, chat_id=chat.id, now=context.clock.now())
            log.info("the bot is no longer in a group%s", "; its binding ended" if ended else "")
        else:
            # A send to some other group from a private update: we do not know which from here.
            log.warning("a group refuses the bot: %s", error)
        return
    user = update.effective_user if isinstance(update, Update) else None
    if user is not None and (chat is None or chat.type == "private" or "user" in text):
        async with context.session() as session:
            await mark_blocked(session=session, telegram_user_id=user.id, now=context.clock.now())
        log.info("a user has blocked the bot")
        return
    log.warning("Telegram refused a send: %s", error)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if is_harmless(error):
        # A late tap, a double tap, a message already gone: nothing went wrong, nothing to tell.
        log.info("harmless refusal from Telegram: %s", error)
        return
    if isinstance(error, Forbidden):
        await _refused(update, context, error)
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
