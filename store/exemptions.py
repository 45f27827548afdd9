"""Exemptions: a head teacher takes a student out of the class's coverage (e.g. long-term sick leave).

An exempt student stays on the roster and may still be visited, but counts nowhere in coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.models import AuditEntry, Exemption, Staff, Student
from store.scopes import Action, Scope

MAX_REASON_CHARS = 500


class ExemptionRejected(Exception):
    """Codes: not_allowed, unknown_student, reason_empty, text_too_long (``limit``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ExemptionInfo:
    id: int
    student_id: int
    student_name: str
    student_external_id: str
    reason: str
    granted_by_name: str | None
    created_at: datetime


async def _student_in_scope(session: AsyncSession, scope: Scope, student_id: int) -> Student:
    if not scope.can(Action.GRANT_EXEMPTION):
        raise ExemptionRejected("not_allowed")
    student = await session.get(Student, student_id)
    if student is None or not student.active:
        raise ExemptionRejected("unknown_student")
    if student.class_id not in scope.exemption_class_ids:
        raise ExemptionRejected("not_allowed")
    return student


def _audit(scope: Scope, action: str, exemption_id: int, now: datetime, student_id: int) -> AuditEntry:
    return AuditEntry(
        at=now, actor_staff_id=scope.staff_id, actor=f"staff:{scope.staff_id}", action=action,
        object_type="exemption", object_id=exemption_id, detail={"student_id": student_id},
    )


async def _active_exemption(session: AsyncSession, student_id: int) -> Exemption | None:
    return await session.scalar(
        select(Exemption)
        .where(Exemption.student_id == student_id, Exemption.revoked_at.is_(None))
        .order_by(Exemption.id)
        .limit(1)
    )


async def grant_exemption(
    *, session: AsyncSession, scope: Scope, student_id: int, reason: str, now: datetime
) -> int:
    """Exempt a student of a class the asker heads; returns the exemption's id (the existing one if
    the student is exempt already). Raises :class:`ExemptionRejected`. Commits."""
    await _student_in_scope(session, scope, student_id)
    reason = reason.strip()
    if not reason:
        raise ExemptionRejected("reason_empty")
    if len(reason) > MAX_REASON_CHARS:
        raise ExemptionRejected("text_too_long", limit=MAX_REASON_CHARS)
    existing = await _active_exemption(session, student_id)
    if existing is not None:
        return existing.id
    exemption = Exemption(student_id=student_id, reason=reason, granted_by=scope.staff_id, created_at=now)
    session.add(exemption)
    await session.flush()
    session.add(_audit(scope, "exemption_granted", exemption.id, now, student_id))
    await session.commit()
    return exemption.id


async def revoke_exemption(*, session: AsyncSession, scope: Scope, student_id: int, now: datetime) -> bool:
    """Count a student again; False if they were not exempt. Raises :class:`ExemptionRejected`.
    Commits."""
    await _student_in_scope(session, scope, student_id)
    existing = await _active_exemption(session, student_id)
    if existing is None:
        return False
    existing.revoked_at = now
    session.add(_audit(scope, "exemption_revoked", existing.id, now, student_id))
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
