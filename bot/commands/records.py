"""``/my`` and ``/myvisits``: a person's own classes and visits, in private chat only.

/my shows each class's figures and who is not visited yet; /myvisits lists the person's visits,
newest first, a page at a time, each with Edit (the visit conversation's own "ledit" button, without
the saved card's 48 hours) and Delete (asked again before anything changes). Groups get no names:
there both commands only say that the records are private.
"""

from __future__ import annotations

import math
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import edges
from bot.callback_data import BadCallbackData, decode, pattern
from bot.commands.records_views import (
    FAMILY,
    NO_ANCHOR,
    PAGE,
    UNKNOWN_ANCHOR,
    VisitPage,
    my_messages,
    page_view,
    visit_line,
)
from bot.commands.start import not_registered_text, scope_or_explain
from bot.context import BotContext
from bot.i18n import Translator
from bot.keyboards import button, inline
from bot.text import esc
from store.people import class_progress, interviewable_teachers
from store.scopes import Action, Scope
from store.visit_rules import VisitRejected
from store.visit_views import VisitDetails, get_visit, recent_visits
from store.visits import delete_visit

CONFIRM_TTL = timedelta(minutes=15)


async def _private_or_explain(update: Update, context: BotContext, command: str) -> bool:
    """True in a private chat; in a group, say these records are private (never a name there)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    tr = await context.tr(update)
    await message.reply_text(
        tr.gettext(
            "Your own classes and visits are private, so I show them only in a private chat. "
            "Open a chat with me, @{bot}, and send {command} there."
        ).format(bot=esc(context.bot.username), command=command)
    )
    return False


async def my_command(update: Update, context: BotContext) -> None:
    """``/my``: the person's classes, who is visited and who not yet; a cadre's interviews."""
    if not await _private_or_explain(update, context, "/my"):
        return
    scope = await scope_or_explain(update, context)
    message = update.effective_message
    if scope is None or message is None:
        return
    tr = await context.tr(update)
    async with context.store.sessions() as session:
        classes = await class_progress(session=session, scope=scope)
        teachers = (
            await interviewable_teachers(session=session, scope=scope)
            if scope.can(Action.RECORD_INTERVIEW) else None
        )
    target = context.services.campaign.config.targets.student_one_on_one
    for text in my_messages(tr, classes, teachers, target=target):
        await message.reply_text(text)


async def load_page(context: BotContext, scope: Scope, page: int, anchor: int) -> VisitPage:
    """Page ``page`` of the person's visits. Older pages are read after an anchor (stable while
    visits are added or deleted); going back to newer ones counts from the newest."""
    now = context.clock.now()
    async with context.store.sessions() as session:
        while True:
            if page <= 0:
                page, anchor = 0, NO_ANCHOR
            elif anchor == UNKNOWN_ANCHOR:
                newer = await recent_visits(session=session, scope=scope, now=now, limit=page * PAGE)
                page = math.ceil(len(newer) / PAGE)
                anchor = newer[-1].id if newer else NO_ANCHOR
            rows = await recent_visits(
                session=session, scope=scope, now=now, limit=PAGE + 1,
                before_id=None if anchor == NO_ANCHOR else anchor,
            )
            if rows or page == 0:
                return VisitPage(tuple(rows[:PAGE]), page, anchor, len(rows) > PAGE)
            page, anchor = page - 1, UNKNOWN_ANCHOR  # this page emptied: show the one before it


async def myvisits_command(update: Update, context: BotContext) -> None:
    """``/myvisits``: the person's recent visits, to check, edit or delete."""
    if not await _private_or_explain(update, context, "/myvisits"):
        return
    scope = await scope_or_explain(update, context)
    message = update.effective_message
    if scope is None or message is None:
        return
    tr = await context.tr(update)
    view = await load_page(context, scope, 0, NO_ANCHOR)
    text, keyboard = page_view(tr, view, can_visit=_can_visit(scope))
    await message.reply_text(text, reply_markup=keyboard)


def _can_visit(scope: Scope) -> bool:
    """Whether to point to /visit (else /interview) for a first visit."""
    visits_students = scope.can(Action.RECORD_STUDENT_VISIT) and bool(scope.visit_class_ids)
    return visits_students or not scope.can(Action.RECORD_INTERVIEW)


async def _edit(update: Update, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    assert query is not None
    await edges.edit_text(query, text, keyboard)


def _minute(context: BotContext) -> int:
    return int(context.clock.now().timestamp()) // 60


async def on_tap(update: Update, context: BotContext) -> None:
    """Paging, Delete, and its confirmation."""
    query = update.callback_query
    assert query is not None
    tr = await context.tr(update)
    _ = tr.gettext
    try:
        data = decode(query.data)
        args = [data.int_arg(i) for i in range(len(data.args))]
    except BadCallbackData:
        await edges.answer(query, _("This button has expired. Nothing was changed."))
        return
    scope = await context.scope(update)
    if scope is None:
        await edges.answer(query, not_registered_text(tr)[:200], show_alert=True)
        return
    can_visit = _can_visit(scope)
    if data.action in ("pg", "keep") and len(args) == 2:
        await edges.answer(query)
        text, keyboard = page_view(tr, await load_page(context, scope, *args), can_visit=can_visit)
        await _edit(update, text, keyboard)
        return
    if data.action == "del" and len(args) == 3:
        visit_id, page, anchor = args
        details = await _own_visit(update, context, scope, visit_id)
        if details is None:
            return
        line = visit_line(
            tr, visit_date=details.visit_date, kind=details.kind, names=[p.name for p in details.visitees],
            count=len(details.visitees), form=details.form, one_on_one=details.one_on_one,
            class_name=details.class_name,
        )
        text = "\n\n".join([
            "🗑 <b>" + _("Delete this visit?") + "</b>",
            line,
            _("It will no longer count in any figures. Its earlier versions are kept for the record."),
        ])
        keyboard = inline([[
            button(_("Yes, delete"), FAMILY, "yes", visit_id, _minute(context), page, anchor),
            button(_("Keep it"), FAMILY, "keep", page, anchor),
        ]])
        await edges.answer(query)
        await _edit(update, text, keyboard)
        return
    if data.action == "yes" and len(args) == 4:
        visit_id, minute, page, anchor = args
        if not 0 <= _minute(context) - minute <= CONFIRM_TTL.total_seconds() // 60:
            await edges.answer(query, _("This button has expired. Nothing was changed."))
            return
        if await _own_visit(update, context, scope, visit_id) is None:
            return
        try:
            async with context.store.sessions() as session:
                await delete_visit(session=session, scope=scope, visit_id=visit_id, now=context.clock.now())
        except VisitRejected as exc:
            await edges.answer(query, _refusal(tr, exc.code), show_alert=True)
            return
        await edges.answer(query, _("Deleted."))
        view = await load_page(context, scope, page, anchor)
        text, keyboard = page_view(
            tr, view, header="🗑 " + _("The visit was deleted."), can_visit=can_visit
        )
        await _edit(update, text, keyboard)
        return
    await edges.answer(query, _("This button has expired. Nothing was changed."))


def _refusal(tr: Translator, code: str) -> str:
    if code == "not_yours":
        return tr.gettext("Only the person who logged a visit can delete it.")
    return tr.gettext("This visit has already been deleted.")


async def _own_visit(
    update: Update, context: BotContext, scope: Scope, visit_id: int
) -> VisitDetails | None:
    """The person's own current visit; None, answered, when it is gone or someone else's."""
    query = update.callback_query
    assert query is not None
    async with context.store.sessions() as session:
        details = await get_visit(session=session, scope=scope, visit_id=visit_id)
    if details is not None and details.visitor_id == scope.staff_id:
        return details
    code = "not_found" if details is None else "not_yours"
    await edges.answer(query, _refusal(await context.tr(update), code), show_alert=True)
    return None


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    not_edited = ~filters.UpdateType.EDITED
    return [
        CommandHandler("my", my_command, filters=not_edited),
        CommandHandler("myvisits", myvisits_command, filters=not_edited),
        CallbackQueryHandler(on_tap, pattern=pattern(FAMILY)),
    ]
