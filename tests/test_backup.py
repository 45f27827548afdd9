"""``twovisits backup PATH``: a consistent, owner-only copy of the SQLite database while visits are saved."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from store.visits import record_visit
from tests.cli_process import cli_env, mode
from tests.visit_world import NOW, World, opened_world, student_draft


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


def _visit_keys(database: Path) -> set[str]:
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {key for (key,) in db.execute("SELECT client_key FROM visits")}


async def test_a_backup_taken_while_visits_are_saved_holds_every_visit_saved_before_it(
    world: World, tmp_path: Path
) -> None:
    database = Path(world.store.engine.url.database or "")
    scope = await world.scope("head71")
    saved: list[str] = []
    enough, stop = asyncio.Event(), asyncio.Event()

    async def save_visits() -> None:
        n = 0
        while not stop.is_set():
            key = f"visit-{n}"
            async with world.store.sessions() as session:
                draft = student_draft(world, key)
                await record_visit(
                    session=session, scope=scope, draft=draft, campaign=world.campaign, now=NOW
                )
            saved.append(key)
            n += 1
            if n == 20:
                enough.set()

    saver = asyncio.create_task(save_visits())
    await enough.wait()
    before = list(saved)
    target = tmp_path / "backup.db"
    # Another process, as an operator's would be, while this one goes on saving.
    backup = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(target), cwd=tmp_path,
        env=cli_env(database, BOT_DEFAULT_LOCALE="en"), stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await backup.communicate()
    during = len(saved)
    stop.set()
    await saver
    assert backup.returncode == 0 and "Backed up the database to" in out.decode()
    assert during > len(before)  # the saver really ran beside the backup
    copied = _visit_keys(target)
    assert set(before) <= copied <= set(saved)
    assert mode(target) == 0o600
    assert not target.with_name("backup.db-wal").exists()  # one self-contained file


def test_a_postgresql_database_is_pointed_to_pg_dump(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/twovisits")
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "zh-Hant")
    assert main(["backup", str(tmp_path / "copy.db")]) != 0
    err = capsys.readouterr().err
    assert "PostgreSQL" in err and "pg_dump" in err and "請用" in err
    assert not (tmp_path / "copy.db").exists()


def test_a_missing_database_or_folder_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("BOT_DEFAULT_LOCALE", "en")
    assert main(["backup", str(tmp_path / "copy.db")]) != 0
    assert "There is no SQLite database at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
