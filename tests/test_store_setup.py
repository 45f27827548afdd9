"""Migrations from empty, the installation facts and the campaign loader."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from store.campaign import CampaignError, current_campaign, load_campaign_file
from store.clock import FixedClock
from store.db import normalize_database_url
from store.installation import load_campaign, open_store
from store.vocab import VisitKind

EXAMPLE = Path(__file__).parent / "data" / "campaign.example.toml"


async def test_migrations_create_every_table_and_wal(database_url: str, clock: FixedClock) -> None:
    handle = await open_store(database_url, clock=clock)
    try:
        async with handle.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            sqlite = conn.dialect.name == "sqlite"
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar() if sqlite else "wal"
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        assert {"staff", "students", "visits", "visit_versions", "audit_log", "invite_codes"} <= tables
        assert mode == "wal"  # SQLite in WAL mode (PostgreSQL has its own log)
        assert version == "0003"
    finally:
        await handle.close()
    # A second start on the same file upgrades nothing and keeps the creation date.
    clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    again = await open_store(database_url, clock=clock)
    try:
        info = await load_campaign(again, None, bot_timezone="Asia/Shanghai")
        assert info.config.start == date(2026, 12, 1)
    finally:
        await again.close()


def test_plain_sqlite_url_means_aiosqlite() -> None:
    assert normalize_database_url("sqlite:///./x.db") == "sqlite+aiosqlite:///./x.db"
    assert normalize_database_url("postgresql://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    with pytest.raises(ValueError, match="unsupported"):
        normalize_database_url("mysql://h/db")


async def test_default_campaign_follows_the_seed(store) -> None:  # type: ignore[no-untyped-def]
    async with store.sessions() as session:
        info = await current_campaign(session=session)
    assert info is not None
    config = info.config
    assert (config.start, config.end) == (date(2026, 12, 1), date(2027, 4, 30))
    assert [p.key for p in config.phases] == ["mobilize", "visit", "rectify", "evaluate", "commend"]
    assert config.phase("visit") is not None
    assert config.phase("visit").start == date(2026, 12, 16)  # type: ignore[union-attr]
    assert config.targets.student_one_on_one == 0.8
    assert info.topics(VisitKind.STUDENT)[0].name == "學習情況"
    assert "其他" in [c.name for c in info.categories]


def test_example_file_loads() -> None:
    config, source = load_campaign_file(EXAMPLE, created_on=date(2026, 11, 1))
    assert source == str(EXAMPLE)
    assert config.start == date(2012, 4, 1)
    assert config.schedule.class_nudges == "THU 16:30"
    assert config.evaluation.rectification_on_time == 15


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="not found"):
        load_campaign_file(tmp_path / "nope.toml", created_on=date(2026, 11, 1))


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('colour = "red"\n', "colour: unknown key"),
        ('[targets]\nstudent_one_on_one = 1.5\n', "targets.student_one_on_one"),
        ('[schedule]\nweekly_summary = "Monday 8am"\n', "weekly_summary"),
        ('timezone = "Mars/Olympus"\n', "unknown time zone"),
        ('start = 2026-05-01\nend = 2026-04-01\n', "start is after its end"),
        ('student_topics = []\n', "student_topics"),
        ('name = "x"\nname = "y"\n', "not valid TOML"),
    ],
)
def test_wrong_keys_are_named(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(CampaignError, match=expected.replace(".", r"\.")):
        load_campaign_file(path, created_on=date(2026, 11, 1))


async def test_topics_removed_from_the_file_are_deactivated(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "campaign.toml"
    path.write_text('student_topics = ["學習情況", "新話題"]\n', encoding="utf-8")
    info = await load_campaign(store, path, bot_timezone="Asia/Shanghai")
    assert [t.name for t in info.student_topics] == ["學習情況", "新話題"]
    first_id = info.student_topics[0].id
    async with store.sessions() as session:
        again = await current_campaign(session=session)
    assert again is not None and again.student_topics[0].id == first_id


async def test_database_errors_do_not_carry_personal_data(database_url: str, clock: FixedClock) -> None:
    from sqlalchemy.exc import IntegrityError

    handle = await open_store(database_url, clock=clock)
    try:
        async with handle.engine.begin() as conn:
            await conn.execute(text("INSERT INTO districts (id, name) VALUES (77, 'x')"))
        with pytest.raises(IntegrityError) as caught:
            async with handle.engine.begin() as conn:
                await conn.execute(
                    text("INSERT INTO districts (id, name) VALUES (:id, :name)"), {"id": 77, "name": "王小明"}
                )
        assert "王小明" not in str(caught.value)
    finally:
        await handle.close()
