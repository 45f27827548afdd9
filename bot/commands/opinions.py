"""``/opinions``: the opinion inbox of a school's leaders and middle cadres (private chat).

Pages through the school's opinions, filtered by category and status; each opinion's buttons change
its category, merge it into another, dismiss it (the reason is typed next) or pick it for a new
rectification item. Who raised an opinion is shown only to staff entitled to that class (the store
decides). The filter and the picked opinions live in ``user_data``.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import awaiting, edges
from bot.callback_data import OPINIONS, BadCallbackData, RectifyTap, rectify_data
from bot.commands.rectify_flow import start_item_flow
from bot.context import BotContext, scope_or_explain
from bot.i18n import N_, Translator
from bot.keyboards import Button, grid, inline
from bot.rectify_text import refusal
from bot.taps import person_tap, settle
from bot.text import esc
from store.campaign import current_campaign
from store.opinions import (
    OpinionInfo,
    OpinionPage,
    OpinionRejected,
    OpinionStatus,
    get_opinions,
    inbox,
    merge,
    set_category,
)
from store.scopes import Scope

STATUSES = [None, OpinionStatus.NEW, OpinionStatus.MERGED, OpinionStatus.DISMISSED, OpinionStatus.ITEMISED]
STATUS_LABELS = {
    OpinionStatus.NEW: N_("new"),
    OpinionStatus.MERGED: N_("merged"),
    OpinionStatus.DISMISSED: N_("dismissed"),
    OpinionStatus.ITEMISED: N_("in an item"),
}
INBOX = "inbox"  # user_data: {"page", "cat", "st", "picked"}
INPUT = "rectify_input"  # user_data: what the next typed text is for (bot/commands/rectify_input.py)


def state(context: BotContext) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    return data.setdefault(INBOX, {"page": 0, "cat": 0, "st": 0, "picked": []})


def _line(tr: Translator, o: OpinionInfo, picked: bool) -> str:
    _ = tr.gettext
    status = _(STATUS_LABELS[o.status])
    if o.status is OpinionStatus.MERGED and o.merged_into_id:
        status = _("merged into #{id}").format(id=o.merged_into_id)
    elif o.status is OpinionStatus.DISMISSED:
        status = _("dismissed: {reason}").format(reason=esc(o.dismissed_reason or ""))
    text = _("{mark}#{id} [{category}] {status}: {text}").format(
        mark="☑ " if picked else "",
        id=o.id,
        category=esc(o.category_name or _("no category")),
        status=status,
        text=esc(o.text),
    )
    if o.raised_by:
        text += "\n" + _("   raised by {names} ({date})").format(
            names=esc(_(", ").join(o.raised_by)), date=o.visit_date.isoformat()
        )
    return text


async def render(context: BotContext, scope: Scope, tr: Translator) -> tuple[str, list[list[Button]]]:
    """The inbox page the filter in ``user_data`` asks for."""
    _ = tr.gettext
    st = state(context)
    async with context.session() as session:
        campaign = await current_campaign(session=session)
        cat = int(st["cat"])
        page: OpinionPage = await inbox(
            session=session,
            scope=scope,
            page=int(st["page"]),
            category_id=cat if cat > 0 else None,
            uncategorised=cat < 0,
            status=STATUSES[int(st["st"]) % len(STATUSES)],
        )
    categories = campaign.categories if campaign else []
    picked = set(st["picked"])
    lines = [
        _("📥 <b>Opinions</b> — page {page} of {pages}, {total} in all").format(
            page=page.page + 1, pages=page.pages, total=page.total
        )
    ]
    rows: list[list[Button]] = []
    for o in page.opinions:
        lines.append(_line(tr, o, o.id in picked))
        if o.status is OpinionStatus.NEW:
            rows.append(
                [
                    (_("🏷 #{id}").format(id=o.id), rectify_data(OPINIONS, "cat", o.id)),
                    (_("🔗 #{id}").format(id=o.id), rectify_data(OPINIONS, "mrg", o.id)),
                    (_("🗑 #{id}").format(id=o.id), rectify_data(OPINIONS, "dis", o.id)),
                    (_("☑ #{id}").format(id=o.id), rectify_data(OPINIONS, "sel", o.id)),
                ]
            )
    if not page.opinions:
        lines.append(_("No opinions here."))
    nav = []
    if page.page > 0:
        nav.append((_("◀"), rectify_data(OPINIONS, "pg", page.page - 1, st["cat"], st["st"])))
    if page.page + 1 < page.pages:
        nav.append((_("▶"), rectify_data(OPINIONS, "pg", page.page + 1, st["cat"], st["st"])))
    rows.append(nav)
    filters_row = [
        (_("All categories"), rectify_data(OPINIONS, "pg", 0, 0, st["st"])),
        (_("No category"), rectify_data(OPINIONS, "pg", 0, -1, st["st"])),
    ]
    filters_row += [(c.name, rectify_data(OPINIONS, "pg", 0, c.id, st["st"])) for c in categories]
    rows += grid(filters_row, 3)
    rows.append(
        [(_("All"), rectify_data(OPINIONS, "pg", 0, st["cat"], 0))]
        + [
            (_(STATUS_LABELS[s]), rectify_data(OPINIONS, "pg", 0, st["cat"], i))
            for i, s in enumerate(STATUSES)
            if s is not None
        ]
    )
    if picked:
        rows.append([(_("➕ Item from {n} picked").format(n=len(picked)), rectify_data(OPINIONS, "mk"))])
    return "\n".join(lines), rows


async def opinions_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    tr = await context.tr(update)
    scope = await scope_or_explain(update, context)
    if scope is None:
        return
    if not scope.may_manage_opinions_of(scope.school_id):
        await message.reply_text(refusal(tr, "not_allowed"))
        return
    assert context.user_data is not None
    context.user_data.pop(INPUT, None)
    state(context)["page"] = 0
    text, rows = await render(context, scope, tr)
    await message.reply_text(text, reply_markup=inline(rows))


async def opinions_tapped(update: Update, context: BotContext) -> None:
    tapped = await person_tap(update, context, RectifyTap, OPINIONS.name)
    if tapped is None:
        return
    tr, scope = tapped.tr, tapped.scope
    if not scope.may_manage_opinions_of(scope.school_id):
        await edges.answer(tapped.query, refusal(tr, "not_allowed"), show_alert=True)
        return
    await settle(tapped, _handle(update, context, tr, scope, tapped.tap), OpinionRejected,
                 lambda exc: refusal(tr, exc.code))


async def _show(
    update: Update, context: BotContext, tr: Translator, scope: Scope, note: str | None = None
) -> None:
    query = update.callback_query
    assert query is not None
    text, rows = await render(context, scope, tr)
    await edges.answer(query, note)
    await edges.edit_text(query, text, inline(rows))


async def _handle(update: Update, context: BotContext, tr: Translator, scope: Scope, tap: RectifyTap) -> None:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    _ = tr.gettext
    st = state(context)
    now = context.clock.now()
    if tap.action == "pg":
        st["page"], st["cat"], st["st"] = tap.int_arg(0), tap.int_arg(1), tap.int_arg(2)
        await _show(update, context, tr, scope)
    elif tap.action == "cat":
        oid = tap.int_arg(0)
        async with context.session() as session:
            campaign = await current_campaign(session=session)
        choices = [
            (c.name, rectify_data(OPINIONS, "setc", oid, c.id))
            for c in (campaign.categories if campaign else [])
        ]
        choices.append((_("No category"), rectify_data(OPINIONS, "setc", oid, 0)))
        await edges.answer(query)
        await edges.edit_text(
            query, _("Which category is opinion #{id}?").format(id=oid), inline(grid(choices, 2))
        )
    elif tap.action == "setc":
        cid = tap.int_arg(1)
        async with context.session() as session:
            await set_category(
                session=session, scope=scope, opinion_id=tap.int_arg(0), category_id=cid or None, now=now
            )
        await _show(update, context, tr, scope, _("Category changed."))
    elif tap.action == "mrg":
        oid = tap.int_arg(0)
        async with context.session() as session:
            page = await inbox(session=session, scope=scope, status=OpinionStatus.NEW, page=0)
        others = [
            (f"#{o.id} {o.text[:20]}", rectify_data(OPINIONS, "into", oid, o.id))
            for o in page.opinions
            if o.id != oid
        ]
        await edges.answer(query)
        await edges.edit_text(
            query, _("Opinion #{id} repeats which one?").format(id=oid), inline(grid(others, 1))
        )
    elif tap.action == "into":
        async with context.session() as session:
            await merge(
                session=session, scope=scope, opinion_id=tap.int_arg(0), into_id=tap.int_arg(1), now=now
            )
        await _show(update, context, tr, scope, _("Merged."))
    elif tap.action == "dis":
        oid = tap.int_arg(0)
        async with context.session() as session:
            found = await get_opinions(session=session, scope=scope, opinion_ids=[oid])
        if not found:
            raise OpinionRejected("not_found")
        if found[0].status is not OpinionStatus.NEW:
            raise OpinionRejected("handled")
        context.user_data[INPUT] = {"kind": "dismiss", "id": oid}
        awaiting.ask(context, awaiting.RECTIFY)
        await edges.answer(query)
        await edges.edit_text(
            query, _("Why is opinion #{id} dismissed? Write the reason.").format(id=oid), None
        )
    elif tap.action == "sel":
        oid = tap.int_arg(0)
        picked = list(st["picked"])
        st["picked"] = [p for p in picked if p != oid] if oid in picked else [*picked, oid]
        await _show(update, context, tr, scope)
    elif tap.action == "mk":
        await edges.answer(query)
        picked = list(st["picked"])
        st["picked"] = []
        await start_item_flow(update, context, tr, scope, picked)
    else:
        raise BadCallbackData(tap.action)


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("opinions", opinions_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(opinions_tapped, pattern=OPINIONS.pattern),
    ]
