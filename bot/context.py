"""The typed context every handler receives: services, the clock, the person and their language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot import edges
from bot.callback_data import BadCallbackData, Tap, WrongChat, parse
from bot.i18n import Translator, choose_locale, translator
from bot.person import Person, PersonCache
from bot.services import Services
from bot.text import expired_text, left_roster_text, not_registered_text, private_only_text
from store.accounts import AccountInfo
from store.clock import Clock
from store.installation import StoreHandle
from store.scopes import Scope


class BotData:
    """``application.bot_data``: the services and what is kept of people across updates."""

    services: Services

    def __init__(self) -> None:
        self.people = PersonCache()


class _UpdateSession:
    """The one database session of the update being processed, opened on first use."""

    def __init__(self) -> None:
        self.session: AsyncSession | None = None


_CURRENT: ContextVar[_UpdateSession | None] = ContextVar("twovisits_update_session", default=None)


@asynccontextmanager
async def one_session_per_update() -> AsyncIterator[None]:
    """Around processing one update (the update processor wraps each): handlers and the error
    handler share one session, opened lazily, closed when the update is done, also on error."""
    holder = _UpdateSession()
    token = _CURRENT.set(holder)
    try:
        yield
    finally:
        _CURRENT.reset(token)
        if holder.session is not None:
            await holder.session.close()


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Per-update context: the update's session, and the person, scope and translator, looked up
    once (from memory when the roster has not changed since)."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._person: Person | None = None
        self._translator: Translator | None = None
        # (name, key) of the conversation handling this update, set by PersistentConversation.
        self.conversation: tuple[str, tuple[int | str, ...]] | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def store(self) -> StoreHandle:
        return self.services.store

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The update's database session (a session of its own outside an update's processing).

        Store functions commit what they write; after each use a read's transaction is ended, so no
        connection is held while the bot talks to Telegram.
        """
        holder = _CURRENT.get()
        if holder is None:
            async with self.store.sessions() as session:
                yield session
            return
        if holder.session is None:
            holder.session = self.store.sessions()
        session = holder.session
        try:
            yield session
        finally:
            if session.in_transaction():
                await session.rollback()

    async def person(self, update: object) -> Person | None:
        """Who sent the update; None without a sender."""
        if self._person is None:
            user = update.effective_user if isinstance(update, Update) else None
            if user is None:
                return None
            async with self.session() as session:
                self._person = await self.bot_data.people.get(session, user.id)
        return self._person

    async def account(self, update: object) -> AccountInfo | None:
        """The active staff member bound to the update's sender, or None."""
        person = await self.person(update)
        return person.account if person else None

    async def left_roster(self, update: object) -> bool:
        """Whether the sender was registered but is no longer on the roster (deactivated)."""
        person = await self.person(update)
        return person is not None and person.left_roster

    def forget_account(self, update: object) -> None:
        """After binding or /lang, look the person up again (here and in later updates)."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is not None:
            self.bot_data.people.drop(user.id)
        self._person, self._translator = None, None

    async def scope(self, update: object) -> Scope | None:
        person = await self.person(update)
        return person.scope if person else None

    async def tr(self, update: object) -> Translator:
        """The translator for this update: /lang, the roster's language, Telegram's, the default."""
        if self._translator is None:
            user = update.effective_user if isinstance(update, Update) else None
            person = await self.person(update)
            locale = choose_locale(
                chosen=person.chosen_locale if person else None,
                roster=person.account.language if person and person.account else None,
                telegram_code=user.language_code if user else None,
                default=self.services.settings.bot_default_locale,
            )
            self._translator = translator(locale)
        return self._translator


async def stranger_text(update: Update, context: BotContext) -> str:
    """Why the sender may not use personal commands: not registered, or no longer on the roster."""
    tr = await context.tr(update)
    return left_roster_text(tr) if await context.left_roster(update) else not_registered_text(tr)


async def scope_or_explain(update: Update, context: BotContext) -> Scope | None:
    """The person's scope; for someone not (or no longer) on the roster, None after saying so."""
    scope = await context.scope(update)
    if scope is None:
        text = await stranger_text(update, context)
        if update.callback_query is not None:
            await edges.answer(update.callback_query, text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    return scope


async def read_tap(update: Update, context: BotContext) -> Tap | None:
    """The tapped button's typed data; None once answered: a stale button ("expired"), or a personal
    button tapped outside a private chat ("private chat only", the message left as it is)."""
    query = update.callback_query
    if query is None:
        return None
    chat = update.effective_chat
    try:
        return parse(query.data, chat.type if chat else None)
    except WrongChat:
        await edges.answer(query, private_only_text(await context.tr(update)), show_alert=True)
    except BadCallbackData:
        await edges.answer(query, expired_text(await context.tr(update)))
    return None
