"""Shared fixtures: a fixed clock, a fresh migrated SQLite database per test, the sample roster."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as timedelta, no deprecation warning

import pytest

from bot.app import BotApplication
from sandbox import BotApiStandIn, World
from store.clock import FixedClock
from store.installation import StoreHandle, load_campaign, open_store
from store.roster import sample
from tests.e2e import bot_settings, group_leaks, postgres_database, running_bot

DATA = Path(__file__).parent / "data"
SAMPLE_ROSTER = sample.SAMPLE_ROSTER  # shipped in the package for `twovisits demo`


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env, campaign.toml or environment."""
    for name in (
        "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_FILE_BASE_URL", "DATABASE_URL",
        "BOT_TIMEZONE", "BOT_DEFAULT_LOCALE", "CAMPAIGN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_error_logged() -> Iterator[None]:
    """Fails if anything (the bot, PTB underneath it) logs an ERROR inside: ordinary events, late
    and double taps included, are never errors."""
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    errors = [f"{r.name}: {r.getMessage()}" for r in handler.records]
    assert not errors, f"ERROR logged while the bot ran: {errors}"


@pytest.fixture
def clock() -> FixedClock:
    # A Tuesday in the visit phase of the default campaign of a database created in November 2026.
    return FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database per test: an SQLite file, or, when ``TEST_DATABASE_URL`` names a PostgreSQL
    server (an admin connection such as ``postgresql://postgres@127.0.0.1:5432/postgres``), a new
    database on it, dropped afterwards. The same tests then prove the models portable."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    async with postgres_database(server) as url:
        yield url


@pytest.fixture
async def store(database_url: str, clock: FixedClock) -> AsyncIterator[StoreHandle]:
    """A fresh, migrated database with the default campaign loaded."""
    handle = await open_store(database_url, clock=clock)
    await load_campaign(handle, None, bot_timezone="Asia/Shanghai")
    try:
        yield handle
    finally:
        await handle.close()


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    """The Telegram Bot API stand-in on 127.0.0.1."""
    async with BotApiStandIn(bot_username="TwoVisitsBot") as server:
        yield server


@pytest.fixture
def world(standin: BotApiStandIn) -> World:
    return standin.world


@pytest.fixture
async def bot(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    """The real Application polling the stand-in, on the same database as ``store``; the test fails
    if it logged an ERROR."""
    with no_error_logged():
        async with running_bot(bot_settings(standin, database_url), clock) as app:
            yield app


@pytest.fixture(autouse=True)
def _groups_see_no_student_names(request: pytest.FixtureRequest) -> Iterator[None]:
    """SPEC: groups get aggregates only. After every test that ran the stand-in, no message the bot
    sent into a group chat may hold a student name of the test's database or a focus tag."""
    if "standin" not in request.fixturenames:
        yield
        return
    standin: BotApiStandIn = request.getfixturevalue("standin")
    url = request.getfixturevalue("database_url") if "database_url" in request.fixturenames else None
    yield
    leaks = group_leaks(standin, url)
    assert not leaks, "student names or focus tags sent into a group:\n" + "\n".join(leaks)
