"""Every keyboard the bot shows is built here, from labels already translated by the caller."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

Button = tuple[str, str]  # (label, callback data)


def button(label: str, data: str) -> Button:
    """A button from its label and callback data (built in :mod:`bot.callback_data`)."""
    return (label, data)


def inline(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback data); empty rows are dropped."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    )


def grid(buttons: Sequence[Button], columns: int) -> list[list[Button]]:
    """Lay buttons out ``columns`` to a row (Telegram allows at most 8)."""
    columns = max(1, min(columns, 8))
    return [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def share_phone(label: str) -> ReplyKeyboardMarkup:
    """The one-button keyboard that shares the user's own phone number (private chats only)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_contact=True)]], resize_keyboard=True, one_time_keyboard=True
    )
