"""Running a PTB Application against the stand-in, as ``run_polling`` would, inside a bench; and
counting what each update costs the database.

The start/stop sequence is the bot's own (``bot.app.polling``), the one the end-to-end tests use.
"""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from weakref import WeakSet

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application

from bench.stats import Latencies
from bench.teacher import TAP_STEPS, VISIT_STEPS
from bot.app import polling
from bot.settings import Settings
from sandbox import BotApiStandIn
from store.sqlite_connection import OneTripConnection, OneTripCursor
from store.vocab import Locale

BOT_TOKEN = "700001:BENCH-two_visits-bot"
ECHO_TOKEN = "700002:BENCH-echo-floor"
BOT_TIMEZONE = "Asia/Shanghai"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def bench_settings(standin: BotApiStandIn, database_url: str) -> Settings:
    """The bot's settings pointing at the stand-in; nothing read from the environment or a .env."""
    return Settings(
        _env_file=None,
        telegram_bot_token=BOT_TOKEN,
        telegram_api_base_url=standin.base_url,
        telegram_file_base_url=standin.base_file_url,
        database_url=database_url,
        bot_timezone=BOT_TIMEZONE,
        bot_default_locale=Locale.ZH_HANT,
        campaign_file=None,
    )


@asynccontextmanager
async def running(app: AnyApplication) -> AsyncIterator[AnyApplication]:
    """The Application polling the stand-in; stopped and shut down on the way out."""
    async with polling(app):
        yield app


@dataclass
class UpdateCost:
    """What one update cost the database: statements run and commits, from its start to its end
    (handlers, error handler and the persistence flush after it)."""

    step: str
    statements: int = 0
    commits: int = 0
    persistence_statements: int = 0  # of them, on the bot's PTB persistence table


_UPDATE: ContextVar[UpdateCost | None] = ContextVar("bench_update_cost", default=None)


def current_update() -> UpdateCost | None:
    """The update being handled where this is called (None outside any counted update)."""
    return _UPDATE.get()


class SqlCounter:
    """The bot engine's statements and commits (the bench's own engine is separate), in all and per
    update: each statement is booked to the update whose task runs it, anything else (the outbox,
    the scheduler) to the background.

    Counted at the bot's SQLite connection (:mod:`store.sqlite_connection`), not with SQLAlchemy's
    engine events: listening to those makes every connection join the engine's event dispatch, which
    cost the bot about 0.2 ms of CPU per round trip that the floor does not pay. A statement is one
    ``execute``/``executemany``; a commit is one that ended an open transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("the bench counts SQL on SQLite only")
        self.engine = engine.sync_engine
        self.statements = 0
        self.persistence_statements = 0
        self.commits = 0
        self.background_statements = 0
        self.updates: list[UpdateCost] = []
        self._mine: WeakSet[OneTripConnection] = WeakSet()  # the bot engine's connections
        event.listen(self.engine, "checkout", self._checkout)  # a pool event: no dispatch per statement
        counter = self
        trip, commit = OneTripCursor._trip, OneTripConnection.commit
        self._originals = trip, commit

        async def counted_trip(cursor: OneTripCursor, many: bool, sql: str, parameters: Any) -> OneTripCursor:
            if cursor._connection in counter._mine:
                counter._statement(sql)
            return await trip(cursor, many, sql, parameters)

        async def counted_commit(connection: OneTripConnection) -> None:
            if connection.open_transaction and connection in counter._mine:
                counter._commit()
            await commit(connection)

        OneTripCursor._trip = counted_trip  # type: ignore[method-assign]
        OneTripConnection.commit = counted_commit  # type: ignore[method-assign]

    def _checkout(self, dbapi_connection: Any, _record: object, _proxy: object) -> None:
        driver = dbapi_connection.driver_connection
        if not isinstance(driver, OneTripConnection):
            raise TypeError("the bench counts SQL on the one-trip SQLite connection only")
        self._mine.add(driver)

    def _statement(self, statement: str) -> None:
        self.statements += 1
        persistence = "bot_persistence" in statement
        self.persistence_statements += persistence
        cost = _UPDATE.get()
        if cost is None:
            self.background_statements += 1
        else:
            cost.statements += 1
            cost.persistence_statements += persistence

    def _commit(self) -> None:
        self.commits += 1
        cost = _UPDATE.get()
        if cost is not None:
            cost.commits += 1

    def count_updates(self, app: AnyApplication, step_of: Callable[[Update], str | None]) -> None:
        """Book statements to ``app``'s updates, each labelled ``step_of(update)`` (None: not kept)."""
        processor = app.update_processor
        inner: Callable[[object, Awaitable[Any]], Awaitable[None]] = processor.do_process_update

        async def counted(update: object, coroutine: Awaitable[Any]) -> None:
            step = step_of(update) if isinstance(update, Update) else None
            cost = UpdateCost(step or "?")  # "?": an update the bench did not send (kept out)
            token = _UPDATE.set(cost)
            try:
                await inner(update, coroutine)
            finally:
                _UPDATE.reset(token)
                if step is not None:
                    self.updates.append(cost)

        processor.do_process_update = counted  # type: ignore[method-assign]

    def detach(self) -> None:
        event.remove(self.engine, "checkout", self._checkout)
        OneTripCursor._trip, OneTripConnection.commit = self._originals  # type: ignore[method-assign]


@dataclass(frozen=True)
class StepCost:
    """The SQL of one kind of update: medians (and the mean of statements) over ``n`` updates."""

    n: int
    statements: float
    commits: float
    mean_statements: float
    persistence_statements: float  # median


@dataclass
class UpdateCosts:
    """What a phase's updates cost the database, by step."""

    updates: list[UpdateCost]
    statements: int
    commits: int
    background_statements: int

    @classmethod
    def of(cls, sql: SqlCounter) -> UpdateCosts:
        return cls(list(sql.updates), sql.statements, sql.commits, sql.background_statements)

    def _cost(self, costs: Iterable[UpdateCost]) -> StepCost:
        picked = list(costs)
        if not picked:
            return StepCost(0, float("nan"), float("nan"), float("nan"), float("nan"))
        return StepCost(
            n=len(picked),
            statements=statistics.median(c.statements for c in picked),
            commits=statistics.median(c.commits for c in picked),
            mean_statements=statistics.fmean(c.statements for c in picked),
            persistence_statements=statistics.median(c.persistence_statements for c in picked),
        )

    def step(self, name: str) -> StepCost:
        return self._cost(c for c in self.updates if c.step == name)

    def taps(self) -> StepCost:
        """The taps between /visit and Save (student, form, topic, Continue), all together."""
        return self._cost(c for c in self.updates if c.step in TAP_STEPS)

    def lines(self, latencies: Latencies | None = None) -> list[str]:
        head = f"  {'step':10} {'updates':>8} {'p50 ms':>8} {'p95 ms':>8} {'SQL med':>8} {'mean':>6} "
        lines = ["the bot's updates by step, under this load (SQL: statements per update, median and mean; "
                 "commits and persistence statements, median):", head + f"{'commits':>8} {'persist.':>8}"]
        for name in [*VISIT_STEPS, "?"]:
            cost = self.step(name)
            if not cost.n:
                continue
            s = latencies.summary(latencies.by_step.get(name, [])) if latencies else {"p50": 0.0, "p95": 0.0}
            lines.append(
                f"  {name:10} {cost.n:8d} {s['p50'] * 1000:8.0f} {s['p95'] * 1000:8.0f} {cost.statements:8g} "
                f"{cost.mean_statements:6.1f} {cost.commits:8g} {cost.persistence_statements:8g}"
            )
        taps = self.taps()
        lines += [
            f"  taps between /visit and Save: median {taps.statements:g} statements, {taps.commits:g} "
            f"commit(s) per tap (mean {taps.mean_statements:.2f} statements)",
            f"  in all: {self.statements} statements, {self.commits} commits; "
            f"{self.background_statements} of the statements outside any update (outbox, scheduler)",
        ]
        return lines
