"""``/visit`` and ``/interview``: log a visit in a few taps, then adjust a card and save.

Steps ask only what has no sensible default (class, people, form, topics); the card holds the rest.
Every button carries this flow's id and its step, so a tap on an old message is answered as expired
and changes nothing. Saving is idempotent (the draft's key), so a double tap stores one visit.
"""

from __future__ import annotations

import warnings

from telegram import CallbackQuery, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import edges
from bot.callback_data import BadCallbackData, decode, pattern
from bot.commands.start import not_registered_text, scope_or_explain
from bot.context import BotContext
from bot.conversations import visit_views as views
from bot.conversations.visit_flow import (
    CONVERSATION,
    END,
    SAVED_FAMILY,
    cancel,
    show,
)
from bot.conversations.visit_state import (
    Draft,
    Step,
)
from bot.conversations.visit_taps import tap_for
from bot.conversations.visit_text import text_for
from store.people import visitable_classes
from store.scopes import Action
from store.visits import get_visit
from store.vocab import VisitKind

# --- entry points ---------------------------------------------------------------------------------


async def start_visit(update: Update, context: BotContext) -> Step | int:
    """``/visit``: a teacher's visit with students of their classes."""
    scope = await scope_or_explain(update, context)
    if scope is None:
        return END
    tr = await context.tr(update)
    message = update.effective_message
    async with context.store.sessions() as session:
        classes = await visitable_classes(session=session, scope=scope)
    if not scope.can(Action.RECORD_STUDENT_VISIT) or not classes:
        if message is not None:
            text = tr.gettext("The roster links no class to you, so there are no student visits to log.")
            if scope.can(Action.RECORD_INTERVIEW):
                text += " " + tr.gettext("To log an interview with a teacher, use /interview.")
            await message.reply_text(text)
        return END
    draft = Draft(kind=VisitKind.STUDENT.value, several_classes=len(classes) > 1)
    if len(classes) == 1:
        draft.class_id = classes[0].id
        return await show(Step.PEOPLE, update, context, draft)
    return await show(Step.CLASS, update, context, draft)


async def start_interview(update: Update, context: BotContext) -> Step | int:
    """``/interview``: a cadre's interview with teachers of their school."""
    scope = await scope_or_explain(update, context)
    if scope is None:
        return END
    tr = await context.tr(update)
    message = update.effective_message
    if not scope.can(Action.RECORD_INTERVIEW):
        if message is not None:
            await message.reply_text(
                tr.gettext("Teacher interviews are logged by school leaders, middle cadres and grade heads.")
            )
        return END
    return await show(Step.PEOPLE, update, context, Draft(kind=VisitKind.TEACHER.value))


async def saved_card_tap(update: Update, context: BotContext) -> Step | int:
    """The buttons under a saved visit: Edit (48 hours), another in this class, done."""
    query = update.callback_query
    assert query is not None
    tr = await context.tr(update)
    scope = await context.scope(update)
    try:
        data = decode(query.data)
        target = data.int_arg(0)
    except BadCallbackData:
        await edges.answer(query)
        return END
    if scope is None:
        await edges.answer(query, not_registered_text(tr)[:200], show_alert=True)
        return END
    if data.action == "done":
        await edges.answer(query)
        await _keep_only_edit(query)
        return END
    if data.action == "again":
        await edges.answer(query)
        if not scope.may_visit_class(target):
            return END
        draft = Draft(kind=VisitKind.STUDENT.value, class_id=target)
        async with context.store.sessions() as session:
            draft.several_classes = len(await visitable_classes(session=session, scope=scope)) > 1
        await _keep_only_edit(query)
        return await show(Step.PEOPLE, update, context, draft, new_message=True)
    # edit / ledit (from /myvisits, without the 48-hour limit of the saved card)
    async with context.store.sessions() as session:
        details = await get_visit(session=session, scope=scope, visit_id=target)
    now = context.clock.now()
    if details is None or details.deleted or details.visitor_id != scope.staff_id:
        await edges.answer(query, tr.gettext("This visit cannot be edited."), show_alert=True)
        return END
    if data.action == "edit" and not details.editable(now):
        await edges.answer(query,
            tr.gettext("The 48 hours for editing from this card are over; use /myvisits."), show_alert=True
        )
        return END
    await edges.answer(query)
    draft = Draft.from_visit_draft(details.as_draft(client_key="edit"), edit_id=details.id)
    return await show(Step.CARD, update, context, draft)


async def _keep_only_edit(query: CallbackQuery) -> None:
    """Drop "another" and "done" from a saved card, keeping its Edit button."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    edit_prefix = f"v1:{SAVED_FAMILY}:edit:"
    rows = [
        list(row)
        for row in (markup.inline_keyboard if markup else ())
        if any(isinstance(b.callback_data, str) and b.callback_data.startswith(edit_prefix) for b in row)
    ]
    await edges.edit_keyboard(query, views.InlineKeyboardMarkup(rows))



async def other_input(update: Update, context: BotContext) -> None:
    """A photo, sticker or file in the middle of a visit: say what is expected, stay at the step."""
    message = update.effective_message
    if message is not None:
        tr = await context.tr(update)
        await message.reply_text(tr.gettext("Please use the buttons (or /cancel to stop)."))


def build_visit_conversation() -> ConversationHandler[BotContext]:
    """The visit flow; persistent, so a restart resumes at the same step."""
    # New messages only: editing an old message must not become this step's answer.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    text = private & filters.TEXT & ~filters.COMMAND
    flow = pattern(views.FAMILY)
    states: dict[object, list[BaseHandler[Update, BotContext, object]]] = {
        step: [CallbackQueryHandler(tap_for(step), pattern=flow), MessageHandler(text, text_for(step))]
        for step in Step
    }
    with warnings.catch_warnings():
        # per_message=False is deliberate: our buttons carry the flow and the step, and stale taps are
        # answered by us; PTB's warning about tracking CallbackQueryHandlers per message is moot.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("visit", start_visit, filters=private),
                CommandHandler("interview", start_interview, filters=private),
                CallbackQueryHandler(saved_card_tap, pattern=pattern(SAVED_FAMILY)),
            ],
            states=states,
            # Other families' buttons (/lang, /myvisits…) are left to their own handlers.
            fallbacks=[
                CommandHandler("cancel", cancel, filters=private),
                MessageHandler(private & ~filters.COMMAND, other_input),
            ],
            name=CONVERSATION,
            persistent=True,
            allow_reentry=True,
        )

