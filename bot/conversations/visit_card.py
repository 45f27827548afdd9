"""The card's steps: the card itself, saving, and what its buttons open (place, date, co-visitors,
opinions, follow-up, situation, notes). Declared in the step table of :mod:`bot.conversations.visit_steps`."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.callback_data import FlowTap
from bot.conversations import visit_views as views
from bot.conversations.visit_dates import parse_typed_date
from bot.conversations.visit_flow import END, Next, StepCall, reply, saved_keyboard
from bot.conversations.visit_follow_up_of import owed
from bot.conversations.visit_state import MAX_OPINIONS, Step, toggled
from bot.text import rejection_text
from store.flow_views import draft_labels
from store.followups import close_follow_ups
from store.people import co_visitor_options
from store.school_settings import topic_names
from store.visit_rules import OpinionDraft, VisitRejected
from store.visits import edit_visit, record_visit
from store.vocab import FollowUpWish, Place

# --- the card and saving ----------------------------------------------------------------------------


async def load_labels(call: StepCall) -> Any:
    draft = call.flow.draft
    async with call.context.session() as session:
        labels = await draft_labels(session=session, scope=call.scope, draft=draft)
        # A school's own topics are not the campaign's: read their names (only then).
        known = {t.id for t in call.campaign.topics(draft.kind)}
        extra = [t for t in draft.topic_ids if t not in known]
        names = await topic_names(session=session, topic_ids=extra) if extra else {}
    return labels, names


def render_card(call: StepCall, loaded: Any) -> views.View:
    labels, names = loaded
    card = views.draft_card(call.flow, labels, call.campaign, call.today, names)
    text = views.card_text(call.tr, card, views.card_header(call.tr, call.flow))
    return text, views.card_keyboard(call.tr, call.flow)


_CARD_TARGETS = {
    "place": Step.PLACE,
    "date": Step.DATE,
    "co": Step.CO_VISITORS,
    "opinion": Step.OPINION_TEXT,
    "follow": Step.FOLLOW_UP,
    "notes": Step.NOTES,
    "situation": Step.SITUATION,
}


async def tap_card(call: StepCall, tap: FlowTap) -> Next:
    d = call.flow.draft
    if tap.action == "back":
        return Step.TOPICS
    if tap.action == "save":
        if not call.flow.ui.follow_ups_asked:
            call.flow = call.flow.with_ui(follow_ups_asked=True)
            if await owed(call):
                return Step.FOLLOW_UP_OF
        return await save(call)
    if tap.action == "notable":
        call.flow = call.flow.with_draft(notable=not d.notable)
    elif tap.action == "unopinion" and d.opinions:
        call.flow = call.flow.with_draft(opinions=d.opinions[:-1])
    elif tap.action == "opinion" and len(d.opinions) >= MAX_OPINIONS:
        text = call.tr.gettext("A visit holds at most {n} opinions.").format(n=MAX_OPINIONS)
        await call.notice(text, alert=True)
    elif tap.action in _CARD_TARGETS:
        return _CARD_TARGETS[tap.action]
    return Step.CARD


async def save(call: StepCall) -> Next:
    """Save (or save the edit), then show the saved card from what the store returned."""
    tr, f, now = call.tr, call.flow, call.context.clock.now()
    try:
        async with call.context.session() as session:
            if f.ui.edit_id is not None:
                details = await edit_visit(
                    session=session,
                    scope=call.scope,
                    visit_id=f.ui.edit_id,
                    draft=f.draft,
                    campaign=call.campaign,
                    now=now,
                )
            else:
                saved = await record_visit(
                    session=session, scope=call.scope, draft=f.draft, campaign=call.campaign, now=now
                )
                details = saved.details
                if saved.created and f.ui.closing:  # chosen at the "follow-up of …" step
                    await close_follow_ups(session=session, scope=call.scope,
                                           follow_up_ids=list(f.ui.closing), visit_id=saved.id, now=now)
    except VisitRejected as exc:
        await call.notice(rejection_text(tr, exc), alert=True)
        return Step.CARD
    header = tr.gettext("✅ Saved.") if f.ui.edit_id is None else tr.gettext("✅ Changes saved.")
    if details.out_of_phase:
        header += " " + tr.gettext("(The date is outside the visit phase; reviewers will see it flagged.)")
    text = views.card_text(tr, views.saved_card(details), header)
    keyboard = saved_keyboard(
        tr, details.class_id, details.kind, editable=details.editable(now), visit_id=details.id
    )
    await reply(call.update, call.context, None, text, keyboard)
    return END


# --- what the card's buttons open -------------------------------------------------------------------


async def tap_place(call: StepCall, tap: FlowTap) -> Next:
    if tap.action == "set":
        try:
            call.flow = call.flow.with_draft(place=Place(tap.arg()))
        except ValueError:
            return Step.PLACE
    return Step.CARD


def _date_arg(tap: FlowTap) -> date | None:
    try:
        return date.fromisoformat(tap.arg())
    except ValueError:
        return None


async def tap_date(call: StepCall, tap: FlowTap) -> Next:
    if tap.action == "set":
        chosen = _date_arg(tap)
        if chosen is None:
            return Step.DATE
        if call.campaign.config.start <= chosen <= call.today:
            call.flow = call.flow.with_draft(visit_date=chosen)
    return Step.CARD


async def typed_date(call: StepCall, text: str) -> Next:
    tr, today = call.tr, call.today
    typed = parse_typed_date(text, today)
    if typed is None:
        await call.notice(
            tr.gettext("I could not read that date. Please type it like {example}.").format(
                example=today.isoformat()
            )
        )
        return Step.DATE
    first = call.campaign.config.start
    if not first <= typed <= today:
        await call.notice(
            tr.gettext("The date must be between {first} and today ({today}).").format(
                first=first.isoformat(), today=today.isoformat()
            )
        )
        return Step.DATE
    call.flow = call.flow.with_draft(visit_date=typed)
    return Step.CARD


async def load_colleagues(call: StepCall) -> Any:
    async with call.context.session() as session:
        return await co_visitor_options(session=session, scope=call.scope)


async def tap_co_visitors(call: StepCall, tap: FlowTap) -> Next:
    f = call.flow
    if tap.action == "back":
        return Step.CARD
    if tap.action == "page":
        call.flow = f.with_ui(co_page=max(0, tap.int_arg()))
    elif tap.action == "toggle":
        call.flow = f.with_draft(co_visitor_ids=toggled(f.draft.co_visitor_ids, tap.int_arg()))
    return Step.CO_VISITORS


async def back_to_card(call: StepCall, tap: FlowTap) -> Next:
    if tap.action == "clear":
        call.flow = call.flow.with_draft(private_notes=None)
    return Step.CARD


async def back_from_situation(call: StepCall, tap: FlowTap) -> Next:
    if tap.action == "clear":
        call.flow = call.flow.with_draft(situation=None)
    return Step.CARD


def keep_situation(call: StepCall, text: str) -> Next:
    call.flow = call.flow.with_draft(situation=text)
    return Step.CARD


def keep_opinion(call: StepCall, text: str) -> Next:
    call.flow = call.flow.with_ui(pending_opinion=text)
    return Step.OPINION_CATEGORY


async def tap_category(call: StepCall, tap: FlowTap) -> Next:
    f = call.flow
    if tap.action != "back":
        category = tap.int_arg()
        pending = f.ui.pending_opinion
        if pending and category in {c.id for c in call.campaign.categories}:
            f = f.with_draft(opinions=(*f.draft.opinions, OpinionDraft(text=pending, category_id=category)))
    call.flow = f.with_ui(pending_opinion=None)
    return Step.CARD


async def tap_follow_up(call: StepCall, tap: FlowTap) -> Next:
    if tap.action == "set":
        try:
            wish = FollowUpWish(tap.arg())
        except ValueError:
            return Step.FOLLOW_UP
        if wish is FollowUpWish.DATE:
            return Step.FOLLOW_UP_DATE
        call.flow = call.flow.with_draft(follow_up=wish, follow_up_date=None)
    return Step.CARD


async def tap_follow_up_date(call: StepCall, tap: FlowTap) -> Next:
    return Step.FOLLOW_UP


async def typed_follow_up_date(call: StepCall, text: str) -> Next:
    tr, today = call.tr, call.today
    typed = parse_typed_date(text, today)
    if typed is None:
        await call.notice(
            tr.gettext("I could not read that date. Please type it like {example}.").format(
                example=today.isoformat()
            )
        )
        return Step.FOLLOW_UP_DATE
    visit_date = call.flow.draft.date_on(today)
    if typed <= visit_date:
        await call.notice(
            tr.gettext("The follow-up must come after the visit ({date}).").format(
                date=visit_date.isoformat()
            )
        )
        return Step.FOLLOW_UP_DATE
    call.flow = call.flow.with_draft(follow_up=FollowUpWish.DATE, follow_up_date=typed)
    return Step.CARD


def keep_notes(call: StepCall, text: str) -> Next:
    call.flow = call.flow.with_draft(private_notes=text)
    return Step.CARD
