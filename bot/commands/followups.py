"""``/followups``: the follow-up visits (回訪) a person owns, due within a week or overdue, each with a
button that starts the visit with that person (at the form step). After a
visit with that person is saved, the visit flow asks whether it was the follow-up
(:mod:`bot.conversations.visit_follow_up_of`) and saving closes it."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.callback_data import visit_person_data
from bot.context import BotContext, scope_or_explain
from bot.i18n import Translator
from bot.keyboards import Button, inline
from bot.text import esc
from store.clock import local_today
from store.followups import FollowUpInfo, my_follow_ups
from store.vocab import VisitKind

HORIZON = timedelta(days=7)


def _today(context: BotContext) -> date:
    return local_today(context.clock, context.services.campaign.config.zone)


def _line(tr: Translator, f: FollowUpInfo, today: date) -> str:
    if f.overdue(today):
        return tr.gettext("⏰ {name}: due {due}, {days} days overdue (visit of {visit})").format(
            name=esc(f.person_name),
            due=f.due_date.isoformat(),
            days=(today - f.due_date).days,
            visit=f.visit_date.isoformat(),
        )
    return tr.gettext("🔁 {name}: due {due} (visit of {visit})").format(
        name=esc(f.person_name), due=f.due_date.isoformat(), visit=f.visit_date.isoformat()
    )


async def followups_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await scope_or_explain(update, context)
    if scope is None:
        return
    tr = await context.tr(update)
    today = _today(context)
    async with context.session() as session:
        due = await my_follow_ups(session=session, scope=scope, by=today + HORIZON)
    if not due:
        await message.reply_text(tr.gettext("No follow-up visits due this week."))
        return
    lines = [tr.gettext("🔁 <b>Your follow-up visits</b>")] + [_line(tr, f, today) for f in due]
    rows: list[list[Button]] = []
    for f in due[:20]:
        label = tr.gettext("📝 Visit {name}").format(name=f.person_name)
        if f.person_kind is VisitKind.STUDENT and f.class_id is not None:
            rows.append([(label, visit_person_data("s", f.class_id, f.person_id))])
        elif f.person_kind is VisitKind.TEACHER:
            rows.append([(label, visit_person_data("t", 0, f.person_id))])
    await message.reply_text("\n".join(lines), reply_markup=inline(rows) if rows else None)


def handlers() -> list[CommandHandler[BotContext, None]]:
    return [
        CommandHandler("followups", followups_command, filters=filters.ChatType.PRIVATE),
    ]
