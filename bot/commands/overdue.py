"""``/overdue`` and ``/board`` (公示), in a bound group or in private, scoped.

``/overdue``: items past their deadline and not done, oldest first (their public title in groups),
with owner, days overdue and level; overdue follow-ups counted per class and, for teacher interviews,
per school. The district's view adds the escalated items and each school's overdue count.
``/board``: per category, opinions in, became items, done; then the plan. Both are group-safe (the
figures come from :mod:`reports.rectification`); a leader posts the board to the school's bound group
with one tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import edges
from bot.callback_data import BOARD, RectifyTap, rectify_data
from bot.context import BotContext, scope_or_explain
from bot.group_chats import chat_binding, group_tr, how_to_bind, not_staff_text, unprompted_locale
from bot.i18n import Translator, translator
from bot.keyboards import inline
from bot.rectify_text import overdue_line, refusal
from bot.taps import person_tap
from bot.text import esc
from reports.rectification import board, overdue_view
from store.clock import local_today
from store.groups import bound_groups
from store.scopes import Scope


@dataclass(frozen=True)
class Where:
    """What the asker may see here: the schools (None: the district), in whose words, how public."""

    school_ids: list[int] | None
    tr: Translator
    public: bool
    scope: Scope | None


async def where(update: Update, context: BotContext) -> Where | None:
    """The view this update may ask for; None after telling the person why not."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return None
    if chat.type == chat.PRIVATE:
        scope = await scope_or_explain(update, context)
        if scope is None:
            return None
        tr = await context.tr(update)
        if scope.district_wide:
            return Where(None, tr, False, scope)
        if scope.school_id is None:
            await message.reply_text(refusal(tr, "not_allowed"))
            return None
        return Where([scope.school_id], tr, not scope.may_manage_rectification_of(scope.school_id), scope)
    binding = await chat_binding(update, context)
    tr = await group_tr(update, context, binding)
    if binding is None:
        await message.reply_text(how_to_bind(tr, context.bot.username))
        return None
    scope = await context.scope(update)
    if scope is None or not scope.sees_aggregates_of(binding.school_id):
        await message.reply_text(not_staff_text(tr))
        return None
    return Where(None if binding.school_id is None else [binding.school_id], tr, True, None)


def _today(context: BotContext) -> date:
    return local_today(context.clock, context.services.campaign.config.zone)


async def overdue_text(context: BotContext, w: Where) -> str:
    tr, today = w.tr, _today(context)
    _ = tr.gettext
    async with context.session() as session:
        view = await overdue_view(
            session=session, school_ids=w.school_ids, today=today, district=w.school_ids is None
        )
    lines = [_("⏰ <b>Overdue</b> ({today})").format(today=today.isoformat())]
    lines += [overdue_line(tr, i, today, public=w.public) for i in view.items] or [_("No overdue items.")]
    if view.class_follow_ups or view.school_follow_ups:
        lines.append(_("Overdue follow-up visits:"))
        lines += [_("• {name}: {n}").format(name=esc(name), n=n) for name, n in view.class_follow_ups]
        lines += [
            _("• {name} (teacher interviews): {n}").format(name=esc(name), n=n)
            for name, n in view.school_follow_ups
        ]
    if w.school_ids is None:
        lines.append(_("Escalated to the district: {n}").format(n=len(view.escalated)))
        lines += [
            _("• {school}: {title}").format(
                school=esc(i.school_name), title=esc(i.public_title if w.public else i.title)
            )
            for i in view.escalated
        ]
        lines.append(_("Overdue items per school:"))
        lines += [_("• {name}: {n}").format(name=esc(name), n=n) for name, n in view.school_counts]
    return "\n".join(lines)


async def board_text(context: BotContext, school_ids: list[int] | None, tr: Translator) -> str:
    """The publication, always group-safe (public titles only)."""
    _ = tr.gettext
    async with context.session() as session:
        b = await board(session=session, school_ids=school_ids)
    lines = [_("📢 <b>Opinions and rectification (公示)</b>"), _("Category: opinions / became items / done")]
    lines += [
        _("• {name}: {opinions} / {itemised} / {done}").format(
            name=esc(c.name or _("no category")), opinions=c.opinions, itemised=c.itemised, done=c.done
        )
        for c in b.categories
    ] or [_("No opinions yet.")]
    lines.append(_("The plan:"))
    lines += [
        _("• {title} — {owner}, by {deadline}").format(
            title=esc(i.public_title), owner=esc(i.owner_label), deadline=i.deadline.isoformat()
        )
        for i in b.plan
    ] or [_("No open items.")]
    return "\n".join(lines)


async def overdue_command(update: Update, context: BotContext) -> None:
    w = await where(update, context)
    message = update.effective_message
    if w is None or message is None:
        return
    await message.reply_text(await overdue_text(context, w))


async def board_command(update: Update, context: BotContext) -> None:
    w = await where(update, context)
    message = update.effective_message
    if w is None or message is None:
        return
    text = await board_text(context, w.school_ids, w.tr)
    markup = None
    if w.scope is not None and w.scope.may_manage_rectification_of(w.scope.school_id):
        markup = inline([[(w.tr.gettext("📌 Post to the school's group"), rectify_data(BOARD, "post"))]])
    await message.reply_text(text, reply_markup=markup)


async def board_tapped(update: Update, context: BotContext) -> None:
    tapped = await person_tap(update, context, RectifyTap, BOARD.name)
    if tapped is None:
        return
    query, tr, scope = tapped.query, tapped.tr, tapped.scope
    if not scope.may_manage_rectification_of(scope.school_id):
        await edges.answer(query, refusal(tr, "not_allowed"), show_alert=True)
        return
    async with context.session() as session:
        groups = [g for g in await bound_groups(session=session) if g.school_id == scope.school_id]
    if not groups:
        await edges.answer(
            query, tr.gettext("The school has no bound group yet: /bind it there first."), show_alert=True
        )
        return
    for group in groups:
        group_words = translator(unprompted_locale(group, context.services.settings.bot_default_locale))
        await context.bot.send_message(
            group.chat_id, await board_text(context, [scope.school_id or 0], group_words)
        )
    await edges.answer(query, tr.gettext("Posted to the group."))


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("overdue", overdue_command, filters=~filters.UpdateType.EDITED),
        CommandHandler("board", board_command, filters=~filters.UpdateType.EDITED),
        CallbackQueryHandler(board_tapped, pattern=BOARD.pattern),
    ]
