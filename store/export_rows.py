"""The archive export's rows (資料整理歸檔): every current visit with what the paper forms record.

Visits are read in batches of consecutive ids (keyset, no OFFSET), each batch with one query per kind
of detail (visitees, co-visitors, topics, opinions, follow-ups) over the batch's id range, so a
district of 100 000 visits streams in constant memory and a few hundred statements. Private notes
are never read; the shareable situation text is. Who may export what is ``Scope.may_export``; the
caller checks it, and every export is written to the audit log with :func:`record_export`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    AuditEntry,
    FollowUp,
    Opinion,
    OpinionCategory,
    OutlineTopic,
    School,
    SchoolClass,
    Staff,
    Student,
    Visit,
    VisitCoVisitor,
    VisitStudent,
    VisitTeacher,
    VisitTopic,
)
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind

BATCH = 2000


@dataclass(frozen=True)
class Person:
    external_id: str
    name: str


@dataclass(frozen=True)
class ExportOpinion:
    category: str | None
    text: str


@dataclass(frozen=True)
class VisitRecord:
    """One current visit, as the paper form records it (never its private notes)."""

    id: int
    kind: VisitKind
    visit_date: date
    school_name: str
    class_name: str | None  # teacher interviews: None
    visitees: tuple[Person, ...]  # students or teachers, by name
    visitor: Person
    co_visitors: tuple[Person, ...]
    form: VisitForm
    place: Place
    topics: tuple[str, ...]
    opinions: tuple[ExportOpinion, ...]
    follow_up: FollowUpWish
    follow_up_due: date | None
    follow_up_done_at: datetime | None
    notable: bool
    situation: str | None = None  # the paper form's 情況 (shareable, unlike private notes)


def _filters(kind: VisitKind, school_id: int | None) -> list[ColumnElement[bool]]:
    conditions = [Visit.kind == kind.value, Visit.deleted_at.is_(None)]
    if school_id is not None:
        conditions.append(Visit.school_id == school_id)
    return conditions


def _in_batch(query: Any, lo: int, hi: int, kind: VisitKind, school_id: int | None) -> Any:
    return query.join(Visit, Visit.id == _visit_id_of(query)).where(
        Visit.id >= lo, Visit.id <= hi, *_filters(kind, school_id)
    )


def _visit_id_of(query: Any) -> Any:
    return query.selected_columns[0]


async def _grouped(session: AsyncSession, query: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        out[row[0]].append(row[1:])
    return out


async def visit_records(
    *, session: AsyncSession, kind: VisitKind, school_id: int | None = None, batch: int = BATCH
) -> AsyncIterator[VisitRecord]:
    """Every current visit of ``kind`` (of one school when ``school_id`` is given), in the order they
    were saved (by id); visitees and co-visitors sorted by name."""
    last = 0
    visitor = Staff.__table__.alias("visitor")
    while True:
        head = (await session.execute(
            select(Visit.id, Visit.visit_date, School.name, SchoolClass.name, visitor.c.external_id,
                   visitor.c.name, Visit.form, Visit.place, Visit.follow_up, Visit.notable,
                   Visit.situation)
            .join(School, School.id == Visit.school_id)
            .outerjoin(SchoolClass, SchoolClass.id == Visit.class_id)
            .join(visitor, visitor.c.id == Visit.visitor_id)
            .where(Visit.id > last, *_filters(kind, school_id))
            .order_by(Visit.id)
            .limit(batch)
        )).all()
        if not head:
            return
        lo, hi = head[0][0], head[-1][0]
        if kind is VisitKind.STUDENT:
            people = select(VisitStudent.visit_id, Student.external_id, Student.name).join(
                Student, Student.id == VisitStudent.student_id)
        else:
            people = select(VisitTeacher.visit_id, Staff.external_id, Staff.name).join(
                Staff, Staff.id == VisitTeacher.staff_id)
        visitees = await _grouped(session, _in_batch(people, lo, hi, kind, school_id))
        co = await _grouped(session, _in_batch(
            select(VisitCoVisitor.visit_id, Staff.external_id, Staff.name)
            .join(Staff, Staff.id == VisitCoVisitor.staff_id), lo, hi, kind, school_id))
        topics = await _grouped(session, _in_batch(
            select(VisitTopic.visit_id, OutlineTopic.name, OutlineTopic.position)
            .join(OutlineTopic, OutlineTopic.id == VisitTopic.topic_id), lo, hi, kind, school_id))
        opinions = await _grouped(session, _in_batch(
            select(Opinion.visit_id, OpinionCategory.name, Opinion.text, Opinion.id)
            .outerjoin(OpinionCategory, OpinionCategory.id == Opinion.category_id), lo, hi, kind, school_id))
        follow_ups = await _grouped(session, _in_batch(
            select(FollowUp.visit_id, FollowUp.due_date, FollowUp.done_at)
            .where(FollowUp.cancelled_at.is_(None)), lo, hi, kind, school_id))
        for (vid, day, school, klass, v_ext, v_name, form, place, wish, notable, situation) in head:
            follow = follow_ups.get(vid, [(None, None)])[0]
            yield VisitRecord(
                id=vid, kind=kind, visit_date=day, school_name=school, class_name=klass,
                visitees=tuple(sorted((Person(e, n) for e, n in visitees.get(vid, [])),
                                      key=lambda p: (p.name, p.external_id))),
                visitor=Person(v_ext, v_name),
                co_visitors=tuple(sorted((Person(e, n) for e, n in co.get(vid, [])),
                                         key=lambda p: (p.name, p.external_id))),
                form=VisitForm(form), place=Place(place),
                topics=tuple(name for name, _ in sorted(topics.get(vid, []), key=lambda t: (t[1], t[0]))),
                opinions=tuple(ExportOpinion(c, t) for c, t, _ in sorted(opinions.get(vid, []),
                                                                           key=lambda o: o[2])),
                follow_up=FollowUpWish(wish),
                follow_up_due=follow[0] if wish != FollowUpWish.NONE.value else None,
                follow_up_done_at=follow[1] if wish != FollowUpWish.NONE.value else None,
                notable=bool(notable),
                situation=situation,
            )
        last = hi


async def school_names(*, session: AsyncSession) -> dict[int, str]:
    """Active schools by id (the CLI's ``--school`` takes an id or a name)."""
    rows = (await session.execute(select(School.id, School.name).where(School.active.is_(True)))).all()
    return {int(i): n for i, n in rows}


async def record_export(
    *, session: AsyncSession, now: datetime, actor: str, actor_staff_id: int | None, school_id: int | None,
    detail: dict[str, Any],
) -> None:
    """Write one export to the audit log (who, scope, when) and commit: the data is about minors."""
    session.add(AuditEntry(
        at=now, actor_staff_id=actor_staff_id, actor=actor, action="export",
        object_type="school" if school_id is not None else "district", object_id=school_id,
        detail={"scope": "school" if school_id is not None else "district", **detail},
    ))
    await session.commit()
