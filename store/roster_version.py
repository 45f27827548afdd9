"""The roster version: a token every roster import changes, in the database, so that every process
(the bot, replicas later, the CLI that imports) can tell whether what it cached of the roster (who a
Telegram user is, their scope) is still current, at the cost of one small read."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AppMeta

KEY = "roster_version"
NEVER_IMPORTED = "0"


async def roster_version(*, session: AsyncSession) -> str:
    """The current roster version (``NEVER_IMPORTED`` before the first import). One statement."""
    value = await session.scalar(select(AppMeta.value).where(AppMeta.key == KEY))
    return value or NEVER_IMPORTED


async def bump_roster_version(*, session: AsyncSession) -> None:
    """Give the roster a new version, inside the caller's (the import's) transaction; no commit."""
    token = secrets.token_hex(8)
    row = await session.get(AppMeta, KEY)
    if row is None:
        session.add(AppMeta(key=KEY, value=token))
    else:
        row.value = token
