"""A button tapped by a person on the roster: the typed tap with their language and scope, and the one
way every tap handler answers a refusal or an outdated argument."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import CallbackQuery, Update

from bot import edges
from bot.callback_data import BadCallbackData
from bot.context import BotContext, read_tap, scope_or_explain
from bot.i18n import Translator
from bot.text import expired_text
from store.scopes import Scope

TapT = TypeVar("TapT")
Rejected = TypeVar("Rejected", bound=Exception)


@dataclass(frozen=True)
class PersonTap(Generic[TapT]):
    query: CallbackQuery
    tap: TapT
    tr: Translator
    scope: Scope


async def person_tap(
    update: Update, context: BotContext, kind: type[TapT], family: str | None = None
) -> PersonTap[TapT] | None:
    """The tap if it is a ``kind`` (of ``family``) by someone on the roster; None once answered
    (stale, wrong chat, a stranger or a person who left the roster are told so by the helpers)."""
    query = update.callback_query
    if query is None:
        return None
    tap = await read_tap(update, context)
    if not isinstance(tap, kind) or (family is not None and getattr(tap, "family", None) != family):
        return None
    tr = await context.tr(update)
    scope = await scope_or_explain(update, context)
    if scope is None:
        return None
    return PersonTap(query, tap, tr, scope)


async def settle(
    tapped: PersonTap[TapT],
    action: Awaitable[None],
    rejected: type[Rejected],
    reason: Callable[[Rejected], str],
) -> None:
    """Runs the tap's action: the store's refusal becomes an alert with its reason, and an argument
    that no longer parses or points nowhere (an old message's button) is answered as expired."""
    try:
        await action
    except rejected as exc:
        await edges.answer(tapped.query, reason(exc), show_alert=True)
    except (BadCallbackData, ValueError, IndexError, KeyError):
        await edges.answer(tapped.query, expired_text(tapped.tr))
