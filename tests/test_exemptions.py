"""Exemptions by proposal and approval: a pending proposal still counts, an approved one leaves every
coverage denominator, a declined one changes nothing; only the school's leaders and middle cadres
decide, never on their own proposal; every step is audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from reports.coverage import coverage_report
from store.exemptions import (
    ExemptionReason,
    ExemptionRejected,
    ProposalState,
    class_exemptions,
    class_proposals,
    decide,
    pending_for,
    propose_student,
    propose_teacher,
    revoke_exemption,
)
from store.models import AuditEntry
from store.people import class_progress
from tests.visit_world import NOW, World, opened_world


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


async def c71_total(world: World) -> int:
    async with world.store.sessions() as session:
        report = await coverage_report(session=session, scope=None, campaign=world.campaign)
    (school,) = [s for s in report.schools if s.school_id == world.school_a]
    return next(c.students.total for g in school.grades for c in g.classes if c.class_id == world.c71)


async def school_a_teachers(world: World) -> int:
    async with world.store.sessions() as session:
        report = await coverage_report(session=session, scope=None, campaign=world.campaign)
    (school,) = [s for s in report.schools if s.school_id == world.school_a]
    assert school.teachers is not None
    return school.teachers.total


async def audit(world: World) -> list[str]:
    async with world.store.sessions() as session:
        return list((await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())


async def test_a_proposal_counts_until_approved_then_leaves_the_denominator(world: World) -> None:
    head, leader = await world.scope("head71"), await world.scope("leader")
    dai = world.students["dai"]
    assert await c71_total(world) == 5
    async with world.store.sessions() as session:
        proposal = await propose_student(session=session, scope=head, student_id=dai,
                                         reason_code=ExemptionReason.SICK_LEAVE, reason=" 長期病假 ", now=NOW)
        again = await propose_student(session=session, scope=head, student_id=dai,
                                      reason_code=ExemptionReason.TRANSFERRED, now=NOW)
        waiting = await class_proposals(session=session, scope=head, class_id=world.c71)
        for_leader = await pending_for(session=session, scope=leader)
    assert proposal.created and not again.created and again.id == proposal.id
    assert (proposal.person_name, proposal.class_name, proposal.reason) == ("戴詩涵", "七年級1班", "長期病假")
    assert [p.id for p in waiting] == [p.id for p in for_leader] == [proposal.id]
    assert await c71_total(world) == 5  # pending: still counted

    async with world.store.sessions() as session:
        decided, by_this_call = await decide(session=session, scope=leader, proposal_id=proposal.id,
                                             approve=True, now=NOW)
        _, second = await decide(session=session, scope=await world.scope("cadre"), proposal_id=proposal.id,
                                 approve=False, now=NOW)
        listed = await class_exemptions(session=session, scope=head, class_id=world.c71)
        progress = await class_progress(session=session, scope=head)
    assert by_this_call and not second  # the second tap finds it decided
    assert (decided.state, decided.decided_by_name) == (ProposalState.APPROVED, "李詩涵")
    assert [(e.student_name, e.granted_by_name) for e in listed] == [("戴詩涵", "李詩涵")]
    assert await c71_total(world) == 4
    assert progress[0].total == 4 and "戴詩涵" not in progress[0].unvisited

    async with world.store.sessions() as session:
        assert await revoke_exemption(session=session, scope=leader, student_id=dai, now=NOW)
    assert await c71_total(world) == 5
    assert await audit(world) == ["exemption_proposed", "exemption_approved", "exemption_revoked"]


async def test_a_declined_proposal_changes_nothing(world: World) -> None:
    async with world.store.sessions() as session:
        proposal = await propose_student(session=session, scope=await world.scope("head71"),
                                         student_id=world.students["wu"],
                                         reason_code=ExemptionReason.TRANSFERRED, now=NOW)
        decided, _ = await decide(session=session, scope=await world.scope("cadre"), proposal_id=proposal.id,
                                  approve=False, now=NOW)
    assert decided.state is ProposalState.DECLINED and decided.decided_by_name == "張強"
    assert await c71_total(world) == 5
    assert await audit(world) == ["exemption_proposed", "exemption_declined"]


async def test_a_teacher_on_long_leave_is_proposed_by_one_cadre_and_approved_by_another(world: World) -> None:
    leader, cadre = await world.scope("leader"), await world.scope("cadre")
    assert await school_a_teachers(world) == 6
    async with world.store.sessions() as session:
        proposal = await propose_teacher(session=session, scope=cadre, staff_id=world.staff["subj71"],
                                         now=NOW)
        with pytest.raises(ExemptionRejected) as own:
            await decide(session=session, scope=cadre, proposal_id=proposal.id, approve=True, now=NOW)
        assert await school_a_teachers(world) == 6
        decided, _ = await decide(session=session, scope=leader, proposal_id=proposal.id, approve=True,
                                  now=NOW)
    assert own.value.code == "own_proposal"
    assert (decided.person_name, decided.reason_code, decided.state) == (
        "林雅", ExemptionReason.LONG_LEAVE, ProposalState.APPROVED)
    assert await school_a_teachers(world) == 5
    assert await c71_total(world) == 5  # a teacher's exemption leaves the students alone


@pytest.mark.parametrize(("who", "student", "code"), [
    ("subj71", "dai", "not_allowed"),  # teaches the class, does not head it
    ("head71", "c72kid", "not_allowed"),  # teaches c72, heads c71
    ("leader", "dai", "not_allowed"),  # leaders decide, head teachers propose
    ("head71", "left", "unknown_student"),
])
async def test_students_are_proposed_only_by_their_head_teacher(world: World, who: str, student: str,
                                                                code: str) -> None:
    async with world.store.sessions() as session:
        with pytest.raises(ExemptionRejected) as caught:
            await propose_student(session=session, scope=await world.scope(who),
                                  student_id=world.students[student],
                                  reason_code=ExemptionReason.SICK_LEAVE, now=NOW)
    assert caught.value.code == code


@pytest.mark.parametrize("who", ["head71", "grade7", "subj71", "headB", "office"])
async def test_only_the_schools_leaders_and_middle_cadres_decide(world: World, who: str) -> None:
    async with world.store.sessions() as session:
        proposal = await propose_student(session=session, scope=await world.scope("head71"),
                                         student_id=world.students["shen"],
                                         reason_code=ExemptionReason.SUSPENDED, now=NOW)
        with pytest.raises(ExemptionRejected) as caught:
            await decide(session=session, scope=await world.scope(who), proposal_id=proposal.id,
                         approve=True, now=NOW)
        assert await pending_for(session=session, scope=await world.scope(who)) == []
    assert caught.value.code in ("not_allowed", "own_proposal")
    assert await c71_total(world) == 5


async def test_teachers_are_proposed_only_within_ones_school_and_not_oneself(world: World) -> None:
    async with world.store.sessions() as session:
        for who, teacher, code in [
            ("head71", "subj71", "not_allowed"), ("leader", "headB", "unknown_teacher"),
            ("cadre", "cadre", "own_proposal"), ("leader", "grade7", "unknown_teacher"),
        ]:
            with pytest.raises(ExemptionRejected) as caught:
                await propose_teacher(session=session, scope=await world.scope(who),
                                      staff_id=world.staff[teacher], now=NOW)
            assert caught.value.code == code, (who, teacher)
