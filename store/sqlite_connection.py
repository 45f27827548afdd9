"""An aiosqlite connection that costs one trip to its thread per statement.

aiosqlite runs each sqlite3 call in the connection's own thread and wakes the event loop for every
result. SQLAlchemy's adapter makes four such calls for a SELECT (open a cursor, execute, fetch,
close) and one for every commit and rollback, also when there is no transaction to end (after a
read, and again when the pool takes the connection back). A statement itself costs SQLite a few
microseconds; each trip costs about 20 µs of CPU and a wake-up of the loop, which is most of what a
tap costs the database (docs/benchmarks.md, "Issue 6 targets").

So here a statement is executed, fetched and closed in one trip, and ``commit``/``rollback`` make no
trip while sqlite3 reports no transaction open (``in_transaction``, read in the thread after every
statement and every end of a transaction). Everything that touches SQLite still runs in the
connection's thread, so a statement waiting on another writer's lock never blocks the loop.

Only what SQLAlchemy's aiosqlite adapter uses of a cursor is provided (``execute``,
``executemany``, the fetches, ``description``, ``rowcount``, ``lastrowid``, ``close``); results are
always fetched whole (the store streams nothing from SQLite).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Sequence
from functools import partial
from threading import Thread
from typing import Any

import aiosqlite

_Result = tuple[Any, int, int | None, list[Any]]


class _Ready:
    """What ``Connection.cursor()`` returns: awaitable and an async context manager, like
    aiosqlite's, but with the cursor ready (making one touches nothing in SQLite)."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: OneTripCursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, OneTripCursor]:
        return self._cursor
        yield  # a generator: awaiting it returns at once

    async def __aenter__(self) -> OneTripCursor:
        return self._cursor

    async def __aexit__(self, *_: object) -> None:
        await self._cursor.close()


class OneTripCursor:
    """A cursor whose statement runs, is fetched and is closed in one trip to the thread."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    def _run(self, many: bool, sql: str, parameters: Any) -> _Result:  # in the connection's thread
        conn = self._connection._conn
        try:
            cursor = conn.executemany(sql, parameters) if many else conn.execute(sql, parameters)
            try:
                rows = cursor.fetchall() if cursor.description else []
                return cursor.description, cursor.rowcount, cursor.lastrowid, rows
            finally:
                cursor.close()
        finally:
            # Also when the statement failed: a failed first write leaves the transaction it began
            # open (with the write lock), and the rollback that follows must not be skipped.
            self._connection.open_transaction = conn.in_transaction

    async def _trip(self, many: bool, sql: str, parameters: Any) -> OneTripCursor:
        result: _Result = await self._connection._execute(self._run, many, sql, parameters)
        self.description, self.rowcount, self.lastrowid, self._rows = result
        return self

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> OneTripCursor:
        return await self._trip(False, sql, parameters)

    async def executemany(self, sql: str, parameters: Any) -> OneTripCursor:
        return await self._trip(True, sql, parameters)

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        n = size or self.arraysize
        rows, self._rows = self._rows[:n], self._rows[n:]
        return rows

    async def close(self) -> None:
        self._rows = []


class OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection (its thread, its queue), with :class:`OneTripCursor` cursors and no
    trip to end a transaction that is not open."""

    # Until the first statement says otherwise, assume a transaction may be open: ending one that
    # is not costs a trip, skipping one that is would leave it open.
    open_transaction = True

    def cursor(self) -> Any:  # aiosqlite's own is a decorated coroutine; SQLAlchemy awaits either
        return _Ready(OneTripCursor(self))

    def _end(self, end: Callable[[], None]) -> None:  # in the connection's thread
        try:
            end()
        finally:
            self.open_transaction = self._conn.in_transaction

    async def commit(self) -> None:
        if self.open_transaction:
            await self._execute(self._end, self._conn.commit)

    async def rollback(self) -> None:
        if self.open_transaction:
            await self._execute(self._end, self._conn.rollback)


def one_trip_creator(database: str, **connect_args: Any) -> Callable[[], Any]:
    """``create_async_engine``'s ``async_creator`` for an SQLite file, with the arguments
    SQLAlchemy would give ``sqlite3.connect``."""

    async def create() -> OneTripConnection:
        connection = OneTripConnection(partial(sqlite3.connect, database, **connect_args), 64)
        thread = getattr(connection, "_thread", connection)  # aiosqlite < 0.22: the connection is one
        if isinstance(thread, Thread):
            thread.daemon = True  # as SQLAlchemy's adapter does: a forgotten connection never holds up exit
        await connection
        return connection

    return create
