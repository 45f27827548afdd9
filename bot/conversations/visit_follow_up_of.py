"""The visit flow's "this is the follow-up of …" step: when a new visit is with someone its visitor owes
a follow-up (回訪), Save first asks whether this visit is it; the answer is kept in the flow's UI state
and saving the visit closes the follow-ups chosen (:func:`bot.conversations.visit_card.save`)."""

from __future__ import annotations

from typing import Any

from bot.callback_data import FlowTap
from bot.conversations.visit_flow import Next, StepCall
from bot.conversations.visit_state import Step
from bot.conversations.visit_views import View, back_only, step_button
from bot.keyboards import inline
from bot.text import esc
from store.followups import FollowUpInfo, open_for


async def owed(call: StepCall) -> list[FollowUpInfo]:
    """The open follow-ups this visitor owes the people of the visit (none when editing)."""
    d = call.flow.draft
    if call.flow.ui.edit_id is not None or not d.visitee_ids:
        return []
    async with call.context.session() as session:
        return await open_for(session=session, scope=call.scope, kind=d.kind, person_ids=list(d.visitee_ids))


def render_owed(call: StepCall, follow_ups: Any) -> View:
    tr, f = call.tr, call.flow
    lines = [tr.gettext("Is this visit the follow-up of an earlier one?")]
    lines += [
        tr.gettext("🔁 {name}: visit of {visit}, due {due}").format(
            name=esc(x.person_name), visit=x.visit_date.isoformat(), due=x.due_date.isoformat()
        )
        for x in follow_ups
    ]
    rows = [
        [
            step_button(
                tr.gettext("✅ The follow-up of {name}").format(name=x.person_name),
                f,
                Step.FOLLOW_UP_OF,
                "fu",
                x.id,
            )
        ]
        for x in follow_ups[:8]
    ]
    if len(follow_ups) > 1:
        rows.append([step_button(tr.gettext("✅ Of all of them"), f, Step.FOLLOW_UP_OF, "all")])
    rows.append([step_button(tr.gettext("💾 No, just save"), f, Step.FOLLOW_UP_OF, "save")])
    rows.append(back_only(tr, f, Step.FOLLOW_UP_OF))
    return "\n".join(lines), inline(rows)


async def tap_owed(call: StepCall, tap: FlowTap) -> Next:
    from bot.conversations.visit_card import save  # the card imports this module: import when tapped

    if tap.action == "back":
        return Step.CARD
    if tap.action == "fu":
        call.flow = call.flow.with_ui(closing=(tap.int_arg(),))
    elif tap.action == "all":
        call.flow = call.flow.with_ui(closing=tuple(x.id for x in await owed(call)))
    elif tap.action != "save":
        return Step.FOLLOW_UP_OF
    return await save(call)
