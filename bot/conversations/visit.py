"""``/visit`` and ``/interview``: log a visit in a few taps, then adjust a card and save.

Steps ask only what has no sensible default (class, people, form, topics); the card holds the rest.
Every button carries this flow's id and its step, so a tap on an old message is answered as expired
and changes nothing. Saving is idempotent (the draft's key), so a double tap stores one visit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.callback_data import BadCallbackData, CallbackData, decode, pattern
from bot.commands.start import not_registered_text
from bot.context import BotContext
from bot.conversations import visit_views as views
from bot.conversations.visit_dates import parse_typed_date
from bot.conversations.visit_messages import rejection_text
from bot.conversations.visit_state import (
    DRAFT_KEY,
    MAX_NOTES,
    MAX_OPINION,
    MAX_OPINIONS,
    MAX_QUERY,
    Draft,
    Step,
    toggle,
)
from bot.i18n import Translator
from bot.keyboards import button, inline
from bot.persistence import StorePersistence
from store.clock import local_today
from store.people import class_students, co_visitor_options, interviewable_teachers, visitable_classes
from store.scopes import Action
from store.visit_rules import VisitRejected
from store.visits import edit_visit, get_visit, record_visit
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind

END = ConversationHandler.END
CONVERSATION = "visit"
StepCallback = Callable[[Update, BotContext], Coroutine[Any, Any, Step | int | None]]
SAVED_FAMILY = "vs"
Markup = views.InlineKeyboardMarkup


def _today(context: BotContext) -> date:
    return local_today(context.clock, context.services.campaign.config.zone)


def _load(context: BotContext) -> Draft | None:
    data = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    return Draft.from_dict(data) if isinstance(data, dict) else None


def _keep(context: BotContext, draft: Draft | None) -> None:
    if context.user_data is None:
        return
    if draft is None:
        context.user_data.pop(DRAFT_KEY, None)
    else:
        context.user_data[DRAFT_KEY] = draft.to_dict()


async def _present(update: Update, text: str, keyboard: Markup | None, *, new_message: bool = False) -> None:
    """Edit the tapped message in place; after typed text (or when asked), send a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and not new_message:
        try:
            await query.edit_message_text(text, reply_markup=keyboard)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
        return
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=keyboard)


async def _people(
    context: BotContext, update: Update, draft: Draft, query: str | None = None
) -> list[views.Person]:
    scope = await context.scope(update)
    assert scope is not None
    async with context.store.sessions() as session:
        if draft.visit_kind is VisitKind.TEACHER:
            return list(await interviewable_teachers(session=session, scope=scope, query=query))
        assert draft.class_id is not None
        return list(await class_students(session=session, scope=scope, class_id=draft.class_id, query=query))


async def _class_name(context: BotContext, update: Update, draft: Draft) -> str | None:
    if draft.class_id is None:
        return None
    scope = await context.scope(update)
    assert scope is not None
    async with context.store.sessions() as session:
        classes = await visitable_classes(session=session, scope=scope)
    return next((c.name for c in classes if c.id == draft.class_id), None)


async def _write_through(update: Update, context: BotContext, state: Step | None) -> None:
    """Store the step and the draft before the teacher sees them.

    PTB confirms an update to Telegram before its handler runs and writes persistence after it, so a
    crash right after our reply would otherwise lose the step the teacher is looking at.
    """
    persistence = context.application.persistence
    chat, user = update.effective_chat, update.effective_user
    if not isinstance(persistence, StorePersistence) or chat is None or user is None:
        return
    await persistence.write_through(
        CONVERSATION,
        (chat.id, user.id),
        int(state) if state else None,
        user.id,
        dict(context.user_data or {}),
    )


async def show(
    step: Step,
    update: Update,
    context: BotContext,
    draft: Draft,
    *,
    header: str | None = None,
    new_message: bool = False,
) -> Step:
    """Render ``step`` for ``draft``, remember the draft, and make ``step`` the current state."""
    tr = await context.tr(update)
    campaign = context.services.campaign
    _keep(context, draft)
    text: str
    keyboard: Markup
    if step is Step.CLASS:
        scope = await context.scope(update)
        assert scope is not None
        async with context.store.sessions() as session:
            classes = await visitable_classes(session=session, scope=scope)
        text, keyboard = views.class_step(tr, draft, classes)
    elif step is Step.PEOPLE:
        people = await _people(context, update, draft, draft.query)
        title = views.kind_title(tr, draft.visit_kind, await _class_name(context, update, draft))
        text, keyboard = views.people_step(tr, draft, people, title)
    elif step is Step.FORM:
        text, keyboard = views.form_step(tr, draft)
    elif step is Step.TOPICS:
        text, keyboard = views.topics_step(tr, draft, campaign.topics(draft.visit_kind))
    elif step is Step.CARD:
        text = await _card_text(update, context, draft, header or _card_header(tr, draft))
        keyboard = views.card_keyboard(tr, draft)
    elif step is Step.PLACE:
        text, keyboard = views.place_step(tr, draft)
    elif step is Step.DATE:
        text, keyboard = views.date_step(tr, draft, _today(context), campaign.config.start)
    elif step is Step.CO_VISITORS:
        scope = await context.scope(update)
        assert scope is not None
        async with context.store.sessions() as session:
            staff = await co_visitor_options(session=session, scope=scope)
        text, keyboard = views.co_visitor_step(tr, draft, staff)
    elif step is Step.OPINION_TEXT:
        text, keyboard = views.prompt_step(
            tr,
            draft,
            step,
            tr.gettext("Type the opinion or suggestion that was raised (up to {n} characters).").format(
                n=MAX_OPINION
            ),
        )
    elif step is Step.OPINION_CATEGORY:
        text, keyboard = views.category_step(tr, draft, campaign)
    elif step is Step.FOLLOW_UP:
        text, keyboard = views.follow_up_step(tr, draft)
    elif step is Step.FOLLOW_UP_DATE:
        text, keyboard = views.prompt_step(
            tr,
            draft,
            step,
            tr.gettext("Type the date of the follow-up visit, like {example}.").format(
                example=_today(context).isoformat()
            ),
        )
    else:  # Step.NOTES
        extra = [views._b(tr.gettext("🗑 Clear notes"), draft, step, "clear")] if draft.notes else []
        text, keyboard = views.prompt_step(
            tr,
            draft,
            step,
            tr.gettext("Type your private notes (only you will see them; up to {n} characters).").format(
                n=MAX_NOTES
            ),
            extra,
        )
    await _write_through(update, context, step)
    await _present(update, text, keyboard, new_message=new_message)
    return step


def _card_header(tr: Translator, draft: Draft) -> str:
    if draft.edit_id is not None:
        return tr.gettext("✏️ Editing the visit. Change what you need, then Save.")
    return tr.gettext("📝 Check the visit, add anything else, then Save.")


async def _card_text(update: Update, context: BotContext, draft: Draft, header: str) -> str:
    tr = await context.tr(update)
    people = await _people(context, update, draft)
    scope = await context.scope(update)
    assert scope is not None
    async with context.store.sessions() as session:
        co = await co_visitor_options(session=session, scope=scope)
    return views.card_text(
        tr,
        draft,
        today=_today(context),
        campaign=context.services.campaign,
        visitee_labels={p.id: p.label for p in people},
        class_name=await _class_name(context, update, draft),
        co_labels={s.id: s.label for s in co},
        header=header,
    )


# --- entry points ---------------------------------------------------------------------------------


async def start_visit(update: Update, context: BotContext) -> Step | int:
    """``/visit``: a teacher's visit with students of their classes."""
    tr = await context.tr(update)
    message = update.effective_message
    scope = await context.scope(update)
    if scope is None:
        if message is not None:
            await message.reply_text(not_registered_text(tr))
        return END
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
    tr = await context.tr(update)
    message = update.effective_message
    scope = await context.scope(update)
    if scope is None:
        if message is not None:
            await message.reply_text(not_registered_text(tr))
        return END
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
        await query.answer()
        return END
    if scope is None:
        await query.answer(not_registered_text(tr)[:200], show_alert=True)
        return END
    if data.action == "done":
        await query.answer()
        await _keep_only_edit(query)
        return END
    if data.action == "again":
        await query.answer()
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
        await query.answer(tr.gettext("This visit cannot be edited."), show_alert=True)
        return END
    if data.action == "edit" and not details.editable(now):
        await query.answer(
            tr.gettext("The 48 hours for editing from this card are over; use /myvisits."), show_alert=True
        )
        return END
    await query.answer()
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
    await query.edit_message_reply_markup(views.InlineKeyboardMarkup(rows))


def _saved_keyboard(
    tr: Translator, class_id: int | None, kind: VisitKind | None, *, editable: bool, visit_id: int | None
) -> Markup:
    rows: list[list[tuple[str, str]]] = []
    if visit_id is not None and editable:
        rows.append([button(tr.gettext("✏️ Edit"), SAVED_FAMILY, "edit", visit_id)])
    if class_id is not None and kind is VisitKind.STUDENT and visit_id is not None:
        rows.append(
            [
                button(tr.gettext("➕ Another in this class"), SAVED_FAMILY, "again", class_id),
                button(tr.gettext("✔️ Done"), SAVED_FAMILY, "done", visit_id),
            ]
        )
    return inline(rows)


# --- taps inside the flow -------------------------------------------------------------------------


async def _stale(update: Update, context: BotContext) -> None:
    tr = await context.tr(update)
    if update.callback_query is not None:
        await update.callback_query.answer(tr.gettext("This button has expired. Nothing was changed."))


def _tap_for(step: Step) -> StepCallback:
    async def on_tap(update: Update, context: BotContext) -> Step | int | None:
        query = update.callback_query
        assert query is not None
        draft = _load(context)
        try:
            data = decode(query.data)
            fresh = draft is not None and data.arg(0) == draft.flow and data.int_arg(1) == int(step)
        except BadCallbackData:
            fresh = False
        if not fresh or draft is None:
            await _stale(update, context)
            return None
        if data.action == "cancel":
            await query.answer()
            return await cancel(update, context)
        result = await TAPS[step](update, context, draft, data)
        try:
            await query.answer()
        except BadRequest:
            pass  # already answered, with a notice of its own
        return result

    return on_tap


def _arg(data: CallbackData, n: int = 0) -> str:
    return data.arg(n + 2)


def _int(data: CallbackData, n: int = 0) -> int:
    return data.int_arg(n + 2)


async def tap_class(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    scope = await context.scope(update)
    class_id = _int(data)
    if scope is None or not scope.may_visit_class(class_id):
        return await show(Step.CLASS, update, context, draft)
    draft.class_id, draft.page, draft.query, draft.visitees = class_id, 0, None, []
    return await show(Step.PEOPLE, update, context, draft)


async def tap_people(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step | int:
    action = data.action
    if action == "back":
        if draft.visit_kind is VisitKind.STUDENT and draft.several_classes:
            return await show(Step.CLASS, update, context, draft)
        return await cancel(update, context)
    if action == "page":
        draft.page = max(0, _int(data))
    elif action == "group":
        draft.group = True
    elif action == "clear":
        draft.query, draft.page = None, 0
    elif action == "pick":
        person = _int(data)
        if person not in {p.id for p in await _people(context, update, draft)}:
            return await show(Step.PEOPLE, update, context, draft)
        draft.visitees = [person]
        return await show(Step.FORM, update, context, draft)
    elif action == "toggle":
        person = _int(data)
        if person in {p.id for p in await _people(context, update, draft)}:
            toggle(draft.visitees, person)
    elif action == "next":
        if draft.visitees:
            return await show(Step.FORM, update, context, draft)
        tr = await context.tr(update)
        if update.callback_query is not None:
            await update.callback_query.answer(tr.gettext("Choose at least one person first."))
    return await show(Step.PEOPLE, update, context, draft)


async def tap_form(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "back":
        return await show(Step.PEOPLE, update, context, draft)
    try:
        draft.form = VisitForm(_arg(data)).value
    except ValueError:
        return await show(Step.FORM, update, context, draft)
    draft.place = None  # the new form implies its own place
    return await show(Step.TOPICS, update, context, draft)


async def tap_topics(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "back":
        return await show(Step.FORM, update, context, draft)
    if data.action == "next":
        return await show(Step.CARD, update, context, draft)
    topic = _int(data)
    if topic in {t.id for t in context.services.campaign.topics(draft.visit_kind)}:
        toggle(draft.topics, topic)
    return await show(Step.TOPICS, update, context, draft)


_CARD_TARGETS = {
    "place": Step.PLACE,
    "date": Step.DATE,
    "co": Step.CO_VISITORS,
    "opinion": Step.OPINION_TEXT,
    "follow": Step.FOLLOW_UP,
    "notes": Step.NOTES,
}


async def tap_card(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step | int:
    action = data.action
    if action == "back":
        return await show(Step.TOPICS, update, context, draft)
    if action == "save":
        return await save(update, context, draft)
    if action == "notable":
        draft.notable = not draft.notable
    elif action == "unopinion" and draft.opinions:
        draft.opinions.pop()
    elif action == "opinion" and len(draft.opinions) >= MAX_OPINIONS:
        tr = await context.tr(update)
        if update.callback_query is not None:
            await update.callback_query.answer(
                tr.gettext("A visit holds at most {n} opinions.").format(n=MAX_OPINIONS), show_alert=True
            )
    elif action in _CARD_TARGETS:
        return await show(_CARD_TARGETS[action], update, context, draft)
    return await show(Step.CARD, update, context, draft)


async def tap_place(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "set":
        try:
            draft.place = Place(_arg(data)).value
        except ValueError:
            return await show(Step.PLACE, update, context, draft)
    return await show(Step.CARD, update, context, draft)


async def tap_date(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "set":
        try:
            chosen = date.fromisoformat(_arg(data))
        except ValueError:
            return await show(Step.DATE, update, context, draft)
        if context.services.campaign.config.start <= chosen <= _today(context):
            draft.day = chosen.isoformat()
    return await show(Step.CARD, update, context, draft)


async def tap_co_visitors(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "back":
        return await show(Step.CARD, update, context, draft)
    if data.action == "page":
        draft.co_page = max(0, _int(data))
    elif data.action == "toggle":
        toggle(draft.co_visitors, _int(data))
    return await show(Step.CO_VISITORS, update, context, draft)


async def tap_back_to_card(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "clear":
        draft.notes = None
    return await show(Step.CARD, update, context, draft)


async def tap_category(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "back":
        draft.pending_opinion = None
        return await show(Step.CARD, update, context, draft)
    category = _int(data)
    if draft.pending_opinion and category in {c.id for c in context.services.campaign.categories}:
        draft.opinions.append([draft.pending_opinion, category])
    draft.pending_opinion = None
    return await show(Step.CARD, update, context, draft)


async def tap_follow_up(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    if data.action == "set":
        try:
            wish = FollowUpWish(_arg(data))
        except ValueError:
            return await show(Step.FOLLOW_UP, update, context, draft)
        if wish is FollowUpWish.DATE:
            return await show(Step.FOLLOW_UP_DATE, update, context, draft)
        draft.follow_up, draft.follow_up_date = wish.value, None
    return await show(Step.CARD, update, context, draft)


async def tap_follow_up_date(update: Update, context: BotContext, draft: Draft, data: CallbackData) -> Step:
    return await show(Step.FOLLOW_UP, update, context, draft)


TAPS = {
    Step.CLASS: tap_class,
    Step.PEOPLE: tap_people,
    Step.FORM: tap_form,
    Step.TOPICS: tap_topics,
    Step.CARD: tap_card,
    Step.PLACE: tap_place,
    Step.DATE: tap_date,
    Step.CO_VISITORS: tap_co_visitors,
    Step.OPINION_TEXT: tap_back_to_card,
    Step.OPINION_CATEGORY: tap_category,
    Step.FOLLOW_UP: tap_follow_up,
    Step.FOLLOW_UP_DATE: tap_follow_up_date,
    Step.NOTES: tap_back_to_card,
}


# --- typed text -----------------------------------------------------------------------------------


def _text_for(step: Step) -> StepCallback:
    async def on_text(update: Update, context: BotContext) -> Step | int | None:
        message = update.effective_message
        draft = _load(context)
        if message is None or draft is None:
            return END
        tr = await context.tr(update)
        text = (message.text or "").strip()
        if step is Step.PEOPLE and text:
            if len(text) > MAX_QUERY:
                await message.reply_text(tr.gettext("That search is too long; type a part of the name."))
                return await show(Step.PEOPLE, update, context, draft)
            draft.query, draft.page = text, 0
            return await show(Step.PEOPLE, update, context, draft)
        if step is Step.OPINION_TEXT and text:
            if len(text) > MAX_OPINION:
                await message.reply_text(
                    tr.gettext(
                        "That is {n} characters; an opinion may have at most {limit}. Please shorten it."
                    ).format(n=len(text), limit=MAX_OPINION)
                )
                return await show(step, update, context, draft)
            draft.pending_opinion = text
            return await show(Step.OPINION_CATEGORY, update, context, draft)
        if step is Step.NOTES and text:
            if len(text) > MAX_NOTES:
                await message.reply_text(
                    tr.gettext(
                        "That is {n} characters; notes may have at most {limit}. Please shorten them."
                    ).format(n=len(text), limit=MAX_NOTES)
                )
                return await show(step, update, context, draft)
            draft.notes = text
            return await show(Step.CARD, update, context, draft)
        if step in (Step.DATE, Step.FOLLOW_UP_DATE) and text:
            return await _typed_date(update, context, draft, step, text)
        await message.reply_text(tr.gettext("Please use the buttons (or /cancel to stop)."))
        return await show(step, update, context, draft)

    return on_text


async def _typed_date(update: Update, context: BotContext, draft: Draft, step: Step, text: str) -> Step:
    tr = await context.tr(update)
    message = update.effective_message
    assert message is not None
    today = _today(context)
    typed = parse_typed_date(text, today)
    if typed is None:
        await message.reply_text(
            tr.gettext("I could not read that date. Please type it like {example}.").format(
                example=today.isoformat()
            )
        )
        return await show(step, update, context, draft)
    if step is Step.DATE:
        first = context.services.campaign.config.start
        if not first <= typed <= today:
            await message.reply_text(
                tr.gettext("The date must be between {first} and today ({today}).").format(
                    first=first.isoformat(), today=today.isoformat()
                )
            )
            return await show(step, update, context, draft)
        draft.day = typed.isoformat()
    else:
        if typed <= draft.visit_date(today):
            await message.reply_text(
                tr.gettext("The follow-up must come after the visit ({date}).").format(
                    date=draft.visit_date(today).isoformat()
                )
            )
            return await show(step, update, context, draft)
        draft.follow_up, draft.follow_up_date = FollowUpWish.DATE.value, typed.isoformat()
    return await show(Step.CARD, update, context, draft)


# --- save and cancel ------------------------------------------------------------------------------


async def save(update: Update, context: BotContext, draft: Draft) -> Step | int:
    tr = await context.tr(update)
    scope = await context.scope(update)
    if scope is None:
        return await cancel(update, context)
    visit_draft = draft.to_visit_draft(_today(context))
    now = context.clock.now()
    try:
        async with context.store.sessions() as session:
            if draft.edit_id is not None:
                details = await edit_visit(
                    session=session,
                    scope=scope,
                    visit_id=draft.edit_id,
                    draft=visit_draft,
                    campaign=context.services.campaign,
                    now=now,
                )
            else:
                saved = await record_visit(
                    session=session,
                    scope=scope,
                    draft=visit_draft,
                    campaign=context.services.campaign,
                    now=now,
                )
                details = saved.details
    except VisitRejected as exc:
        if update.callback_query is not None:
            await update.callback_query.answer(rejection_text(tr, exc)[:200], show_alert=True)
        return await show(Step.CARD, update, context, draft)
    header = tr.gettext("✅ Saved.") if draft.edit_id is None else tr.gettext("✅ Changes saved.")
    if details.out_of_phase:
        header += " " + tr.gettext("(The date is outside the visit phase; reviewers will see it flagged.)")
    text = await _card_text(update, context, draft, header)
    _keep(context, None)
    await _write_through(update, context, None)
    keyboard = _saved_keyboard(
        tr, details.class_id, details.kind, editable=details.editable(now), visit_id=details.id
    )
    await _present(update, text, keyboard)
    return END


async def cancel(update: Update, context: BotContext) -> int:
    tr = await context.tr(update)
    _keep(context, None)
    await _write_through(update, context, None)
    text = tr.gettext("Cancelled. Nothing was saved.")
    if update.callback_query is not None:
        await _present(update, text, None)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return END


async def other_input(update: Update, context: BotContext) -> None:
    """A photo, sticker or file in the middle of a visit: say what is expected, stay at the step."""
    message = update.effective_message
    if message is not None:
        tr = await context.tr(update)
        await message.reply_text(tr.gettext("Please use the buttons (or /cancel to stop)."))


def build_visit_conversation() -> ConversationHandler[BotContext]:
    """The visit flow; persistent, so a restart resumes at the same step."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    flow = pattern(views.FAMILY)
    states: dict[object, list[BaseHandler[Update, BotContext, object]]] = {
        step: [CallbackQueryHandler(_tap_for(step), pattern=flow), MessageHandler(text, _text_for(step))]
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
