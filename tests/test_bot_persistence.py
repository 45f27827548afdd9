"""The bot's persistence: writers of the same entry (a write-through and another chat's flush) take
turns, so it is written once, never raced to an insert twice; an unchanged entry is not written."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, func, select

from bot.persistence import StorePersistence
from bot.services import Services
from bot.settings import Settings
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import PersistedData


async def test_concurrent_writes_of_an_entry_store_it_once(
    store: StoreHandle, database_url: str, clock: FixedClock
) -> None:
    services = Services(settings=Settings(database_url=database_url), clock=clock)  # type: ignore[call-arg]
    persistence = StorePersistence(services)
    await services.open()
    statements: list[str] = []
    event.listen(
        services.store.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    try:
        await persistence.update_user_data(8, {"visit": {"n": 1}})
        one_writer = len(statements)
        statements.clear()
        await asyncio.gather(*(persistence.update_user_data(7, {"visit": {"n": 1}}) for _ in range(5)))
        assert len(statements) == one_writer  # the other four found it written
        statements.clear()
        await persistence.update_user_data(7, {"visit": {"n": 1}})  # unchanged: nothing to write
        assert statements == []
    finally:
        await services.close()
    async with store.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PersistedData)) == 2
