"""The roster version: a token every roster import changes, in the database, so that every process
(the bot, replicas later, the CLI that imports) can tell whether what it cached of the roster (who a
Telegram user is, their scope, class names, the students of a class) is still current, at the cost
of one small read per update.

The version is read once per session (the bot's session is one update) and remembered in it, so the
person cache and every roster fact an update looks up share that one read; :class:`RosterCache`
keeps such facts in memory for one version of one database.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AppMeta

KEY = "roster_version"
NEVER_IMPORTED = "0"

# Read on every update: a Core statement, built once (an ORM select costs a fifth more CPU).
_META = AppMeta.__table__
_READ = select(_META.c.value).where(_META.c.key == KEY)
_MEMO = "twovisits.roster_version"  # in ``session.info``

T = TypeVar("T")


async def roster_version(*, session: AsyncSession) -> str:
    """The roster version (``NEVER_IMPORTED`` before the first import), as of the session's first
    call: one statement per session, later calls answer from the session's memory."""
    version = session.info.get(_MEMO)
    if version is None:
        version = session.info[_MEMO] = (await session.scalar(_READ)) or NEVER_IMPORTED
    return str(version)


async def bump_roster_version(*, session: AsyncSession) -> None:
    """Give the roster a new version, inside the caller's (the import's) transaction; no commit."""
    token = secrets.token_hex(8)
    row = await session.get(AppMeta, KEY)
    if row is None:
        session.add(AppMeta(key=KEY, value=token))
    else:
        row.value = token
    session.info[_MEMO] = token


class RosterCache(Generic[T]):
    """Facts that only a roster import changes, by key, kept while the roster version holds.

    Kept per database (engine), so that two stores in one process (tests, a bench) never share
    an entry; past ``max_entries`` the cache starts again.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._held: WeakKeyDictionary[Engine, tuple[str, dict[Hashable, T]]] = WeakKeyDictionary()

    async def get(self, session: AsyncSession, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The fact for ``key``: from memory for the session's roster version, else ``load()``-ed."""
        version = await roster_version(session=session)
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        held = self._held.get(engine)
        if held is None or held[0] != version or len(held[1]) >= self.max_entries:
            held = self._held[engine] = (version, {})
        facts = held[1]
        if key not in facts:
            facts[key] = await load()
        return facts[key]
