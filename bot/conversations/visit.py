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
from bot.callback_data import (
    FLOW,
    SAVED,
    VISIT_CLASS,
    VISIT_PERSON,
    SavedTap,
    VisitClassTap,
    VisitPersonTap,
    is_saved_edit,
)
from bot.context import BotContext, read_tap, scope_or_explain
from bot.conversations import visit_views as views
from bot.conversations.visit_flow import CONVERSATION, END, cancel
from bot.conversations.visit_run import begin, tap_for, text_for
from bot.conversations.visit_state import Flow, FlowUI, Step, new_key, start_flow
from bot.persistence import PersistentConversation
from bot.text import expired_text, rejection_text
from store.people import visitable_classes
from store.scopes import Action, Scope
from store.visit_rules import VisitRejected
from store.visit_views import own_visit
from store.vocab import VisitKind

# --- entry points ---------------------------------------------------------------------------------


async def start_visit(update: Update, context: BotContext) -> Step | int:
    """``/visit``: a teacher's visit with students of their classes."""
    scope = await scope_or_explain(update, context)
    if scope is None:
        return END
    tr = await context.tr(update)
    message = update.effective_message
    async with context.session() as session:
        classes = await visitable_classes(session=session, scope=scope)
    if not scope.can(Action.RECORD_STUDENT_VISIT) or not classes:
        if message is not None:
            text = tr.gettext("The roster links no class to you, so there are no student visits to log.")
            if scope.can(Action.RECORD_INTERVIEW):
                text += " " + tr.gettext("To log an interview with a teacher, use /interview.")
            await message.reply_text(text)
        return END
    if len(classes) == 1:
        flow = start_flow(VisitKind.STUDENT, class_id=classes[0].id)
        return await begin(update, context, flow, Step.PEOPLE)
    flow = start_flow(VisitKind.STUDENT).with_ui(several_classes=True)
    return await begin(update, context, flow, Step.CLASS)


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
    return await begin(update, context, start_flow(VisitKind.TEACHER), Step.PEOPLE)


async def saved_card_tap(update: Update, context: BotContext) -> Step | int:
    """The buttons under a saved visit: Edit (48 hours), another in this class, done; and the
    "log a visit in this class" button of other messages."""
    query = update.callback_query
    assert query is not None
    tap = await read_tap(update, context)
    if tap is None:
        return END
    if not isinstance(tap, SavedTap | VisitClassTap | VisitPersonTap):
        await edges.answer(query, expired_text(await context.tr(update)))
        return END
    scope = await scope_or_explain(update, context)
    if scope is None:
        return END
    if isinstance(tap, VisitClassTap):
        return await _visit_in_class(update, context, scope, tap.class_id)
    if isinstance(tap, VisitPersonTap):
        return await _visit_with(update, context, scope, tap)
    if tap.action == "done":
        await edges.answer(query)
        await _keep_only_edit(query)
        return END
    if tap.action == "again":
        await _keep_only_edit(query)
        return await _visit_in_class(update, context, scope, tap.target)
    # edit / ledit (from /myvisits, without the 48-hour limit of the saved card)
    tr = await context.tr(update)
    try:
        async with context.session() as session:
            details = await own_visit(session=session, scope=scope, visit_id=tap.target)
    except VisitRejected as exc:
        await edges.answer(query, rejection_text(tr, exc), show_alert=True)
        return END
    if tap.action == "edit" and not details.editable(context.clock.now()):
        text = tr.gettext("The 48 hours for editing from this card are over; use /myvisits.")
        await edges.answer(query, text, show_alert=True)
        return END
    await edges.answer(query)
    # The store's draft of the saved visit is the visit in progress; its key is not used on edit.
    flow = Flow(details.as_draft(client_key=new_key()), FlowUI(edit_id=details.id))
    return await begin(update, context, flow, Step.CARD)


async def _visit_in_class(update: Update, context: BotContext, scope: Scope, class_id: int) -> Step | int:
    """A new student visit in ``class_id``, at the people step, in a new message; answers the tap."""
    query = update.callback_query
    assert query is not None
    if not scope.can(Action.RECORD_STUDENT_VISIT) or not scope.may_visit_class(class_id):
        text = rejection_text(await context.tr(update), VisitRejected("class_not_visitable"))
        await edges.answer(query, text)
        return END
    await edges.answer(query)
    several = len(scope.visit_class_ids) > 1
    flow = start_flow(VisitKind.STUDENT, class_id=class_id).with_ui(several_classes=several)
    return await begin(update, context, flow, Step.PEOPLE, new_message=True)


async def _visit_with(update: Update, context: BotContext, scope: Scope, tap: VisitPersonTap) -> Step | int:
    """A new visit with one person (a follow-up from /followups), at the form step; saving checks
    again that the person may be visited."""
    query = update.callback_query
    assert query is not None
    if tap.kind == "s":
        if not scope.may_visit_class(tap.class_id):
            text = rejection_text(await context.tr(update), VisitRejected("class_not_visitable"))
            await edges.answer(query, text)
            return END
        flow = start_flow(VisitKind.STUDENT, class_id=tap.class_id, visitee_ids=(tap.person_id,))
    else:
        if not scope.can(Action.RECORD_INTERVIEW):
            await edges.answer(query, expired_text(await context.tr(update)))
            return END
        flow = start_flow(VisitKind.TEACHER, visitee_ids=(tap.person_id,))
    await edges.answer(query)
    return await begin(update, context, flow, Step.FORM, new_message=True)


async def _keep_only_edit(query: CallbackQuery) -> None:
    """Drop "another" and "done" from a saved card, keeping its Edit button."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    rows = [
        list(row)
        for row in (markup.inline_keyboard if markup else ())
        if any(is_saved_edit(b.callback_data) for b in row)
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
    flow = FLOW.pattern
    states: dict[object, list[BaseHandler[Update, BotContext, object]]] = {
        step: [CallbackQueryHandler(tap_for(step), pattern=flow), MessageHandler(text, text_for(step))]
        for step in Step
    }
    with warnings.catch_warnings():
        # per_message=False is deliberate: our buttons carry the flow and the step, and stale taps are
        # answered by us; PTB's warning about tracking CallbackQueryHandlers per message is moot.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return PersistentConversation(
            entry_points=[
                CommandHandler("visit", start_visit, filters=private),
                CommandHandler("interview", start_interview, filters=private),
                CallbackQueryHandler(saved_card_tap, pattern=SAVED.pattern),
                CallbackQueryHandler(saved_card_tap, pattern=VISIT_CLASS.pattern),
                CallbackQueryHandler(saved_card_tap, pattern=VISIT_PERSON.pattern),  # /followups
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

