"""``/staff``: registration progress, in private chat only (it lists names and live invite links).

The district office sees every school, a school leader their own: per school how many staff have
joined the bot and how many have not, and a button per school for the not-yet-joined list with each
person's invite link, to forward. The links are those ``twovisits invites`` writes (missing codes are
issued, none rotated). The counts come from ``store.registration``.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import edges
from bot.callback_data import STAFF, StaffListTap, staff_list_data
from bot.context import BotContext, read_tap, scope_or_explain
from bot.i18n import Translator
from bot.keyboards import button, inline
from bot.text import esc, role_labels
from reports.pace import points
from store.clock import local_today
from store.invites import invite_link
from store.registration import (
    PendingStaff,
    Reach,
    SchoolRegistration,
    not_joined,
    registration_progress,
    registration_reach,
)

TEXT_LIMIT = 4000
BUTTONS_PER_ROW = 2


def school_label(tr: Translator, row: SchoolRegistration) -> str:
    return esc(row.school_name) if row.school_name else tr.gettext("District staff")


def progress_line(tr: Translator, row: SchoolRegistration) -> str:
    line = tr.gettext("{school}: {joined} of {total} joined ({share} %), {missing} not yet").format(
        school=school_label(tr, row), joined=row.joined, total=row.total,
        share=points(row.joined, row.total), missing=row.not_joined)
    return line + (" ⚠️" if row.under_target else "")


def progress_text(tr: Translator, rows: Sequence[SchoolRegistration], day: str) -> str:
    _ = tr.gettext
    lines = [_("👥 <b>Staff registration</b> on {day}").format(day=day)]
    lines += [progress_line(tr, r) for r in rows]
    if any(r.not_joined for r in rows):
        lines += ["", _("⚠️ under 80 % joined. Tap a school for the list of those not yet joined, with "
                        "their invite links to forward.")]
    else:
        lines += ["", _("Everyone has joined.")]
    return "\n".join(lines)


def pending_messages(tr: Translator, school: str, people: Sequence[PendingStaff], bot_username: str
                     ) -> list[str]:
    """The list, one person a line with their link, split into messages under Telegram's limit."""
    head = tr.gettext("Not yet joined at {school} ({n}). Forward each person their own link:").format(
        school=school, n=len(people))
    messages, current = [], head
    for p in people:
        line = f"• {esc(p.name)} ({esc(role_labels(tr, p.roles))}): {invite_link(bot_username, p.code)}"
        if len(current) + 1 + len(line) > TEXT_LIMIT:
            messages.append(current)
            current = line
        else:
            current += "\n" + line
    messages.append(current)
    return messages


async def _reach(update: Update, context: BotContext) -> tuple[Reach, Translator] | None:
    """Who may see what; None after telling the person why not."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return None
    if chat.type != ChatType.PRIVATE:
        tr = await context.tr(update)
        if message is not None:
            await message.reply_text(tr.gettext(
                "The staff list holds names and invite links, so I show it only in a private chat: "
                "send /staff to me there."))
        return None
    scope = await scope_or_explain(update, context)
    if scope is None:
        return None
    tr = await context.tr(update)
    reach = registration_reach(scope)
    if not reach.any:
        text = tr.gettext("Registration progress is for the district office (every school) and school "
                          "leaders (their own school).")
        if update.callback_query is not None:
            await edges.answer(update.callback_query, text, show_alert=True)
        elif message is not None:
            await message.reply_text(text)
        return None
    return reach, tr


async def staff_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    allowed = await _reach(update, context)
    if allowed is None:
        return
    reach, tr = allowed
    async with context.session() as session:
        rows = await registration_progress(session=session, reach=reach)
    day = local_today(context.clock, context.services.campaign.config.zone).isoformat()
    buttons = [button(f"📨 {r.school_name or tr.gettext('District staff')} ({r.not_joined})",
                      staff_list_data(r.school_id)) for r in rows if r.not_joined]
    keyboard = inline([buttons[i:i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)])
    await message.reply_text(progress_text(tr, rows, day), reply_markup=keyboard if buttons else None)


async def list_tapped(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    tap = await read_tap(update, context)
    if not isinstance(tap, StaffListTap):
        return
    allowed = await _reach(update, context)
    if allowed is None:
        return
    reach, tr = allowed
    school_id = tap.school_id or None
    if not reach.covers(school_id):  # a modified client can send any school's id
        await edges.answer(query, tr.gettext("Registration progress is for the district office (every "
                                             "school) and school leaders (their own school)."),
                           show_alert=True)
        return
    scope = await context.scope(update)
    actor = f"staff:{scope.staff_id}" if scope is not None else "bot"
    async with context.session() as session:
        rows = await registration_progress(session=session, reach=reach)
        people = await not_joined(session=session, school_id=school_id, now=context.clock.now(), actor=actor)
    row = next((r for r in rows if r.school_id == school_id), None)
    await edges.answer(query)
    chat = update.effective_chat
    if chat is None or row is None:
        return
    if not people:
        await chat.send_message(tr.gettext("Everyone at {school} has joined.").format(
            school=school_label(tr, row)))
        return
    for text in pending_messages(tr, school_label(tr, row), people, context.bot.username):
        await chat.send_message(text)


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("staff", staff_command, filters=~filters.UpdateType.EDITED),
        CallbackQueryHandler(list_tapped, pattern=STAFF.pattern),
    ]
