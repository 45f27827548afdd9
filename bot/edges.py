"""Best effort at the edge: Telegram's harmless refusals, in one place for the whole bot.

A tap answered too late ("query is too old"), an edit that changes nothing ("message is not
modified"), a message already gone ("message to edit not found", "message can't be deleted"): these
are ordinary outcomes of people tapping twice, late, or on old messages. The action the person asked
for runs anyway; these helpers swallow only those refusals (logged at DEBUG) and let every other
error reach the error handler, which treats the same refusals the same way (:func:`is_harmless`).
"""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message
from telegram.error import BadRequest

log = logging.getLogger("twovisits.edges")

# Telegram's wording, lower case; it puts these in the description of a 400 Bad Request.
HARMLESS = (
    "query is too old",
    "query id is invalid",
    "message is not modified",
    "message to edit not found",
    "message to delete not found",
    "message can't be deleted",
)


def is_harmless(error: BaseException | None) -> bool:
    """Whether ``error`` is one of Telegram's refusals that mean "nothing to do"."""
    if not isinstance(error, BadRequest):
        return False
    text = str(error).lower()
    return any(phrase in text for phrase in HARMLESS)


def _swallowed(error: BadRequest, what: str) -> bool:
    if not is_harmless(error):
        return False
    log.debug("%s refused harmlessly: %s", what, error)
    return True


async def answer(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> bool:
    """Answer a tap (stops the button's spinner); False when Telegram no longer takes the answer."""
    try:
        await query.answer(text[:200] if text else None, show_alert=show_alert)
    except BadRequest as error:
        if _swallowed(error, "answerCallbackQuery"):
            return False
        raise
    return True


async def edit_text(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> bool:
    """Replace the tapped message's text and keyboard; False when it was unchanged or is gone."""
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as error:
        if _swallowed(error, "editMessageText"):
            return False
        raise
    return True


async def edit_keyboard(query: CallbackQuery, keyboard: InlineKeyboardMarkup | None) -> bool:
    """Replace only the tapped message's keyboard; False when it was unchanged or is gone."""
    try:
        await query.edit_message_reply_markup(keyboard)
    except BadRequest as error:
        if _swallowed(error, "editMessageReplyMarkup"):
            return False
        raise
    return True


async def drop_keyboard(bot: Bot, chat_id: int, message_id: int) -> bool:
    """Take the buttons off an earlier message (not the tapped one); False when it is gone or has none."""
    try:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as error:
        if _swallowed(error, "editMessageReplyMarkup"):
            return False
        raise
    return True


async def delete(message: Message | MaybeInaccessibleMessage) -> bool:
    """Delete a message; False when it is already gone or too old to delete."""
    if not isinstance(message, Message):
        return False
    try:
        await message.delete()
    except BadRequest as error:
        if _swallowed(error, "deleteMessage"):
            return False
        raise
    return True
