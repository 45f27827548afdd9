"""The people lists count visits only of the people they list: SQLite's plan searches the visit links
by person, never scans every visit of the district (which cost a /visit 61 ms of CPU at 50,000
visits, docs/benchmarks.md)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from store.people import class_progress, class_students, interviewable_teachers
from tests.visit_world import World, opened_world

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's query plans")


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


async def _plans(world: World, read: Callable[[Any], Awaitable[object]]) -> list[str]:
    statements: list[tuple[str, Any]] = []
    engine = world.store.engine.sync_engine
    listener = lambda _c, _cu, sql, params, *_: statements.append((sql, params))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        async with world.store.sessions() as session:
            await read(session)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    database = world.store.engine.url.database
    assert database is not None
    with sqlite3.connect(database) as raw:
        return [" | ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
                for sql, params in statements if "visit_" in sql]


@pytest.mark.parametrize("which", ["class_students", "interviewable_teachers", "class_progress"])
async def test_visit_counts_are_searched_by_person(world: World, which: str) -> None:
    who = "cadre" if which == "interviewable_teachers" else "head71"
    scope = await world.scope(who)
    reads: dict[str, Callable[[Any], Awaitable[object]]] = {
        "class_students": lambda s: class_students(session=s, scope=scope, class_id=world.c71),
        "interviewable_teachers": lambda s: interviewable_teachers(session=s, scope=scope),
        "class_progress": lambda s: class_progress(session=s, scope=scope),
    }
    plans = await _plans(world, reads[which])
    assert plans
    for plan in plans:
        assert "SCAN visit_students" not in plan and "SCAN visit_teachers" not in plan, plan
        assert "SCAN visits" not in plan, plan
