"""A PTB persistence backed by the store, written through after every update.

PTB writes persistence on a timer; the bot calls ``application.update_persistence()`` from a handler
in the last group (see ``bot.handlers``), so a conversation survives ``kill -9`` at the step it was at.
Conversations that must not lose a step the person has seen write through at their one reply point
(:meth:`StorePersistence.write_through`), with the key PTB's ConversationHandler itself computed
(:class:`PersistentConversation`). Only user data (the drafts) and conversation states are kept.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, MutableMapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput

from bot import updates
from bot.context import BotContext
from bot.services import Services
from store.persistence import load_persisted, save_persisted

# PTB's own shapes, declared here (its type aliases live in a private module).
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]
SessionSource = Callable[[], AbstractAsyncContextManager[AsyncSession]]

USER_DATA = "user_data"


def _conv_kind(name: str) -> str:
    return f"conv:{name}"


def _key_to_str(key: ConversationKey) -> str:
    return json.dumps(list(key))


def _str_to_key(raw: str) -> ConversationKey:
    return tuple(json.loads(raw))


def _snapshot(data: Any) -> str:
    """What an entry holds, as the JSON the database keeps: comparing two is one string comparison,
    and taking one costs a tenth of a ``deepcopy`` (what is stored must be JSON anyway)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class StorePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], Any]):
    def __init__(self, services: Services) -> None:
        # The timer still runs as a safety net; the per-update flush is what we rely on.
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=60,
        )
        self._services = services
        # What the database holds, as last written or read: PTB's per-update flush repeats what a flow
        # already wrote through, and an unchanged entry need not cost a commit.
        self._written: dict[tuple[str, str], str] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._lock_users: dict[tuple[str, str], int] = {}  # writers holding or waiting for each lock

    @property
    def bot_token(self) -> str | None:
        """The token of the bot this persistence serves (None before PTB hands it one)."""
        bot = getattr(self, "bot", None)
        return bot.token if bot is not None else None

    async def _write(
        self, entries: list[tuple[str, str, Any]], session: SessionSource | None = None
    ) -> None:
        # PTB's per-update flush writes every user's pending data, so another chat's update can
        # flush an entry while its own update writes it through: one writer per entry at a time
        # (in a fixed order, so two writers never wait on each other), and the second finds it
        # written already.
        keys = sorted({(kind, key) for kind, key, _ in entries})
        locks = [self._locks.setdefault(k, asyncio.Lock()) for k in keys]
        for k in keys:
            self._lock_users[k] = self._lock_users.get(k, 0) + 1
        try:
            async with AsyncExitStack() as stack:
                for lock in locks:
                    await stack.enter_async_context(lock)
                await self._write_changed(entries, session)
        finally:
            for k in keys:
                self._lock_users[k] -= 1
                if not self._lock_users[k]:
                    del self._lock_users[k], self._locks[k]  # idle: keep no lock per entry ever written

    async def _write_changed(
        self, entries: list[tuple[str, str, Any]], session: SessionSource | None
    ) -> None:
        written = self._written
        snapshots = {(kind, key): _snapshot(data) for kind, key, data in entries}
        changed = [(k, key, data) for k, key, data in entries if written.get((k, key)) != snapshots[(k, key)]]
        if not changed:
            return
        await self._services.open()
        store = self._services.store
        async with (session or store.sessions)() as db:
            await save_persisted(session=db, entries=changed, now=store.clock.now())
        for kind, key, _ in changed:
            written[(kind, key)] = snapshots[(kind, key)]

    async def write_through(self, context: BotContext, state: object | None, user_id: int) -> None:
        """The conversation's state and the user's data in one transaction (the update's session),
        before the reply is sent.

        The conversation is the one :class:`PersistentConversation` handed this update to.
        """
        if context.conversation is None:
            raise RuntimeError("write_through outside a PersistentConversation")
        name, key = context.conversation
        # No copy: the rows are written (and their snapshots taken) before anything can change them.
        await self._write(
            [
                (_conv_kind(name), _key_to_str(key), state),
                (USER_DATA, str(user_id), dict(context.user_data or {}) or None),
            ],
            context.session,
        )

    async def _read(self, kind: str) -> dict[str, Any]:
        await self._services.open()
        async with self._services.store.sessions() as session:
            entries = await load_persisted(session=session, kind=kind)
        self._written.update({(kind, key): _snapshot(data) for key, data in entries.items()})
        return entries

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {int(k): v for k, v in (await self._read(USER_DATA)).items()}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> Any:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return {_str_to_key(k): v for k, v in (await self._read(_conv_kind(name))).items()}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        await self._write([(_conv_kind(name), _key_to_str(key), new_state)])

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        # PTB hands over a copy of its own. A user with an update being handled right now is left to
        # that update: its flow writes through at its reply point, and PTB marks the user again when
        # it ends, so the next flush writes what it left; flushed now, the row could hold a step's
        # data beside the previous step's state (and cost a commit more).
        if self.bot_token is not None and updates.in_flight(self.bot_token, user_id):
            return
        # An empty dict is the same as no data: keep the table small.
        await self._write([(USER_DATA, str(user_id), data or None)])

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: Any) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        await self._write([(USER_DATA, str(user_id), None)])

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Any) -> None:
        return None

    async def flush(self) -> None:
        return None


class PersistentConversation(ConversationHandler[BotContext]):
    """A persistent ConversationHandler that tells the context which conversation an update is in
    (its name and the key PTB computed), so the flow can write its state through before replying."""

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        check_result: Any,
        context: BotContext,
    ) -> object | None:
        # PTB documents check_result as (state, key, handler, the handler's own check result).
        if self.name is not None:
            context.conversation = (self.name, check_result[1])
        return await super().handle_update(update, application, check_result, context)
