"""Updates of one chat in order, different chats at the same time.

PTB handles updates one at a time by default, so every reply's round trip to Telegram holds up the
whole district. Running everything concurrently would break conversations, which need a person's
updates in order. So: one lock per chat (per user when there is no chat), FIFO, and up to
``max_concurrent_updates`` chats at once. Each update gets its one database session here (opened
lazily by :meth:`bot.context.BotContext.session`, closed when the update is done).

Which users have an update being handled is kept (:func:`in_flight`), per bot: the persistence
leaves their data to that update rather than flush it half-way through.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.context import one_session_per_update

_IN_FLIGHT: Counter[tuple[str, int]] = Counter()  # (bot token, user id): updates being handled


def in_flight(bot_token: str, user_id: int) -> bool:
    """Whether an update from ``user_id`` to the bot with ``bot_token`` is being handled now."""
    return (bot_token, user_id) in _IN_FLIGHT


def _sender(update: object) -> tuple[str, int] | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.get_bot().token, update.effective_user.id
    return None


def ordering_key(update: object) -> int | None:
    """What must stay in order: the chat (or, without one, the user) an update belongs to."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._users: dict[int | None, int] = {}  # updates holding or waiting for each lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        sender = _sender(update)
        try:
            async with lock, one_session_per_update():
                if sender is not None:
                    _IN_FLIGHT[sender] += 1
                try:
                    await coroutine
                finally:
                    if sender is not None:
                        _IN_FLIGHT[sender] -= 1
                        if not _IN_FLIGHT[sender]:
                            del _IN_FLIGHT[sender]
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                # Forget idle chats, so a long-running bot does not keep one lock per chat ever seen.
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
