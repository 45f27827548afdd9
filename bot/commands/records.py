"""``/my`` and ``/myvisits``: a person's own classes and visits, in private chat only.

/my shows each class's figures and who is not visited yet; /myvisits lists the person's visits,
newest first, a page at a time, each with Edit (the visit conversation's own "ledit" button, without
the saved card's 48 hours) and Delete (asked again before anything changes). Groups get no names:
there both commands only say that the records are private.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import edges
from bot.callback_data import (
    RECORDS,
    RecordsConfirmTap,
    RecordsDeleteTap,
    RecordsPageTap,
    records_confirm_data,
    records_keep_data,
)
from bot.commands.records_views import my_messages, page_view, visit_line
from bot.context import BotContext, read_tap, scope_or_explain, stranger_text
from bot.keyboards import button, inline
from bot.text import esc, expired_text, rejection_text
from store.people import class_progress, interviewable_teachers
from store.scopes import Action, Scope
from store.visit_rules import VisitRejected
from store.visit_views import NO_ANCHOR, VisitDetails, VisitPage, own_visit, visit_page
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
    async with context.session() as session:
        classes = await class_progress(session=session, scope=scope)
        teachers = (
            await interviewable_teachers(session=session, scope=scope)
            if scope.can(Action.RECORD_INTERVIEW) else None
        )
    target = context.services.campaign.config.targets.student_one_on_one
    for text in my_messages(tr, classes, teachers, target=target):
        await message.reply_text(text)


async def load_page(context: BotContext, scope: Scope, page: int, anchor: int) -> VisitPage:
    async with context.session() as session:
        return await visit_page(
            session=session, scope=scope, now=context.clock.now(), page=page, anchor=anchor
        )


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
    tap = await read_tap(update, context)
    if tap is None:
        return
    tr = await context.tr(update)
    _ = tr.gettext
    scope = await context.scope(update)
    if scope is None:
        await edges.answer(query, await stranger_text(update, context), show_alert=True)
        return
    can_visit = _can_visit(scope)
    if isinstance(tap, RecordsPageTap):
        await edges.answer(query)
        view = await load_page(context, scope, tap.page, tap.anchor)
        text, keyboard = page_view(tr, view, can_visit=can_visit)
        await _edit(update, text, keyboard)
        return
    if isinstance(tap, RecordsDeleteTap):
        details = await _own_visit(update, context, scope, tap.visit_id)
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
            button(
                _("Yes, delete"), records_confirm_data(tap.visit_id, _minute(context), tap.page, tap.anchor)
            ),
            button(_("Keep it"), records_keep_data(tap.page, tap.anchor)),
        ]])
        await edges.answer(query)
        await _edit(update, text, keyboard)
        return
    if isinstance(tap, RecordsConfirmTap):
        if not 0 <= _minute(context) - tap.minute <= CONFIRM_TTL.total_seconds() // 60:
            await edges.answer(query, expired_text(tr))
            return
        if await _own_visit(update, context, scope, tap.visit_id) is None:
            return
        try:
            async with context.session() as session:
                await delete_visit(
                    session=session, scope=scope, visit_id=tap.visit_id, now=context.clock.now()
                )
        except VisitRejected as exc:
            await edges.answer(query, rejection_text(tr, exc), show_alert=True)
            return
        await edges.answer(query, _("Deleted."))
        view = await load_page(context, scope, tap.page, tap.anchor)
        text, keyboard = page_view(
            tr, view, header="🗑 " + _("The visit was deleted."), can_visit=can_visit
        )
        await _edit(update, text, keyboard)
        return
    await edges.answer(query, expired_text(tr))


async def _own_visit(
    update: Update, context: BotContext, scope: Scope, visit_id: int
) -> VisitDetails | None:
    """The person's own current visit; None, answered, when it is gone or someone else's."""
    query = update.callback_query
    assert query is not None
    try:
        async with context.session() as session:
            return await own_visit(session=session, scope=scope, visit_id=visit_id)
    except VisitRejected as exc:
        await edges.answer(query, rejection_text(await context.tr(update), exc), show_alert=True)
        return None


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    not_edited = filters.UpdateType.MESSAGE  # edited messages are never commands
    return [
        CommandHandler("my", my_command, filters=not_edited),
        CommandHandler("myvisits", myvisits_command, filters=not_edited),
        CallbackQueryHandler(on_tap, pattern=RECORDS.pattern),
    ]
