"""What the summary report reads beyond coverage and scores: opinions by category (with how many
were handled and became items), notable cases (with their situation text), and the audit of a
report. The rectification plan comes from :mod:`store.archive_rows`. The district
(``school_id=None``) or one school; visits dated from the campaign's start to ``until``, deleted
visits left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    AuditEntry,
    Opinion,
    OpinionCategory,
    OpinionHandling,
    OutlineTopic,
    RectificationOpinion,
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
    """Opinions of one category (``name`` None: not sorted yet): how many were raised, how many a
    leader has handled (merged, dismissed or put in an item), and how many became an item (directly,
    or merged into one that did)."""

    name: str | None
    opinions: int
    handled: int = 0
    itemised: int = 0


async def opinions_by_category(
    *, session: AsyncSession, school_id: int | None, start: date, until: date
) -> list[CategoryCount]:
    """Opinions raised in visits of the period, counted per category, in the campaign's order;
    categories without opinions are listed with 0, unsorted opinions last."""
    in_items = set((await session.scalars(select(RectificationOpinion.opinion_id))).all())
    rows = (await session.execute(
        select(Opinion.category_id, OpinionHandling.status, OpinionHandling.merged_into_id)
        .join(Visit, Visit.id == Opinion.visit_id)
        .outerjoin(OpinionHandling, OpinionHandling.opinion_id == Opinion.id)
        .where(*_visits(school_id, start, until))
    )).all()
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for category_id, status, merged_into in rows:
        c = counts[category_id]
        c[0] += 1
        c[1] += status is not None and status != "new"
        c[2] += status == "itemised" or (status == "merged" and merged_into in in_items)
    categories = (await session.execute(
        select(OpinionCategory.id, OpinionCategory.name, OpinionCategory.active)
        .order_by(OpinionCategory.position, OpinionCategory.id)
    )).all()
    out = [CategoryCount(name, *counts.get(cid, (0, 0, 0))) for cid, name, active in categories
           if active or cid in counts]
    if None in counts:
        out.append(CategoryCount(None, *counts[None]))
    return out


@dataclass(frozen=True)
class CaseStudent:
    student_id: int
    external_id: str
    name: str


@dataclass(frozen=True)
class NotableCase:
    """A student visit flagged notable (典型案例), with its shareable situation text. ``students``
    carry names: whether to show them is the caller's to decide with a scope
    (``Scope.names_in_report``)."""

    visit_id: int
    visit_date: date
    school_id: int | None
    school_name: str
    class_id: int | None
    class_name: str | None
    form: str
    one_on_one: bool
    topics: tuple[str, ...]
    students: tuple[CaseStudent, ...]
    situation: str | None = None
    # Every name on the class's roster: what an anonymised report blanks out of the situation, which
    # may name classmates as well as the students visited.
    class_roster: tuple[str, ...] = ()


async def notable_cases(
    *, session: AsyncSession, school_id: int | None, start: date, until: date, limit: int = 30
) -> list[NotableCase]:
    """The most recent ``limit`` student visits flagged notable, newest first."""
    rows = (await session.execute(
        select(Visit.id, Visit.visit_date, Visit.school_id, School.name, Visit.class_id, SchoolClass.name,
               Visit.form, Visit.one_on_one, Visit.situation)
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
    rosters: dict[int, list[str]] = defaultdict(list)
    with_text = {r[4] for r in rows if r[4] is not None and r[8]}
    if with_text:
        for class_id, name in (await session.execute(
            select(Student.class_id, Student.name).where(Student.class_id.in_(with_text))
        )).all():
            rosters[class_id].append(name)
    return [
        NotableCase(vid, day, school_id, school, class_id, class_name, form, bool(one), tuple(topics[vid]),
                    tuple(students[vid]), situation, tuple(rosters.get(class_id, ()) if class_id else ()))
        for vid, day, school_id, school, class_id, class_name, form, one, situation in rows
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
