"""Follow-up visits (回訪): one per visit and person visited, owned by the visit's visitor, closed by
the visitor's next visit with that person. Overdue: past the due date, neither done nor cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import FollowUp, Staff, Student, Visit
from store.opinions import audit
from store.scopes import Scope
from store.vocab import VisitKind


@dataclass(frozen=True)
class FollowUpInfo:
    id: int
    visit_id: int
    visitor_id: int
    person_kind: VisitKind
    person_id: int
    person_name: str
    class_id: int | None
    school_id: int | None
    due_date: date
    visit_date: date

    def overdue(self, today: date) -> bool:
        return self.due_date < today


def _open() -> tuple[ColumnElement[bool], ...]:
    return (FollowUp.done_at.is_(None), FollowUp.cancelled_at.is_(None), Visit.deleted_at.is_(None))


async def _infos(session: AsyncSession, rows: list[tuple[FollowUp, Visit]]) -> list[FollowUpInfo]:
    students = {f.person_id for f, _ in rows if f.person_kind == VisitKind.STUDENT.value}
    teachers = {f.person_id for f, _ in rows if f.person_kind != VisitKind.STUDENT.value}
    names = (
        {
            ("s", i): n
            for i, n in (
                await session.execute(select(Student.id, Student.name).where(Student.id.in_(students)))
            ).all()
        }
        if students
        else {}
    )
    if teachers:
        names |= {
            ("t", i): n
            for i, n in (
                await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(teachers)))
            ).all()
        }
    return [
        FollowUpInfo(
            id=f.id,
            visit_id=v.id,
            visitor_id=v.visitor_id,
            person_kind=VisitKind(f.person_kind),
            person_id=f.person_id,
            person_name=names.get(
                ("s" if f.person_kind == VisitKind.STUDENT.value else "t", f.person_id), ""
            ),
            class_id=v.class_id,
            school_id=v.school_id,
            due_date=f.due_date,
            visit_date=v.visit_date,
        )
        for f, v in rows
    ]


async def my_follow_ups(*, session: AsyncSession, scope: Scope, by: date) -> list[FollowUpInfo]:
    """The open follow-ups this person owns due by ``by`` (overdue ones included), earliest first."""
    rows = (
        await session.execute(
            select(FollowUp, Visit)
            .join(Visit, Visit.id == FollowUp.visit_id)
            .where(Visit.visitor_id == scope.staff_id, FollowUp.due_date <= by, *_open())
            .order_by(FollowUp.due_date, FollowUp.id)
        )
    ).all()
    return await _infos(session, list(rows))


async def open_for(
    *, session: AsyncSession, scope: Scope, kind: VisitKind, person_ids: list[int]
) -> list[FollowUpInfo]:
    """The open follow-ups this person owns with any of ``person_ids`` (what the visit flow offers)."""
    if not person_ids:
        return []
    rows = (
        await session.execute(
            select(FollowUp, Visit)
            .join(Visit, Visit.id == FollowUp.visit_id)
            .where(
                Visit.visitor_id == scope.staff_id,
                FollowUp.person_kind == kind.value,
                FollowUp.person_id.in_(person_ids),
                *_open(),
            )
            .order_by(FollowUp.due_date, FollowUp.id)
        )
    ).all()
    return await _infos(session, list(rows))


async def close_follow_ups(
    *, session: AsyncSession, scope: Scope, follow_up_ids: list[int], visit_id: int, now: datetime
) -> int:
    """Close this person's open follow-ups by the visit ``visit_id``; returns how many. Audited. Commits."""
    if not follow_up_ids:
        return 0
    rows = (
        await session.execute(
            select(FollowUp, Visit)
            .join(Visit, Visit.id == FollowUp.visit_id)
            .where(FollowUp.id.in_(follow_up_ids), Visit.visitor_id == scope.staff_id, *_open())
        )
    ).all()
    for follow_up, _ in rows:
        follow_up.done_at, follow_up.done_visit_id = now, visit_id
        session.add(audit(scope, "follow_up_done", "follow_up", follow_up.id, now, visit=visit_id))
    await session.commit()
    return len(rows)


@dataclass(frozen=True)
class OverdueFollowUps:
    """Overdue follow-ups: per class (student visits), per school (teacher interviews: no class)."""

    by_class: dict[int, int]
    by_school: dict[int, int]


async def overdue_follow_ups(
    *, session: AsyncSession, school_ids: list[int] | None, today: date
) -> OverdueFollowUps:
    """Counts of overdue follow-ups in ``school_ids`` (None: the district)."""
    query = (
        select(Visit.kind, Visit.class_id, Visit.school_id, func.count(FollowUp.id))
        .join(Visit, Visit.id == FollowUp.visit_id)
        .where(FollowUp.due_date < today, *_open())
        .group_by(Visit.kind, Visit.class_id, Visit.school_id)
    )
    if school_ids is not None:
        query = query.where(Visit.school_id.in_(school_ids))
    by_class: dict[int, int] = {}
    by_school: dict[int, int] = {}
    for kind, class_id, school_id, n in (await session.execute(query)).all():
        if kind == VisitKind.STUDENT.value and class_id is not None:
            by_class[class_id] = by_class.get(class_id, 0) + int(n)
        elif school_id is not None:
            by_school[school_id] = by_school.get(school_id, 0) + int(n)
    return OverdueFollowUps(by_class, by_school)


async def overdue_owners(*, session: AsyncSession, today: date) -> dict[int, list[FollowUpInfo]]:
    """Open overdue follow-ups per owning visitor: whom the reminder goes to."""
    rows = (
        await session.execute(
            select(FollowUp, Visit)
            .join(Visit, Visit.id == FollowUp.visit_id)
            .where(FollowUp.due_date < today, *_open())
            .order_by(FollowUp.due_date, FollowUp.id)
        )
    ).all()
    out: dict[int, list[FollowUpInfo]] = {}
    for info in await _infos(session, list(rows)):
        out.setdefault(info.visitor_id, []).append(info)
    return out
