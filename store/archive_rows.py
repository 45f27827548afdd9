"""What the archive and the summary report read of 整改: every opinion with its handling, and the
rectification plan. The district (``school_id=None``) or one school; opinions of deleted visits are
left out. Carries no scope: the caller has checked ``Scope.may_export`` or ``Scope.may_report``.

Opinions stream in batches of consecutive ids (keyset, as :mod:`store.export_rows` streams visits);
the items and the opinion → item links are few (a school has dozens of items), so they are read at
once. A merged opinion "became" the item of the opinion it was merged into, as the board counts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    Opinion,
    OpinionCategory,
    OpinionHandling,
    RectificationItem,
    RectificationOpinion,
    School,
    SchoolClass,
    Staff,
    Visit,
)
from store.vocab import VisitKind

BATCH = 2000


@dataclass(frozen=True)
class PlanRow:
    """One rectification item as the plan (整改方案) lists it."""

    id: int
    school_id: int
    school_name: str
    title: str
    goal: str
    measures: str
    owner_name: str
    owner_unit: str | None
    deadline: date
    level: str  # store.rectification.ItemLevel
    status: str  # store.rectification.ItemStatus
    escalation: str | None
    done_at: datetime | None
    opinion_ids: tuple[int, ...]

    @property
    def owner_label(self) -> str:
        """The unit and its contact (總務處 · 王老師), or the owner."""
        return f"{self.owner_unit} · {self.owner_name}" if self.owner_unit else self.owner_name


@dataclass(frozen=True)
class OpinionRow:
    """One opinion with where it was raised and what became of it."""

    id: int
    visit_date: date
    school_name: str
    class_name: str | None  # teacher interviews: None
    kind: VisitKind
    visitor_name: str  # who recorded the visit: the class's teacher, or the interviewing cadre
    category: str | None
    text: str
    status: str  # store.opinions.OpinionStatus ("new" when never handled)
    merged_into_id: int | None
    dismissed_reason: str | None
    item_id: int | None  # the item it became (for a merged opinion: its original's item)
    item_title: str | None


async def plan_rows(*, session: AsyncSession, school_id: int | None) -> list[PlanRow]:
    """Every rectification item of the school (None: the district), by school, deadline and id."""
    owner = Staff.__table__.alias("owner")
    query = (
        select(RectificationItem, School.name, owner.c.name)
        .join(School, School.id == RectificationItem.school_id)
        .join(owner, owner.c.id == RectificationItem.owner_staff_id)
        .order_by(School.name, RectificationItem.deadline, RectificationItem.id)
    )
    links = select(RectificationOpinion.item_id, RectificationOpinion.opinion_id).join(
        RectificationItem, RectificationItem.id == RectificationOpinion.item_id
    ).order_by(RectificationOpinion.opinion_id)
    if school_id is not None:
        query = query.where(RectificationItem.school_id == school_id)
        links = links.where(RectificationItem.school_id == school_id)
    opinions: dict[int, list[int]] = {}
    for item_id, opinion_id in (await session.execute(links)).all():
        opinions.setdefault(item_id, []).append(opinion_id)
    return [
        PlanRow(
            id=item.id, school_id=item.school_id, school_name=school, title=item.title, goal=item.goal,
            measures=item.measures, owner_name=owner_name or "", owner_unit=item.owner_unit,
            deadline=item.deadline, level=item.level, status=item.status, escalation=item.escalation,
            done_at=item.done_at, opinion_ids=tuple(opinions.get(item.id, ())),
        )
        for item, school, owner_name in (await session.execute(query)).all()
    ]


async def opinion_rows(
    *, session: AsyncSession, school_id: int | None, batch: int = BATCH
) -> AsyncIterator[OpinionRow]:
    """Every opinion of current visits of the school (None: the district), in the order they were
    raised (by id), with its handling and the item it became."""
    item_of = dict((await session.execute(
        select(RectificationOpinion.opinion_id, RectificationOpinion.item_id)
    )).all())
    titles = dict((await session.execute(select(RectificationItem.id, RectificationItem.title))).all())
    visitor = Staff.__table__.alias("visitor")
    last = 0
    while True:
        query = (
            select(Opinion.id, Visit.visit_date, School.name, SchoolClass.name, Visit.kind, visitor.c.name,
                   OpinionCategory.name, Opinion.text, OpinionHandling.status,
                   OpinionHandling.merged_into_id, OpinionHandling.dismissed_reason)
            .join(Visit, Visit.id == Opinion.visit_id)
            .join(School, School.id == Visit.school_id)
            .outerjoin(SchoolClass, SchoolClass.id == Visit.class_id)
            .join(visitor, visitor.c.id == Visit.visitor_id)
            .outerjoin(OpinionCategory, OpinionCategory.id == Opinion.category_id)
            .outerjoin(OpinionHandling, OpinionHandling.opinion_id == Opinion.id)
            .where(Opinion.id > last, Visit.deleted_at.is_(None))
            .order_by(Opinion.id)
            .limit(batch)
        )
        if school_id is not None:
            query = query.where(Visit.school_id == school_id)
        rows = (await session.execute(query)).all()
        if not rows:
            return
        for (oid, day, school, klass, kind, visitor_name, category, text, status, into,
             reason) in rows:
            item = item_of.get(oid)
            if item is None and into is not None:
                item = item_of.get(into)
            yield OpinionRow(
                id=oid, visit_date=day, school_name=school, class_name=klass, kind=VisitKind(kind),
                visitor_name=visitor_name or "", category=category, text=text, status=status or "new",
                merged_into_id=into, dismissed_reason=reason, item_id=item,
                item_title=titles.get(item) if item is not None else None,
            )
        last = rows[-1][0]
