"""Rectification items (整改): created from opinions by a school's leaders, carried out by an owner,
verified or sent back by a leader; district-level items go up to the district office (報工委), which
accepts, reassigns or returns them. Overdue: past the deadline and not done (SPEC).

Who may do what: leaders of the item's school (``Scope.may_manage_rectification_of``) create, verify
and send back; the owner (the staff member, or the named contact of a unit) starts and finishes; the
district office (``Scope.handles_escalations``) answers escalated items. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    RectificationItem,
    RectificationNote,
    RectificationOpinion,
    School,
    Staff,
)
from store.opinions import audit, mark_itemised
from store.scopes import Scope


class ItemLevel(StrEnum):
    SCHOOL = "school"
    DISTRICT = "district"


class ItemStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    RETURNED = "returned"


FINISHED = frozenset({ItemStatus.DONE, ItemStatus.VERIFIED})


class Escalation(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


class ItemRejected(Exception):
    """``code``: not_allowed, not_found, bad_owner (not staff of the school), bad_state, empty."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ItemDraft:
    title: str
    public_title: str
    goal: str
    measures: str
    owner_staff_id: int
    deadline: date
    level: ItemLevel = ItemLevel.SCHOOL
    owner_unit: str | None = None
    opinion_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class NoteInfo:
    at: datetime
    kind: str
    text: str
    by_name: str | None


@dataclass(frozen=True)
class ItemInfo:
    id: int
    school_id: int
    school_name: str
    title: str
    public_title: str
    goal: str
    measures: str
    owner_staff_id: int
    owner_name: str
    owner_unit: str | None
    deadline: date
    level: ItemLevel
    status: ItemStatus
    escalation: Escalation | None
    opinion_ids: tuple[int, ...] = ()
    notes: tuple[NoteInfo, ...] = field(default=())

    @property
    def owner_label(self) -> str:
        """The unit and its contact (總務處 · 王老師), or the owner."""
        return f"{self.owner_unit} · {self.owner_name}" if self.owner_unit else self.owner_name

    def days_overdue(self, today: date) -> int:
        """Days past the deadline while not done (0 when not overdue)."""
        if self.status in FINISHED:
            return 0
        return max(0, (today - self.deadline).days)


async def _info(session: AsyncSession, item: RectificationItem) -> ItemInfo:
    owner = await session.get(Staff, item.owner_staff_id)
    school = await session.get(School, item.school_id)
    opinions = (
        await session.scalars(
            select(RectificationOpinion.opinion_id)
            .where(RectificationOpinion.item_id == item.id)
            .order_by(RectificationOpinion.opinion_id)
        )
    ).all()
    notes = (
        await session.execute(
            select(RectificationNote, Staff.name)
            .outerjoin(Staff, Staff.id == RectificationNote.staff_id)
            .where(RectificationNote.item_id == item.id)
            .order_by(RectificationNote.id)
        )
    ).all()
    return ItemInfo(
        id=item.id,
        school_id=item.school_id,
        school_name=school.name if school else "",
        title=item.title,
        public_title=item.public_title,
        goal=item.goal,
        measures=item.measures,
        owner_staff_id=item.owner_staff_id,
        owner_name=owner.name if owner else "",
        owner_unit=item.owner_unit,
        deadline=item.deadline,
        level=ItemLevel(item.level),
        status=ItemStatus(item.status),
        escalation=Escalation(item.escalation) if item.escalation else None,
        opinion_ids=tuple(opinions),
        notes=tuple(NoteInfo(n.at, n.kind, n.text, name) for n, name in notes),
    )


async def _check_owner(session: AsyncSession, school_id: int | None, staff_id: int) -> None:
    owner = await session.get(Staff, staff_id)
    if owner is None or not owner.active or (school_id is not None and owner.school_id != school_id):
        raise ItemRejected("bad_owner")


async def create_item(*, session: AsyncSession, scope: Scope, draft: ItemDraft, now: datetime) -> ItemInfo:
    """A new item of the leader's school, linked to (and marking) the opinions it answers; a district
    level item waits for the district office. Audited. Raises :class:`ItemRejected`,
    :class:`store.opinions.OpinionRejected`. Commits."""
    school_id = scope.school_id
    if not scope.may_manage_rectification_of(school_id):
        raise ItemRejected("not_allowed")
    assert school_id is not None
    texts = (draft.title, draft.public_title, draft.goal, draft.measures)
    if not all(t.strip() for t in texts):
        raise ItemRejected("empty")
    await _check_owner(session, school_id, draft.owner_staff_id)
    item = RectificationItem(
        school_id=school_id,
        title=draft.title.strip()[:200],
        public_title=draft.public_title.strip()[:200],
        goal=draft.goal.strip(),
        measures=draft.measures.strip(),
        owner_staff_id=draft.owner_staff_id,
        owner_unit=(draft.owner_unit or "").strip()[:100] or None,
        deadline=draft.deadline,
        level=draft.level.value,
        status=ItemStatus.OPEN.value,
        escalation=Escalation.PENDING.value if draft.level is ItemLevel.DISTRICT else None,
        created_by=scope.staff_id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    await mark_itemised(
        session=session,
        scope=scope,
        opinion_ids=list(dict.fromkeys(draft.opinion_ids)),
        item_id=item.id,
        now=now,
    )
    session.add(
        audit(
            scope,
            "item_created",
            "rectification_item",
            item.id,
            now,
            level=draft.level.value,
            opinions=list(draft.opinion_ids),
        )
    )
    await session.commit()
    return await _info(session, item)


def _may_read(scope: Scope, item: RectificationItem) -> bool:
    return (
        scope.may_manage_rectification_of(item.school_id)
        or item.owner_staff_id == scope.staff_id
        or scope.district_wide
    )


async def get_item(*, session: AsyncSession, scope: Scope, item_id: int) -> ItemInfo:
    """One item, for its school's leaders, its owner and district roles. Raises :class:`ItemRejected`."""
    item = await session.get(RectificationItem, item_id)
    if item is None:
        raise ItemRejected("not_found")
    if not _may_read(scope, item):
        raise ItemRejected("not_allowed")
    return await _info(session, item)


async def items_for(*, session: AsyncSession, scope: Scope) -> list[ItemInfo]:
    """What ``/rectify`` lists: the items of the leader's school, those the person owns, and for the
    district office every escalated item; by deadline."""
    query = select(RectificationItem)
    conditions = [RectificationItem.owner_staff_id == scope.staff_id]
    if scope.may_manage_rectification_of(scope.school_id):
        conditions.append(RectificationItem.school_id == scope.school_id)
    if scope.handles_escalations:
        conditions.append(RectificationItem.level == ItemLevel.DISTRICT.value)
    rows = (
        await session.scalars(
            query.where(or_(*conditions)).order_by(RectificationItem.deadline, RectificationItem.id)
        )
    ).all()
    return [await _info(session, r) for r in rows]


async def school_items(*, session: AsyncSession, school_ids: list[int] | None) -> list[ItemInfo]:
    """Every item of ``school_ids`` (None: the district), by deadline: what aggregates and the board
    read. Carries no scope; callers show groups only public titles."""
    query = select(RectificationItem).order_by(RectificationItem.deadline, RectificationItem.id)
    if school_ids is not None:
        query = query.where(RectificationItem.school_id.in_(school_ids))
    return [await _info(session, r) for r in (await session.scalars(query)).all()]


async def overdue_items(
    *, session: AsyncSession, school_ids: list[int] | None, today: date
) -> list[ItemInfo]:
    """Items past their deadline and not done, oldest deadline first."""
    items = await school_items(session=session, school_ids=school_ids)
    return [i for i in items if i.days_overdue(today) > 0]


async def _row(session: AsyncSession, item_id: int) -> RectificationItem:
    item = await session.get(RectificationItem, item_id)
    if item is None:
        raise ItemRejected("not_found")
    return item


def _note(item: RectificationItem, scope: Scope, kind: str, text: str, now: datetime) -> RectificationNote:
    return RectificationNote(
        item_id=item.id, at=now, staff_id=scope.staff_id, kind=kind, text=text.strip()[:1000]
    )


async def _commit(
    session: AsyncSession, scope: Scope, item: RectificationItem, action: str, now: datetime, **detail: object
) -> ItemInfo:
    item.updated_at = now
    session.add(audit(scope, action, "rectification_item", item.id, now, **detail))
    await session.commit()
    return await _info(session, item)


async def owner_update(
    *, session: AsyncSession, scope: Scope, item_id: int, status: ItemStatus, note: str, now: datetime
) -> tuple[ItemInfo, bool]:
    """The owner starts (in_progress) or finishes (done, with a note) an item. Returns the item and
    whether anything changed (a repeated tap changes nothing). Commits."""
    item = await _row(session, item_id)
    if item.owner_staff_id != scope.staff_id:
        raise ItemRejected("not_allowed")
    if status not in (ItemStatus.IN_PROGRESS, ItemStatus.DONE):
        raise ItemRejected("bad_state")
    if item.status == status.value:
        return await _info(session, item), False
    if ItemStatus(item.status) in FINISHED:
        raise ItemRejected("bad_state")
    if status is ItemStatus.DONE:
        if not note.strip():
            raise ItemRejected("empty")
        session.add(_note(item, scope, status.value, note, now))
        item.done_at = now
    item.status = status.value
    return await _commit(session, scope, item, "item_" + status.value, now, note=note.strip() or None), True


async def review(
    *, session: AsyncSession, scope: Scope, item_id: int, verify: bool, comment: str, now: datetime
) -> tuple[ItemInfo, bool]:
    """A leader of the school verifies a done item, or sends it back with a comment (status
    returned; the owner goes on). Returns the item and whether it changed. Commits."""
    item = await _row(session, item_id)
    if not scope.may_manage_rectification_of(item.school_id):
        raise ItemRejected("not_allowed")
    if item.status != ItemStatus.DONE.value:
        return await _info(session, item), False
    if verify:
        item.status = ItemStatus.VERIFIED.value
        return await _commit(session, scope, item, "item_verified", now), True
    if not comment.strip():
        raise ItemRejected("empty")
    item.status, item.done_at = ItemStatus.RETURNED.value, None
    session.add(_note(item, scope, ItemStatus.RETURNED.value, comment, now))
    return await _commit(session, scope, item, "item_sent_back", now, comment=comment.strip()), True


async def district_answer(
    *,
    session: AsyncSession,
    scope: Scope,
    item_id: int,
    action: str,
    now: datetime,
    owner_staff_id: int | None = None,
    comment: str = "",
) -> tuple[ItemInfo, bool]:
    """The district office answers an escalated item: ``accept``, ``reassign`` (to ``owner_staff_id``,
    any active staff member) or ``return`` (back to the school's level, with a comment). Commits."""
    item = await _row(session, item_id)
    if not scope.handles_escalations:
        raise ItemRejected("not_allowed")
    if item.level != ItemLevel.DISTRICT.value:
        return await _info(session, item), False
    if action == "accept":
        if item.escalation == Escalation.ACCEPTED.value:
            return await _info(session, item), False
        item.escalation = Escalation.ACCEPTED.value
        return await _commit(session, scope, item, "item_accepted", now), True
    if action == "reassign" and owner_staff_id is not None:
        await _check_owner(session, None, owner_staff_id)
        before, item.owner_staff_id = item.owner_staff_id, owner_staff_id
        item.escalation = Escalation.ACCEPTED.value
        info = await _commit(
            session, scope, item, "item_reassigned", now, before=before, after=owner_staff_id
        )
        return info, True
    if action == "return":
        item.level, item.escalation = ItemLevel.SCHOOL.value, None
        session.add(_note(item, scope, "district_return", comment or "—", now))
        return await _commit(session, scope, item, "item_returned_by_district", now, comment=comment), True
    raise ItemRejected("bad_state")
