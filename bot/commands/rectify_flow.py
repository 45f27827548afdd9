"""Creating a rectification item step by step, and the typed answers the 整改 buttons ask for.

A leader creates an item (from ``/rectify`` or from opinions picked in ``/opinions``): title, a public
title they confirm names no student, goal, measures, a unit (optional) and the staff member who answers
for it, deadline (buttons or a typed date), level; the owner (and, for an escalated item, the district
office) is told privately. :func:`typed_text` runs before the other handlers and only when an answer is
awaited (the item's texts, a dismissal's reason, a done note, a comment); any command forgets it.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot import awaiting, edges
from bot.callback_data import ITEM_FLOW, BadCallbackData, RectifyTap, rectify_data
from bot.context import BotContext, scope_or_explain
from bot.dates import parse_deadline
from bot.i18n import N_, Translator
from bot.keyboards import Button, grid, inline
from bot.rectify_notify import FLOW, INPUT, notify, office, stamp, today, user_data
from bot.rectify_text import item_buttons, item_card, markup, refusal
from bot.taps import person_tap
from bot.text import esc, expired_text
from store.opinions import OpinionRejected, dismiss
from store.rectification import (
    ItemDraft,
    ItemLevel,
    ItemRejected,
    ItemStatus,
    create_item,
    district_answer,
    owner_update,
    review,
)
from store.rectification_people import item_deciders, possible_owners
from store.scopes import Scope

TEXT_STEPS = ("title", "public", "goal", "measures", "unit", "deadline")


async def start_item_flow(
    update: Update, context: BotContext, tr: Translator, scope: Scope, opinion_ids: list[int]
) -> None:
    """Begin a new item (answering ``opinion_ids``), asking for its title."""
    chat = update.effective_chat
    if chat is None:
        return
    if not scope.may_manage_rectification_of(scope.school_id):
        await context.bot.send_message(chat.id, refusal(tr, "not_allowed"))
        return
    user_data(context).pop(INPUT, None)
    awaiting.ask(context, awaiting.RECTIFY)
    user_data(context)[FLOW] = {
        "step": "title",
        "nonce": secrets.token_hex(3),
        "opinions": opinion_ids,
        "d": {},
    }
    intro = (
        tr.gettext("New rectification item, answering opinions {ids}.").format(
            ids=", ".join(f"#{i}" for i in opinion_ids)
        )
        if opinion_ids
        else tr.gettext("New rectification item.")
    )
    await context.bot.send_message(
        chat.id, intro + "\n" + tr.gettext("Its title? (seen by leaders and the owner)")
    )


def _flow_button(flow: dict[str, Any], label: str, action: str, *args: object) -> Button:
    return (label, rectify_data(ITEM_FLOW, action, flow["nonce"], *args))


async def _ask(context: BotContext, chat_id: int, tr: Translator, flow: dict[str, Any]) -> None:
    """Ask for the flow's current step."""
    _ = tr.gettext
    step = flow["step"]
    rows: list[list[Button]] = []
    if step == "public":
        text = _("A public title for groups and the board. It must name no student.")
    elif step == "confirm":
        text = _("Public title: {title}\nDoes it name no student or teacher who raised it?").format(
            title=esc(flow["d"]["public"])
        )
        rows = [
            [_flow_button(flow, _("✅ It names no one"), "pub"), _flow_button(flow, _("✏ Rewrite"), "rw")]
        ]
    elif step == "goal":
        text = _("The goal?")
    elif step == "measures":
        text = _("The measures?")
    elif step == "unit":
        text = _("A responsible unit (such as 總務處)? Type it, or tap the button if a person answers alone.")
        rows = [[_flow_button(flow, _("No unit: a person"), "nou")]]
    elif step == "owner":
        text = _("Who answers for it (and gets the messages)?")
        scope_school = flow["school"]
        async with context.session() as session:
            owners = await possible_owners(session=session, school_id=scope_school)
        rows = grid([_flow_button(flow, o.name, "own", o.id) for o in owners], 3)
    elif step == "deadline":
        text = _("The deadline? Tap one, or type a date such as 12-20.")
        rows = [[_flow_button(flow, _("in {n} days").format(n=n), "dl", n) for n in (7, 14, 30)]]
    else:
        text = _("School level, or escalate to the district office?")
        rows = [[_flow_button(flow, _("🏫 School"), "lv", 0), _flow_button(flow, _("⬆ District"), "lv", 1)]]
    await context.bot.send_message(chat_id, text, reply_markup=inline(rows) if rows else None)


async def flow_tapped(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    tapped = await person_tap(update, context, RectifyTap, ITEM_FLOW.name)
    if chat is None or tapped is None:
        return
    query, tap, tr, scope = tapped.query, tapped.tap, tapped.tr, tapped.scope
    if tap.action == "new":
        await edges.answer(query)
        await start_item_flow(update, context, tr, scope, [])
        return
    flow = user_data(context).get(FLOW)
    if not flow or not tap.args or tap.arg(0) != flow["nonce"]:
        await edges.answer(query, expired_text(tr))
        return
    awaiting.ask(context, awaiting.RECTIFY)  # the latest button: the flow's next typed answer is its
    try:
        await edges.answer(query)
        await edges.edit_keyboard(query, None)
        step = flow["step"]
        if tap.action == "pub" and step == "confirm":
            flow["step"] = "goal"
        elif tap.action == "rw" and step == "confirm":
            flow["step"] = "public"
        elif tap.action == "nou" and step == "unit":
            flow["d"]["unit"] = None
            flow["step"] = "owner"
        elif tap.action == "own" and step == "owner":
            flow["d"]["owner"] = tap.int_arg(1)
            flow["step"] = "deadline"
        elif tap.action == "dl" and step == "deadline":
            flow["d"]["deadline"] = (today(context) + timedelta(days=tap.int_arg(1))).isoformat()
            flow["step"] = "level"
        elif tap.action == "lv" and step == "level":
            await _save(
                update, context, tr, scope, flow, ItemLevel.DISTRICT if tap.int_arg(1) else ItemLevel.SCHOOL
            )
            return
        else:
            await edges.answer(query, expired_text(tr))
            return
        flow["school"] = scope.school_id
        await _ask(context, chat.id, tr, flow)
    except (BadCallbackData, ValueError, IndexError):
        await edges.answer(query, expired_text(tr))


async def _save(
    update: Update, context: BotContext, tr: Translator, scope: Scope, flow: dict[str, Any], level: ItemLevel
) -> None:
    chat = update.effective_chat
    assert chat is not None
    d = flow["d"]
    draft = ItemDraft(
        title=d["title"],
        public_title=d["public"],
        goal=d["goal"],
        measures=d["measures"],
        owner_staff_id=int(d["owner"]),
        owner_unit=d.get("unit"),
        deadline=date.fromisoformat(d["deadline"]),
        level=level,
        opinion_ids=tuple(int(i) for i in flow["opinions"]),
    )
    try:
        async with context.session() as session:
            item = await create_item(session=session, scope=scope, draft=draft, now=context.clock.now())
    except (ItemRejected, OpinionRejected) as exc:
        user_data(context).pop(FLOW, None)
        await context.bot.send_message(chat.id, refusal(tr, exc.code))
        return
    user_data(context).pop(FLOW, None)
    await context.bot.send_message(
        chat.id,
        tr.gettext("💾 Saved.") + "\n" + item_card(tr, item),
        reply_markup=markup(item_buttons(tr, item, scope)),
    )
    services = context.services
    await notify(
        services,
        [item.owner_staff_id],
        "item_assigned",
        stamp(item),
        item,
        N_("🛠 A rectification item is yours:"),
    )
    if level is ItemLevel.DISTRICT:
        await notify(
            services,
            await office(services),
            "item_escalated",
            stamp(item),
            item,
            N_("⬆ A school escalates a rectification item to the district office:"),
        )


# --- typed answers -----------------------------------------------------------------------------------------


async def typed_text(update: Update, context: BotContext) -> None:
    """A typed answer the item flow or a button asked for; anything else goes on to the other handlers."""
    message = update.effective_message
    data = context.user_data
    if message is None or message.text is None or data is None or (FLOW not in data and INPUT not in data):
        return
    if not awaiting.asked_by(context, awaiting.RECTIFY):
        data.pop(INPUT, None)  # another feature asked since: the 整改 question gives way
        data.pop(FLOW, None)
        return
    tr = await context.tr(update)
    scope = await scope_or_explain(update, context)
    if scope is None:
        raise ApplicationHandlerStop
    text = message.text.strip()
    if INPUT in data:
        await _answer_input(update, context, tr, scope, data.pop(INPUT), text)
        raise ApplicationHandlerStop
    flow = data[FLOW]
    step = flow["step"]
    if step not in TEXT_STEPS:
        await message.reply_text(tr.gettext("Please use the buttons above."))
        raise ApplicationHandlerStop
    flow["school"] = scope.school_id
    if step == "deadline":
        day = parse_deadline(text, today(context))
        if day is None:
            await message.reply_text(
                tr.gettext("I could not read that date; type it as 12-20 or 2026-12-20.")
            )
            raise ApplicationHandlerStop
        flow["d"]["deadline"] = day.isoformat()
        flow["step"] = "level"
    else:
        key = {"title": "title", "public": "public", "goal": "goal", "measures": "measures", "unit": "unit"}[
            step
        ]
        flow["d"][key] = text[:200]
        flow["step"] = {
            "title": "public",
            "public": "confirm",
            "goal": "measures",
            "measures": "unit",
            "unit": "owner",
        }[step]
    data[FLOW] = flow
    await _ask(context, message.chat_id, tr, flow)
    raise ApplicationHandlerStop


async def _answer_input(
    update: Update, context: BotContext, tr: Translator, scope: Scope, pending: dict[str, Any], text: str
) -> None:
    message = update.effective_message
    assert message is not None
    now = context.clock.now()
    services = context.services
    kind, target = pending.get("kind"), int(pending.get("id", 0))
    try:
        async with context.session() as session:
            if kind == "dismiss":
                await dismiss(session=session, scope=scope, opinion_id=target, reason=text, now=now)
                await message.reply_text(
                    tr.gettext("🗑 Opinion #{id} dismissed: {reason}").format(id=target, reason=esc(text))
                )
                return
            if kind == "done":
                item, changed = await owner_update(
                    session=session, scope=scope, item_id=target, status=ItemStatus.DONE, note=text, now=now
                )
                headline = N_("✅ Done, please verify:")
                to = await item_deciders(session=session, item=item)
            elif kind == "back":
                item, changed = await review(
                    session=session, scope=scope, item_id=target, verify=False, comment=text, now=now
                )
                headline, to = N_("↩ Sent back:"), [item.owner_staff_id]
            elif kind == "ret":
                item, changed = await district_answer(
                    session=session, scope=scope, item_id=target, action="return", comment=text, now=now
                )
                headline = N_("⤵ The district office returned an item to the school:")
                to = await item_deciders(session=session, item=item)
            else:
                return
    except (ItemRejected, OpinionRejected) as exc:
        await message.reply_text(refusal(tr, exc.code))
        return
    await message.reply_text(item_card(tr, item), reply_markup=markup(item_buttons(tr, item, scope)))
    if changed:
        await notify(services, to, "item_update", stamp(item), item, headline, exclude=scope.staff_id)


def handlers() -> list[CallbackQueryHandler[BotContext, None]]:
    return [CallbackQueryHandler(flow_tapped, pattern=ITEM_FLOW.pattern)]


def input_handler() -> MessageHandler[BotContext, None]:
    """Typed answers; registered in a group before the others (it stops them only when it answers)."""
    return MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed_text)


async def forget_pending(update: Update, context: BotContext) -> None:
    """Any command ends a typed answer the 整改 buttons were waiting for (so a reason asked for before
    /visit is not taken from the visit's typing)."""
    if context.user_data is not None:
        context.user_data.pop(INPUT, None)
        context.user_data.pop(FLOW, None)


def command_resets_handler() -> MessageHandler[BotContext, None]:
    """Registered in a group of its own before :func:`input_handler`; never stops an update."""
    return MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, forget_pending)
