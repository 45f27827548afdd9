"""Typed text inside the visit flow: searches, opinions, notes and dates; a hint elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telegram import Update

from bot.context import BotContext
from bot.conversations.visit_dates import parse_typed_date
from bot.conversations.visit_flow import (
    END,
    StepCallback,
    campaign_today,
    left_the_roster,
    load_draft,
    show,
)
from bot.conversations.visit_state import (
    MAX_NOTES,
    MAX_OPINION,
    MAX_QUERY,
    Draft,
    Step,
)
from bot.i18n import N_
from store.vocab import FollowUpWish


@dataclass(frozen=True)
class _FreeText:
    """A step that takes typed text: its limit, what to say past it, where the text goes, what follows."""

    limit: int
    too_long: str
    keep: Callable[[Draft, str], None]
    then: Step


def _search(draft: Draft, text: str) -> None:
    draft.query, draft.page = text, 0


def _opinion(draft: Draft, text: str) -> None:
    draft.pending_opinion = text


def _notes(draft: Draft, text: str) -> None:
    draft.notes = text


_FREE_TEXT = {
    Step.PEOPLE: _FreeText(
        MAX_QUERY,
        N_("That search is too long ({n} characters, at most {limit}); type a part of the name."),
        _search,
        Step.PEOPLE,
    ),
    Step.OPINION_TEXT: _FreeText(
        MAX_OPINION,
        N_("That is {n} characters; an opinion may have at most {limit}. Please shorten it."),
        _opinion,
        Step.OPINION_CATEGORY,
    ),
    Step.NOTES: _FreeText(
        MAX_NOTES,
        N_("That is {n} characters; notes may have at most {limit}. Please shorten them."),
        _notes,
        Step.CARD,
    ),
}


def text_for(step: Step) -> StepCallback:
    """The handler for typed text at ``step``: free text where one is asked for, else a hint."""

    async def on_text(update: Update, context: BotContext) -> Step | int | None:
        message = update.effective_message
        draft = load_draft(context)
        if message is None or draft is None or await left_the_roster(update, context):
            return END
        tr = await context.tr(update)
        text = (message.text or "").strip()
        free = _FREE_TEXT.get(step)
        if free is not None and text:
            if len(text) > free.limit:
                await message.reply_text(tr.gettext(free.too_long).format(n=len(text), limit=free.limit))
                return await show(step, update, context, draft)
            free.keep(draft, text)
            return await show(free.then, update, context, draft)
        if step in (Step.DATE, Step.FOLLOW_UP_DATE) and text:
            return await _typed_date(update, context, draft, step, text)
        await message.reply_text(tr.gettext("Please use the buttons (or /cancel to stop)."))
        return await show(step, update, context, draft)

    return on_text


async def _typed_date(update: Update, context: BotContext, draft: Draft, step: Step, text: str) -> Step:
    tr = await context.tr(update)
    message = update.effective_message
    assert message is not None
    today = campaign_today(context)
    typed = parse_typed_date(text, today)
    if typed is None:
        await message.reply_text(
            tr.gettext("I could not read that date. Please type it like {example}.").format(
                example=today.isoformat()
            )
        )
        return await show(step, update, context, draft)
    if step is Step.DATE:
        first = context.services.campaign.config.start
        if not first <= typed <= today:
            await message.reply_text(
                tr.gettext("The date must be between {first} and today ({today}).").format(
                    first=first.isoformat(), today=today.isoformat()
                )
            )
            return await show(step, update, context, draft)
        draft.day = typed.isoformat()
    else:
        if typed <= draft.visit_date(today):
            await message.reply_text(
                tr.gettext("The follow-up must come after the visit ({date}).").format(
                    date=draft.visit_date(today).isoformat()
                )
            )
            return await show(step, update, context, draft)
        draft.follow_up, draft.follow_up_date = FollowUpWish.DATE.value, typed.isoformat()
    return await show(Step.CARD, update, context, draft)
