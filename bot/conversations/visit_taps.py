"""Taps inside the visit flow, one handler per step, and saving."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot import edges
from bot.callback_data import BadCallbackData, FlowTap
from bot.context import BotContext, read_tap
from bot.conversations.visit_flow import (
    END,
    StepCallback,
    campaign_today,
    cancel,
    card_text,
    keep_draft,
    left_the_roster,
    load_draft,
    people_options,
    present,
    saved_keyboard,
    show,
    stale,
    write_through,
)
from bot.conversations.visit_state import (
    MAX_OPINIONS,
    Draft,
    Step,
    toggle,
)
from bot.text import rejection_text
from store.visit_rules import VisitRejected
from store.visits import edit_visit, record_visit
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind


def tap_for(step: Step) -> StepCallback:
    async def on_tap(update: Update, context: BotContext) -> Step | int | None:
        query = update.callback_query
        assert query is not None
        data = await read_tap(update, context)
        if data is None:
            return None
        draft = load_draft(context)
        if not isinstance(data, FlowTap) or draft is None or (data.flow, data.step) != (draft.flow, step):
            await stale(update, context)
            return None
        if await left_the_roster(update, context):
            return END
        if data.action == "cancel":
            await edges.answer(query)
            return await cancel(update, context)
        try:
            result = await TAPS[step](update, context, draft, data)
        except BadCallbackData:
            await stale(update, context)
            return None
        await edges.answer(query)
        return result

    return on_tap


def _arg(data: FlowTap, n: int = 0) -> str:
    return data.arg(n)


def _int(data: FlowTap, n: int = 0) -> int:
    return data.int_arg(n)


async def tap_class(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    scope = await context.scope(update)
    class_id = _int(data)
    if scope is None or not scope.may_visit_class(class_id):
        return await show(Step.CLASS, update, context, draft)
    draft.class_id, draft.page, draft.query, draft.visitees = class_id, 0, None, []
    return await show(Step.PEOPLE, update, context, draft)


async def tap_people(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step | int:
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
        if person not in {p.id for p in await people_options(context, update, draft)}:
            return await show(Step.PEOPLE, update, context, draft)
        draft.visitees = [person]
        return await show(Step.FORM, update, context, draft)
    elif action == "toggle":
        person = _int(data)
        if person in {p.id for p in await people_options(context, update, draft)}:
            toggle(draft.visitees, person)
    elif action == "next":
        if draft.visitees:
            return await show(Step.FORM, update, context, draft)
        tr = await context.tr(update)
        if update.callback_query is not None:
            await edges.answer(update.callback_query, tr.gettext("Choose at least one person first."))
    return await show(Step.PEOPLE, update, context, draft)


async def tap_form(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    if data.action == "back":
        return await show(Step.PEOPLE, update, context, draft)
    try:
        draft.form = VisitForm(_arg(data)).value
    except ValueError:
        return await show(Step.FORM, update, context, draft)
    draft.place = None  # the new form implies its own place
    return await show(Step.TOPICS, update, context, draft)


async def tap_topics(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
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


async def tap_card(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step | int:
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
            await edges.answer(update.callback_query,
                tr.gettext("A visit holds at most {n} opinions.").format(n=MAX_OPINIONS), show_alert=True
            )
    elif action in _CARD_TARGETS:
        return await show(_CARD_TARGETS[action], update, context, draft)
    return await show(Step.CARD, update, context, draft)


async def tap_place(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    if data.action == "set":
        try:
            draft.place = Place(_arg(data)).value
        except ValueError:
            return await show(Step.PLACE, update, context, draft)
    return await show(Step.CARD, update, context, draft)


async def tap_date(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    if data.action == "set":
        try:
            chosen = date.fromisoformat(_arg(data))
        except ValueError:
            return await show(Step.DATE, update, context, draft)
        if context.services.campaign.config.start <= chosen <= campaign_today(context):
            draft.day = chosen.isoformat()
    return await show(Step.CARD, update, context, draft)


async def tap_co_visitors(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    if data.action == "back":
        return await show(Step.CARD, update, context, draft)
    if data.action == "page":
        draft.co_page = max(0, _int(data))
    elif data.action == "toggle":
        toggle(draft.co_visitors, _int(data))
    return await show(Step.CO_VISITORS, update, context, draft)


async def tap_back_to_card(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    if data.action == "clear":
        draft.notes = None
    return await show(Step.CARD, update, context, draft)


async def tap_category(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    if data.action == "back":
        draft.pending_opinion = None
        return await show(Step.CARD, update, context, draft)
    category = _int(data)
    if draft.pending_opinion and category in {c.id for c in context.services.campaign.categories}:
        draft.opinions.append([draft.pending_opinion, category])
    draft.pending_opinion = None
    return await show(Step.CARD, update, context, draft)


async def tap_follow_up(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
    if data.action == "set":
        try:
            wish = FollowUpWish(_arg(data))
        except ValueError:
            return await show(Step.FOLLOW_UP, update, context, draft)
        if wish is FollowUpWish.DATE:
            return await show(Step.FOLLOW_UP_DATE, update, context, draft)
        draft.follow_up, draft.follow_up_date = wish.value, None
    return await show(Step.CARD, update, context, draft)


async def tap_follow_up_date(update: Update, context: BotContext, draft: Draft, data: FlowTap) -> Step:
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



async def save(update: Update, context: BotContext, draft: Draft) -> Step | int:
    tr = await context.tr(update)
    scope = await context.scope(update)
    if scope is None:
        return await cancel(update, context)
    visit_draft = draft.to_visit_draft(campaign_today(context))
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
            await edges.answer(update.callback_query, rejection_text(tr, exc)[:200], show_alert=True)
        return await show(Step.CARD, update, context, draft)
    header = tr.gettext("✅ Saved.") if draft.edit_id is None else tr.gettext("✅ Changes saved.")
    if details.out_of_phase:
        header += " " + tr.gettext("(The date is outside the visit phase; reviewers will see it flagged.)")
    text = await card_text(update, context, draft, header)
    keep_draft(context, None)
    await write_through(update, context, None)
    keyboard = saved_keyboard(
        tr, details.class_id, details.kind, editable=details.editable(now), visit_id=details.id
    )
    await present(update, text, keyboard)
    return END

