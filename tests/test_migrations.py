"""The migrations build exactly the models' schema, and 0003 goes down and up again."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from store.clock import FixedClock
from store.db import alembic_config, create_engine, migrate
from store.installation import open_store
from store.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _downgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


async def test_the_migrated_schema_is_the_models_schema(database_url: str, clock: FixedClock) -> None:
    handle = await open_store(database_url, clock=clock)
    try:
        async with handle.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await handle.close()


async def test_the_outbox_migration_goes_down_and_up(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade, "0001")
        await migrate(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()
