"""The persistence rows: written by one upsert, with no read first, so concurrent writers never collide."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import event

from store.clock import FixedClock
from store.installation import StoreHandle
from store.persistence import load_persisted, save_persisted


async def test_entries_are_written_replaced_and_dropped(store: StoreHandle, clock: FixedClock) -> None:
    async with store.sessions() as session:
        await save_persisted(
            session=session,
            entries=[
                ("user_data", "1", {"draft": [1]}), ("user_data", "2", {"a": "b"}),
                ("conv:visit", "[1, 1]", 3),
            ],
            now=clock.now(),
        )
    async with store.sessions() as session:
        await save_persisted(
            session=session,
            entries=[("user_data", "1", {"draft": [2]}), ("user_data", "2", None), ("user_data", "3", None)],
            now=clock.now() + timedelta(seconds=1),
        )
    async with store.sessions() as session:
        assert await load_persisted(session=session, kind="user_data") == {"1": {"draft": [2]}}
        assert await load_persisted(session=session, kind="conv:visit") == {"[1, 1]": 3}


async def test_a_key_given_twice_in_one_batch_keeps_the_last(store: StoreHandle, clock: FixedClock) -> None:
    async with store.sessions() as session:
        await save_persisted(
            session=session,
            entries=[("user_data", "1", {"v": 1}), ("user_data", "1", {"v": 2}), ("user_data", "2", {"v": 1}),
                     ("user_data", "2", None)],
            now=clock.now(),
        )
    async with store.sessions() as session:
        assert await load_persisted(session=session, kind="user_data") == {"1": {"v": 2}}


async def test_a_write_is_one_statement_without_a_read_first(store: StoreHandle, clock: FixedClock) -> None:
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(store.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with store.sessions() as session:
            await save_persisted(
                session=session, entries=[("user_data", str(n), {"n": n}) for n in range(5)], now=clock.now()
            )
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", seen)
    assert statements == ["INSERT"]


async def test_two_writers_of_the_same_key_both_succeed(store: StoreHandle, clock: FixedClock) -> None:
    # The old get-then-insert lost this race with "UNIQUE constraint failed: bot_persistence.kind, key".
    async def write(key: str, value: int) -> None:
        async with store.sessions() as session:
            await save_persisted(
                session=session, entries=[("conv:visit", key, value), ("user_data", key, {"v": value})],
                now=clock.now(),
            )

    keys = [f"[{n}, {n}]" for n in range(20)]
    await asyncio.gather(*(write(key, value) for key in keys for value in (1, 2)))
    async with store.sessions() as session:
        states = await load_persisted(session=session, kind="conv:visit")
        users = await load_persisted(session=session, kind="user_data")
    assert set(states) == set(keys) and set(states.values()) <= {1, 2}
    assert set(users) == set(keys)
