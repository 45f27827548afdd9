"""Storage for the bot's persistence: conversation states and per-user data, as JSON rows."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Executable, Table, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PersistedData

# Two parameters a key: well under SQLite's oldest limit of 999 bound variables per statement.
_KEYS_PER_DELETE = 200
_TABLE = cast(Table, PersistedData.__table__)


async def load_persisted(*, session: AsyncSession, kind: str) -> dict[str, Any]:
    """Every stored entry of one kind (e.g. ``user_data`` or ``conv:visit``), by key."""
    rows = (await session.execute(select(PersistedData.key, PersistedData.data).filter_by(kind=kind))).all()
    return {key: data for key, data in rows}


@cache
def _upsert(dialect: str) -> Executable:
    # One Core statement per dialect, its rows given as parameters (one executemany): built and
    # compiled once, where an ORM insert with the rows in VALUES costs twice the CPU on every write
    # (docs/benchmarks.md, "Issue 6 targets").
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_TABLE)
    return stmt.on_conflict_do_update(
        index_elements=[_TABLE.c.kind, _TABLE.c.key],
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
    written = [
        {"kind": kind, "key": key, "data": data, "updated_at": now}
        for (kind, key), data in last.items()
        if data is not None
    ]
    dropped = [pair for pair, data in last.items() if data is None]
    if written:
        await session.execute(_upsert(session.get_bind().dialect.name), written)
    for start in range(0, len(dropped), _KEYS_PER_DELETE):
        chunk = dropped[start : start + _KEYS_PER_DELETE]
        await session.execute(
            delete(_TABLE).where(tuple_(_TABLE.c.kind, _TABLE.c.key).in_(chunk))
        )
    await session.commit()


async def drop_persisted(*, session: AsyncSession, kind: str, key: str) -> None:
    """Forget one entry."""
    await session.execute(delete(PersistedData).filter_by(kind=kind, key=key))
    await session.commit()
