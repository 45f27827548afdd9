"""Recording, editing and deleting visits; reading them back lives in :mod:`store.visit_views`.

A visit is written in one transaction, exactly once: the bot generates a ``client_key`` once per
conversation, so a second tap on Save or a redelivered update finds the visit already there. Edits
keep the earlier version in ``VisitVersion``; coverage reads only the current row, so it follows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.campaign import CampaignInfo
from store.models import (
    AuditEntry,
    FollowUp,
    Opinion,
    Visit,
    VisitCoVisitor,
    VisitStudent,
    VisitTeacher,
    VisitTopic,
    VisitVersion,
)
from store.roster_facts import class_facts, staff_name
from store.scopes import Scope
from store.visit_rules import (
    CheckedVisit,
    OpinionDraft,
    VisitDraft,
    VisitRejected,
    check_draft,
    visit_content,
)
from store.visit_views import (
    PersonRef,
    TopicRef,
    VisitDetails,
    VisitParts,
    VisitSummary,
    VisitVersionInfo,
    focus_visible,
    get_visit,
    load_details,
    own_visit_row,
    person_refs,
    read_co_visitors,
    read_opinions,
    read_topics,
    read_visitees,
    recent_visits,
    visit_versions,
)
from store.vocab import VisitKind

__all__ = [
    "OpinionDraft",
    "PersonRef",
    "SavedVisit",
    "TopicRef",
    "VisitDetails",
    "VisitDraft",
    "VisitRejected",
    "VisitSummary",
    "VisitVersionInfo",
    "delete_visit",
    "edit_visit",
    "get_visit",
    "recent_visits",
    "record_visit",
    "visit_versions",
]


@dataclass(frozen=True)
class SavedVisit:
    """The outcome of :func:`record_visit`: ``created`` is False when the key had already been saved."""

    id: int
    created: bool
    details: VisitDetails


def _audit(scope: Scope, action: str, visit_id: int, now: datetime, **detail: Any) -> AuditEntry:
    return AuditEntry(
        at=now, actor_staff_id=scope.staff_id, actor=f"staff:{scope.staff_id}", action=action,
        object_type="visit", object_id=visit_id, detail=detail or None,
    )


async def _visit_by_key(session: AsyncSession, client_key: str) -> Visit | None:
    return await session.scalar(select(Visit).where(Visit.client_key == client_key))


async def _already_saved(session: AsyncSession, scope: Scope, visit: Visit) -> SavedVisit:
    if visit.visitor_id != scope.staff_id:
        # Keys are random per conversation; another person's key is a bug, never a repeat.
        raise VisitRejected("not_allowed")
    return SavedVisit(id=visit.id, created=False, details=await load_details(session, scope, visit))


def _apply(visit: Visit, checked: CheckedVisit) -> None:
    visit.kind = checked.kind.value
    visit.school_id = checked.school_id
    visit.class_id = checked.class_id
    visit.form = checked.form.value
    visit.place = checked.place.value
    visit.visit_date = checked.visit_date
    visit.one_on_one = checked.one_on_one
    visit.follow_up = checked.follow_up.value
    visit.notable = checked.notable
    visit.private_notes = checked.private_notes
    visit.situation = checked.situation
    visit.out_of_phase = checked.out_of_phase


async def _set_links(session: AsyncSession, visit_id: int, checked: CheckedVisit, *, new: bool) -> None:
    """Replace visitees, topics and co-visitors (plain rows: nothing else refers to them)."""
    if not new:  # a brand-new visit has nothing to replace
        for table in (VisitStudent, VisitTeacher, VisitTopic, VisitCoVisitor):
            await session.execute(delete(table).where(table.visit_id == visit_id))
    if checked.kind is VisitKind.STUDENT:
        await session.execute(
            insert(VisitStudent), [{"visit_id": visit_id, "student_id": i} for i in checked.visitee_ids]
        )
    else:
        await session.execute(
            insert(VisitTeacher), [{"visit_id": visit_id, "staff_id": i} for i in checked.visitee_ids]
        )
    if checked.topic_ids:
        await session.execute(
            insert(VisitTopic), [{"visit_id": visit_id, "topic_id": i} for i in checked.topic_ids]
        )
    if checked.co_visitor_ids:
        await session.execute(
            insert(VisitCoVisitor), [{"visit_id": visit_id, "staff_id": i} for i in checked.co_visitor_ids]
        )


async def _set_opinions(
    session: AsyncSession, visit_id: int, opinions: tuple[tuple[str, int], ...], now: datetime, *, new: bool
) -> None:
    """Keep the rows of unchanged opinions (the opinion board and rectification refer to them)."""
    wanted = Counter(opinions)
    stale = []
    existing = [] if new else (await session.execute(
        select(Opinion.id, Opinion.text, Opinion.category_id).where(Opinion.visit_id == visit_id)
    )).all()
    for oid, text, category in existing:
        if category is not None and wanted[(text, category)] > 0:
            wanted[(text, category)] -= 1
        else:
            stale.append(oid)
    if stale:
        await session.execute(delete(Opinion).where(Opinion.id.in_(stale)))
    fresh = [{"visit_id": visit_id, "text": text, "category_id": category, "created_at": now}
             for (text, category), n in wanted.items() for _ in range(n)]
    if fresh:
        await session.execute(insert(Opinion), fresh)


async def _set_follow_up(
    session: AsyncSession, visit_id: int, checked: CheckedVisit, now: datetime, *, new: bool
) -> None:
    """One follow-up per person visited (a group talk asking for one gets one per student)."""
    due, kind = checked.follow_up_due, checked.kind.value
    rows = [] if new else list((await session.scalars(
        select(FollowUp).where(FollowUp.visit_id == visit_id)
    )).all())
    by_person = {(r.person_kind, r.person_id): r for r in rows}
    wanted = set() if due is None else {(kind, p) for p in checked.visitee_ids}
    for key, row in by_person.items():
        # A follow-up already done stays on record; a pending one no longer wished for goes.
        if row.done_at is None and key not in wanted:
            await session.delete(row)
        elif row.done_at is None and due is not None:
            row.due_date, row.cancelled_at = due, None
    for person_kind, person_id in sorted(wanted - set(by_person)):
        session.add(FollowUp(visit_id=visit_id, person_kind=person_kind, person_id=person_id, due_date=due))


async def _stored_content(session: AsyncSession, visit: Visit) -> dict[str, Any]:
    """The current row's content, as :func:`visit_content` shapes it."""
    link = VisitStudent.student_id if visit.kind == VisitKind.STUDENT.value else VisitTeacher.staff_id
    table = VisitStudent if visit.kind == VisitKind.STUDENT.value else VisitTeacher
    visitees = (await session.scalars(select(link).where(table.visit_id == visit.id))).all()
    topics = (await session.scalars(select(VisitTopic.topic_id).where(VisitTopic.visit_id == visit.id))).all()
    co = (await session.scalars(
        select(VisitCoVisitor.staff_id).where(VisitCoVisitor.visit_id == visit.id)
    )).all()
    opinions = (await session.execute(
        select(Opinion.text, Opinion.category_id).where(Opinion.visit_id == visit.id)
    )).all()
    follow_up = await session.scalar(
        select(FollowUp.due_date).where(FollowUp.visit_id == visit.id, FollowUp.cancelled_at.is_(None))
    )
    return visit_content(
        kind=visit.kind, school_id=visit.school_id, class_id=visit.class_id, visitee_ids=visitees,
        form=visit.form, place=visit.place, visit_date=visit.visit_date, topic_ids=topics,
        co_visitor_ids=co, opinions=[(text, category) for text, category in opinions],
        follow_up=visit.follow_up,
        follow_up_due=follow_up if follow_up and visit.follow_up != "none" else None,
        notable=visit.notable, private_notes=visit.private_notes, situation=visit.situation,
    )


async def _snapshot(session: AsyncSession, visit: Visit, scope: Scope, now: datetime) -> None:
    content = await _stored_content(session, visit)
    snapshot = {
        **content,
        "version": visit.version,
        "one_on_one": visit.one_on_one,
        "out_of_phase": visit.out_of_phase,
        "created_at": visit.created_at.isoformat(),
        "updated_at": visit.updated_at.isoformat(),
    }
    session.add(VisitVersion(
        visit_id=visit.id, version=visit.version, snapshot=snapshot, replaced_at=now,
        replaced_by=scope.staff_id,
    ))


async def _written_parts(
    session: AsyncSession, scope: Scope, visit: Visit, checked: CheckedVisit, campaign: CampaignInfo
) -> VisitParts:
    """The details' parts of a visit just written from ``checked``: names from the roster facts
    and the campaign (in memory), read back only what only the database knows (opinion ids,
    co-visitors' names, an interview's teachers, a school's own topics)."""
    visitees: tuple[PersonRef, ...]
    class_name = None
    facts = await class_facts(session, checked.class_id) if checked.class_id is not None else None
    if checked.kind is VisitKind.STUDENT and facts is not None:
        class_name = facts.name
        focus = facts.focus if focus_visible(scope, visit) else {}
        visitees = person_refs([(sid, *facts.students[sid]) for sid in checked.visitee_ids], focus)
    else:
        visitees = await read_visitees(session, visit, focus_visible(scope, visit))
    known = {t.id: t for t in campaign.topics(checked.kind)}
    if all(t in known for t in checked.topic_ids):
        wanted = set(checked.topic_ids)  # the campaign's topics are in their order
        topics = tuple(TopicRef(t.id, t.name) for t in campaign.topics(checked.kind) if t.id in wanted)
    else:
        topics = await read_topics(session, visit.id)
    return VisitParts(
        visitor_name=await staff_name(session, scope.staff_id) or "",
        class_name=class_name,
        visitees=visitees,
        topics=topics,
        co_visitors=await read_co_visitors(session, visit.id) if checked.co_visitor_ids else (),
        opinions=await read_opinions(session, visit.id) if checked.opinions else (),
        follow_up_due=checked.follow_up_due,
        follow_up_done=False,
    )


async def record_visit(
    *, session: AsyncSession, scope: Scope, draft: VisitDraft, campaign: CampaignInfo, now: datetime
) -> SavedVisit:
    """Validate and save a new visit in one transaction, exactly once per ``draft.client_key``.

    A key already saved (a second tap, a redelivered update, a concurrent save) returns that visit
    with ``created=False`` and writes nothing. Raises :class:`VisitRejected`. Commits.
    """
    try:
        checked = await check_draft(session=session, scope=scope, draft=draft, campaign=campaign, now=now)
    except VisitRejected:
        # A key saved already stands, whatever its draft would say now.
        existing = await _visit_by_key(session, draft.client_key)
        if existing is None:
            raise
        return await _already_saved(session, scope, existing)
    visit = Visit(client_key=draft.client_key, visitor_id=scope.staff_id, version=1,
                  created_at=now, updated_at=now)
    _apply(visit, checked)
    try:
        session.add(visit)
        await session.flush()
        await _set_links(session, visit.id, checked, new=True)
        await _set_opinions(session, visit.id, checked.opinions, now, new=True)
        await _set_follow_up(session, visit.id, checked, now, new=True)
        session.add(_audit(scope, "visit_recorded", visit.id, now, kind=checked.kind.value))
        await session.commit()
    except IntegrityError:
        # The key is saved already (a second tap, a redelivered update, a concurrent save: no look
        # first, that costs every save a statement): the other save is the one.
        await session.rollback()
        existing = await _visit_by_key(session, draft.client_key)
        if existing is None:
            raise
        return await _already_saved(session, scope, existing)
    parts = await _written_parts(session, scope, visit, checked, campaign)
    return SavedVisit(id=visit.id, created=True, details=await load_details(session, scope, visit, parts))


async def edit_visit(
    *, session: AsyncSession, scope: Scope, visit_id: int, draft: VisitDraft, campaign: CampaignInfo,
    now: datetime,
) -> VisitDetails:
    """Replace a visit's content with ``draft``, keeping the earlier version. Only its visitor may.

    The draft is checked as a new visit would be (``client_key`` is ignored; the kind cannot change).
    Submitting the current content again changes nothing. Raises :class:`VisitRejected`. Commits.
    """
    for attempt in range(2):
        visit = await own_visit_row(session, scope, visit_id)
        if visit.deleted_at is not None:
            raise VisitRejected("not_found")
        if draft.kind.value != visit.kind:
            raise VisitRejected("kind_mismatch")
        kept = frozenset((await session.scalars(
            select(VisitTopic.topic_id).where(VisitTopic.visit_id == visit.id))).all())
        checked = await check_draft(session=session, scope=scope, draft=draft, campaign=campaign, now=now,
                                    kept_topic_ids=kept)
        if await _stored_content(session, visit) == checked.content():
            return await load_details(session, scope, visit)
        try:
            await _snapshot(session, visit, scope, now)
            _apply(visit, checked)
            visit.version += 1
            visit.updated_at = now
            await _set_links(session, visit.id, checked, new=False)
            await _set_opinions(session, visit.id, checked.opinions, now, new=False)
            await _set_follow_up(session, visit.id, checked, now, new=False)
            session.add(_audit(scope, "visit_edited", visit.id, now, version=visit.version))
            await session.commit()
        except IntegrityError:
            # Another edit of the same version won (unique visit_id + version): look again.
            await session.rollback()
            if attempt:
                raise
            continue
        return await load_details(session, scope, visit)
    raise AssertionError("unreachable")


async def delete_visit(*, session: AsyncSession, scope: Scope, visit_id: int, now: datetime) -> None:
    """Delete a visit softly (its versions stay); only its visitor may. A pending follow-up is
    cancelled. Deleting it again does nothing. Raises :class:`VisitRejected`. Commits."""
    visit = await own_visit_row(session, scope, visit_id)
    if visit.deleted_at is not None:
        return
    await _snapshot(session, visit, scope, now)
    visit.version += 1
    visit.deleted_at = now
    visit.updated_at = now
    for follow_up in (await session.scalars(select(FollowUp).where(FollowUp.visit_id == visit.id))).all():
        if follow_up.done_at is None and follow_up.cancelled_at is None:
            follow_up.cancelled_at = now
    session.add(_audit(scope, "visit_deleted", visit.id, now, version=visit.version))
    await session.commit()
