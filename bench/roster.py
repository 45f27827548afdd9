"""A synthetic district for the benchmark, written straight through the ORM models.

One school; ``teachers`` classes spread over grades of ten; each class has one head teacher (bound
to a simulated Telegram user) and ``students_per_class`` students. Names are plain ASCII and unique,
so the visit flow's people buttons carry no namesake suffixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.installation import StoreHandle, ensure_district
from store.models import (
    Grade,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffRole,
    Student,
    TelegramAccount,
    Visit,
)
from store.vocab import Role

CLASSES_PER_GRADE = 10


@dataclass(frozen=True)
class SyntheticRoster:
    school_id: int
    class_ids: list[int]
    staff_ids: list[int]  # staff_ids[i] is the head teacher of class_ids[i], bound to telegram_ids[i]
    students: int


async def _add_grades(session: AsyncSession, school_id: int, count: int) -> list[int]:
    grades = [Grade(school_id=school_id, name=f"Grade {g + 1}") for g in range(count)]
    session.add_all(grades)
    await session.flush()
    return [g.id for g in grades]


async def seed_roster(
    store: StoreHandle, telegram_ids: Sequence[int], *, students_per_class: int, now: datetime
) -> SyntheticRoster:
    """One head teacher and one class per Telegram user; commits once at the end."""
    async with store.sessions() as session:
        district_id = await ensure_district(session=session)
        school = School(district_id=district_id, name="Bench Middle School")
        session.add(school)
        await session.flush()
        grade_ids = await _add_grades(session, school.id, -(-len(telegram_ids) // CLASSES_PER_GRADE))
        classes = [
            SchoolClass(school_id=school.id, grade_id=grade_ids[i // CLASSES_PER_GRADE],
                        name=f"Class {i + 1:03d}")
            for i in range(len(telegram_ids))
        ]
        staff = [Staff(external_id=f"BT{i + 1:04d}", name=f"Teacher {i + 1:03d}", school_id=school.id)
                 for i in range(len(telegram_ids))]
        session.add_all([*classes, *staff])
        await session.flush()
        session.add_all(StaffRole(staff_id=s.id, role=str(Role.HEAD_TEACHER)) for s in staff)
        session.add_all(
            StaffClass(staff_id=s.id, class_id=c.id, link="head") for s, c in zip(staff, classes, strict=True)
        )
        session.add_all(
            Student(external_id=f"BS{ci + 1:03d}-{k + 1:03d}", name=f"Student {ci + 1:03d}-{k + 1:03d}",
                    school_id=school.id, class_id=c.id)
            for ci, c in enumerate(classes)
            for k in range(students_per_class)
        )
        session.add_all(
            TelegramAccount(telegram_user_id=tid, staff_id=s.id, bound_at=now, bound_by="invite")
            for tid, s in zip(telegram_ids, staff, strict=True)
        )
        await session.commit()
        return SyntheticRoster(
            school_id=school.id,
            class_ids=[c.id for c in classes],
            staff_ids=[s.id for s in staff],
            students=len(classes) * students_per_class,
        )


async def visits_by_visitor(store: StoreHandle) -> dict[int, int]:
    """Live (not deleted) visits per visiting staff member."""
    async with store.sessions() as session:
        rows = await session.execute(
            select(Visit.visitor_id, func.count(Visit.id))
            .where(Visit.deleted_at.is_(None))
            .group_by(Visit.visitor_id)
        )
        return {int(visitor): int(n) for visitor, n in rows.all()}
