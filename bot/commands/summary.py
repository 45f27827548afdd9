"""``/summary``: this week's summary on demand, as of today (the scheduled one is posted by itself).

In a bound group: the group's view (its school, or the district), for anyone who may see that
school's aggregates, in the group's language. In private: the district for district roles, the
person's school otherwise. Aggregates only, in both.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.context import BotContext, scope_or_explain
from bot.group_chats import binding_name, chat_binding, group_tr, how_to_bind, not_staff_text
from bot.i18n import Translator
from bot.summary import render
from reports import coverage_view as cv
from reports.summary import load_summary
from store.clock import local_today


async def _where(update: Update, context: BotContext) -> tuple[cv.ViewRef, Translator] | None:
    """The view this chat and person may have a summary of; None after saying why not."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return None
    if chat.type == chat.PRIVATE:
        scope = await scope_or_explain(update, context)
        if scope is None:
            return None
        tr = await context.tr(update)
        if scope.district_wide:
            return cv.DISTRICT, tr
        if scope.school_id is None:
            await message.reply_text(tr.gettext("There is no school in your scope to sum up."))
            return None
        return cv.ViewRef(cv.ViewKind.SCHOOL, scope.school_id), tr
    binding = await chat_binding(update, context)
    tr = await group_tr(update, context, binding)
    if binding is None:
        await message.reply_text(how_to_bind(tr, context.bot.username))
        return None
    scope = await context.scope(update)
    if scope is None:
        await message.reply_text(not_staff_text(tr))
        return None
    if not scope.sees_aggregates_of(binding.school_id):
        await message.reply_text(tr.gettext(
            "Only the staff of {name} and the district's roles can ask for its summary here."
        ).format(name=binding_name(tr, binding)))
        return None
    base = cv.ViewRef(cv.ViewKind.SCHOOL, binding.school_id) if binding.school_id else cv.DISTRICT
    return base, tr


async def summary_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    where = await _where(update, context)
    if where is None:
        return
    base, tr = where
    config = context.services.campaign.config
    summary = await load_summary(sessions=context.store.sessions, config=config,
                                 today=local_today(context.clock, config.zone), base=base)
    if summary is None:
        await message.reply_text(tr.gettext("There is nothing to count here yet."))
        return
    parts = await asyncio.to_thread(render, tr, summary)
    await message.reply_photo(parts.png, caption=parts.caption)
    for text in parts.texts:
        await message.reply_text(text)


def handlers() -> list[CommandHandler[BotContext, None]]:
    return [CommandHandler("summary", summary_command, filters=~filters.UpdateType.EDITED)]
