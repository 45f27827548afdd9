"""Storage for the bot's persistence: conversation states and per-user data, as JSON rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PersistedData


async def load_persisted(*, session: AsyncSession, kind: str) -> dict[str, Any]:
    """Every stored entry of one kind (e.g. ``user_data`` or ``conv:visit``), by key."""
    rows = (await session.execute(select(PersistedData.key, PersistedData.data).filter_by(kind=kind))).all()
    return {key: data for key, data in rows}


async def save_persisted(
    *, session: AsyncSession, entries: list[tuple[str, str, Any]], now: datetime
) -> None:
    """Write ``(kind, key, data)`` entries in one transaction; ``data`` None deletes the entry."""
    for kind, key, data in entries:
        row = await session.get(PersistedData, (kind, key))
        if data is None:
            if row is not None:
                await session.delete(row)
        elif row is None:
            session.add(PersistedData(kind=kind, key=key, data=data, updated_at=now))
        else:
            row.data, row.updated_at = data, now
    await session.commit()


async def drop_persisted(*, session: AsyncSession, kind: str, key: str) -> None:
    """Forget one entry."""
    await session.execute(delete(PersistedData).filter_by(kind=kind, key=key))
    await session.commit()
