"""Engine, sessions and migrations.

The embedded default is SQLite (aiosqlite) in WAL mode; PostgreSQL (asyncpg) runs the same models.
The database is created or upgraded to the newest migration on start.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store.files import private_sqlite_files
from store.sqlite_connection import one_trip_creator

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./twovisits.db"


def normalize_database_url(url: str) -> str:
    """Accept the forms an operator writes and return the async driver's URL.

    ``sqlite:///x`` means ``sqlite+aiosqlite:///x``; ``postgresql://`` and ``postgres://`` mean asyncpg.
    Raises ``ValueError`` for anything else.
    """
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {url!r}") from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "aiosqlite"):
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres") and driver in ("", "asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {parsed.drivername!r}: use sqlite or postgresql")


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL (None for an in-memory database or another backend)."""
    parsed = make_url(normalize_database_url(url))
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _sqlite_pragmas(database: Path | None, dbapi_connection: Any, _record: Any) -> None:
    if database is not None:
        # Before WAL mode creates the -wal and -shm files: SQLite gives them the database's mode.
        private_sqlite_files(database)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the application's one engine for ``url`` (normalised first)."""
    url = normalize_database_url(url)
    # Statement parameters are names, phone numbers and opinions: keep them out of error messages,
    # which end up in logs.
    options: dict[str, Any] = {}
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and sqlite_path(url) is not None:
        # One trip to aiosqlite's thread per statement instead of four (store/sqlite_connection.py).
        args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(parsed)
        options["async_creator"] = one_trip_creator(*args, **kwargs)
    engine = create_async_engine(url, echo=echo, hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, sqlite_path(url)))
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so plain data can be built from them."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", "store:migrations")
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Create the database or bring it up to ``revision`` (the newest by default)."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
