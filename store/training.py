"""What the local sandbox (``twovisits run`` without a token) needs from the store.

The sandbox plays every person of the roster in a simulated Telegram: it lists the staff with what
a picker shows, marks its own database so it never mistakes a real one for it, and can forget a
person's Telegram account so training shows their first contact with the bot again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts import staff_roles
from store.models import AppMeta, AuditEntry, School, SchoolClass, Staff, StaffClass, TelegramAccount
from store.vocab import Role

SANDBOX_MARK = "sandbox_database"

__all__ = [
    "SANDBOX_MARK",
    "StaffEntry",
    "foreign_accounts",
    "forget_account",
    "is_sandbox_database",
    "mark_sandbox_database",
    "staff_directory",
]


@dataclass(frozen=True)
class StaffEntry:
    """One active staff member as the sandbox's person picker shows them."""

    staff_id: int
    external_id: str
    name: str
    school_id: int | None
    school_name: str | None
    roles: tuple[Role, ...]
    head_of: tuple[str, ...]  # names of the classes they are head teacher of
    teaches: tuple[str, ...]  # names of the other classes they teach
    phone: str | None
    language: str | None
    telegram_user_id: int | None


async def staff_directory(*, session: AsyncSession) -> list[StaffEntry]:
    """Every active staff member, district roles first, then school by school (in roster order)."""
    rows = (
        await session.execute(
            select(Staff, School.name, TelegramAccount.telegram_user_id)
            .outerjoin(School, School.id == Staff.school_id)
            .outerjoin(TelegramAccount, TelegramAccount.staff_id == Staff.id)
            .where(Staff.active.is_(True))
        )
    ).all()
    ids = [staff.id for staff, _, _ in rows]
    roles = await staff_roles(session=session, staff_ids=ids)
    classes: dict[int, dict[str, list[str]]] = {sid: {"head": [], "teaches": []} for sid in ids}
    links = await session.execute(
        select(StaffClass.staff_id, StaffClass.link, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == StaffClass.class_id)
        .where(StaffClass.staff_id.in_(ids))
        .order_by(SchoolClass.name)
    )
    for staff_id, link, name in links:
        classes[staff_id].setdefault(link, []).append(name)
    entries = []
    for staff, school_name, user_id in rows:
        head = tuple(classes[staff.id]["head"])
        entries.append(StaffEntry(
            staff_id=staff.id, external_id=staff.external_id, name=staff.name, school_id=staff.school_id,
            school_name=school_name, roles=roles.get(staff.id, ()), head_of=head,
            teaches=tuple(n for n in classes[staff.id]["teaches"] if n not in head),
            phone=staff.phone, language=staff.language, telegram_user_id=user_id,
        ))
    entries.sort(key=lambda e: (e.school_id is not None, e.school_id or 0, e.external_id))
    return entries


async def mark_sandbox_database(*, session: AsyncSession, now: datetime) -> None:
    """Remember that this database belongs to the sandbox (its accounts are all simulated); commits."""
    if await session.get(AppMeta, SANDBOX_MARK) is None:
        session.add(AppMeta(key=SANDBOX_MARK, value=now.isoformat()))
        await session.commit()


async def is_sandbox_database(*, session: AsyncSession) -> bool:
    return await session.get(AppMeta, SANDBOX_MARK) is not None


async def foreign_accounts(*, session: AsyncSession, simulated: range) -> int:
    """How many bound Telegram accounts the sandbox did not make: all of them in a database it did not
    mark, else those whose user id lies outside ``simulated`` (the ids it gives its simulated users)."""
    query = select(func.count(TelegramAccount.id))
    if await is_sandbox_database(session=session):
        query = query.where(~TelegramAccount.telegram_user_id.between(simulated.start, simulated.stop - 1))
    return int(await session.scalar(query) or 0)


async def forget_account(*, session: AsyncSession, staff_id: int, now: datetime) -> int | None:
    """Training: unbind the staff member's Telegram account so they can meet the bot as new; commits.

    Only ever called on a database :func:`mark_sandbox_database` marked. Returns the forgotten
    Telegram user id, or None when they had none.
    """
    if not await is_sandbox_database(session=session):
        raise RuntimeError("forget_account is for the sandbox's own database only")
    user_id = await session.scalar(
        select(TelegramAccount.telegram_user_id).where(TelegramAccount.staff_id == staff_id)
    )
    if user_id is None:
        return None
    await session.execute(delete(TelegramAccount).where(TelegramAccount.staff_id == staff_id))
    session.add(AuditEntry(
        at=now, actor="sandbox", action="account_forgotten", object_type="staff", object_id=staff_id,
        detail={"telegram_user_id": user_id},
    ))
    await session.commit()
    return int(user_id)
