"""The roster version is read once per session, and roster facts are kept per version and database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event

from store.clock import FixedClock
from store.installation import StoreHandle, open_store
from store.roster_version import RosterCache, bump_roster_version, roster_version


async def test_the_version_is_read_once_per_session_and_a_bump_is_seen_in_it(store: StoreHandle) -> None:
    statements: list[str] = []
    event.listen(store.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    async with store.sessions() as session:
        first = await roster_version(session=session)
        assert await roster_version(session=session) == first
        assert len(statements) == 1
        await bump_roster_version(session=session)
        await session.commit()
        bumped = await roster_version(session=session)
        assert bumped != first
    async with store.sessions() as session:
        assert await roster_version(session=session) == bumped


async def test_facts_are_loaded_once_per_roster_version(store: StoreHandle) -> None:
    cache: RosterCache[int] = RosterCache()
    loads: list[str] = []

    async def load() -> int:
        loads.append("class 1")
        return len(loads)

    for _ in range(2):
        async with store.sessions() as session:
            assert await cache.get(session, 1, load) == 1
    assert loads == ["class 1"]
    async with store.sessions() as session:
        await bump_roster_version(session=session)
        await session.commit()
    async with store.sessions() as session:
        assert await cache.get(session, 1, load) == 2  # a new version: loaded again


async def test_two_databases_never_share_a_fact(
    store: StoreHandle, tmp_path: Path, clock: FixedClock
) -> None:
    cache: RosterCache[str] = RosterCache()

    async def named(name: str) -> str:
        return name

    other = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}", clock=clock)
    try:
        async with store.sessions() as session:
            assert await cache.get(session, 1, lambda: named("first")) == "first"
        async with other.sessions() as session:  # the same (never imported) version, another database
            assert await cache.get(session, 1, lambda: named("second")) == "second"
    finally:
        await other.close()
