"""Running the real bot against the Bot API stand-in, in-process or as a process a test can kill."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.app import BotApplication, build_application, polling
from bot.settings import Settings
from sandbox import BotApiStandIn
from store.clock import Clock

TOKEN = "123456:TEST-token_for-the-stand-in"


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty database on the PostgreSQL server at ``server_url``; dropped on the way out."""
    import asyncpg

    server = make_url(server_url).set(drivername="postgresql")
    name = f"twovisits_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(drivername="postgresql+asyncpg", database=name).render_as_string(
                hide_password=False
            )
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def bot_settings(standin: BotApiStandIn, database_url: str, **extra: object) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        telegram_api_base_url=standin.base_url,
        telegram_file_base_url=standin.base_file_url,
        database_url=database_url,
        **extra,  # type: ignore[arg-type]
    )


@asynccontextmanager
async def running_bot(settings: Settings, clock: Clock) -> AsyncIterator[BotApplication]:
    """The Application polling the stand-in, started and stopped as ``run_polling`` would."""
    app = build_application(settings, clock=clock)
    async with polling(app):
        yield app


class BotProcess:
    """``python -m bot run`` as a child process, for tests that kill it."""

    def __init__(self, standin: BotApiStandIn, database_url: str, workdir: Path) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "TELEGRAM_FILE_BASE_URL": standin.base_file_url,
            "DATABASE_URL": database_url,
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        self.workdir = workdir
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with (self.workdir / "bot.log").open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                env=self.env,
                cwd=self.workdir,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )

    async def kill(self) -> None:
        """``kill -9``: no clean shutdown, no persistence flush."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> str:
        """Stop it (if still running) and return what it logged."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.log()

    def log(self) -> str:
        path = self.workdir / "bot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def forbidden_in_groups(database_url: str | None) -> set[str]:
    """What no group message may contain: every student name of the test's database (SQLite or
    PostgreSQL) and every student focus tag, as a code and as a label in each locale."""
    from bot.i18n import translator
    from bot.text import FOCUS_LABELS
    from store.vocab import Locale, StudentFocus

    words: set[str] = set()
    for tag in StudentFocus:
        words.add(tag.value)
        words |= {translator(loc).gettext(FOCUS_LABELS[tag.value]) for loc in Locale}
    if database_url and database_url.startswith("sqlite"):
        path = make_url(database_url).database
        if path and Path(path).exists():
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                try:
                    words |= {name for (name,) in db.execute("SELECT name FROM students")}
                except sqlite3.OperationalError:  # not migrated: no students to leak
                    pass
    elif database_url and database_url.startswith("postgresql"):
        words |= _postgresql_student_names(database_url)
    return {w for w in words if len(w) >= 2}


def _postgresql_student_names(database_url: str) -> set[str]:
    import asyncpg

    url = make_url(database_url).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)

    async def names() -> set[str]:
        connection = await asyncpg.connect(dsn)
        try:
            return {row[0] for row in await connection.fetch("SELECT name FROM students")}
        except asyncpg.UndefinedTableError:  # not migrated: no students to leak
            return set()
        finally:
            await connection.close()

    # Called from fixtures that may sit inside the test's event loop: a loop of its own, in a thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, names()).result()


def group_leaks(standin: BotApiStandIn, database_url: str | None) -> list[str]:
    """Every group message the bot sent (texts, captions, buttons) that names a student or a focus tag."""
    forbidden = forbidden_in_groups(database_url)
    leaks = []
    for state in standin.bots:
        for chat_id, chat in state.chats.items():
            if chat_id >= 0:
                continue
            for message in chat.log:
                if not message.from_bot:
                    continue
                shown = " ".join([message.text, message.caption or "", *message.buttons])
                leaks += [f"chat {chat_id}: {w!r} in {shown[:200]!r}" for w in forbidden if w in shown]
    return leaks


def database_url_of(store: object) -> str:
    """The URL of a store's database (for checks that read it directly)."""
    engine = store.engine
    return str(engine.url.render_as_string(hide_password=False))
