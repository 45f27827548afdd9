"""The visit flow's steps, each declared once: what it loads (one store read at most), how it renders,
what a tap does and what typed text does. A tap or text returns the step to show next (or END after
answering itself, as Save and Cancel do); the runner (:mod:`bot.conversations.visit_run`) shows it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.callback_data import FlowTap
from bot.conversations import visit_views as views
from bot.conversations.visit_card import (
    back_from_situation,
    back_to_card,
    keep_notes,
    keep_opinion,
    keep_situation,
    load_colleagues,
    load_labels,
    render_card,
    tap_card,
    tap_category,
    tap_co_visitors,
    tap_date,
    tap_follow_up,
    tap_follow_up_date,
    tap_place,
    typed_date,
    typed_follow_up_date,
)
from bot.conversations.visit_flow import Next, StepCall, cancel
from bot.conversations.visit_follow_up_of import owed, render_owed, tap_owed
from bot.conversations.visit_state import MAX_NOTES, MAX_OPINION, MAX_QUERY, MAX_SITUATION, Step, toggled
from bot.i18n import N_
from store.campaign import TopicInfo
from store.flow_views import may_pick, people_to_pick
from store.people import visitable_classes
from store.school_settings import school_outline, topic_names
from store.vocab import VisitForm, VisitKind

Loader = Callable[[StepCall], Awaitable[Any]]
Renderer = Callable[[StepCall, Any], views.View]
TapRule = Callable[[StepCall, FlowTap], Awaitable[Next]]
TextRule = Callable[[StepCall, str], Awaitable[Next]]


@dataclass(frozen=True)
class StepSpec:
    load: Loader
    render: Renderer
    tap: TapRule
    text: TextRule | None = None  # None: "please use the buttons"


async def nothing(call: StepCall) -> None:
    return None


# --- class ------------------------------------------------------------------------------------------


async def load_classes(call: StepCall) -> Any:
    async with call.context.session() as session:
        return await visitable_classes(session=session, scope=call.scope)


async def tap_class(call: StepCall, tap: FlowTap) -> Next:
    class_id = tap.int_arg()
    if not call.scope.may_visit_class(class_id):
        return Step.CLASS
    call.flow = call.flow.with_draft(class_id=class_id, visitee_ids=()).with_ui(page=0, query=None)
    return Step.PEOPLE


# --- people -----------------------------------------------------------------------------------------


async def load_people(call: StepCall, query: str | None = None) -> Any:
    async with call.context.session() as session:
        return await people_to_pick(
            session=session,
            scope=call.scope,
            kind=call.flow.kind,
            class_id=call.flow.draft.class_id,
            query=query,
        )


async def load_shown_people(call: StepCall) -> Any:
    return await load_people(call, call.flow.ui.query)


async def _pickable(call: StepCall, person: int) -> bool:
    f = call.flow
    async with call.context.session() as session:
        return await may_pick(
            session=session, scope=call.scope, kind=f.kind, class_id=f.draft.class_id, person_id=person
        )


async def tap_people(call: StepCall, tap: FlowTap) -> Next:
    f = call.flow
    if tap.action == "back":
        if f.kind is VisitKind.STUDENT and f.ui.several_classes:
            return Step.CLASS
        return await cancel(call.update, call.context)
    if tap.action == "page":
        call.flow = f.with_ui(page=max(0, tap.int_arg()))
    elif tap.action == "group":
        call.flow = f.with_ui(several=True)
    elif tap.action == "clear":
        call.flow = f.with_ui(query=None, page=0)
    elif tap.action == "pick":
        person = tap.int_arg()
        if not await _pickable(call, person):
            return Step.PEOPLE
        call.flow = f.with_draft(visitee_ids=(person,))
        return Step.FORM
    elif tap.action == "toggle":
        person = tap.int_arg()
        if await _pickable(call, person):
            call.flow = f.with_draft(visitee_ids=toggled(f.draft.visitee_ids, person))
    elif tap.action == "next":
        if f.draft.visitee_ids:
            return Step.FORM
        await call.notice(call.tr.gettext("Choose at least one person first."))
    return Step.PEOPLE


def keep_search(call: StepCall, text: str) -> Next:
    call.flow = call.flow.with_ui(query=text, page=0)
    return Step.PEOPLE


# --- form and topics ----------------------------------------------------------------------------------


async def tap_form(call: StepCall, tap: FlowTap) -> Next:
    if tap.action == "back":
        return Step.PEOPLE
    try:
        form = VisitForm(tap.arg())
    except ValueError:
        return Step.FORM
    call.flow = call.flow.with_draft(form=form, place=None)  # the new form implies its own place
    return Step.TOPICS


async def load_topics(call: StepCall) -> Any:
    """The school's outline (its own topics, else the campaign's), and any topic the draft has that
    is no longer on it (a saved visit being edited), so it can be unticked."""
    chosen = call.flow.draft.topic_ids
    async with call.context.session() as session:
        outline = await school_outline(session=session, campaign=call.campaign,
                                       school_id=call.scope.school_id, audience=call.flow.kind)
        listed = {t.id for t in outline.topics}
        gone = [t for t in chosen if t not in listed]
        names = await topic_names(session=session, topic_ids=gone) if gone else {}
    return (*outline.topics, *(TopicInfo(id=t, name=n, audience=call.flow.kind) for t, n in names.items()))


async def tap_topics(call: StepCall, tap: FlowTap) -> Next:
    if tap.action == "back":
        return Step.FORM
    if tap.action == "next":
        return Step.CARD
    topic = tap.int_arg()
    if topic in call.flow.draft.topic_ids or topic in {t.id for t in await load_topics(call)}:
        call.flow = call.flow.with_draft(topic_ids=toggled(call.flow.draft.topic_ids, topic))
    return Step.TOPICS


def render_prompt(step: Step, prompt: str, **values: Any) -> Renderer:
    def render(call: StepCall, loaded: Any) -> views.View:
        extra = []
        if step is Step.NOTES and call.flow.draft.private_notes:
            extra = [views.step_button(call.tr.gettext("🗑 Clear notes"), call.flow, step, "clear")]
        if step is Step.SITUATION and call.flow.draft.situation:
            extra = [views.step_button(call.tr.gettext("🗑 Clear the situation"), call.flow, step, "clear")]
        text = call.tr.gettext(prompt).format(**{k: v(call) if callable(v) else v for k, v in values.items()})
        return views.prompt_step(call.tr, call.flow, step, text, extra)

    return render


def _bounded(limit: int, too_long: str, keep: Callable[[StepCall, str], Next], step: Step) -> TextRule:
    async def on_text(call: StepCall, text: str) -> Next:
        if len(text) > limit:
            await call.notice(call.tr.gettext(too_long).format(n=len(text), limit=limit))
            return step
        return keep(call, text)

    return on_text


STEPS: dict[Step, StepSpec] = {
    Step.CLASS: StepSpec(load_classes, lambda c, classes: views.class_step(c.tr, c.flow, classes), tap_class),
    Step.PEOPLE: StepSpec(
        load_shown_people,
        lambda c, choice: views.people_step(c.tr, c.flow, choice.people, choice.class_name),
        tap_people,
        _bounded(
            MAX_QUERY,
            N_("That search is too long ({n} characters, at most {limit}); type a part of the name."),
            keep_search,
            Step.PEOPLE,
        ),
    ),
    Step.FORM: StepSpec(nothing, lambda c, _: views.form_step(c.tr, c.flow), tap_form),
    Step.TOPICS: StepSpec(
        load_topics, lambda c, topics: views.topics_step(c.tr, c.flow, topics), tap_topics
    ),
    Step.CARD: StepSpec(load_labels, render_card, tap_card),
    Step.PLACE: StepSpec(nothing, lambda c, _: views.place_step(c.tr, c.flow), tap_place),
    Step.DATE: StepSpec(
        nothing,
        lambda c, _: views.date_step(c.tr, c.flow, c.today, c.campaign.config.start),
        tap_date,
        typed_date,
    ),
    Step.CO_VISITORS: StepSpec(
        load_colleagues, lambda c, staff: views.co_visitor_step(c.tr, c.flow, staff), tap_co_visitors
    ),
    Step.OPINION_TEXT: StepSpec(
        nothing,
        render_prompt(
            Step.OPINION_TEXT,
            N_("Type the opinion or suggestion that was raised (up to {n} characters)."),
            n=MAX_OPINION,
        ),
        back_to_card,
        _bounded(
            MAX_OPINION,
            N_("That is {n} characters; an opinion may have at most {limit}. Please shorten it."),
            keep_opinion,
            Step.OPINION_TEXT,
        ),
    ),
    Step.OPINION_CATEGORY: StepSpec(
        nothing, lambda c, _: views.category_step(c.tr, c.flow, c.campaign), tap_category
    ),
    Step.FOLLOW_UP: StepSpec(nothing, lambda c, _: views.follow_up_step(c.tr, c.flow), tap_follow_up),
    Step.FOLLOW_UP_DATE: StepSpec(
        nothing,
        render_prompt(
            Step.FOLLOW_UP_DATE,
            N_("Type the date of the follow-up visit, like {example}."),
            example=lambda c: c.today.isoformat(),
        ),
        tap_follow_up_date,
        typed_follow_up_date,
    ),
    Step.NOTES: StepSpec(
        nothing,
        render_prompt(
            Step.NOTES,
            N_("Type your private notes (only you will see them; up to {n} characters)."),
            n=MAX_NOTES,
        ),
        back_to_card,
        _bounded(
            MAX_NOTES,
            N_("That is {n} characters; notes may have at most {limit}. Please shorten them."),
            keep_notes,
            Step.NOTES,
        ),
    ),
    Step.FOLLOW_UP_OF: StepSpec(owed, render_owed, tap_owed),
    # Optional, from the card (so a one-on-one visit takes no more taps): shareable, unlike notes.
    Step.SITUATION: StepSpec(
        nothing,
        render_prompt(
            Step.SITUATION,
            N_("Type the situation of the visit, as the paper form's 情況 box records it (up to {n} "
               "characters). Unlike private notes, the school's leaders and the archive see it."),
            n=MAX_SITUATION,
        ),
        back_from_situation,
        _bounded(
            MAX_SITUATION,
            N_("That is {n} characters; the situation may have at most {limit}. Please shorten it."),
            keep_situation,
            Step.SITUATION,
        ),
    ),
}


# Every step declared: a missing one is a bug found at import, not in a teacher's chat.
assert set(STEPS) == set(Step), set(Step) - set(STEPS)
