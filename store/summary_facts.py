"""What a weekly summary counts beside coverage: opinions collected and follow-ups due, for one
school or the whole district (aggregates only: counts and category names, never a person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import FollowUp, Opinion, OpinionCategory, Visit


@dataclass(frozen=True)
class OpinionCount:
    category: str | None  # None: not sorted into a category
    count: int


async def opinions_collected(
    *, session: AsyncSession, school_id: int | None, start: date, end: date
) -> list[OpinionCount]:
    """Opinions raised in current visits dated ``start``–``end`` (inclusive), per category, most
    first (``school_id`` None: the district)."""
    query = (
        select(OpinionCategory.name, func.count(Opinion.id))
        .select_from(Opinion)
        .join(Visit, Visit.id == Opinion.visit_id)
        .outerjoin(OpinionCategory, OpinionCategory.id == Opinion.category_id)
        .where(Visit.deleted_at.is_(None), Visit.visit_date >= start, Visit.visit_date <= end)
        .group_by(OpinionCategory.name)
    )
    if school_id is not None:
        query = query.where(Visit.school_id == school_id)
    rows = [OpinionCount(name, int(n)) for name, n in (await session.execute(query)).all()]
    return sorted(rows, key=lambda r: (-r.count, r.category is None, r.category or ""))


@dataclass(frozen=True)
class FollowUpsDue:
    overdue: int  # due before ``today``
    due: int  # due from ``today`` to the horizon


async def follow_ups_due(
    *, session: AsyncSession, school_id: int | None, today: date, by: date
) -> FollowUpsDue:
    """Open follow-ups (not done, not cancelled, of a current visit) due by ``by``: those already
    overdue on ``today`` and the others."""
    query = (
        select(func.count(FollowUp.id), func.sum(case((FollowUp.due_date < today, 1), else_=0)))
        .join(Visit, Visit.id == FollowUp.visit_id)
        .where(Visit.deleted_at.is_(None), FollowUp.done_at.is_(None), FollowUp.cancelled_at.is_(None),
               FollowUp.due_date <= by)
    )
    if school_id is not None:
        query = query.where(Visit.school_id == school_id)
    total, late = (await session.execute(query)).one()
    total, late = int(total or 0), int(late or 0)
    return FollowUpsDue(overdue=late, due=total - late)
