"""The sandbox's people and groups: the demo district, everyone "in Telegram", the groups bound.

Every person of the roster gets a simulated Telegram user bound to their staff record through the
store's own invite binding; each school and the district get a group with the bot bound in it by one
of their leaders. The web page receives them as plain :class:`sandbox.web.Person` data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.i18n import translator
from bot.sandbox_strings import LOCALE_NAMES
from bot.text import role_labels
from sandbox import BotApiStandIn
from sandbox.state import GroupInfo
from sandbox.web import Person
from store.accounts import bind_by_invite
from store.groups import bind_group, group_binding
from store.installation import StoreHandle
from store.invites import invite_link, issue_invites
from store.scopes import scope_for
from store.training import StaffEntry, forget_account, staff_directory
from store.vocab import Locale, Role

# Simulated Telegram ids: the roster's own (base + staff id), then those of people met "as new".
USER_IDS = range(7_100_000_000, 7_200_000_000)
AS_NEW_IDS = range(7_150_000_000, 7_200_000_000)
DISTRICT_GROUP_ID = -4_900_000_000
GROUP_BINDERS = (Role.SCHOOL_LEADER, Role.MIDDLE_CADRE)
TELEGRAM_LANGUAGE = {"zh-Hant": "zh-hant", "zh-Hans": "zh-hans", "en": "en"}


def school_group_id(school_id: int) -> int:
    return DISTRICT_GROUP_ID - school_id


@dataclass
class SandboxPeople:
    """Who the page can play, and the entries behind them."""

    people: list[Person] = field(default_factory=list)
    entries: dict[str, StaffEntry] = field(default_factory=dict)  # by Person.key


def _person(entry: StaffEntry, user_id: int, default: Locale) -> Person:
    codes = [r.value for r in entry.roles]
    roles = {loc.value: role_labels(translator(loc), codes) for loc, _name in LOCALE_NAMES}
    classes = "、".join((*entry.head_of, *entry.teaches))
    language = entry.language or default.value
    return Person(key=entry.external_id, user_id=user_id, name=entry.name, roles=roles,
                  school=entry.school_name or "", classes=classes, phone=entry.phone,
                  language_code=TELEGRAM_LANGUAGE.get(language, "en"))


async def bind_everyone(handle: StoreHandle, now: datetime) -> int:
    """Bind each active staff member without a Telegram account to their simulated user, through an
    invite code as a real teacher would. Returns how many were bound now."""
    async with handle.sessions() as session:
        unbound = [e for e in await staff_directory(session=session) if e.telegram_user_id is None]
        if not unbound:
            return 0
        codes = {row.staff_id: row.code for row in await issue_invites(session=session, now=now,
                                                                       actor="sandbox")}
        bound = 0
        for entry in unbound:
            result = await bind_by_invite(session=session, code=codes[entry.external_id],
                                          telegram_user_id=USER_IDS.start + entry.staff_id, now=now)
            bound += result.ok
    return bound


def _group(standin: BotApiStandIn, chat_id: int, title: str, members: Iterable[int]) -> GroupInfo:
    directory = standin.directory
    info = directory.groups.get(chat_id)
    if info is None:
        info = directory.groups[chat_id] = GroupInfo(chat_id, title, "group")
    info.members = set(members)
    return info


async def _bind(handle: StoreHandle, chat_id: int, title: str, binder: StaffEntry | None, now: datetime,
                *, district: bool) -> None:
    if binder is None:
        return
    async with handle.sessions() as session:
        if await group_binding(session=session, chat_id=chat_id) is not None:
            return
        scope = await scope_for(session=session, staff_id=binder.staff_id)
        if scope is not None:
            await bind_group(session=session, chat_id=chat_id, scope=scope, now=now, title=title,
                             district=district)


async def build_people(handle: StoreHandle, standin: BotApiStandIn, default: Locale,
                       now: datetime) -> SandboxPeople:
    """Users in the stand-in for every bound person, the school and district groups with their members,
    the bot bound in each; the page's list of people."""
    _ = translator(default).gettext
    async with handle.sessions() as session:
        entries = [e for e in await staff_directory(session=session) if e.telegram_user_id is not None]
    result = SandboxPeople()
    for entry in entries:
        assert entry.telegram_user_id is not None
        person = _person(entry, entry.telegram_user_id, default)
        standin.world.user(entry.name, user_id=person.user_id, phone=entry.phone,
                           language_code=person.language_code)
        result.people.append(person)
        result.entries[person.key] = entry
    schools: dict[int, str] = {e.school_id: e.school_name or "" for e in entries if e.school_id is not None}
    for school_id, name in schools.items():
        staff = [e for e in entries if e.school_id == school_id]
        title = _("{school} staff group").format(school=name)
        _group(standin, school_group_id(school_id), title, [e.telegram_user_id or 0 for e in staff])
        binder = next((e for role in GROUP_BINDERS for e in staff if role in e.roles), None)
        await _bind(handle, school_group_id(school_id), title, binder, now, district=False)
    district = [e for e in entries if e.school_id is None or Role.SCHOOL_LEADER in e.roles]
    title = _("District campaign group")
    _group(standin, DISTRICT_GROUP_ID, title, [e.telegram_user_id or 0 for e in district])
    office = next((e for e in entries if Role.DISTRICT_OFFICE in e.roles), None)
    await _bind(handle, DISTRICT_GROUP_ID, title, office, now, district=True)
    return result


async def meet_as_new(handle: StoreHandle, standin: BotApiStandIn, people: SandboxPeople, key: str,
                      default: Locale, now: datetime) -> Person:
    """Training: the person's Telegram account is forgotten and they come back as a fresh, unregistered
    user with their invite link (or their phone number to share). They stay in their groups."""
    entry = people.entries[key]
    old = next(p for p in people.people if p.key == key)
    async with handle.sessions() as session:
        await forget_account(session=session, staff_id=entry.staff_id, now=now)
        rows = await issue_invites(session=session, now=now, actor="sandbox")
    code = next(row.code for row in rows if row.staff_id == entry.external_id)
    # Those met as new before a restart are bound, so build_people made their users: skip them.
    user_id = next(i for i in AS_NEW_IDS if i not in standin.directory.users)
    fresh = _person(entry, user_id, default)
    fresh.first_contact = invite_link(standin.world.bot_username, code)
    standin.world.user(entry.name, user_id=user_id, phone=entry.phone, language_code=fresh.language_code)
    for group in standin.directory.groups.values():
        if old.user_id in group.members:
            group.members.discard(old.user_id)
            group.members.add(user_id)
    people.people = [fresh if p.key == key else p for p in people.people]
    return fresh
