"""Who a Telegram user is (account, scope, chosen language), kept in memory across updates.

Reading it costs about nine statements (account, staff, roles, classes, grades, preferences); it
changes only when a roster is imported, someone registers, or they choose a language. So it is kept,
keyed on the roster version (:mod:`store.roster_version`, which every import changes, in any
process), and dropped for one user on registration and /lang. Checking the version is one read.
Strangers are not kept (they may register at any moment). With several bot processes, a /lang chosen
in one reaches the others' caches at the next import: a known limit until replicas exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts import AccountInfo, account_for, preference_for
from store.roster_version import roster_version
from store.scopes import Scope, scope_for
from store.vocab import Locale

MAX_PEOPLE = 20_000  # a district's staff, with room; past it the cache starts again


@dataclass(frozen=True)
class Person:
    account: AccountInfo | None  # the active staff member bound to the user, or None
    left_roster: bool  # bound, but no longer active on the roster
    scope: Scope | None
    chosen_locale: Locale | None  # from /lang


async def load_person(session: AsyncSession, telegram_user_id: int) -> Person:
    found = await account_for(session=session, telegram_user_id=telegram_user_id)
    account = found if found is not None and found.active else None
    scope = await scope_for(session=session, staff_id=account.staff_id) if account is not None else None
    preference = await preference_for(session=session, telegram_user_id=telegram_user_id)
    return Person(account, found is not None and not found.active, scope, preference.locale)


class PersonCache:
    """People by Telegram user id, valid for one roster version."""

    def __init__(self) -> None:
        self._version: str | None = None
        self._people: dict[int, Person] = {}

    async def get(self, session: AsyncSession, telegram_user_id: int) -> Person:
        """The person, from memory while the roster version holds, else read (and kept)."""
        version = await roster_version(session=session)
        if version != self._version or len(self._people) > MAX_PEOPLE:
            self._version, self._people = version, {}
        person = self._people.get(telegram_user_id)
        if person is None:
            person = await load_person(session, telegram_user_id)
            # Strangers are not kept: they may register any moment, in another process too.
            known = person.account is not None or person.left_roster
            if known and version == self._version:  # not replaced by an import meanwhile
                self._people[telegram_user_id] = person
        return person

    def drop(self, telegram_user_id: int) -> None:
        """After registration or /lang: read this person again on their next update."""
        self._people.pop(telegram_user_id, None)
