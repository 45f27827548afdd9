"""Registration progress: per school, how many active staff have joined the bot (a bound Telegram
account) and who has not, with their invite codes (the same codes ``twovisits invites`` writes).

Who sees it (:func:`registration_reach`): the district office every school, a school leader their
own. Staff without a school (district roles) count as one row, ``school_id`` None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import Exists, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts import staff_roles
from store.invites import issue_invites
from store.models import School, Staff, StaffRole, TelegramAccount
from store.scopes import Scope
from store.vocab import Role

JOINED_TARGET = Fraction(4, 5)  # a school under 80 % joined a week into the visit phase is reminded of


@dataclass(frozen=True)
class SchoolRegistration:
    school_id: int | None  # None: staff without a school (district roles)
    school_name: str | None
    joined: int
    total: int

    @property
    def not_joined(self) -> int:
        return self.total - self.joined

    @property
    def under_target(self) -> bool:
        return self.total > 0 and Fraction(self.joined, self.total) < JOINED_TARGET


@dataclass(frozen=True)
class Reach:
    """What a person may see: every school (``district``), one school, or nothing."""

    district: bool = False
    school_id: int | None = None

    @property
    def any(self) -> bool:
        return self.district or self.school_id is not None

    def covers(self, school_id: int | None) -> bool:
        return self.district or (school_id is not None and school_id == self.school_id)


def registration_reach(scope: Scope) -> Reach:
    """The district office: every school (and the district's own staff); a school leader: their school."""
    if Role.DISTRICT_OFFICE in scope.roles:
        return Reach(district=True)
    if Role.SCHOOL_LEADER in scope.roles and scope.school_id is not None:
        return Reach(school_id=scope.school_id)
    return Reach()


def _joined() -> Exists:
    return select(TelegramAccount.id).where(TelegramAccount.staff_id == Staff.id).exists()


async def registration_progress(*, session: AsyncSession, reach: Reach) -> list[SchoolRegistration]:
    """Joined and total active staff per active school in ``reach`` (schools without staff too), by
    school name; the district's own staff last (district reach only)."""
    joined = func.sum(case((_joined(), 1), else_=0))
    query = (
        select(Staff.school_id, func.count(Staff.id), joined)
        .where(Staff.active.is_(True))
        .group_by(Staff.school_id)
    )
    if not reach.district:
        query = query.where(Staff.school_id == reach.school_id)
    counts = {sid: (int(total), int(j or 0)) for sid, total, j in (await session.execute(query)).all()}
    schools = select(School.id, School.name).where(School.active.is_(True))
    if not reach.district:
        schools = schools.where(School.id == reach.school_id)
    rows = [
        SchoolRegistration(sid, name, counts.get(sid, (0, 0))[1], counts.get(sid, (0, 0))[0])
        for sid, name in sorted((await session.execute(schools)).all(), key=lambda s: (s.name, s.id))
    ]
    if reach.district and None in counts:
        total, j = counts[None]
        rows.append(SchoolRegistration(None, None, j, total))
    return rows


@dataclass(frozen=True)
class PendingStaff:
    """A staff member who has not joined, and the invite code that registers them."""

    staff_id: int
    external_id: str
    name: str
    roles: tuple[Role, ...]
    code: str


async def not_joined(
    *, session: AsyncSession, school_id: int | None, now: datetime, actor: str
) -> list[PendingStaff]:
    """The active staff of ``school_id`` (None: those without a school) who have not joined, by
    name, each with their open invite code. Codes come from :func:`store.invites.issue_invites`, so
    they are the links ``twovisits invites`` writes: kept when open, issued when missing, never
    rotated. Commits (issuing is audited)."""
    query = select(Staff.id, Staff.external_id, Staff.name).where(Staff.active.is_(True), ~_joined())
    query = query.where(Staff.school_id.is_(None) if school_id is None else Staff.school_id == school_id)
    # Sorted here, not in SQL: PostgreSQL's collation would order Chinese names differently.
    people = sorted((await session.execute(query)).all(), key=lambda p: (p.name, p.external_id))
    if not people:
        return []
    codes = {row.staff_id: row.code for row in await issue_invites(session=session, now=now, actor=actor)}
    roles = await staff_roles(session=session, staff_ids=[p[0] for p in people])
    return [
        PendingStaff(sid, ext, name, roles.get(sid, ()), codes[ext])
        for sid, ext, name in people if ext in codes
    ]


async def district_office_staff(*, session: AsyncSession) -> list[int]:
    """The active staff holding the district office role (staff ids)."""
    rows = await session.scalars(
        select(Staff.id).join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.active.is_(True), StaffRole.role == Role.DISTRICT_OFFICE.value)
        .distinct().order_by(Staff.id)
    )
    return list(rows)


def under_target(rows: Iterable[SchoolRegistration]) -> list[SchoolRegistration]:
    """The schools under 80 % joined (the district's own staff are not a school)."""
    return [r for r in rows if r.school_id is not None and r.under_target]
