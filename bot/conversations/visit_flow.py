"""What every step of the visit flow shares: the draft in user_data, rendering a step, cancel."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import (
    ConversationHandler,
)

from bot import edges
from bot.callback_data import saved_data
from bot.context import BotContext, scope_or_explain
from bot.conversations import visit_views as views
from bot.conversations.visit_state import (
    DRAFT_KEY,
    MAX_NOTES,
    MAX_OPINION,
    Draft,
    Step,
)
from bot.i18n import Translator
from bot.keyboards import button, inline
from bot.persistence import StorePersistence
from bot.text import expired_text
from store.clock import local_today
from store.people import class_students, co_visitor_options, interviewable_teachers, visitable_classes
from store.scopes import Scope
from store.vocab import VisitKind

END = ConversationHandler.END
CONVERSATION = "visit"
StepCallback = Callable[[Update, BotContext], Coroutine[Any, Any, Step | int | None]]
Markup = views.InlineKeyboardMarkup


async def known_scope(update: Update, context: BotContext) -> Scope:
    """The scope inside the flow, where ``left_the_roster`` has already ended it for strangers."""
    scope = await context.scope(update)
    if scope is None:
        raise RuntimeError("the visit flow runs only for people on the roster")
    return scope


def campaign_today(context: BotContext) -> date:
    return local_today(context.clock, context.services.campaign.config.zone)


def load_draft(context: BotContext) -> Draft | None:
    data = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    return Draft.from_dict(data) if isinstance(data, dict) else None


def keep_draft(context: BotContext, draft: Draft | None) -> None:
    if context.user_data is None:
        return
    if draft is None:
        context.user_data.pop(DRAFT_KEY, None)
    else:
        context.user_data[DRAFT_KEY] = draft.to_dict()


async def present(update: Update, text: str, keyboard: Markup | None, *, new_message: bool = False) -> None:
    """Edit the tapped message in place; after typed text (or when asked), send a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and not new_message:
        await edges.edit_text(query, text, keyboard)
        return
    if update.effective_chat is not None:
        await update.effective_chat.send_message(text, reply_markup=keyboard)


async def people_options(
    context: BotContext, update: Update, draft: Draft, query: str | None = None
) -> list[views.Person]:
    scope = await known_scope(update, context)
    async with context.store.sessions() as session:
        if draft.visit_kind is VisitKind.TEACHER:
            return list(await interviewable_teachers(session=session, scope=scope, query=query))
        assert draft.class_id is not None
        return list(await class_students(session=session, scope=scope, class_id=draft.class_id, query=query))


async def class_name_of(context: BotContext, update: Update, draft: Draft) -> str | None:
    if draft.class_id is None:
        return None
    scope = await known_scope(update, context)
    async with context.store.sessions() as session:
        classes = await visitable_classes(session=session, scope=scope)
    return next((c.name for c in classes if c.id == draft.class_id), None)


async def write_through(update: Update, context: BotContext, state: Step | None) -> None:
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
    keep_draft(context, draft)
    text: str
    keyboard: Markup
    if step is Step.CLASS:
        scope = await known_scope(update, context)
        async with context.store.sessions() as session:
            classes = await visitable_classes(session=session, scope=scope)
        text, keyboard = views.class_step(tr, draft, classes)
    elif step is Step.PEOPLE:
        people = await people_options(context, update, draft, draft.query)
        title = views.kind_title(tr, draft.visit_kind, await class_name_of(context, update, draft))
        text, keyboard = views.people_step(tr, draft, people, title)
    elif step is Step.FORM:
        text, keyboard = views.form_step(tr, draft)
    elif step is Step.TOPICS:
        text, keyboard = views.topics_step(tr, draft, campaign.topics(draft.visit_kind))
    elif step is Step.CARD:
        text = await card_text(update, context, draft, header or card_header(tr, draft))
        keyboard = views.card_keyboard(tr, draft)
    elif step is Step.PLACE:
        text, keyboard = views.place_step(tr, draft)
    elif step is Step.DATE:
        text, keyboard = views.date_step(tr, draft, campaign_today(context), campaign.config.start)
    elif step is Step.CO_VISITORS:
        scope = await known_scope(update, context)
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
                example=campaign_today(context).isoformat()
            ),
        )
    else:  # Step.NOTES
        extra = [views.step_button(tr.gettext("🗑 Clear notes"), draft, step, "clear")] if draft.notes else []
        text, keyboard = views.prompt_step(
            tr,
            draft,
            step,
            tr.gettext("Type your private notes (only you will see them; up to {n} characters).").format(
                n=MAX_NOTES
            ),
            extra,
        )
    await write_through(update, context, step)
    await present(update, text, keyboard, new_message=new_message)
    return step


def card_header(tr: Translator, draft: Draft) -> str:
    if draft.edit_id is not None:
        return tr.gettext("✏️ Editing the visit. Change what you need, then Save.")
    return tr.gettext("📝 Check the visit, add anything else, then Save.")


async def card_text(update: Update, context: BotContext, draft: Draft, header: str) -> str:
    tr = await context.tr(update)
    people = await people_options(context, update, draft)
    scope = await known_scope(update, context)
    async with context.store.sessions() as session:
        co = await co_visitor_options(session=session, scope=scope)
    return views.card_text(
        tr,
        draft,
        today=campaign_today(context),
        campaign=context.services.campaign,
        visitee_labels={p.id: p.label for p in people},
        class_name=await class_name_of(context, update, draft),
        co_labels={s.id: s.label for s in co},
        header=header,
    )


async def stale(update: Update, context: BotContext) -> None:
    tr = await context.tr(update)
    if update.callback_query is not None:
        await edges.answer(update.callback_query, expired_text(tr))


async def left_the_roster(update: Update, context: BotContext) -> bool:
    """True (and the flow is ended, with an explanation) when the person is no longer bound and active."""
    if await scope_or_explain(update, context) is not None:
        return False
    keep_draft(context, None)
    await write_through(update, context, None)
    return True


async def cancel(update: Update, context: BotContext) -> int:
    tr = await context.tr(update)
    keep_draft(context, None)
    await write_through(update, context, None)
    text = tr.gettext("Cancelled. Nothing was saved.")
    if update.callback_query is not None:
        await present(update, text, None)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return END


def saved_keyboard(
    tr: Translator, class_id: int | None, kind: VisitKind | None, *, editable: bool, visit_id: int | None
) -> Markup:
    rows: list[list[tuple[str, str]]] = []
    if visit_id is not None and editable:
        rows.append([button(tr.gettext("✏️ Edit"), saved_data("edit", visit_id))])
    if class_id is not None and kind is VisitKind.STUDENT and visit_id is not None:
        rows.append(
            [
                button(tr.gettext("➕ Another in this class"), saved_data("again", class_id)),
                button(tr.gettext("✔️ Done"), saved_data("done", visit_id)),
            ]
        )
    return inline(rows)
