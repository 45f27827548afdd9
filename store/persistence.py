"""Storage for the bot's persistence: conversation states and per-user data, as JSON rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Executable, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PersistedData

# Four parameters a row: well under SQLite's oldest limit of 999 bound variables per statement.
_ROWS_PER_STATEMENT = 200


async def load_persisted(*, session: AsyncSession, kind: str) -> dict[str, Any]:
    """Every stored entry of one kind (e.g. ``user_data`` or ``conv:visit``), by key."""
    rows = (await session.execute(select(PersistedData.key, PersistedData.data).filter_by(kind=kind))).all()
    return {key: data for key, data in rows}


def _upsert(dialect: str, rows: list[dict[str, Any]]) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(PersistedData).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=[PersistedData.kind, PersistedData.key],
        set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
    )


async def save_persisted(
    *, session: AsyncSession, entries: list[tuple[str, str, Any]], now: datetime
) -> None:
    """Write ``(kind, key, data)`` entries in one transaction; ``data`` None deletes the entry.

    One INSERT … ON CONFLICT DO UPDATE for the entries written and one DELETE for those dropped, with
    no read first: two writers of the same key (two processes, or a flush beside a write-through) both
    succeed, the later one's data stays. A key given twice counts once, the last time.
    """
    last: dict[tuple[str, str], Any] = {(kind, key): data for kind, key, data in entries}
    dialect = session.get_bind().dialect.name
    written = [
        {"kind": kind, "key": key, "data": data, "updated_at": now}
        for (kind, key), data in last.items()
        if data is not None
    ]
    dropped = [pair for pair, data in last.items() if data is None]
    for start in range(0, len(written), _ROWS_PER_STATEMENT):
        await session.execute(_upsert(dialect, written[start : start + _ROWS_PER_STATEMENT]))
    for start in range(0, len(dropped), _ROWS_PER_STATEMENT):
        chunk = dropped[start : start + _ROWS_PER_STATEMENT]
        await session.execute(
            delete(PersistedData)
            .where(tuple_(PersistedData.kind, PersistedData.key).in_(chunk))
            .execution_options(synchronize_session=False)
        )
    await session.commit()


async def drop_persisted(*, session: AsyncSession, kind: str, key: str) -> None:
    """Forget one entry."""
    await session.execute(delete(PersistedData).filter_by(kind=kind, key=key))
    await session.commit()
