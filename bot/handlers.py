"""The one place every handler is registered, in order."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.commands import (
    coverage,
    exemptions,
    export,
    fallback,
    followups,
    groups,
    lang,
    nudges,
    opinions,
    overdue,
    phase,
    ranking,
    records,
    rectify,
    rectify_flow,
    report,
    review,
    roster_upload,
    settings,
    settings_typed,
    staff,
    start,
    summary,
)
from bot.context import BotContext
from bot.conversations.visit import build_visit_conversation
from bot.errors import on_error

# Group 0: the handlers proper, first match wins. Group 100: after every update, write persistence
# through to the database so a crash loses no step (PTB would otherwise write once a minute).
PERSISTENCE_GROUP = 100
# Group -1: a typed answer the 整改 buttons asked for (a reason, a note, an item's texts); it stops the
# update only when it answers, so everything else reaches group 0 untouched.
TYPED_ANSWERS_GROUP = -1
COMMAND_RESETS_GROUP = -2  # any command first forgets such an awaited answer
# Group -5: a review's return comment (bot.commands.review); it forgets itself on any command.
REVIEW_COMMENT_GROUP = -5
# /settings' typed answers (a date, a topic) and "please use the buttons" while its session is open,
# before the 整改 ones; any command or another family's tap ends the session first.
SETTINGS_ANSWERS_GROUP = -3
SETTINGS_RESETS_GROUP = -4


async def flush_persistence(update: Update, context: BotContext) -> None:
    await context.application.update_persistence()


def register(app: Application[Any, BotContext, Any, Any, Any, Any]) -> None:
    for handler in [
        # Group chats first: /bind, /unbind, the group's /lang and /help (group-only filters, so the
        # private /lang and /help below still take private chats), the bot added or removed, a group
        # upgraded to a supergroup. The group's /help lists every group command (bot.menus).
        *start.group_help_handlers(),
        *groups.handlers(),
        *coverage.handlers(),  # /coverage in groups and in private, and its trend button
        *summary.handlers(),  # /summary: this week's summary on demand, in groups and in private
        *start.handlers(),  # /start, shared contact, /help
        *lang.handlers(),  # /lang and its buttons
        *records.handlers(),  # /my, /myvisits and their buttons
        *nudges.handlers(),  # a class nudge's "no nudges for a week"
        *exemptions.handlers(),  # /exempt (private), its buttons and the approval requests'
        # Documents: the district office's roster (others are told why not). Before the visit flow,
        # so a roster sent in the middle of a visit is still imported.
        *roster_upload.handlers(),
        build_visit_conversation(),  # /visit, /interview and the saved card's buttons
        *ranking.handlers(),  # /ranking: the evaluation scores, in private or a bound group
        *export.handlers(),  # /export: the archive workbook, in private
        *staff.handlers(),  # /staff: registration progress and the not-yet-joined lists, in private
        *report.handlers(),  # /report: the summary report (PDF), in private
        *review.handlers(),  # /review: spot-checks (private), its buttons, the interviewed teacher's answer
        *phase.handlers(),  # /phase: where the school stands; a school leader shifts its dates
        *settings.handlers(),  # /settings: a school leader's phase dates and outline topics (private)
        *opinions.handlers(),  # /opinions: the opinion inbox (private) and its buttons
        *rectify.handlers(),  # /rectify: items and their buttons (private)
        *rectify_flow.handlers(),  # creating an item: its buttons
        *followups.handlers(),  # /followups (private) and "this is the follow-up of …"
        *overdue.handlers(),  # /overdue and /board, in a bound group or in private, and the board's post
        *start.cancel_handlers(),  # /cancel with no visit being logged (the conversation takes it first)
        *fallback.handlers(),  # last: strangers, unknown text, stale buttons
    ]:
        app.add_handler(handler)
    app.add_handler(settings_typed.resets_handler(), group=SETTINGS_RESETS_GROUP)
    app.add_handler(settings_typed.input_handler(), group=SETTINGS_ANSWERS_GROUP)
    app.add_handler(rectify_flow.command_resets_handler(), group=COMMAND_RESETS_GROUP)
    app.add_handler(rectify_flow.input_handler(), group=TYPED_ANSWERS_GROUP)
    app.add_handler(review.comment_handler(), group=REVIEW_COMMENT_GROUP)
    app.add_handler(TypeHandler(Update, flush_persistence), group=PERSISTENCE_GROUP)
    app.add_error_handler(on_error)
