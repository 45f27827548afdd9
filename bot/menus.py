"""Command menus: per chat type and language, and per person once we know their roles.

Telegram's menus take two-letter language codes only, so zh-Hant is the default menu (and "zh"),
English is "en", and zh-Hans users get their own menu per chat (BotCommandScopeChat).
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.i18n import N_, translator
from store.vocab import CADRE_ROLES, TEACHER_ROLES, Locale, Role

_COMMON = [("help", N_("What I can do")), ("lang", N_("Language / 語言"))]
_TEACHER = [
    ("visit", N_("Log a student visit")),
    ("my", N_("My classes' progress")),
    ("myvisits", N_("My recent visits")),
]
_CADRE = [("interview", N_("Log a teacher interview"))]
_COVERAGE = [("coverage", N_("Coverage chart"))]  # every registered person: their scope's chart
_NEWCOMER = [("start", N_("Register with the bot"))]


def commands_for(locale: Locale, roles: Iterable[Role] | None) -> list[BotCommand]:
    """The private-chat menu of a person with ``roles`` (None: not registered yet)."""
    _ = translator(locale).gettext
    entries: list[tuple[str, str]] = []
    if roles is None:
        entries += _NEWCOMER
    else:
        role_set = set(roles)
        if role_set & TEACHER_ROLES:
            entries += _TEACHER
        if role_set & CADRE_ROLES:
            entries += _CADRE
        entries += _COVERAGE
    entries += _COMMON
    return [BotCommand(name, _(description)) for name, description in entries]


_GROUP = [
    ("coverage", N_("Coverage chart of this group's school")),
    ("bind", N_("Bind this group to your school")),
    ("unbind", N_("Unbind this group")),
    ("lang", N_("Language of this group")),
]


def group_commands(locale: Locale) -> list[BotCommand]:
    _ = translator(locale).gettext
    return [BotCommand(name, _(text)) for name, text in _GROUP] + [BotCommand("help", _(_COMMON[0][1]))]


async def set_default_menus(bot: Bot, default: Locale) -> None:
    """Menus for everyone: private chats (newcomers) and groups, in each two-letter language."""
    private, groups = BotCommandScopeAllPrivateChats(), BotCommandScopeAllGroupChats()
    await bot.set_my_commands(commands_for(default, None), scope=private)
    await bot.set_my_commands(group_commands(default), scope=groups)
    await bot.set_my_commands(commands_for(Locale.ZH_HANT, None), scope=private, language_code="zh")
    await bot.set_my_commands(group_commands(Locale.ZH_HANT), scope=groups, language_code="zh")
    await bot.set_my_commands(commands_for(Locale.EN, None), scope=private, language_code="en")
    await bot.set_my_commands(group_commands(Locale.EN), scope=groups, language_code="en")


async def set_person_menu(bot: Bot, chat_id: int, locale: Locale, roles: Iterable[Role] | None) -> bool:
    """This person's own menu, in their language (``roles`` None: not registered yet); False if
    Telegram refused (e.g. blocked)."""
    try:
        await bot.set_my_commands(commands_for(locale, roles), scope=BotCommandScopeChat(chat_id))
    except TelegramError:
        return False
    return True
