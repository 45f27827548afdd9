"""Command menus and the /help lines: one table of the commands, per chat type and role.

Telegram's menus take two-letter language codes only, so zh-Hant is the default menu (and "zh"),
English is "en", and zh-Hans users get their own menu per chat (BotCommandScopeChat). A registered
person's menu and their /help list the same commands: those their roles may use (the commands
themselves check again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.i18n import N_, Translator, translator
from store.exemptions import DECIDERS
from store.vocab import CADRE_ROLES, DISTRICT_ROLES, TEACHER_ROLES, Locale, Role


@dataclass(frozen=True)
class Command:
    """A command: its menu entry, its /help line, and who gets it (None: every registered person)."""

    name: str
    menu: str
    help: str
    roles: frozenset[Role] | None = None

    def for_roles(self, roles: frozenset[Role]) -> bool:
        return self.roles is None or bool(self.roles & roles)


LEADERS_AND_OFFICE = frozenset({Role.DISTRICT_OFFICE, Role.SCHOOL_LEADER})

# In the order of the menu. Private chats.
PRIVATE_COMMANDS = (
    Command("visit", N_("Log a student visit"),
            N_("/visit — log a visit with a student right after it happens"), TEACHER_ROLES),
    Command("interview", N_("Log a teacher interview"),
            N_("/interview — log an interview with a teacher of your school"), CADRE_ROLES),
    Command("my", N_("My classes' progress"),
            N_("/my — your classes: who is visited, who is not yet"), TEACHER_ROLES),
    Command("myvisits", N_("My recent visits"),
            N_("/myvisits — your recent visits, to check, edit or delete"), TEACHER_ROLES),
    Command("cancel", N_("Stop the visit being logged"),
            N_("/cancel — stop logging a visit half-way (nothing is saved)"), TEACHER_ROLES | CADRE_ROLES),
    Command("coverage", N_("Coverage chart"),
            N_("/coverage — the coverage chart of what you may see; add a grade, class or school to "
               "drill down, or “trend”")),
    Command("summary", N_("This week's summary"),
            N_("/summary — this week's summary: visits, coverage, lagging classes, opinions, follow-ups")),
    Command("exempt", N_("Students or teachers away for the campaign"),
            N_("/exempt — propose a student (head teachers) or a teacher on long leave as away for the "
               "campaign; school leaders and middle cadres approve"),
            frozenset({Role.HEAD_TEACHER}) | DECIDERS),
    Command("ranking", N_("Evaluation ranking"),
            N_("/ranking — the evaluation scores and what they are made of"),
            DISTRICT_ROLES | {Role.SCHOOL_LEADER}),
    Command("export", N_("Export the archive"),
            N_("/export — the archive workbook of the visits (your school; the office: the district)"),
            frozenset({Role.DISTRICT_OFFICE, Role.SCHOOL_LEADER})),
    Command("staff", N_("Who has joined the bot"),
            N_("/staff — how many staff have joined the bot, and invite links for those who have not"),
            LEADERS_AND_OFFICE),
    Command("report", N_("Summary report (PDF)"),
            N_("/report — the summary report as a PDF (your school; district roles: the district)"),
            frozenset({Role.DISTRICT_OFFICE, Role.DISTRICT_LEADER, Role.SCHOOL_LEADER})),
    Command("review", N_("Spot-check visits"),
            N_("/review — spot-check a random sample of recent visits: verify, or return with a comment "
               "(supervisors: any school; school leaders: yours)"),
            frozenset({Role.SUPERVISOR, Role.SCHOOL_LEADER})),
    Command("followups", N_("My follow-up visits"),
            N_("/followups — your follow-up visits due and overdue, each with a button to log it"),
            TEACHER_ROLES | CADRE_ROLES),
    Command("opinions", N_("Opinion inbox"),
            N_("/opinions — the opinions raised in visits: sort, merge, dismiss, turn into "
               "rectification items"),
            DECIDERS),
    Command("rectify", N_("Rectification items"),
            N_("/rectify — rectification items: create, follow, verify (owners: update yours)")),
    Command("overdue", N_("Overdue items"),
            N_("/overdue — rectification items past their deadline and overdue follow-ups"),
            DECIDERS | DISTRICT_ROLES),
    Command("board", N_("Opinion board (公示)"),
            N_("/board — the publication: opinions per category, items, what is done"),
            DECIDERS | DISTRICT_ROLES),
    Command("phase", N_("Where the campaign stands"),
            N_("/phase — the campaign's current phase, its dates and what comes next")),
    Command("settings", N_("Settings of your school"),
            N_("/settings — your school's own phase dates and interview outline topics"),
            frozenset({Role.SCHOOL_LEADER})),
)
_HELP = ("help", N_("What I can do"))
_LANG = ("lang", N_("Language / 語言"))
_NEWCOMER = [("start", N_("Register with the bot"))]

# Group chats: aggregates only.
GROUP_COMMANDS = (
    Command("coverage", N_("Coverage chart of this group's school"),
            N_("/coverage — the coverage chart of this group's school (or the district); add a grade or "
               "class to drill down")),
    Command("summary", N_("This week's summary"),
            N_("/summary — this week's summary (it also posts itself here every week)")),
    Command("ranking", N_("Evaluation ranking"),
            N_("/ranking — the evaluation ranking (district roles; a school leader in their school's "
               "group)")),
    Command("overdue", N_("Overdue items"),
            N_("/overdue — overdue rectification items (public titles) and follow-ups per class")),
    Command("board", N_("Opinion board (公示)"),
            N_("/board — the publication: opinions per category, items, what is done")),
    Command("bind", N_("Bind this group to your school"),
            N_("/bind — bind this group to your school (school leaders and middle cadres; the district "
               "office: the district group)")),
    Command("unbind", N_("Unbind this group"), N_("/unbind — unbind this group")),
    Command("lang", N_("Language of this group"), N_("/lang — the language I use in this group")),
)


def person_commands(roles: Iterable[Role]) -> list[Command]:
    """The private-chat commands a person with ``roles`` may use, in the menu's order."""
    role_set = frozenset(roles)
    return [c for c in PRIVATE_COMMANDS if c.for_roles(role_set)]


def commands_for(locale: Locale, roles: Iterable[Role] | None) -> list[BotCommand]:
    """The private-chat menu of a person with ``roles`` (None: not registered yet)."""
    _ = translator(locale).gettext
    if roles is None:
        entries = [*_NEWCOMER, _HELP, _LANG]
    else:
        entries = [(c.name, c.menu) for c in person_commands(roles)] + [_HELP, _LANG]
    return [BotCommand(name, _(description)) for name, description in entries]


def group_commands(locale: Locale) -> list[BotCommand]:
    _ = translator(locale).gettext
    return [BotCommand(c.name, _(c.menu)) for c in GROUP_COMMANDS] + [BotCommand("help", _(_HELP[1]))]


def group_help_lines(tr: Translator, *, bound: bool) -> list[str]:
    """The group commands for ``/help`` in a group (``/bind`` only while the group is unbound)."""
    return [tr.gettext(c.help) for c in GROUP_COMMANDS if not (bound and c.name == "bind")]


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
