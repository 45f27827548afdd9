"""Who an item concerns besides its owner: whom it may be given to, who hears of its progress, where an
escalated item goes. Plain ids and names for :mod:`store.rectification`'s callers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Staff, StaffRole
from store.rectification import ItemInfo
from store.vocab import Role


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str


async def possible_owners(*, session: AsyncSession, school_id: int | None) -> list[StaffRef]:
    """Active staff who may own an item of ``school_id`` (None: anyone active), by name."""
    query = select(Staff.id, Staff.name).where(Staff.active.is_(True)).order_by(Staff.name, Staff.id)
    if school_id is not None:
        query = query.where(Staff.school_id == school_id)
    return [StaffRef(i, n) for i, n in (await session.execute(query)).all()]


async def item_deciders(*, session: AsyncSession, item: ItemInfo) -> list[int]:
    """Who hears of an item's progress: its school's leaders and middle cadres (and, for an escalated
    item, the district office), by staff id."""

    roles = [Role.SCHOOL_LEADER.value, Role.MIDDLE_CADRE.value]
    rows = (
        await session.scalars(
            select(Staff.id)
            .join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(Staff.active.is_(True), Staff.school_id == item.school_id, StaffRole.role.in_(roles))
            .distinct()
            .order_by(Staff.id)
        )
    ).all()
    return list(rows)


async def district_office(*, session: AsyncSession) -> list[int]:
    """The district office's active staff: where escalated items go."""

    return list(
        (
            await session.scalars(
                select(Staff.id)
                .join(StaffRole, StaffRole.staff_id == Staff.id)
                .where(Staff.active.is_(True), StaffRole.role == Role.DISTRICT_OFFICE.value)
                .distinct()
                .order_by(Staff.id)
            )
        ).all()
    )
