"""``/rectify``: rectification items (整改) in private chat.

The list shows the items of the leader's school, those the person owns, and for the district office the
escalated ones; each opens as a card with what its reader may do: the owner starts and finishes it
(done with a typed note), leaders verify or send back (with a comment), the district office accepts,
reassigns or returns escalated items. Each change tells the others privately through the outbox.
Creating an item, and the typed answers, live in :mod:`bot.commands.rectify_flow`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot import awaiting, edges
from bot.callback_data import ITEM, ITEM_FLOW, BadCallbackData, RectifyTap, rectify_data
from bot.context import BotContext, scope_or_explain
from bot.i18n import N_, Translator
from bot.keyboards import Button, grid, inline
from bot.rectify_notify import FLOW, INPUT, deciders, notify, stamp, user_data
from bot.rectify_text import STATUS, item_buttons, item_card, markup, refusal
from bot.taps import person_tap, settle
from bot.text import esc
from store.rectification import (
    ItemInfo,
    ItemRejected,
    ItemStatus,
    district_answer,
    get_item,
    items_for,
    owner_update,
    review,
)
from store.rectification_people import possible_owners
from store.scopes import Scope

# --- the list and the cards ---------------------------------------------------------------------------


async def rectify_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    tr = await context.tr(update)
    scope = await scope_or_explain(update, context)
    if scope is None:
        return
    user_data(context).pop(INPUT, None)
    user_data(context).pop(FLOW, None)
    async with context.session() as session:
        items = await items_for(session=session, scope=scope)
    leader = scope.may_manage_rectification_of(scope.school_id)
    if not items and not leader and not scope.handles_escalations:
        await message.reply_text(refusal(tr, "not_allowed"))
        return
    _ = tr.gettext
    lines = [_("🛠 <b>Rectification items</b>")]
    rows: list[list[Button]] = []
    for item in items:
        lines.append(
            _("#{id} {title} — {owner}, by {deadline}: {status}").format(
                id=item.id,
                title=esc(item.title),
                owner=esc(item.owner_label),
                deadline=item.deadline.isoformat(),
                status=tr.gettext(STATUS[item.status]),
            )
        )
    rows += grid([(f"#{i.id}", rectify_data(ITEM, "show", i.id)) for i in items], 5)
    if not items:
        lines.append(_("No items yet."))
    if leader:
        rows.append([(_("➕ New item"), rectify_data(ITEM_FLOW, "new", 0))])
    await message.reply_text("\n".join(lines), reply_markup=inline(rows))


async def _show_item(
    update: Update, context: BotContext, tr: Translator, scope: Scope, item: ItemInfo, note: str | None = None
) -> None:
    query = update.callback_query
    assert query is not None
    await edges.answer(query, note)
    await edges.edit_text(query, item_card(tr, item), markup(item_buttons(tr, item, scope)))


async def item_tapped(update: Update, context: BotContext) -> None:
    tapped = await person_tap(update, context, RectifyTap, ITEM.name)
    if tapped is None:
        return
    tr = tapped.tr
    await settle(tapped, _item_action(update, context, tr, tapped.scope, tapped.tap), ItemRejected,
                 lambda exc: refusal(tr, exc.code))


async def _item_action(
    update: Update, context: BotContext, tr: Translator, scope: Scope, tap: RectifyTap
) -> None:
    query = update.callback_query
    assert query is not None
    _ = tr.gettext
    now = context.clock.now()
    item_id = tap.int_arg(0)
    services = context.services
    async with context.session() as session:
        item = await get_item(session=session, scope=scope, item_id=item_id)
    ask = {
        "done": _("What was done? Write a short note for the leaders."),
        "back": _("Why is it sent back? Write a comment for the owner."),
        "ret": _("Why does it go back to the school? Write a comment."),
    }
    if tap.action == "show":
        await _show_item(update, context, tr, scope, item)
    elif tap.action in ask:
        allowed = {
            "done": item.owner_staff_id == scope.staff_id,
            "back": scope.may_manage_rectification_of(item.school_id),
            "ret": scope.handles_escalations,
        }[tap.action]
        if not allowed:
            raise ItemRejected("not_allowed")
        user_data(context)[INPUT] = {"kind": tap.action, "id": item_id}
        awaiting.ask(context, awaiting.RECTIFY)
        await edges.answer(query)
        await edges.edit_text(query, item_card(tr, item) + "\n\n" + ask[tap.action], None)
    elif tap.action == "go":
        async with context.session() as session:
            item, changed = await owner_update(
                session=session, scope=scope, item_id=item_id, status=ItemStatus.IN_PROGRESS, note="", now=now
            )
        await _show_item(update, context, tr, scope, item)
    elif tap.action == "ok":
        async with context.session() as session:
            item, changed = await review(
                session=session, scope=scope, item_id=item_id, verify=True, comment="", now=now
            )
        await _show_item(update, context, tr, scope, item, None if changed else _("Already decided."))
        if changed:
            await notify(services, [item.owner_staff_id], "item_update", stamp(item), item, N_("✔ Verified:"))
    elif tap.action == "acc":
        async with context.session() as session:
            item, changed = await district_answer(
                session=session, scope=scope, item_id=item_id, action="accept", now=now
            )
        await _show_item(update, context, tr, scope, item)
        if changed:
            await notify(
                services,
                await deciders(services, item),
                "item_update",
                stamp(item),
                item,
                N_("👍 The district office accepted an escalated item:"),
            )
    elif tap.action == "re":
        if not scope.handles_escalations:
            raise ItemRejected("not_allowed")
        async with context.session() as session:
            owners = await possible_owners(session=session, school_id=item.school_id)
        await edges.answer(query)
        await edges.edit_text(
            query,
            _("Who answers for #{id} now?").format(id=item_id),
            inline(grid([(o.name, rectify_data(ITEM, "ro", item_id, o.id)) for o in owners], 3)),
        )
    elif tap.action == "ro":
        async with context.session() as session:
            item, changed = await district_answer(
                session=session,
                scope=scope,
                item_id=item_id,
                action="reassign",
                owner_staff_id=tap.int_arg(1),
                now=now,
            )
        await _show_item(update, context, tr, scope, item)
        if changed:
            await notify(
                services,
                [item.owner_staff_id],
                "item_assigned",
                stamp(item),
                item,
                N_("🛠 A rectification item is now yours:"),
            )
    else:
        raise BadCallbackData(tap.action)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("rectify", rectify_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(item_tapped, pattern=ITEM.pattern),
    ]
