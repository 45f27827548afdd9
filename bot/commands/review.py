"""``/review``: supervision's spot-checks (督導), in private chat, and the interviewed teacher's answer.

A reviewer (``Scope.may_review``: supervisors any school, school leaders their own) gets a random
sample of recent visits in their scope not yet reviewed, flagged ones first (``store.reviews``,
``store.plausibility``), one message per record with ✅ verified / ↩️ return. A return asks for a
comment: the next text typed is it (read by :func:`typed_comment` in a group of its own before the
others; any command, or a 整改 button tapped since, drops the wait). The visitor hears of it privately
and may edit the visit for 48 hours. The sample is drawn with a random source seeded by the
reviewer and the injected clock, so a test's fixed clock gives a fixed sample.
"""

from __future__ import annotations

import random
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import awaiting, edges
from bot.callback_data import CONFIRM, REVIEW, ConfirmTap, ReviewTap
from bot.context import BotContext, scope_or_explain
from bot.i18n import N_, Translator
from bot.keyboards import inline
from bot.review_notify import tell_disputed, tell_returned
from bot.review_text import confirm_answered, record_buttons, record_text
from bot.taps import person_tap
from bot.text import esc
from store.reviews import (
    MAX_COMMENT_CHARS,
    ConfirmationAnswer,
    ReviewOutcome,
    ReviewRejected,
    answer_confirmation,
    decide,
    draw_sample,
)
from store.scopes import Scope
from store.visit_views import get_visit

PENDING = "review_comment"  # user_data: the return whose comment the next typed text is

_REFUSALS = {
    "not_allowed": N_("You may not review this visit."),
    "not_found": N_("This visit is no longer on record."),
    "stale": N_("This visit was reviewed or changed since it was shown; nothing was recorded. "
                "Send /review for a new sample."),
    "comment_empty": N_("The comment is empty; please type what the teacher should look at."),
    "answered": N_("You have answered this already."),
}


def refusal(tr: Translator, code: str) -> str:
    return tr.gettext(_REFUSALS.get(code, N_("This could not be done.")))


def _may_review_somewhere(scope: Scope) -> bool:
    return scope.reviews_any_school or scope.may_review(scope.school_id)


async def review_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    tr = await context.tr(update)
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(tr.gettext(
            "Reviews show students' names, so they happen only in a private chat: send /review to me there."))
        return
    scope = await scope_or_explain(update, context)
    if scope is None:
        return
    if not _may_review_somewhere(scope):
        await message.reply_text(tr.gettext(
            "Spot-checks of visits are for supervisors (any school) and school leaders (their own school)."))
        return
    config = context.services.campaign.config.review
    now = context.clock.now()
    rng = random.Random(f"{scope.staff_id}:{now.isoformat()}")
    async with context.session() as session:
        records = await draw_sample(session=session, scope=scope, config=config, now=now, rng=rng)
    if not records:
        await message.reply_text(tr.gettext(
            "Nothing to check: every visit saved in the last {days} days in your scope is reviewed.").format(
            days=config.recent_days))
        return
    await message.reply_text(tr.gettext(
        "🔍 Drawn at random from the last {days} days, flagged ones first: {n} visits to check. Tap ✅ "
        "or ↩️ under each record.").format(n=len(records), days=config.recent_days))
    for n, record in enumerate(records, 1):
        await message.reply_text(record_text(tr, record, n, len(records)),
                                 reply_markup=inline(record_buttons(tr, record)))


def _user_data(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data


async def review_tapped(update: Update, context: BotContext) -> None:
    tapped = await person_tap(update, context, ReviewTap)
    if tapped is None:
        return
    query, tap, tr, scope = tapped.query, tapped.tap, tapped.tr, tapped.scope
    if tap.action == "ret":
        data = _user_data(context)
        awaiting.ask(context, awaiting.REVIEW)
        data[PENDING] = {"visit": tap.visit_id, "reviews": tap.reviews, "version": tap.version}
        if query.message is not None:  # the record whose buttons go once the return is made
            data[PENDING] |= {"chat": query.message.chat.id, "message": query.message.message_id}
        await edges.answer(query)
        if query.message is not None:
            await context.bot.send_message(query.message.chat.id, tr.gettext(
                "↩️ Type the comment for the teacher of visit #{id} (at most {n} characters). It reaches "
                "them privately, and they may edit the visit for 48 hours. Any command cancels.").format(
                id=tap.visit_id, n=MAX_COMMENT_CHARS))
        return
    try:
        async with context.session() as session:
            await decide(session=session, scope=scope, visit_id=tap.visit_id, outcome=ReviewOutcome.VERIFIED,
                         seen_reviews=tap.reviews, seen_version=tap.version, now=context.clock.now())
    except ReviewRejected as exc:
        await edges.answer(query, refusal(tr, exc.code), show_alert=True)
        return
    await edges.answer(query, tr.gettext("✅ Verified."))
    shown = query.message.text_html if isinstance(query.message, Message) else ""
    await edges.edit_text(query, shown + "\n\n" + tr.gettext("✅ Verified by you."), None)


async def typed_comment(update: Update, context: BotContext) -> None:
    """The comment a return asked for; anything else goes on to the other handlers."""
    message = update.effective_message
    data = context.user_data
    if message is None or message.text is None or data is None or PENDING not in data:
        return
    if message.text.startswith("/") or not awaiting.asked_by(context, awaiting.REVIEW):
        data.pop(PENDING, None)  # a command, or another feature asked since: that is what they want now
        return
    tr = await context.tr(update)
    scope = await scope_or_explain(update, context)
    if scope is None:
        raise ApplicationHandlerStop
    text = message.text.strip()
    if len(text) > MAX_COMMENT_CHARS:
        await message.reply_text(tr.gettext(
            "That comment is {n} characters long; at most {limit} fit. Please shorten it and send it "
            "again.").format(n=len(text), limit=MAX_COMMENT_CHARS))
        raise ApplicationHandlerStop
    pending = data.pop(PENDING)
    now = context.clock.now()
    try:
        async with context.session() as session:
            done = await decide(session=session, scope=scope, visit_id=int(pending["visit"]),
                                outcome=ReviewOutcome.RETURNED, seen_reviews=int(pending["reviews"]),
                                seen_version=int(pending["version"]), now=now, comment=text)
            details = await get_visit(session=session, scope=scope, visit_id=done.visit_id)
    except ReviewRejected as exc:
        if exc.code == "comment_empty":
            data[PENDING] = pending
        await message.reply_text(refusal(tr, exc.code))
        raise ApplicationHandlerStop from None
    await tell_returned(context.services, done, details)
    if "message" in pending:
        await edges.drop_keyboard(context.bot, int(pending["chat"]), int(pending["message"]))
    visitor = esc(details.visitor_name) if details else "?"
    await message.reply_text(tr.gettext("↩️ Visit #{id} returned to {name} with your comment.").format(
        id=done.visit_id, name=visitor))
    raise ApplicationHandlerStop


async def confirm_tapped(update: Update, context: BotContext) -> None:
    """The interviewed teacher's answer: one tap, final; a dispute reaches the school's leaders."""
    tapped = await person_tap(update, context, ConfirmTap)
    if tapped is None:
        return
    query, tap, tr, scope = tapped.query, tapped.tap, tapped.tr, tapped.scope
    answer = ConfirmationAnswer.CONFIRMED if tap.action == "yes" else ConfirmationAnswer.DISPUTED
    try:
        async with context.session() as session:
            done = await answer_confirmation(session=session, scope=scope, visit_id=tap.visit_id,
                                             answer=answer, now=context.clock.now())
    except ReviewRejected as exc:
        await edges.answer(query, refusal(tr, exc.code), show_alert=True)
        await edges.edit_keyboard(query, None)
        return
    await edges.answer(query)
    await edges.edit_text(query, confirm_answered(tr, done), None)
    if answer is ConfirmationAnswer.DISPUTED:
        await tell_disputed(context.services, done)


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("review", review_command),
        CallbackQueryHandler(review_tapped, pattern=REVIEW.pattern),
        CallbackQueryHandler(confirm_tapped, pattern=CONFIRM.pattern),
    ]


def comment_handler() -> MessageHandler[BotContext, None]:
    """Registered in a group of its own, before the 整改 answers; stops the update only when it answers."""
    return MessageHandler(filters.ChatType.PRIVATE & filters.TEXT, typed_comment)
