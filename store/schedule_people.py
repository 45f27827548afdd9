"""Who scheduled messages go to: bound staff by role or class, their language, nudge mutes, and the
follow-ups due in a class."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    FollowUp,
    NudgeMute,
    Staff,
    StaffClass,
    StaffRole,
    TelegramAccount,
    UserPreference,
    Visit,
)
from store.vocab import Role


@dataclass(frozen=True)
class Recipient:
    """A staff member the bot can write to privately: bound, active, not blocked."""

    staff_id: int
    chat_id: int  # their Telegram user id, which is their private chat's id
    name: str
    school_id: int | None
    chosen_locale: str | None  # from /lang
    roster_locale: str | None  # the roster's language
    menu_locale: str | None  # the language their command menu was last set in (Telegram's, at best)


async def recipients(*, session: AsyncSession, staff_ids: Iterable[int]) -> dict[int, Recipient]:
    """The reachable ones among ``staff_ids``, by staff id."""
    ids = sorted(set(staff_ids))
    if not ids:
        return {}
    rows = (await session.execute(
        select(Staff.id, TelegramAccount.telegram_user_id, Staff.name, Staff.school_id,
               UserPreference.locale, Staff.language, UserPreference.menu_locale)
        .join(TelegramAccount, TelegramAccount.staff_id == Staff.id)
        .outerjoin(UserPreference, UserPreference.telegram_user_id == TelegramAccount.telegram_user_id)
        .where(Staff.id.in_(ids), Staff.active.is_(True), TelegramAccount.blocked_at.is_(None))
    )).all()
    return {row[0]: Recipient(*row) for row in rows}


async def head_teachers(*, session: AsyncSession, class_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active head teachers of each class (staff ids), by class id."""
    ids = sorted(set(class_ids))
    if not ids:
        return {}
    rows = (await session.execute(
        select(StaffClass.class_id, StaffClass.staff_id)
        .join(Staff, Staff.id == StaffClass.staff_id)
        .where(StaffClass.class_id.in_(ids), StaffClass.link == "head", Staff.active.is_(True))
        .order_by(StaffClass.class_id, StaffClass.staff_id)
    )).all()
    out: dict[int, list[int]] = {}
    for class_id, staff_id in rows:
        out.setdefault(class_id, []).append(staff_id)
    return out


async def staff_with_roles(
    *, session: AsyncSession, school_ids: Iterable[int], roles: Iterable[Role]
) -> dict[int, list[int]]:
    """Active staff of each school holding one of ``roles`` (staff ids), by school id."""
    ids = sorted(set(school_ids))
    if not ids:
        return {}
    rows = (await session.execute(
        select(Staff.school_id, Staff.id)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.school_id.in_(ids), Staff.active.is_(True), StaffRole.role.in_([r.value for r in roles]))
        .distinct()
        .order_by(Staff.school_id, Staff.id)
    )).all()
    out: dict[int, list[int]] = {}
    for school_id, staff_id in rows:
        if school_id is not None:
            out.setdefault(school_id, []).append(staff_id)
    return out


async def muted(*, session: AsyncSession, now: datetime) -> set[int]:
    """Staff who asked for no class nudges until ``now`` or later."""
    return set((await session.scalars(select(NudgeMute.staff_id).where(NudgeMute.until >= now))).all())


async def mute_nudges(*, session: AsyncSession, staff_id: int, until: datetime, now: datetime) -> datetime:
    """No class nudges for ``staff_id`` until ``until`` (a later mute already set is kept). Returns the
    mute's end. Commits."""
    row = await session.get(NudgeMute, staff_id)
    if row is None:
        row = NudgeMute(staff_id=staff_id, until=until, created_at=now)
        session.add(row)
    elif row.until < until:
        row.until, row.created_at = until, now
    end = row.until
    await session.commit()
    return end


async def follow_ups_due(*, session: AsyncSession, class_ids: Iterable[int], by: date) -> dict[int, int]:
    """Open follow-ups (not done, not cancelled, of a current visit) due by ``by``, per class."""
    ids = sorted(set(class_ids))
    if not ids:
        return {}
    rows = (await session.execute(
        select(Visit.class_id, func.count(FollowUp.id))
        .join(Visit, Visit.id == FollowUp.visit_id)
        .where(Visit.class_id.in_(ids), Visit.deleted_at.is_(None), FollowUp.done_at.is_(None),
               FollowUp.cancelled_at.is_(None), FollowUp.due_date <= by)
        .group_by(Visit.class_id)
    )).all()
    return {int(cid): int(n) for cid, n in rows if cid is not None}
