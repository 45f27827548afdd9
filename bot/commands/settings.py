"""``/settings``: a school leader's settings of their own school, by buttons, in private.

The school's own dates of each campaign phase (inside the campaign's dates; back to the campaign's)
and its interview outline (student and teacher topics: add, take off, restore the campaign's list).
Who may: :meth:`store.scopes.Scope.may_change_settings_of`, checked again on every tap. The store
audits every change (``store.phases``, ``store.school_settings``).

One settings session per person: a nonce in ``user_data`` that every button carries, so a button of
an older ``/settings`` message is answered "expired". Typed answers (a date, a topic) are
:mod:`bot.commands.settings_typed`'s.
"""

from __future__ import annotations

import secrets
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot import awaiting, edges
from bot.callback_data import SETTINGS, BadCallbackData, SettingsTap
from bot.commands import settings_views as views
from bot.context import BotContext, read_tap, scope_or_explain
from bot.i18n import Translator
from bot.text import expired_text
from store.export_rows import school_names
from store.phases import PhaseDates, PhaseRefusal, phases_of, reset_school_phase, set_school_phase
from store.school_settings import (
    Outline,
    TopicRefusal,
    remove_topic,
    restore_outline,
    school_outline,
)
from store.scopes import Scope
from store.vocab import VisitKind

KEY = "school_settings"  # user_data: {"nonce": …, "school": id, "wait": None or what typed text is for}
TEXT_LIMIT = 200  # typed answers longer than this are refused before anything is parsed


def refused_text(tr: Translator) -> str:
    return tr.gettext("A school's settings are changed by its school leaders, in a private chat with me.")


def settings_session(context: BotContext) -> dict[str, Any] | None:
    data = context.user_data
    return data.get(KEY) if data is not None else None


async def allowed_leader(update: Update, context: BotContext) -> tuple[Scope, Translator, int] | None:
    """The leader, their language and school; None after saying why not."""
    scope = await scope_or_explain(update, context)
    if scope is None:
        return None
    tr = await context.tr(update)
    if scope.school_id is None or not scope.may_change_settings_of(scope.school_id):
        if update.callback_query is not None:
            await edges.answer(update.callback_query, refused_text(tr), show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(refused_text(tr))
        return None
    return scope, tr, scope.school_id


async def school_name(context: BotContext, school_id: int) -> str:
    async with context.session() as session:
        return (await school_names(session=session)).get(school_id, "")


async def _phases(context: BotContext, school_id: int) -> list[PhaseDates]:
    async with context.session() as session:
        return await phases_of(session=session, campaign=context.services.campaign, school_id=school_id)


async def _outline(context: BotContext, school_id: int, audience: VisitKind) -> Outline:
    async with context.session() as session:
        return await school_outline(session=session, campaign=context.services.campaign,
                                    school_id=school_id, audience=audience)


async def _menu(context: BotContext, tr: Translator, nonce: str, school_id: int) -> views.View:
    outlines = [await _outline(context, school_id, kind) for kind in views.AUDIENCE_CODES]
    return views.menu_view(tr, nonce, await school_name(context, school_id),
                           await _phases(context, school_id), outlines)


async def settings_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(refused_text(await context.tr(update)))
        return
    allowed = await allowed_leader(update, context)
    if allowed is None or context.user_data is None:
        return
    _, tr, school_id = allowed
    nonce = secrets.token_hex(3)
    context.user_data[KEY] = {"nonce": nonce, "school": school_id, "wait": None}
    awaiting.ask(context, awaiting.SETTINGS)
    text, keyboard = await _menu(context, tr, nonce, school_id)
    await message.reply_text(text, reply_markup=keyboard)


def _proposal(context: BotContext, tap: SettingsTap, first: int) -> views.Proposal:
    """The phase and dates a button carries from argument ``first`` on (number, [extra], start, end)."""
    config = context.services.campaign.config
    number = tap.int_arg(0)
    if not 1 <= number <= len(config.phases):
        raise BadCallbackData("no such phase")
    return views.Proposal(number, views.day_at(config, tap.int_arg(first)),
                          views.day_at(config, tap.int_arg(first + 1)))


def _audience(tap: SettingsTap) -> VisitKind:
    kind = views.AUDIENCES.get(tap.arg(0))
    if kind is None:
        raise BadCallbackData("no such audience")
    return kind


async def settings_tapped(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    tap = await read_tap(update, context)
    if not isinstance(tap, SettingsTap):
        return
    allowed = await allowed_leader(update, context)
    if allowed is None:
        return
    scope, tr, school_id = allowed
    state = settings_session(context)
    if state is None or tap.nonce != state.get("nonce") or state.get("school") != school_id:
        await edges.answer(query, expired_text(tr))
        return
    awaiting.ask(context, awaiting.SETTINGS)  # the latest button: typed text is for this session now
    try:
        await _act(update, context, tr, scope, school_id, state, tap)
    except BadCallbackData:
        await edges.answer(query, expired_text(tr))


async def _act(update: Update, context: BotContext, tr: Translator, scope: Scope, school_id: int,
               state: dict[str, Any], tap: SettingsTap) -> None:
    query = update.callback_query
    assert query is not None
    config = context.services.campaign.config
    nonce, action = tap.nonce, tap.action
    state["wait"] = None  # a tap answers instead of the typed text asked for
    if action == "x":
        if context.user_data is not None:
            context.user_data.pop(KEY, None)
        await edges.answer(query)
        await edges.edit_keyboard(query, None)
        return
    if action == "m":
        view = await _menu(context, tr, nonce, school_id)
    elif action == "ph":
        view = views.phases_view(tr, nonce, config, await school_name(context, school_id),
                                 await _phases(context, school_id))
    elif action in ("pe", "ps", "pr", "pt"):
        if action == "pr":
            number = tap.int_arg(0)
            if not 1 <= number <= len(config.phases):
                raise BadCallbackData("no such phase")
            async with context.session() as session:
                await reset_school_phase(session=session, campaign=context.services.campaign,
                                         school_id=school_id, key=config.phases[number - 1].key,
                                         actor_staff_id=scope.staff_id, now=context.clock.now())
            phases = await _phases(context, school_id)
            current = phases[number - 1]
            proposal = views.Proposal(number, current.start, current.end)
            await edges.answer(query, tr.gettext("Back to the campaign's dates."))
        else:
            proposal = _proposal(context, tap, 2 if action == "pt" else 1)
            if proposal.start < config.start or proposal.end > config.end:
                await edges.answer(query, views.allowed_text(tr, config), show_alert=True)
                return
            if action == "pt":
                which = tap.int_arg(1)
                state["wait"] = {"kind": "date", "number": proposal.number, "which": 1 if which else 0,
                                 "start": proposal.start.isoformat(), "end": proposal.end.isoformat()}
                await edges.answer(query)
                await edges.edit_keyboard(query, None)
                if update.effective_chat is not None:
                    await update.effective_chat.send_message(views.type_date_prompt(tr, config, which))
                return
            if action == "ps":
                if not await _save_phase(update, context, tr, scope, school_id, proposal):
                    return
                await edges.answer(query, tr.gettext("💾 Saved."))
        view = await phase_editor(context, tr, nonce, school_id, proposal)
    else:
        topics = await _topics_action(update, context, tr, scope, school_id, state, tap)
        if topics is None:
            return
        view = topics
    text, keyboard = view
    await edges.edit_text(query, text, keyboard)
    await edges.answer(query)


async def phase_editor(context: BotContext, tr: Translator, nonce: str, school_id: int,
                        proposal: views.Proposal) -> views.View:
    phases = await _phases(context, school_id)
    return views.phase_view(tr, nonce, context.services.campaign.config,
                            await school_name(context, school_id), phases[proposal.number - 1], proposal)


async def _save_phase(update: Update, context: BotContext, tr: Translator, scope: Scope, school_id: int,
                      proposal: views.Proposal) -> bool:
    """Save the proposal; False after saying why not (nothing changed)."""
    campaign = context.services.campaign
    async with context.session() as session:
        outcome = await set_school_phase(
            session=session, campaign=campaign, school_id=school_id,
            key=campaign.config.phases[proposal.number - 1].key, start=proposal.start, end=proposal.end,
            actor_staff_id=scope.staff_id, now=context.clock.now())
    if not isinstance(outcome, PhaseRefusal):
        return True
    text = (tr.gettext("The start must not be after the end.") if outcome is PhaseRefusal.START_AFTER_END
            else views.allowed_text(tr, campaign.config))
    if update.callback_query is not None:
        await edges.answer(update.callback_query, text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return False


async def _topics_action(update: Update, context: BotContext, tr: Translator, scope: Scope, school_id: int,
                         state: dict[str, Any], tap: SettingsTap) -> views.View | None:
    query = update.callback_query
    assert query is not None
    campaign, nonce = context.services.campaign, tap.nonce
    audience = _audience(tap)
    school = await school_name(context, school_id)
    common: dict[str, Any] = {"scope": scope, "campaign": campaign, "school_id": school_id,
                              "audience": audience, "now": context.clock.now()}
    note = None
    if tap.action == "tl":
        outline: Outline | TopicRefusal = await _outline(context, school_id, audience)
    elif tap.action == "tr":
        return views.restore_view(tr, nonce, audience)
    elif tap.action == "ty":
        async with context.session() as session:
            outline = await restore_outline(session=session, **common)
        note = tr.gettext("The campaign's list is back.")
    elif tap.action == "tx":
        async with context.session() as session:
            outline = await remove_topic(session=session, topic_id=tap.int_arg(1), **common)
        note = tr.gettext("Taken off the list.")
    elif tap.action == "ta":
        state["wait"] = {"kind": "topic", "audience": views.AUDIENCE_CODES[audience]}
        await edges.answer(query)
        if update.effective_chat is not None:
            await update.effective_chat.send_message(views.add_topic_prompt(tr, audience))
        return None
    else:
        raise BadCallbackData(tap.action)
    if isinstance(outline, TopicRefusal):
        await edges.answer(query, views.topic_refusal(tr, outline), show_alert=True)
        return None
    return views.topics_view(tr, nonce, school, outline, note)


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("settings", settings_command, filters=~filters.UpdateType.EDITED),
        CallbackQueryHandler(settings_tapped, pattern=SETTINGS.pattern),
    ]
