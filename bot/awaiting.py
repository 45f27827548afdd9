"""Who asked last for the next typed text.

Several features wait for a person's next message: a review's return comment, a 整改 reason or item
field, a /settings date or topic. Each keeps its own state in ``user_data``; this records which of them
asked last, so the text goes to that one and the others give way, without any feature knowing about
the others.
"""

from __future__ import annotations

from bot.context import BotContext

KEY = "awaiting"
REVIEW = "review"
RECTIFY = "rectify"
SETTINGS = "settings"


def ask(context: BotContext, owner: str) -> None:
    """``owner`` is the latest to ask for typed text (a button of its was tapped, or it asked)."""
    if context.user_data is not None:
        context.user_data[KEY] = owner


def asked_by(context: BotContext, owner: str) -> bool:
    """Whether ``owner`` asked last. State kept from before anyone recorded it belongs to its owner."""
    data = context.user_data
    return data is None or data.get(KEY, owner) == owner
