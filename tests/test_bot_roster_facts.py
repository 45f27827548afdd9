"""Roster facts the visit flow shows (class names, the students of a class) come from memory while
the roster version holds, and from the database again on the first tap after an import."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.app import BotApplication
from sandbox import User, World
from store.installation import StoreHandle
from store.models import Student
from store.roster_version import bump_roster_version
from tests.bot_district import District, move_into_visit_phase, person, say, seed_district, step
from tests.conftest import FixedClock


@pytest.fixture(autouse=True)
def _in_the_visit_phase(clock: FixedClock) -> None:
    move_into_visit_phase(clock)


@pytest.fixture
async def d(store: StoreHandle) -> District:
    return await seed_district(store)


@pytest.fixture
async def teacher(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, d: District
) -> User:
    return await person(world, store, clock, d.staff["head"])


async def _to_the_card(teacher: User) -> str:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person"]:
        await step(teacher, label)
    return (await step(teacher, "Continue ➡️")).text


async def test_the_card_again_reads_only_the_roster_version_and_writes_once(
    bot: BotApplication, d: District, teacher: User
) -> None:
    assert "With: 吳欣怡" in await _to_the_card(teacher)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(" ".join(statement.split()))

    engine = bot.bot_data.services.store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        card = (await step(teacher, "☆ Notable: no")).text
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "With: 吳欣怡" in card and "七年級1班" in card
    reads = [s for s in statements if "bot_persistence" not in s]
    assert len(reads) == 1 and "app_meta" in reads[0], reads  # the version; names and class from memory
    assert len([s for s in statements if "bot_persistence" in s]) == 1  # the state and draft: one upsert


async def test_after_an_import_the_next_tap_shows_the_new_roster(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    assert "With: 吳欣怡" in await _to_the_card(teacher)
    async with store.sessions() as session:  # what an import renaming the student does
        student = await session.get(Student, d.students["S1"])
        assert student is not None
        student.name = "吳欣妤"
        await bump_roster_version(session=session)
        await session.commit()
    assert "With: 吳欣妤" in (await step(teacher, "☆ Notable: no")).text
