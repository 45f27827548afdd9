"""Files holding personal data are the owner's alone: the database and its side files, invites, QR codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from sandbox import BotApiStandIn, World
from tests.cli_process import cli_env, mode, twovisits
from tests.conftest import SAMPLE_ROSTER
from tests.e2e import BotProcess

STARTUP = 60.0


def test_roster_import_and_invites_write_owner_only_files(tmp_path: Path) -> None:
    database = tmp_path / "twovisits.db"
    env = cli_env(database)
    imported = twovisits("roster", "import", str(SAMPLE_ROSTER), cwd=tmp_path, env=env)
    assert imported.returncode == 0, imported.stderr
    assert mode(database) == 0o600
    invited = twovisits(
        "invites", "--bot-username", "TwoVisitsBot", "--out", "invites.csv", "--qr", "codes/qr",
        cwd=tmp_path, env=env,
    )
    assert invited.returncode == 0, invited.stderr
    assert mode(tmp_path / "invites.csv") == 0o600
    assert mode(tmp_path / "codes") == mode(tmp_path / "codes" / "qr") == 0o700
    pngs = list((tmp_path / "codes" / "qr").iterdir())
    assert len(pngs) > 50 and {mode(p) for p in pngs} == {0o600}


def test_a_database_created_readable_by_all_is_made_owner_only_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "twovisits.db"
    database.touch()
    database.chmod(0o644)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    assert main(["roster", "import", str(SAMPLE_ROSTER)]) == 0
    assert mode(database) == 0o600


async def test_the_running_bot_keeps_the_database_and_its_wal_and_shm_owner_only(
    standin: BotApiStandIn, world: World, tmp_path: Path
) -> None:
    database = tmp_path / "twovisits.db"
    bot = BotProcess(standin, f"sqlite:///{database}", tmp_path)
    await bot.start()
    try:
        stranger = world.user("Wang", language_code="en")
        await stranger.send("/start")
        await stranger.next_message(timeout=STARTUP)  # started, and the database written to
        side_files = [database.with_name(database.name + s) for s in ("", "-wal", "-shm")]
        assert all(p.exists() for p in side_files)
        assert [mode(p) for p in side_files] == [0o600] * 3
    finally:
        await bot.stop()
