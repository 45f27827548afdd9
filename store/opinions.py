"""The opinion inbox: opinions raised in visits, as a leader sorts them (分類), merges duplicates,
dismisses them with a reason, or turns them into rectification items (:mod:`store.rectification`).

Opinions belong to the school of their visit; its school leaders and middle cadres handle them
(``Scope.may_manage_opinions_of``). Who raised an opinion (the students or teachers visited) is
returned only to staff entitled to that class (``Scope.sees_students_of``/``sees_teachers_of``).
Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    AuditEntry,
    Opinion,
    OpinionCategory,
    OpinionHandling,
    RectificationOpinion,
    Staff,
    Student,
    Visit,
    VisitStudent,
    VisitTeacher,
)
from store.scopes import Scope
from store.vocab import VisitKind

PAGE_SIZE = 5


class OpinionStatus(StrEnum):
    NEW = "new"
    MERGED = "merged"
    DISMISSED = "dismissed"
    ITEMISED = "itemised"


class OpinionRejected(Exception):
    """``code``: not_allowed (not this person's school), not_found, same (merge into itself),
    handled (already merged, dismissed or in an item)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class OpinionInfo:
    id: int
    text: str
    school_id: int
    class_id: int | None
    visit_date: date
    category_id: int | None
    category_name: str | None
    status: OpinionStatus
    merged_into_id: int | None
    dismissed_reason: str | None
    # The people visited, when the reader is entitled to see them; None otherwise.
    raised_by: tuple[str, ...] | None


@dataclass(frozen=True)
class OpinionPage:
    opinions: list[OpinionInfo]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def audit(
    scope: Scope, action: str, object_type: str, object_id: int, now: datetime, **detail: Any
) -> AuditEntry:
    """An audit entry for a change made by ``scope``'s person (shared by the rectification modules)."""
    return AuditEntry(
        at=now,
        actor_staff_id=scope.staff_id,
        actor=f"staff:{scope.staff_id}",
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or None,
    )


def _status_of(handling: OpinionHandling | None) -> OpinionStatus:
    return OpinionStatus.NEW if handling is None else OpinionStatus(handling.status)


async def _raisers(
    session: AsyncSession, scope: Scope, visits: dict[int, Visit]
) -> dict[int, tuple[str, ...]]:
    """Names of the people visited, for the visits whose people ``scope`` may see."""
    student_visits = [
        v.id
        for v in visits.values()
        if v.kind == VisitKind.STUDENT.value and v.class_id is not None and scope.sees_students_of(v.class_id)
    ]
    teacher_visits = [
        v.id
        for v in visits.values()
        if v.kind != VisitKind.STUDENT.value and scope.sees_teachers_of(v.school_id)
    ]
    names: dict[int, list[str]] = {}
    if student_visits:
        for vid, name in (
            await session.execute(
                select(VisitStudent.visit_id, Student.name)
                .join(Student, Student.id == VisitStudent.student_id)
                .where(VisitStudent.visit_id.in_(student_visits))
                .order_by(Student.name)
            )
        ).all():
            names.setdefault(vid, []).append(name)
    if teacher_visits:
        for vid, name in (
            await session.execute(
                select(VisitTeacher.visit_id, Staff.name)
                .join(Staff, Staff.id == VisitTeacher.staff_id)
                .where(VisitTeacher.visit_id.in_(teacher_visits))
                .order_by(Staff.name)
            )
        ).all():
            names.setdefault(vid, []).append(name)
    return {vid: tuple(n) for vid, n in names.items()}


async def _infos(session: AsyncSession, scope: Scope, rows: list[Any]) -> list[OpinionInfo]:
    visits = {v.id: v for _, v, _, _ in rows}
    raisers = await _raisers(session, scope, visits)
    out = []
    for opinion, visit, category, handling in rows:
        may_see = (
            scope.sees_students_of(visit.class_id)
            if visit.kind == VisitKind.STUDENT.value and visit.class_id is not None
            else scope.sees_teachers_of(visit.school_id)
        )
        out.append(
            OpinionInfo(
                id=opinion.id,
                text=opinion.text,
                school_id=visit.school_id,
                class_id=visit.class_id,
                visit_date=visit.visit_date,
                category_id=opinion.category_id,
                category_name=category.name if category is not None else None,
                status=_status_of(handling),
                merged_into_id=handling.merged_into_id if handling else None,
                dismissed_reason=handling.dismissed_reason if handling else None,
                raised_by=raisers.get(visit.id, ()) if may_see else None,
            )
        )
    return out


def _query() -> Any:
    return (
        select(Opinion, Visit, OpinionCategory, OpinionHandling)
        .join(Visit, Visit.id == Opinion.visit_id)
        .outerjoin(OpinionCategory, OpinionCategory.id == Opinion.category_id)
        .outerjoin(OpinionHandling, OpinionHandling.opinion_id == Opinion.id)
        .where(Visit.deleted_at.is_(None))
    )


async def inbox(
    *,
    session: AsyncSession,
    scope: Scope,
    page: int = 0,
    category_id: int | None = None,
    uncategorised: bool = False,
    status: OpinionStatus | None = None,
) -> OpinionPage:
    """A page of the opinions of the reader's school, newest first, filtered by category (or those
    without one) and status. Raises :class:`OpinionRejected` (not_allowed) for anyone else."""
    if not scope.may_manage_opinions_of(scope.school_id):
        raise OpinionRejected("not_allowed")
    query = _query().where(Visit.school_id == scope.school_id)
    if uncategorised:
        query = query.where(Opinion.category_id.is_(None))
    elif category_id is not None:
        query = query.where(Opinion.category_id == category_id)
    if status is OpinionStatus.NEW:
        query = query.where(OpinionHandling.opinion_id.is_(None))
    elif status is not None:
        query = query.where(OpinionHandling.status == status.value)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    page = max(0, min(page, max(0, -(-total // PAGE_SIZE) - 1)))
    rows = (
        await session.execute(query.order_by(Opinion.id.desc()).offset(page * PAGE_SIZE).limit(PAGE_SIZE))
    ).all()
    return OpinionPage(opinions=await _infos(session, scope, list(rows)), total=total, page=page)


async def get_opinions(*, session: AsyncSession, scope: Scope, opinion_ids: list[int]) -> list[OpinionInfo]:
    """The opinions ``scope`` may handle, among ``opinion_ids`` (in that order)."""
    rows = (await session.execute(_query().where(Opinion.id.in_(opinion_ids)))).all()
    infos = {
        i.id: i for i in await _infos(session, scope, list(rows)) if scope.may_manage_opinions_of(i.school_id)
    }
    return [infos[i] for i in opinion_ids if i in infos]


async def _own(session: AsyncSession, scope: Scope, opinion_id: int) -> tuple[Opinion, Visit]:
    row = (
        await session.execute(
            select(Opinion, Visit)
            .join(Visit, Visit.id == Opinion.visit_id)
            .where(Opinion.id == opinion_id, Visit.deleted_at.is_(None))
        )
    ).first()
    if row is None:
        raise OpinionRejected("not_found")
    if not scope.may_manage_opinions_of(row[1].school_id):
        raise OpinionRejected("not_allowed")
    return row[0], row[1]


async def _handle(
    session: AsyncSession, scope: Scope, opinion_id: int, status: OpinionStatus, now: datetime, **values: Any
) -> None:
    handling = await session.get(OpinionHandling, opinion_id)
    if handling is not None and handling.status != OpinionStatus.NEW.value:
        raise OpinionRejected("handled")
    if handling is None:
        handling = OpinionHandling(opinion_id=opinion_id, status=status.value, handled_at=now)
        session.add(handling)
    handling.status, handling.handled_by, handling.handled_at = status.value, scope.staff_id, now
    for key, value in values.items():
        setattr(handling, key, value)


async def set_category(
    *, session: AsyncSession, scope: Scope, opinion_id: int, category_id: int | None, now: datetime
) -> None:
    """Put an opinion in another category (None: no category). Audited. Commits."""
    opinion, _ = await _own(session, scope, opinion_id)
    if category_id is not None and await session.get(OpinionCategory, category_id) is None:
        raise OpinionRejected("not_found")
    before = opinion.category_id
    opinion.category_id = category_id
    session.add(
        audit(scope, "opinion_categorised", "opinion", opinion_id, now, before=before, after=category_id)
    )
    await session.commit()


async def merge(*, session: AsyncSession, scope: Scope, opinion_id: int, into_id: int, now: datetime) -> None:
    """Mark ``opinion_id`` a duplicate of ``into_id`` (both of the same school). Audited. Commits."""
    if opinion_id == into_id:
        raise OpinionRejected("same")
    _, visit = await _own(session, scope, opinion_id)
    _, target = await _own(session, scope, into_id)
    if visit.school_id != target.school_id:
        raise OpinionRejected("not_allowed")
    into = await session.get(OpinionHandling, into_id)
    if into is not None and into.status == OpinionStatus.MERGED.value:
        into_id = into.merged_into_id or into_id  # merge into the original, not into a duplicate
    await _handle(session, scope, opinion_id, OpinionStatus.MERGED, now, merged_into_id=into_id)
    session.add(audit(scope, "opinion_merged", "opinion", opinion_id, now, into=into_id))
    await session.commit()


async def dismiss(
    *, session: AsyncSession, scope: Scope, opinion_id: int, reason: str, now: datetime
) -> None:
    """Dismiss an opinion with a reason (kept, audited). Commits."""
    reason = reason.strip()[:500]
    if not reason:
        raise OpinionRejected("no_reason")
    await _own(session, scope, opinion_id)
    await _handle(session, scope, opinion_id, OpinionStatus.DISMISSED, now, dismissed_reason=reason)
    session.add(audit(scope, "opinion_dismissed", "opinion", opinion_id, now, reason=reason))
    await session.commit()


async def mark_itemised(
    *, session: AsyncSession, scope: Scope, opinion_ids: list[int], item_id: int, now: datetime
) -> None:
    """Link opinions to a new item (the caller commits; :func:`store.rectification.create_item`)."""
    for opinion_id in opinion_ids:
        await _own(session, scope, opinion_id)
        await _handle(session, scope, opinion_id, OpinionStatus.ITEMISED, now)
        session.add(RectificationOpinion(item_id=item_id, opinion_id=opinion_id))
        session.add(audit(scope, "opinion_itemised", "opinion", opinion_id, now, item=item_id))
