"""``/settings``' typed answers: a date or a topic the buttons asked for, and "please use the
buttons" for other typed words, while a settings session is open (a handler that runs before the
others, and stops an update only when it answered it). Any command, or a tap on another family's
button, ends the session first (:func:`end_on_other_updates`), so typed text then goes where the
person went.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, TypeHandler, filters

from bot import awaiting
from bot.callback_data import SETTINGS, family_of
from bot.commands import settings_views as views
from bot.commands.settings import (
    KEY,
    TEXT_LIMIT,
    allowed_leader,
    phase_editor,
    school_name,
    settings_session,
)
from bot.context import BotContext
from bot.dates import parse_day_within
from bot.i18n import Translator
from store.school_settings import Outline, TopicRefusal, add_topic
from store.scopes import Scope
from store.vocab import VisitKind


async def typed_text(update: Update, context: BotContext) -> None:
    """While a settings session is open: a typed date or topic when one was asked for, else the hint
    that buttons are expected. Without a session, everything goes on to the other handlers."""
    message = update.effective_message
    state = settings_session(context)
    if message is None or message.text is None or state is None:
        return
    if not awaiting.asked_by(context, awaiting.SETTINGS):
        return  # another feature asked after this session's question: theirs
    allowed = await allowed_leader(update, context)
    if allowed is None:
        if context.user_data is not None:
            context.user_data.pop(KEY, None)
        raise ApplicationHandlerStop
    scope, tr, school_id = allowed
    wait = state.get("wait")
    text = message.text.strip()
    if state.get("school") != school_id or not wait:
        await message.reply_text(tr.gettext(
            "Please use the buttons above, or send /settings to start again."))
        raise ApplicationHandlerStop
    if wait["kind"] == "topic":
        await _typed_topic(update, context, tr, scope, school_id, state, VisitKind(
            views.AUDIENCES[wait["audience"]]), text)
    else:
        await _typed_date(update, context, tr, scope, school_id, state, wait, text)
    raise ApplicationHandlerStop


async def _typed_topic(update: Update, context: BotContext, tr: Translator, scope: Scope, school_id: int,
                       state: dict[str, Any], audience: VisitKind, text: str) -> None:
    message = update.effective_message
    assert message is not None
    if len(text) > TEXT_LIMIT:
        outcome: Outline | TopicRefusal = TopicRefusal.TOO_LONG
    else:
        async with context.session() as session:
            outcome = await add_topic(session=session, scope=scope, campaign=context.services.campaign,
                                      school_id=school_id, audience=audience, name=text,
                                      now=context.clock.now())
    if isinstance(outcome, TopicRefusal):
        # Still waiting: the leader types it again (or taps a button, or sends a command).
        await message.reply_text(views.topic_refusal(tr, outcome, text))
        return
    state["wait"] = None
    view_text, keyboard = views.topics_view(tr, state["nonce"], await school_name(context, school_id),
                                            outcome, tr.gettext("Added."))
    await message.reply_text(view_text, reply_markup=keyboard)


async def _typed_date(update: Update, context: BotContext, tr: Translator, scope: Scope, school_id: int,
                      state: dict[str, Any], wait: dict[str, Any], text: str) -> None:
    message = update.effective_message
    assert message is not None
    config = context.services.campaign.config
    day = parse_day_within(text, config.start, config.end) if len(text) <= TEXT_LIMIT else None
    if day is None:
        await message.reply_text(tr.gettext("I could not read that date; type it like {example}.").format(
            example=config.end.isoformat()) + "\n" + views.allowed_text(tr, config))
        return
    if not config.start <= day <= config.end:
        await message.reply_text(views.allowed_text(tr, config) + "\n" + tr.gettext(
            "Type another date, or tap a button above."))
        return
    start, end = date.fromisoformat(wait["start"]), date.fromisoformat(wait["end"])
    start, end = (day, end) if wait["which"] == 0 else (start, day)
    proposal = views.Proposal(int(wait["number"]), start, end)
    state["wait"] = None
    text_out, keyboard = await phase_editor(context, tr, state["nonce"], school_id, proposal)
    if start > end:
        text_out = tr.gettext("The start must not be after the end.") + "\n\n" + text_out
    await message.reply_text(text_out, reply_markup=keyboard)


async def end_on_other_updates(update: Update, context: BotContext) -> None:
    """Any command, or a tap on another family's button, ends the settings session (never stops the
    update): typed text then goes where the person went."""
    data = context.user_data
    if data is None or KEY not in data:
        return
    message, query = update.effective_message, update.callback_query
    if query is not None:
        if family_of(query.data) is not SETTINGS:
            data.pop(KEY, None)
    elif message is not None and message.text is not None and message.text.startswith("/"):
        data.pop(KEY, None)


def input_handler() -> MessageHandler[BotContext, None]:
    """Typed answers; registered in a group before the others (it stops them only when it answers)."""
    return MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed_text)


def resets_handler() -> TypeHandler[Update, BotContext, None]:
    """Registered in a group of its own before :func:`input_handler`; never stops an update."""
    return TypeHandler(Update, end_on_other_updates)
