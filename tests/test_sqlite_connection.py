"""The SQLite connection that makes one trip to its thread per statement (store/sqlite_connection.py)
behaves as aiosqlite's does: rows, ids, counts, errors, transactions, and writers that wait for a
lock without holding up the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import create_engine
from store.sqlite_connection import OneTripConnection

metadata = MetaData()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String, unique=True))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one-trip.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_a_file_database_gets_the_one_trip_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, OneTripConnection)


async def test_rows_ids_and_counts_are_those_of_sqlite(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(notes).values(text="a"))
        assert first.inserted_primary_key == (1,)
        many = await conn.execute(insert(notes), [{"text": "b"}, {"text": "c"}])
        assert many.rowcount == 2
        changed = await conn.execute(update(notes).where(notes.c.id > 1).values(text=notes.c.text + "!"))
        assert changed.rowcount == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(select(notes.c.id, notes.c.text).order_by(notes.c.id))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b!"), (3, "c!")]
        assert (await conn.execute(select(notes.c.text).where(notes.c.id == 9))).first() is None


async def test_an_error_is_sqlalchemys_and_the_transaction_rolls_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(notes).values(text="once"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(notes).values(text="kept back"))
            await conn.execute(insert(notes).values(text="once"))
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(notes)) == 1


async def test_a_failed_first_write_is_rolled_back_and_holds_no_lock(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(notes).values(text="taken"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.scalar(select(func.count()).select_from(notes))  # a read first: no transaction
            await conn.execute(insert(notes).values(text="taken"))  # begins one, and fails
    # Another writer that will not wait for a lock gets it at once.
    database = engine.url.database
    assert database is not None
    with sqlite3.connect(database, timeout=0) as other:
        other.execute("INSERT INTO notes (text) VALUES ('other writer')")


async def test_a_read_leaves_no_transaction_and_a_write_is_ended_on_return(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.scalar(select(func.count()).select_from(notes))
        raw = (await conn.get_raw_connection()).driver_connection
        assert isinstance(raw, OneTripConnection) and raw.open_transaction is False
        await conn.execute(insert(notes).values(text="never committed"))
        assert raw.open_transaction is True
    # Returned to the pool uncommitted: rolled back, so nothing stays and no lock is held.
    async with engine.begin() as conn:
        await conn.execute(insert(notes).values(text="committed"))
    async with engine.connect() as conn:
        assert (await conn.execute(select(notes.c.text))).scalars().all() == ["committed"]


async def test_a_writer_waiting_for_the_lock_does_not_hold_up_the_loop(engine: AsyncEngine) -> None:
    holder = await engine.connect()
    await holder.execute(insert(notes).values(text="first writer"))  # holds SQLite's write lock
    waiting = asyncio.Event()

    async def second_writer() -> None:
        async with engine.begin() as conn:
            waiting.set()
            await conn.execute(insert(notes).values(text="second writer"))  # waits in its thread

    task = asyncio.create_task(second_writer())
    await waiting.wait()
    assert not task.done()
    # The loop still runs other work while the second writer waits: the first one commits.
    await holder.commit()
    await holder.close()
    await task
    async with engine.connect() as conn:
        texts = (await conn.execute(select(notes.c.text).order_by(notes.c.id))).scalars().all()
    assert texts == ["first writer", "second writer"]
