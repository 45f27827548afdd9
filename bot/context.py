"""The typed context every handler receives: services, the clock, the person and their language."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot import edges
from bot.callback_data import BadCallbackData, Tap, WrongChat, parse
from bot.i18n import Translator, choose_locale, translator
from bot.services import Services
from bot.text import expired_text, left_roster_text, not_registered_text, private_only_text
from store.accounts import AccountInfo, account_for, preference_for
from store.clock import Clock
from store.installation import StoreHandle
from store.scopes import Scope, scope_for


class BotData:
    """``application.bot_data``: holds the services; nothing else lives there."""

    services: Services


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Per-update context; the person, scope and translator are looked up once and cached."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._account: AccountInfo | None = None
        self._account_loaded = False
        self._left_roster = False
        self._translator: Translator | None = None
        self._scope: Scope | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def store(self) -> StoreHandle:
        return self.services.store

    @property
    def clock(self) -> Clock:
        return self.services.clock

    async def account(self, update: object) -> AccountInfo | None:
        """The active staff member bound to the update's sender, or None."""
        if not self._account_loaded:
            user = update.effective_user if isinstance(update, Update) else None
            if user is not None:
                async with self.store.sessions() as session:
                    account = await account_for(session=session, telegram_user_id=user.id)
                self._account = account if account is not None and account.active else None
                self._left_roster = account is not None and not account.active
            self._account_loaded = True
        return self._account

    async def left_roster(self, update: object) -> bool:
        """Whether the sender was registered but is no longer on the roster (deactivated)."""
        await self.account(update)
        return self._left_roster

    def forget_account(self) -> None:
        """After binding or /lang, look the person up again."""
        self._account, self._account_loaded, self._translator, self._scope = None, False, None, None
        self._left_roster = False

    async def scope(self, update: object) -> Scope | None:
        if self._scope is None:
            account = await self.account(update)
            if account is None:
                return None
            async with self.store.sessions() as session:
                self._scope = await scope_for(session=session, staff_id=account.staff_id)
        return self._scope

    async def tr(self, update: object) -> Translator:
        """The translator for this update: /lang, the roster's language, Telegram's, the default."""
        if self._translator is None:
            user = update.effective_user if isinstance(update, Update) else None
            chosen = roster = None
            if user is not None:
                async with self.store.sessions() as session:
                    preference = await preference_for(session=session, telegram_user_id=user.id)
                chosen = preference.locale if preference else None
                account = await self.account(update)
                roster = account.language if account else None
            locale = choose_locale(
                chosen=chosen,
                roster=roster,
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
