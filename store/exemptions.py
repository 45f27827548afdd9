"""Exemptions: a person away for the campaign leaves the coverage denominators, by proposal and
approval.

A head teacher proposes a student of their class (transferred, long sick leave, suspended schooling);
a school cadre proposes a teacher of their school on long leave. A school leader or middle cadre of
that school, not the proposer, approves or declines. Only an approval creates the
:class:`~store.models.Exemption` that coverage leaves out, so a pending proposal still counts. An
exempt person stays on the roster and may still be visited. Every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.models import AuditEntry, Exemption, ExemptionProposal, SchoolClass, Staff, StaffRole, Student
from store.scopes import Action, Scope
from store.vocab import TEACHER_ROLES, Role

MAX_REASON_CHARS = 500
DECIDERS = frozenset({Role.SCHOOL_LEADER, Role.MIDDLE_CADRE})


class ExemptionReason(StrEnum):
    TRANSFERRED = "transferred"
    SICK_LEAVE = "sick_leave"
    SUSPENDED = "suspended"  # suspended schooling (休學)
    LONG_LEAVE = "long_leave"  # a teacher's


STUDENT_REASONS = (ExemptionReason.TRANSFERRED, ExemptionReason.SICK_LEAVE, ExemptionReason.SUSPENDED)


class ProposalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class ExemptionRejected(Exception):
    """Codes: not_allowed, unknown_student, unknown_teacher, unknown_proposal, already_exempt,
    own_proposal, reason_unknown, text_too_long (``limit``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ProposalInfo:
    id: int
    school_id: int
    student_id: int | None
    staff_id: int | None
    person_name: str  # the student or teacher proposed
    class_id: int | None
    class_name: str | None
    reason_code: ExemptionReason
    reason: str
    proposed_by: int
    proposed_by_name: str
    state: ProposalState
    decided_by: int | None
    decided_by_name: str | None
    created: bool = False  # new with this call (False: an existing pending proposal came back)


@dataclass(frozen=True)
class ExemptionInfo:
    id: int
    student_id: int
    student_name: str
    student_external_id: str
    reason: str
    granted_by_name: str | None
    created_at: datetime


def may_decide(scope: Scope, school_id: int) -> bool:
    """A school leader or middle cadre of the school decides its exemptions (SPEC's scope table)."""
    return bool(scope.roles & DECIDERS) and scope.school_id == school_id


def _audit(scope: Scope, action: str, proposal: ExemptionProposal, now: datetime) -> AuditEntry:
    detail = {"student_id": proposal.student_id} if proposal.student_id else {"staff_id": proposal.staff_id}
    return AuditEntry(
        at=now, actor_staff_id=scope.staff_id, actor=f"staff:{scope.staff_id}", action=action,
        object_type="exemption_proposal", object_id=proposal.id,
        detail={**detail, "reason_code": proposal.reason_code},
    )


def _clean(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        raise ExemptionRejected("text_too_long", limit=MAX_REASON_CHARS)
    return reason


async def _active_exemption(
    session: AsyncSession, *, student_id: int | None = None, staff_id: int | None = None
) -> Exemption | None:
    column = Exemption.student_id if student_id is not None else Exemption.staff_id
    return await session.scalar(
        select(Exemption).where(column == (student_id or staff_id), Exemption.revoked_at.is_(None))
        .order_by(Exemption.id).limit(1)
    )


async def _pending(
    session: AsyncSession, *, student_id: int | None = None, staff_id: int | None = None
) -> ExemptionProposal | None:
    column = ExemptionProposal.student_id if student_id is not None else ExemptionProposal.staff_id
    return await session.scalar(
        select(ExemptionProposal)
        .where(column == (student_id or staff_id), ExemptionProposal.state == ProposalState.PENDING.value)
        .order_by(ExemptionProposal.id).limit(1)
    )


async def _propose(
    session: AsyncSession, scope: Scope, now: datetime, *, school_id: int, reason_code: ExemptionReason,
    reason: str, student_id: int | None = None, staff_id: int | None = None,
) -> ProposalInfo:
    if await _active_exemption(session, student_id=student_id, staff_id=staff_id) is not None:
        raise ExemptionRejected("already_exempt")
    existing = await _pending(session, student_id=student_id, staff_id=staff_id)
    if existing is not None:
        existing_id = existing.id  # a rollback expires loaded objects
        await session.rollback()
        return await proposal_info(session=session, proposal_id=existing_id)
    proposal = ExemptionProposal(
        school_id=school_id, student_id=student_id, staff_id=staff_id, reason_code=reason_code.value,
        reason=reason, proposed_by=scope.staff_id, proposed_at=now, state=ProposalState.PENDING.value,
    )
    session.add(proposal)
    await session.flush()
    session.add(_audit(scope, "exemption_proposed", proposal, now))
    await session.commit()
    info = await proposal_info(session=session, proposal_id=proposal.id)
    return replace(info, created=True)


async def propose_student(
    *, session: AsyncSession, scope: Scope, student_id: int, reason_code: ExemptionReason, reason: str = "",
    now: datetime,
) -> ProposalInfo:
    """A head teacher proposes a student of their class as away for the campaign. A pending proposal
    for the student comes back as it is. Raises :class:`ExemptionRejected`. Commits."""
    if not scope.can(Action.GRANT_EXEMPTION):
        raise ExemptionRejected("not_allowed")
    if reason_code not in STUDENT_REASONS:
        raise ExemptionRejected("reason_unknown")
    student = await session.get(Student, student_id)
    if student is None or not student.active:
        raise ExemptionRejected("unknown_student")
    if student.class_id not in scope.exemption_class_ids:
        raise ExemptionRejected("not_allowed")
    return await _propose(session, scope, now, school_id=student.school_id, reason_code=reason_code,
                          reason=_clean(reason), student_id=student_id)


async def propose_teacher(
    *, session: AsyncSession, scope: Scope, staff_id: int, reason: str = "", now: datetime
) -> ProposalInfo:
    """A school leader or middle cadre proposes a teacher of their school as on long leave (never
    themself). Raises :class:`ExemptionRejected`. Commits."""
    if scope.school_id is None or not may_decide(scope, scope.school_id):
        raise ExemptionRejected("not_allowed")
    teacher = await session.get(Staff, staff_id)
    roles = set((await session.scalars(select(StaffRole.role).where(StaffRole.staff_id == staff_id))).all())
    if (teacher is None or not teacher.active or teacher.school_id != scope.school_id
            or not roles & {r.value for r in TEACHER_ROLES}):
        raise ExemptionRejected("unknown_teacher")
    if staff_id == scope.staff_id:
        raise ExemptionRejected("own_proposal")
    return await _propose(session, scope, now, school_id=scope.school_id,
                          reason_code=ExemptionReason.LONG_LEAVE, reason=_clean(reason), staff_id=staff_id)


async def decide(
    *, session: AsyncSession, scope: Scope, proposal_id: int, approve: bool, now: datetime
) -> tuple[ProposalInfo, bool]:
    """Approve or decline a pending proposal. Returns the proposal and whether this call decided it
    (False: it was decided already, by whoever ``decided_by`` names). Only a school leader or middle
    cadre of the school who did not propose it may decide. Raises :class:`ExemptionRejected`. Commits."""
    proposal = await session.get(ExemptionProposal, proposal_id)
    if proposal is None:
        raise ExemptionRejected("unknown_proposal")
    if not may_decide(scope, proposal.school_id):
        raise ExemptionRejected("not_allowed")
    if proposal.proposed_by == scope.staff_id:
        raise ExemptionRejected("own_proposal")
    if proposal.state != ProposalState.PENDING.value:
        await session.rollback()
        return await proposal_info(session=session, proposal_id=proposal_id), False
    proposal.state = (ProposalState.APPROVED if approve else ProposalState.DECLINED).value
    proposal.decided_by, proposal.decided_at = scope.staff_id, now
    if approve:
        exemption = Exemption(student_id=proposal.student_id, staff_id=proposal.staff_id,
                              reason=proposal.reason or proposal.reason_code, granted_by=scope.staff_id,
                              created_at=now)
        session.add(exemption)
        await session.flush()
        proposal.exemption_id = exemption.id
    session.add(_audit(scope, "exemption_approved" if approve else "exemption_declined", proposal, now))
    await session.commit()
    return await proposal_info(session=session, proposal_id=proposal_id), True


async def proposal_info(*, session: AsyncSession, proposal_id: int) -> ProposalInfo:
    """One proposal, with the names a message about it needs."""
    proposer, decider, teacher = aliased(Staff), aliased(Staff), aliased(Staff)
    row = (await session.execute(
        select(ExemptionProposal, Student.name, Student.class_id, SchoolClass.name, teacher.name,
               proposer.name, decider.name)
        .outerjoin(Student, Student.id == ExemptionProposal.student_id)
        .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(teacher, teacher.id == ExemptionProposal.staff_id)
        .join(proposer, proposer.id == ExemptionProposal.proposed_by)
        .outerjoin(decider, decider.id == ExemptionProposal.decided_by)
        .where(ExemptionProposal.id == proposal_id)
    )).one_or_none()
    if row is None:
        raise ExemptionRejected("unknown_proposal")
    p, student_name, class_id, class_name, teacher_name, proposer_name, decider_name = row
    return ProposalInfo(
        p.id, p.school_id, p.student_id, p.staff_id, student_name or teacher_name or "", class_id, class_name,
        ExemptionReason(p.reason_code), p.reason, p.proposed_by, proposer_name, ProposalState(p.state),
        p.decided_by, decider_name,
    )


async def pending_for(*, session: AsyncSession, scope: Scope) -> list[ProposalInfo]:
    """Pending proposals the asker may decide (oldest first); empty for anyone else."""
    if scope.school_id is None or not may_decide(scope, scope.school_id):
        return []
    ids = (await session.scalars(
        select(ExemptionProposal.id).where(
            ExemptionProposal.school_id == scope.school_id,
            ExemptionProposal.state == ProposalState.PENDING.value,
            ExemptionProposal.proposed_by != scope.staff_id,
        ).order_by(ExemptionProposal.id)
    )).all()
    return [await proposal_info(session=session, proposal_id=i) for i in ids]


async def class_proposals(*, session: AsyncSession, scope: Scope, class_id: int) -> list[ProposalInfo]:
    """Pending proposals for students of a class; empty unless the asker sees its students."""
    if not scope.sees_students_of(class_id):
        return []
    ids = (await session.scalars(
        select(ExemptionProposal.id)
        .join(Student, Student.id == ExemptionProposal.student_id)
        .where(Student.class_id == class_id, ExemptionProposal.state == ProposalState.PENDING.value)
        .order_by(ExemptionProposal.id)
    )).all()
    return [await proposal_info(session=session, proposal_id=i) for i in ids]


async def revoke_exemption(*, session: AsyncSession, scope: Scope, student_id: int, now: datetime) -> bool:
    """Count a student again (a school leader or middle cadre of their school); False if they were not
    exempt. Raises :class:`ExemptionRejected`. Commits."""
    student = await session.get(Student, student_id)
    if student is None:
        raise ExemptionRejected("unknown_student")
    if not may_decide(scope, student.school_id):
        raise ExemptionRejected("not_allowed")
    existing = await _active_exemption(session, student_id=student_id)
    if existing is None:
        return False
    existing.revoked_at = now
    session.add(AuditEntry(
        at=now, actor_staff_id=scope.staff_id, actor=f"staff:{scope.staff_id}", action="exemption_revoked",
        object_type="exemption", object_id=existing.id, detail={"student_id": student_id},
    ))
    await session.commit()
    return True


async def class_exemptions(*, session: AsyncSession, scope: Scope, class_id: int) -> list[ExemptionInfo]:
    """The class's students exempt now, by name; empty unless the asker sees the class's students."""
    if not scope.sees_students_of(class_id):
        return []
    granter = aliased(Staff)
    rows = (await session.execute(
        select(Exemption.id, Student.id, Student.name, Student.external_id, Exemption.reason,
               granter.name, Exemption.created_at)
        .join(Student, Student.id == Exemption.student_id)
        .outerjoin(granter, granter.id == Exemption.granted_by)
        .where(Student.class_id == class_id, Student.active.is_(True), Exemption.revoked_at.is_(None))
    )).all()
    infos = [ExemptionInfo(*row) for row in rows]
    return sorted(infos, key=lambda e: (e.student_name, e.student_external_id))
