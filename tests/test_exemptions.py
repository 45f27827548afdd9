"""Head teachers exempt students of their class from coverage, and count them again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from store.exemptions import ExemptionRejected, class_exemptions, grant_exemption, revoke_exemption
from store.models import AuditEntry
from store.people import class_progress
from tests.visit_world import NOW, World, opened_world


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


async def test_a_head_teacher_exempts_and_counts_again(world: World) -> None:
    scope = await world.scope("head71")
    dai = world.students["dai"]
    async with world.store.sessions() as session:
        first = await grant_exemption(
            session=session, scope=scope, student_id=dai, reason=" 長期病假 ", now=NOW
        )
        again = await grant_exemption(session=session, scope=scope, student_id=dai, reason="x", now=NOW)
        listed = await class_exemptions(session=session, scope=scope, class_id=world.c71)
        progress = await class_progress(session=session, scope=scope)
    assert first == again
    assert [(e.student_name, e.reason, e.granted_by_name) for e in listed] == [("戴詩涵", "長期病假", "彭志")]
    assert progress[0].total == 4 and "戴詩涵" not in progress[0].unvisited
    async with world.store.sessions() as session:
        assert await revoke_exemption(session=session, scope=scope, student_id=dai, now=NOW)
        assert not await revoke_exemption(session=session, scope=scope, student_id=dai, now=NOW)
        assert await class_exemptions(session=session, scope=scope, class_id=world.c71) == []
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert actions == ["exemption_granted", "exemption_revoked"]


@pytest.mark.parametrize(("who", "student", "reason", "code"), [
    ("subj71", "dai", "病假", "not_allowed"),  # teaches the class, does not head it
    ("head71", "c72kid", "病假", "not_allowed"),  # teaches c72, heads c71
    ("leader", "dai", "病假", "not_allowed"),
    ("head71", "left", "病假", "unknown_student"),
    ("head71", "dai", "   ", "reason_empty"),
    ("head71", "dai", "字" * 501, "text_too_long"),
])
async def test_exemptions_are_refused_outside_ones_class(
    world: World, who: str, student: str, reason: str, code: str
) -> None:
    async with world.store.sessions() as session:
        with pytest.raises(ExemptionRejected) as caught:
            await grant_exemption(session=session, scope=await world.scope(who),
                                  student_id=world.students[student], reason=reason, now=NOW)
    assert caught.value.code == code


async def test_only_those_who_see_the_class_list_its_exemptions(world: World) -> None:
    async with world.store.sessions() as session:
        await grant_exemption(session=session, scope=await world.scope("head71"),
                              student_id=world.students["wu"], reason="病假", now=NOW)
        stranger = await world.scope("headB")
        assert await class_exemptions(session=session, scope=stranger, class_id=world.c71) == []
        seen = await class_exemptions(session=session, scope=await world.scope("grade7"), class_id=world.c71)
    assert [e.student_name for e in seen] == ["吳欣怡"]
