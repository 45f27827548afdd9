"""The saved card's details come from what record_visit wrote (names from the roster facts and the
campaign), without reading the visit back: they must be exactly what reading it back gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from store.models import Visit
from store.visit_views import load_details
from store.visits import record_visit
from store.vocab import FollowUpWish, VisitForm
from tests.visit_world import NOW, World, opened_world, student_draft, teacher_draft


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


def _cases(world: World) -> list[tuple[str, Any]]:
    return [
        ("head71", student_draft(world, "plain")),
        # Namesakes told apart among the visitees, a focus student, everything the card shows.
        ("head71", student_draft(
            world, "full", "wang1", "wang2", "shen", form=VisitForm.HOME, notable=True,
            topic_ids=(world.student_topic(1), world.student_topic(0)),
            opinions=[("食堂太擠", world.category(1)), ("作業多", world.category(0))],
            co_visitor_ids=(world.staff["subj71"],), follow_up=FollowUpWish.TWO_WEEKS,
            private_notes="家裡有困難",
        )),
        ("cadre", teacher_draft(world, "interview", "wang1", "wang2", topic_ids=(world.teacher_topic(),))),
    ]


async def test_the_saved_details_are_those_read_back(world: World) -> None:
    for who, draft in _cases(world):
        scope = await world.scope(who)
        async with world.store.sessions() as session:
            saved = await record_visit(session=session, scope=scope, draft=draft, campaign=world.campaign,
                                       now=NOW)
        assert saved.created
        for reader in {who, "leader"}:  # the visitor, and a reader without the private notes
            reader_scope = await world.scope(reader)
            async with world.store.sessions() as session:
                visit = await session.get(Visit, saved.id)
                assert visit is not None
                read_back = await load_details(session, scope, visit)
                if reader == who:
                    assert saved.details == read_back, draft.client_key
                else:  # the same parts, whoever reads them; only visibility differs
                    other = await load_details(session, reader_scope, visit)
                    assert (other.visitor_name, other.class_name, other.topics) == (
                        read_back.visitor_name, read_back.class_name, read_back.topics)


async def test_a_save_reads_nothing_back_once_the_roster_facts_are_known(world: World) -> None:
    scope = await world.scope("head71")
    statements: list[str] = []
    event.listen(world.store.engine.sync_engine, "before_cursor_execute",
                 lambda *args: statements.append(" ".join(str(args[2]).split())))
    for n in range(2):
        statements.clear()
        async with world.store.sessions() as session:
            await record_visit(session=session, scope=scope, draft=student_draft(world, f"k{n}", "dai"),
                               campaign=world.campaign, now=NOW)
    # The second save, its class, students and visitor in memory: the version, the topics' and the
    # phase's checks, then the visit, its student, its topic and the audit row. Nothing read back.
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) == 3, reads
    assert len(statements) == 7, statements
