"""The figures of 整改 as people see them: the board (公示) per category, and the overdue view.

Group-safe by construction: items appear by their public title, follow-ups only as counts per class
or school; no opinion text and no name of a person visited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.followups import overdue_follow_ups
from store.models import (
    Opinion,
    OpinionCategory,
    OpinionHandling,
    RectificationOpinion,
    School,
    SchoolClass,
    Visit,
)
from store.rectification import FINISHED, ItemInfo, ItemLevel, overdue_items, school_items


@dataclass(frozen=True)
class CategoryLine:
    name: str | None  # None: opinions without a category
    opinions: int
    itemised: int  # opinions that became (or were merged into one that became) an item
    done: int  # of those, opinions whose item is done or verified


@dataclass(frozen=True)
class Board:
    categories: list[CategoryLine]
    plan: list[ItemInfo]


async def board(*, session: AsyncSession, school_ids: list[int] | None) -> Board:
    """The publication (公示) of ``school_ids`` (None: the district)."""
    query = (
        select(Opinion.id, OpinionCategory.name, OpinionCategory.position)
        .join(Visit, Visit.id == Opinion.visit_id)
        .outerjoin(OpinionCategory, OpinionCategory.id == Opinion.category_id)
        .where(Visit.deleted_at.is_(None))
    )
    if school_ids is not None:
        query = query.where(Visit.school_id.in_(school_ids))
    opinions = (await session.execute(query)).all()
    merged = dict(
        (
            await session.execute(
                select(OpinionHandling.opinion_id, OpinionHandling.merged_into_id).where(
                    OpinionHandling.merged_into_id.is_not(None)
                )
            )
        ).all()
    )
    items = await school_items(session=session, school_ids=school_ids)
    status = {i.id: i.status for i in items}
    item_of = dict(
        (await session.execute(select(RectificationOpinion.opinion_id, RectificationOpinion.item_id))).all()
    )
    lines: dict[tuple[int, str | None], list[int]] = {}
    for oid, name, position in opinions:
        key = (position if position is not None else 10**6, name)
        counts = lines.setdefault(key, [0, 0, 0])
        counts[0] += 1
        item = item_of.get(oid)
        into = merged.get(oid)
        if item is None and into is not None:
            item = item_of.get(into)
        if item is not None and item in status:
            counts[1] += 1
            counts[2] += status[item] in FINISHED
    return Board(
        categories=[
            CategoryLine(name, *c) for (_, name), c in sorted(lines.items(), key=lambda kv: kv[0][0])
        ],
        plan=[i for i in items if i.status not in FINISHED],
    )


@dataclass(frozen=True)
class OverdueView:
    items: list[ItemInfo]  # oldest deadline first
    class_follow_ups: list[tuple[str, int]]  # (class name, overdue follow-ups)
    school_follow_ups: list[tuple[str, int]]  # (school name, overdue teacher-interview follow-ups)
    escalated: list[ItemInfo]  # district view: district-level items not done
    school_counts: list[tuple[str, int]]  # district view: each school's overdue items


async def overdue_view(
    *, session: AsyncSession, school_ids: list[int] | None, today: date, district: bool = False
) -> OverdueView:
    """What ``/overdue`` shows for ``school_ids`` (None: the district; ``district`` adds the
    escalated items and each school's overdue count)."""
    items = await overdue_items(session=session, school_ids=school_ids, today=today)
    counts = await overdue_follow_ups(session=session, school_ids=school_ids, today=today)
    class_names = dict(
        (
            await session.execute(
                select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(list(counts.by_class)))
            )
        ).all()
    )
    school_names = dict((await session.execute(select(School.id, School.name))).all())
    escalated: list[ItemInfo] = []
    per_school: list[tuple[str, int]] = []
    if district:
        everything = await school_items(session=session, school_ids=None)
        escalated = [i for i in everything if i.level is ItemLevel.DISTRICT and i.status not in FINISHED]
        by_school: dict[int, int] = {}
        for item in items:
            by_school[item.school_id] = by_school.get(item.school_id, 0) + 1
        active = (
            await session.execute(
                select(School.id, School.name).where(School.active.is_(True)).order_by(School.name)
            )
        ).all()
        per_school = [(name, by_school.get(sid, 0)) for sid, name in active]
    return OverdueView(
        items=items,
        class_follow_ups=sorted((class_names.get(c, "?"), n) for c, n in counts.by_class.items()),
        school_follow_ups=sorted((school_names.get(s, "?"), n) for s, n in counts.by_school.items()),
        escalated=escalated,
        school_counts=per_school,
    )


async def count_opinions(*, session: AsyncSession, school_id: int) -> int:
    """How many opinions a school has (current visits)."""
    return int(
        await session.scalar(
            select(func.count(Opinion.id))
            .join(Visit, Visit.id == Opinion.visit_id)
            .where(Visit.school_id == school_id, Visit.deleted_at.is_(None))
        )
        or 0
    )
