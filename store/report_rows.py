"""What the summary report reads beyond coverage and scores: opinions by category, notable cases,
and the audit of a report. The district (``school_id=None``) or one school; visits dated from the
campaign's start to ``until``, deleted visits left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    AuditEntry,
    Opinion,
    OpinionCategory,
    OutlineTopic,
    School,
    SchoolClass,
    Student,
    Visit,
    VisitStudent,
    VisitTopic,
)
from store.vocab import VisitKind


def _visits(school_id: int | None, start: date, until: date) -> list[ColumnElement[bool]]:
    where = [Visit.deleted_at.is_(None), Visit.visit_date >= start, Visit.visit_date <= until]
    if school_id is not None:
        where.append(Visit.school_id == school_id)
    return where


@dataclass(frozen=True)
class CategoryCount:
    """Opinions of one category (``name`` None: not sorted yet)."""

    name: str | None
    opinions: int


async def opinions_by_category(
    *, session: AsyncSession, school_id: int | None, start: date, until: date
) -> list[CategoryCount]:
    """Opinions raised in visits of the period, counted per category, in the campaign's order;
    categories without opinions are listed with 0, unsorted opinions last."""
    counts = dict((await session.execute(
        select(Opinion.category_id, func.count(Opinion.id))
        .join(Visit, Visit.id == Opinion.visit_id)
        .where(*_visits(school_id, start, until))
        .group_by(Opinion.category_id)
    )).all())
    categories = (await session.execute(
        select(OpinionCategory.id, OpinionCategory.name, OpinionCategory.active)
        .order_by(OpinionCategory.position, OpinionCategory.id)
    )).all()
    out = [CategoryCount(name, int(counts.get(cid, 0))) for cid, name, active in categories
           if active or counts.get(cid)]
    if counts.get(None):
        out.append(CategoryCount(None, int(counts[None])))
    return out


@dataclass(frozen=True)
class CaseStudent:
    student_id: int
    external_id: str
    name: str


@dataclass(frozen=True)
class NotableCase:
    """A student visit flagged notable (典型案例). ``students`` carry names: whether to show them is
    the caller's to decide with a scope (``Scope.sees_students_of(class_id)``)."""

    visit_id: int
    visit_date: date
    school_name: str
    class_id: int | None
    class_name: str | None
    form: str
    one_on_one: bool
    topics: tuple[str, ...]
    students: tuple[CaseStudent, ...]


async def notable_cases(
    *, session: AsyncSession, school_id: int | None, start: date, until: date, limit: int = 30
) -> list[NotableCase]:
    """The most recent ``limit`` student visits flagged notable, newest first."""
    rows = (await session.execute(
        select(Visit.id, Visit.visit_date, School.name, Visit.class_id, SchoolClass.name, Visit.form,
               Visit.one_on_one)
        .join(School, School.id == Visit.school_id)
        .outerjoin(SchoolClass, SchoolClass.id == Visit.class_id)
        .where(*_visits(school_id, start, until), Visit.notable.is_(True),
               Visit.kind == VisitKind.STUDENT.value)
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
        .limit(limit)
    )).all()
    ids = [r[0] for r in rows]
    students: dict[int, list[CaseStudent]] = defaultdict(list)
    topics: dict[int, list[str]] = defaultdict(list)
    if ids:
        for visit_id, sid, ext, name in (await session.execute(
            select(VisitStudent.visit_id, Student.id, Student.external_id, Student.name)
            .join(Student, Student.id == VisitStudent.student_id)
            .where(VisitStudent.visit_id.in_(ids)).order_by(Student.external_id)
        )).all():
            students[visit_id].append(CaseStudent(sid, ext, name))
        for visit_id, topic in (await session.execute(
            select(VisitTopic.visit_id, OutlineTopic.name)
            .join(OutlineTopic, OutlineTopic.id == VisitTopic.topic_id)
            .where(VisitTopic.visit_id.in_(ids)).order_by(OutlineTopic.position)
        )).all():
            topics[visit_id].append(topic)
    return [
        NotableCase(vid, day, school, class_id, class_name, form, bool(one), tuple(topics[vid]),
                    tuple(students[vid]))
        for vid, day, school, class_id, class_name, form, one in rows
    ]


async def record_report(
    *, session: AsyncSession, now: datetime, actor: str, actor_staff_id: int | None, school_id: int | None,
    detail: dict[str, Any],
) -> None:
    """Write one summary report to the audit log (who, scope, when) and commit, as exports are."""
    session.add(AuditEntry(
        at=now, actor_staff_id=actor_staff_id, actor=actor, action="report",
        object_type="school" if school_id is not None else "district", object_id=school_id,
        detail={"scope": "school" if school_id is not None else "district", **detail},
    ))
    await session.commit()
