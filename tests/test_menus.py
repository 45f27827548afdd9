"""Command menus and /help: per chat type and role, the commands that exist, in every language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.app import BotApplication, build_application
from bot.commands.start import capabilities, group_help_text
from bot.i18n import translator
from bot.menus import GROUP_COMMANDS, PRIVATE_COMMANDS, commands_for, group_commands
from bot.settings import Settings
from sandbox import BotApiStandIn, World
from store.clock import FixedClock
from store.installation import StoreHandle
from store.vocab import Locale, Role
from tests.bot_district import person, seed_district


def names(locale: Locale, roles: list[Role] | None) -> list[str]:
    return [c.command for c in commands_for(locale, roles)]


def test_each_role_gets_its_commands() -> None:
    assert names(Locale.EN, None) == ["start", "help", "lang"]
    assert names(Locale.EN, [Role.SUBJECT_TEACHER]) == [
        "visit", "my", "myvisits", "cancel", "coverage", "summary", "followups", "rectify", "phase", "help",
        "lang"]
    assert names(Locale.EN, [Role.HEAD_TEACHER]) == [
        "visit", "my", "myvisits", "cancel", "coverage", "summary", "exempt", "followups", "rectify", "phase",
        "help", "lang"]
    assert names(Locale.EN, [Role.SCHOOL_LEADER]) == [
        "interview", "cancel", "coverage", "summary", "exempt", "ranking", "export", "staff", "report",
        "review", "followups", "opinions", "rectify", "overdue", "board", "phase", "settings", "help", "lang"]
    assert names(Locale.EN, [Role.MIDDLE_CADRE]) == [
        "interview", "cancel", "coverage", "summary", "exempt", "followups", "opinions", "rectify", "overdue",
        "board", "phase", "help", "lang"]
    assert names(Locale.EN, [Role.DISTRICT_OFFICE]) == [
        "coverage", "summary", "ranking", "export", "staff", "report", "rectify", "overdue", "board", "phase",
        "help", "lang"]
    assert names(Locale.EN, [Role.SUPERVISOR]) == [
        "coverage", "summary", "ranking", "review", "rectify", "overdue", "board", "phase", "help", "lang"]
    # Several roles: the union, in the menu's order.
    assert names(Locale.EN, [Role.HEAD_TEACHER, Role.GRADE_HEAD]) == [
        "visit", "interview", "my", "myvisits", "cancel", "coverage", "summary", "exempt", "followups",
        "rectify", "phase", "help", "lang"]
    assert [c.command for c in group_commands(Locale.EN)] == [
        "coverage", "summary", "ranking", "overdue", "board", "bind", "unbind", "lang", "help"]


def _commands(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> set[str]:
    found: set[str] = set()
    for h in handlers:
        if isinstance(h, CommandHandler):
            found |= set(h.commands)
        elif isinstance(h, ConversationHandler):
            found |= _commands([*h.entry_points, *h.fallbacks, *(x for hs in h.states.values() for x in hs)])
    return found


def test_every_menu_command_has_a_handler() -> None:
    """The menus list only commands the bot answers."""
    settings = Settings(telegram_bot_token="1:x", database_url="sqlite+aiosqlite:///unused.db")  # type: ignore[arg-type]
    app = build_application(settings, clock=FixedClock(datetime(2026, 12, 1, tzinfo=UTC)))
    handled = _commands(h for group in app.handlers.values() for h in group)
    menu = {c.name for c in PRIVATE_COMMANDS} | {c.name for c in GROUP_COMMANDS} | {"help", "lang", "start"}
    assert menu <= handled, menu - handled


def test_menus_and_help_are_translated() -> None:
    for locale in (Locale.ZH_HANT, Locale.ZH_HANS):
        menu = commands_for(locale, [Role.SCHOOL_LEADER])
        assert all(not c.description.isascii() for c in menu), menu
        assert all(not c.description.isascii() for c in group_commands(locale))
    hant = capabilities(translator(Locale.ZH_HANT), [Role.SCHOOL_LEADER])
    assert any(line.startswith("/staff — 已加入機器人") for line in hant)
    assert any(line.startswith("/summary — 本週小結") for line in hant)


def test_help_lists_the_commands_of_the_person_and_of_the_group() -> None:
    tr = translator(Locale.EN)
    teacher = capabilities(tr, [Role.SUBJECT_TEACHER])
    assert [line.split(" — ")[0] for line in teacher] == [
        "/visit", "/my", "/myvisits", "/cancel", "/coverage", "/summary", "/followups", "/rectify", "/phase",
        "/lang", "/help"]
    office = capabilities(tr, [Role.DISTRICT_OFFICE])
    assert office[-3].startswith("Send me the roster") and office[0].startswith("/coverage")
    assert "/staff — how many staff have joined" in "\n".join(office)
    bound = group_help_text(tr, bound=True)
    assert "/summary — this week's summary" in bound and "/unbind" in bound and "/bind " not in bound
    assert "/bind — bind this group" in group_help_text(tr, bound=False)


async def test_a_registered_persons_menu_and_help_in_the_bot(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, standin: BotApiStandIn
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    await leader.send("/help")
    text = (await leader.next_message()).text
    for command in ("/interview", "/coverage", "/summary", "/exempt", "/ranking", "/export", "/staff",
                    "/report", "/phase"):
        assert f"{command} — " in text
    assert "/visit — " not in text and "/myvisits" not in text
    await leader.send("/cancel")
    assert "nothing to cancel" in (await leader.next_message()).text
    room = world.group("第一中學 staff", members=[leader])
    await leader.send("/help@TwoVisitsBot", chat=room)
    unbound = (await room.next_message()).text
    assert "/summary — " in unbound and "not bound yet" in unbound
    groups = [c for c in standin.calls("setMyCommands") if "all_group_chats" in str(c.get("scope", ""))]
    assert groups and all("summary" in str(c.get("commands")) for c in groups)
