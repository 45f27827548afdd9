"""Reading visits back as plain data: one visit's details, recent own visits, earlier versions.

Who sees a visit: its visitor always; students' visits whoever sees that class's students; teacher
interviews whoever sees that school's teachers. Private notes are for the visitor alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    FollowUp,
    Opinion,
    OpinionCategory,
    OutlineTopic,
    SchoolClass,
    Staff,
    StaffFocus,
    Student,
    StudentFocus,
    Visit,
    VisitCoVisitor,
    VisitStudent,
    VisitTeacher,
    VisitTopic,
    VisitVersion,
)
from store.people import name_labels
from store.scopes import Scope
from store.visit_rules import OpinionDraft, VisitDraft, VisitRejected, edit_window_end
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind

SUMMARY_NAMES = 3
PAGE_SIZE = 10
NO_ANCHOR, UNKNOWN_ANCHOR = 0, -1  # page anchors: "from the newest", "count back to it"


@dataclass(frozen=True)
class PersonRef:
    """A person named in a visit; ``label`` tells namesakes apart, ``focus`` only when entitled."""

    id: int
    name: str
    external_id: str
    label: str
    focus: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicRef:
    id: int
    name: str


@dataclass(frozen=True)
class OpinionDetail:
    id: int
    text: str
    category_id: int | None
    category_name: str | None


@dataclass(frozen=True)
class VisitDetails:
    """A visit as it is now. ``private_notes`` is None for anyone but the visitor."""

    id: int
    kind: VisitKind
    visitor_id: int
    visitor_name: str
    school_id: int | None
    class_id: int | None
    class_name: str | None
    visitees: tuple[PersonRef, ...]
    form: VisitForm
    place: Place
    visit_date: date
    one_on_one: bool
    topics: tuple[TopicRef, ...]
    co_visitors: tuple[PersonRef, ...]
    opinions: tuple[OpinionDetail, ...]
    follow_up: FollowUpWish
    follow_up_due: date | None
    follow_up_done: bool
    notable: bool
    private_notes: str | None
    situation: str | None  # shareable: whoever may read the visit reads it
    out_of_phase: bool
    version: int
    created_at: datetime
    updated_at: datetime
    editable_until: datetime  # the saved card's Edit button lasts this long
    deleted: bool

    def editable(self, now: datetime) -> bool:
        """Whether the saved card still offers Edit (48 hours after saving, or after a reviewer
        returned it)."""
        return not self.deleted and now < self.editable_until

    def as_draft(self, client_key: str) -> VisitDraft:
        """A draft holding this visit's content, to start an edit from."""
        return VisitDraft(
            client_key=client_key,
            kind=self.kind,
            class_id=self.class_id,
            visitee_ids=tuple(p.id for p in self.visitees),
            form=self.form,
            place=self.place,
            visit_date=self.visit_date,
            topic_ids=tuple(t.id for t in self.topics),
            co_visitor_ids=tuple(p.id for p in self.co_visitors),
            opinions=tuple(
                OpinionDraft(text=o.text, category_id=o.category_id)
                for o in self.opinions if o.category_id is not None
            ),
            follow_up=self.follow_up,
            follow_up_date=self.follow_up_due if self.follow_up is FollowUpWish.DATE else None,
            notable=self.notable,
            private_notes=self.private_notes,
            situation=self.situation,
        )


@dataclass(frozen=True)
class VisitSummary:
    """One line of /myvisits."""

    id: int
    visit_date: date
    kind: VisitKind
    visitee_names: tuple[str, ...]  # the first few
    visitee_count: int
    form: VisitForm
    one_on_one: bool
    class_name: str | None
    created_at: datetime
    editable: bool


@dataclass(frozen=True)
class VisitVersionInfo:
    """An earlier version of a visit, as it was before an edit or the deletion."""

    version: int
    replaced_at: datetime
    replaced_by: int | None
    snapshot: dict[str, Any]


def may_see_visit(scope: Scope, visit: Visit) -> bool:
    """The one rule of who may read a visit."""
    if visit.visitor_id == scope.staff_id:
        return True
    if visit.kind == VisitKind.STUDENT.value:
        return visit.class_id is not None and scope.sees_students_of(visit.class_id)
    return scope.sees_teachers_of(visit.school_id)


def focus_visible(scope: Scope, visit: Visit) -> bool:
    """Whether ``scope`` sees the focus tags of the people ``visit`` names."""
    if visit.kind == VisitKind.STUDENT.value:
        return visit.class_id is not None and scope.sees_students_of(visit.class_id)
    return scope.sees_teachers_of(visit.school_id)


async def read_visitees(session: AsyncSession, visit: Visit, with_focus: bool) -> tuple[PersonRef, ...]:
    rows: list[tuple[int, str, str]]
    if visit.kind == VisitKind.STUDENT.value:
        rows = [(pid, name, ext) for pid, name, ext in (await session.execute(
            select(Student.id, Student.name, Student.external_id)
            .join(VisitStudent, VisitStudent.student_id == Student.id)
            .where(VisitStudent.visit_id == visit.id)
        )).all()]
        focus_rows = select(StudentFocus.student_id, StudentFocus.tag).where(
            StudentFocus.student_id.in_([r[0] for r in rows])
        )
    else:
        rows = [(pid, name, ext) for pid, name, ext in (await session.execute(
            select(Staff.id, Staff.name, Staff.external_id)
            .join(VisitTeacher, VisitTeacher.staff_id == Staff.id)
            .where(VisitTeacher.visit_id == visit.id)
        )).all()]
        focus_rows = select(StaffFocus.staff_id, StaffFocus.tag).where(
            StaffFocus.staff_id.in_([r[0] for r in rows])
        )
    focus: dict[int, list[str]] = {}
    if with_focus and rows:
        for pid, tag in (await session.execute(focus_rows)).all():
            focus.setdefault(pid, []).append(tag)
    return person_refs(rows, focus)


@dataclass(frozen=True)
class VisitParts:
    """What a visit's details hold besides its own row: the names and the rows linked to it."""

    visitor_name: str
    class_name: str | None
    visitees: tuple[PersonRef, ...]
    topics: tuple[TopicRef, ...]
    co_visitors: tuple[PersonRef, ...]
    opinions: tuple[OpinionDetail, ...]
    follow_up_due: date | None
    follow_up_done: bool


async def read_co_visitors(session: AsyncSession, visit_id: int) -> tuple[PersonRef, ...]:
    co_rows = [(pid, name, ext) for pid, name, ext in (await session.execute(
        select(Staff.id, Staff.name, Staff.external_id)
        .join(VisitCoVisitor, VisitCoVisitor.staff_id == Staff.id)
        .where(VisitCoVisitor.visit_id == visit_id)
    )).all()]
    co_labels = name_labels(co_rows)
    return tuple(sorted(
        (PersonRef(pid, name, ext, co_labels[pid]) for pid, name, ext in co_rows),
        key=lambda p: (p.name, p.external_id),
    ))


async def read_topics(session: AsyncSession, visit_id: int) -> tuple[TopicRef, ...]:
    topics = (await session.execute(
        select(OutlineTopic.id, OutlineTopic.name)
        .join(VisitTopic, VisitTopic.topic_id == OutlineTopic.id)
        .where(VisitTopic.visit_id == visit_id)
        .order_by(OutlineTopic.position, OutlineTopic.id)
    )).all()
    return tuple(TopicRef(tid, name) for tid, name in topics)


async def read_opinions(session: AsyncSession, visit_id: int) -> tuple[OpinionDetail, ...]:
    opinions = (await session.execute(
        select(Opinion.id, Opinion.text, Opinion.category_id, OpinionCategory.name)
        .outerjoin(OpinionCategory, OpinionCategory.id == Opinion.category_id)
        .where(Opinion.visit_id == visit_id)
        .order_by(Opinion.id)
    )).all()
    return tuple(OpinionDetail(oid, text, cid, cname) for oid, text, cid, cname in opinions)


def person_refs(
    rows: list[tuple[int, str, str]], focus: Mapping[int, Sequence[str]]
) -> tuple[PersonRef, ...]:
    """People named in a visit, labelled among themselves, by name."""
    labels = name_labels(rows)
    people = [
        PersonRef(pid, name, ext, labels[pid], tuple(sorted(focus.get(pid, ())))) for pid, name, ext in rows
    ]
    return tuple(sorted(people, key=lambda p: (p.name, p.external_id)))


async def _read_parts(session: AsyncSession, scope: Scope, visit: Visit) -> VisitParts:
    visitor = await session.get(Staff, visit.visitor_id)
    class_name = None
    if visit.class_id is not None:
        school_class = await session.get(SchoolClass, visit.class_id)
        class_name = school_class.name if school_class else None
    follow_up = await session.scalar(select(FollowUp).where(FollowUp.visit_id == visit.id))
    return VisitParts(
        visitor_name=visitor.name if visitor else "",
        class_name=class_name,
        visitees=await read_visitees(session, visit, focus_visible(scope, visit)),
        topics=await read_topics(session, visit.id),
        co_visitors=await read_co_visitors(session, visit.id),
        opinions=await read_opinions(session, visit.id),
        follow_up_due=follow_up.due_date if follow_up and follow_up.cancelled_at is None else None,
        follow_up_done=bool(follow_up and follow_up.done_at is not None),
    )


async def load_details(
    session: AsyncSession, scope: Scope, visit: Visit, parts: VisitParts | None = None
) -> VisitDetails:
    """A visit's details as ``scope`` may see them; the caller has checked :func:`may_see_visit`.

    ``parts``: what the caller already knows of them (a visit it has just written), else read."""
    if parts is None:
        parts = await _read_parts(session, scope, visit)
    return VisitDetails(
        id=visit.id,
        kind=VisitKind(visit.kind),
        visitor_id=visit.visitor_id,
        visitor_name=parts.visitor_name,
        school_id=visit.school_id,
        class_id=visit.class_id,
        class_name=parts.class_name,
        visitees=parts.visitees,
        form=VisitForm(visit.form),
        place=Place(visit.place),
        visit_date=visit.visit_date,
        one_on_one=visit.one_on_one,
        topics=parts.topics,
        co_visitors=parts.co_visitors,
        opinions=parts.opinions,
        follow_up=FollowUpWish(visit.follow_up),
        follow_up_due=parts.follow_up_due,
        follow_up_done=parts.follow_up_done,
        notable=visit.notable,
        private_notes=visit.private_notes if visit.visitor_id == scope.staff_id else None,
        situation=visit.situation,
        out_of_phase=visit.out_of_phase,
        version=visit.version,
        created_at=visit.created_at,
        updated_at=visit.updated_at,
        editable_until=edit_window_end(visit.created_at, visit.reopened_until),
        deleted=visit.deleted_at is not None,
    )


async def own_visit_row(session: AsyncSession, scope: Scope, visit_id: int) -> Visit:
    """The one ownership check: the visit exists and ``scope``'s person logged it.

    Raises :class:`VisitRejected` ``not_found`` or ``not_yours``; a deleted visit is the caller's
    concern (deleting it again does nothing, editing it is ``not_found``).
    """
    visit = await session.get(Visit, visit_id)
    if visit is None:
        raise VisitRejected("not_found")
    if visit.visitor_id != scope.staff_id:
        raise VisitRejected("not_yours")
    return visit


async def own_visit(*, session: AsyncSession, scope: Scope, visit_id: int) -> VisitDetails:
    """The asker's own current visit, to edit or delete; raises :class:`VisitRejected` (``not_found``
    also for a deleted one, ``not_yours``)."""
    visit = await own_visit_row(session, scope, visit_id)
    if visit.deleted_at is not None:
        raise VisitRejected("not_found")
    return await load_details(session, scope, visit)


async def get_visit(*, session: AsyncSession, scope: Scope, visit_id: int) -> VisitDetails | None:
    """A current (undeleted) visit, if ``scope`` may see it; else None."""
    visit = await session.get(Visit, visit_id)
    if visit is None or visit.deleted_at is not None or not may_see_visit(scope, visit):
        return None
    return await load_details(session, scope, visit)


async def recent_visits(
    *, session: AsyncSession, scope: Scope, now: datetime, limit: int = 10, before_id: int | None = None
) -> list[VisitSummary]:
    """The asker's own current visits, newest first; ``before_id`` pages back."""
    query = (
        select(Visit, SchoolClass.name)
        .outerjoin(SchoolClass, SchoolClass.id == Visit.class_id)
        .where(Visit.visitor_id == scope.staff_id, Visit.deleted_at.is_(None))
        .order_by(Visit.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Visit.id < before_id)
    rows = (await session.execute(query)).all()
    ids = [visit.id for visit, _ in rows]
    names: dict[int, list[tuple[str, str]]] = {}
    if ids:
        for table, person, name_col, ext_col, person_id in (
            (VisitStudent, Student, Student.name, Student.external_id, VisitStudent.student_id),
            (VisitTeacher, Staff, Staff.name, Staff.external_id, VisitTeacher.staff_id),
        ):
            for vid, name, ext in (await session.execute(
                select(table.visit_id, name_col, ext_col)
                .join(person, person.id == person_id)
                .where(table.visit_id.in_(ids))
            )).all():
                names.setdefault(vid, []).append((name, ext))
    out = []
    for visit, class_name in rows:
        people = sorted(names.get(visit.id, []))
        out.append(VisitSummary(
            id=visit.id,
            visit_date=visit.visit_date,
            kind=VisitKind(visit.kind),
            visitee_names=tuple(name for name, _ in people[:SUMMARY_NAMES]),
            visitee_count=len(people),
            form=VisitForm(visit.form),
            one_on_one=visit.one_on_one,
            class_name=class_name,
            created_at=visit.created_at,
            editable=now < edit_window_end(visit.created_at, visit.reopened_until),
        ))
    return out


@dataclass(frozen=True)
class VisitPage:
    """A page of the asker's own visits, newest first."""

    visits: tuple[VisitSummary, ...]
    page: int  # 0: the newest
    anchor: int  # the visit id this page was read before; NO_ANCHOR for the newest
    has_older: bool


async def visit_page(
    *, session: AsyncSession, scope: Scope, now: datetime, page: int, anchor: int, size: int = PAGE_SIZE
) -> VisitPage:
    """Page ``page`` of the asker's own visits.

    Older pages are read before an anchor (stable while visits are added or deleted); going back to
    newer ones (``UNKNOWN_ANCHOR``) counts from the newest. A page emptied by deletions shows the one
    before it.
    """
    while True:
        if page <= 0:
            page, anchor = 0, NO_ANCHOR
        elif anchor == UNKNOWN_ANCHOR:
            newer = await recent_visits(session=session, scope=scope, now=now, limit=page * size)
            page = -(-len(newer) // size)
            anchor = newer[-1].id if newer else NO_ANCHOR
        rows = await recent_visits(
            session=session, scope=scope, now=now, limit=size + 1,
            before_id=None if anchor == NO_ANCHOR else anchor,
        )
        if rows or page == 0:
            return VisitPage(tuple(rows[:size]), page, anchor, len(rows) > size)
        page, anchor = page - 1, UNKNOWN_ANCHOR


async def visit_versions(*, session: AsyncSession, scope: Scope, visit_id: int) -> list[VisitVersionInfo]:
    """Earlier versions of a visit (also of a deleted one), oldest first, for whoever may see it.

    Private notes in the snapshots are for the visitor alone.
    """
    visit = await session.get(Visit, visit_id)
    if visit is None or not may_see_visit(scope, visit):
        return []
    own = visit.visitor_id == scope.staff_id
    rows = (await session.scalars(
        select(VisitVersion).where(VisitVersion.visit_id == visit_id).order_by(VisitVersion.version)
    )).all()
    return [
        VisitVersionInfo(
            version=row.version,
            replaced_at=row.replaced_at,
            replaced_by=row.replaced_by,
            snapshot=dict(row.snapshot) if own else {**row.snapshot, "private_notes": None},
        )
        for row in rows
    ]
