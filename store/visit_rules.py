"""What a visit must satisfy before it is written: the draft, its limits, and the checks.

The bot builds a :class:`VisitDraft` during the visit conversation; :func:`check_draft` turns it into a
:class:`CheckedVisit` or raises :class:`VisitRejected` with a code the bot translates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.campaign import CampaignInfo
from store.models import OpinionCategory, OutlineTopic, Phase, Staff, StaffRole, Student
from store.roster_facts import class_facts
from store.scopes import Action, Scope
from store.vocab import TEACHER_ROLES, FollowUpWish, Place, VisitForm, VisitKind, default_place

MAX_VISITEES = 60
MAX_NOTES_CHARS = 1000
MAX_SITUATION_CHARS = 1000  # the paper form's 情況 box; as long as private notes
MAX_OPINION_CHARS = 500
MAX_OPINIONS = 10
FOLLOW_UP_HORIZON = timedelta(days=366)
FOLLOW_UP_DAYS = {FollowUpWish.ONE_WEEK: 7, FollowUpWish.TWO_WEEKS: 14}
EDIT_WINDOW = timedelta(hours=48)
VISIT_PHASE = "visit"


def edit_window_end(created_at: datetime, reopened_until: datetime | None) -> datetime:
    """Until when the saved card's Edit works: 48 hours after saving, or longer while a reviewer's
    return has reopened it (``Visit.reopened_until``, set by ``store.reviews``)."""
    normal = created_at + EDIT_WINDOW
    return max(normal, reopened_until) if reopened_until is not None else normal


class VisitRejected(Exception):
    """A visit the store refuses; ``code`` (with ``params``) is what the bot translates.

    Codes: not_allowed, not_yours, not_found, kind_mismatch, class_not_visitable, student_not_in_class,
    student_inactive, teacher_not_interviewable, date_before_campaign, date_in_future, unknown_topic,
    unknown_category, co_visitor_invalid, too_many_visitees, text_too_long, opinion_empty,
    follow_up_date_invalid, no_visitees.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class OpinionDraft(BaseModel):
    """One opinion raised in a visit, with the category it was sorted into."""

    model_config = ConfigDict(frozen=True)

    text: str
    category_id: int


class VisitDraft(BaseModel):
    """A visit in progress: what the visit conversation has collected so far, or a saved visit being
    edited. JSON-able, so the bot keeps it between taps as it is; :func:`check_draft` checks it."""

    model_config = ConfigDict(frozen=True)

    client_key: str = Field(min_length=1, max_length=64)  # generated once per conversation
    kind: VisitKind
    class_id: int | None = None  # student visits
    visitee_ids: tuple[int, ...] = ()  # students or teachers, as ``kind`` says
    form: VisitForm = VisitForm.IN_PERSON
    place: Place | None = None  # None: the place the form implies
    visit_date: date | None = None  # None: the day it is saved, in the campaign's time zone
    topic_ids: tuple[int, ...] = ()
    co_visitor_ids: tuple[int, ...] = ()
    opinions: tuple[OpinionDraft, ...] = ()
    follow_up: FollowUpWish = FollowUpWish.NONE
    follow_up_date: date | None = None  # for FollowUpWish.DATE
    notable: bool = False
    private_notes: str | None = None
    # Shareable, unlike private_notes: the paper form's 情況, exported and shown in reports.
    # Drafts kept before it existed load with None.
    situation: str | None = None

    def date_on(self, today: date) -> date:
        """The visit's date, ``today`` while none was chosen."""
        return self.visit_date or today

    @property
    def shown_place(self) -> Place:
        return self.place or default_place(self.kind, self.form)


def visit_content(
    *,
    kind: VisitKind | str,
    school_id: int | None,
    class_id: int | None,
    visitee_ids: Iterable[int],
    form: VisitForm | str,
    place: Place | str,
    visit_date: date,
    topic_ids: Iterable[int],
    co_visitor_ids: Iterable[int],
    opinions: Iterable[tuple[str, int | None]],
    follow_up: FollowUpWish | str,
    follow_up_due: date | None,
    notable: bool,
    private_notes: str | None,
    situation: str | None = None,
) -> dict[str, Any]:
    """A visit's content as JSON-able data, in one shape for a checked draft and a stored row alike:
    what an edit compares to decide whether anything changed, and what a version snapshot keeps."""
    return {
        "kind": VisitKind(kind).value,
        "school_id": school_id,
        "class_id": class_id,
        "visitee_ids": sorted(visitee_ids),
        "form": VisitForm(form).value,
        "place": Place(place).value,
        "visit_date": visit_date.isoformat(),
        "topic_ids": sorted(topic_ids),
        "co_visitor_ids": sorted(co_visitor_ids),
        "opinions": sorted([text, category] for text, category in opinions),
        "follow_up": FollowUpWish(follow_up).value,
        "follow_up_due": follow_up_due.isoformat() if follow_up_due else None,
        "notable": notable,
        "private_notes": private_notes,
        "situation": situation,
    }


@dataclass(frozen=True)
class CheckedVisit:
    """A draft that passed every check, normalised (defaults filled, duplicates dropped, text stripped)."""

    kind: VisitKind
    school_id: int
    class_id: int | None
    visitee_ids: tuple[int, ...]
    form: VisitForm
    place: Place
    visit_date: date
    topic_ids: tuple[int, ...]
    co_visitor_ids: tuple[int, ...]
    opinions: tuple[tuple[str, int], ...]
    follow_up: FollowUpWish
    follow_up_due: date | None
    notable: bool
    private_notes: str | None
    situation: str | None
    out_of_phase: bool

    @property
    def one_on_one(self) -> bool:
        return len(self.visitee_ids) == 1

    def content(self) -> dict[str, Any]:
        """The visit's content: compared on edit, stored in version snapshots."""
        return visit_content(
            kind=self.kind, school_id=self.school_id, class_id=self.class_id, visitee_ids=self.visitee_ids,
            form=self.form, place=self.place, visit_date=self.visit_date, topic_ids=self.topic_ids,
            co_visitor_ids=self.co_visitor_ids, opinions=self.opinions, follow_up=self.follow_up,
            follow_up_due=self.follow_up_due, notable=self.notable, private_notes=self.private_notes,
            situation=self.situation,
        )


def _unique(ids: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(ids))


def _bounded_text(text: str | None, field: str, limit: int) -> str | None:
    """``text`` stripped (None when empty); raises text_too_long past ``limit`` characters."""
    kept = (text or "").strip() or None
    if kept is not None and len(kept) > limit:
        raise VisitRejected("text_too_long", field=field, limit=limit)
    return kept


def _texts(draft: VisitDraft) -> tuple[tuple[tuple[str, int], ...], str | None]:
    if len(draft.opinions) > MAX_OPINIONS:
        raise VisitRejected("text_too_long", field="opinions", limit=MAX_OPINIONS)
    opinions = []
    for opinion in draft.opinions:
        text = opinion.text.strip()
        if not text:
            raise VisitRejected("opinion_empty")
        if len(text) > MAX_OPINION_CHARS:
            raise VisitRejected("text_too_long", field="opinion", limit=MAX_OPINION_CHARS)
        opinions.append((text, opinion.category_id))
    return tuple(opinions), _bounded_text(draft.private_notes, "private_notes", MAX_NOTES_CHARS)


def _follow_up_due(draft: VisitDraft, visit_date: date) -> date | None:
    if draft.follow_up is FollowUpWish.NONE:
        return None
    if draft.follow_up is FollowUpWish.DATE:
        due = draft.follow_up_date
        if due is None or due <= visit_date or due > visit_date + FOLLOW_UP_HORIZON:
            raise VisitRejected("follow_up_date_invalid")
        return due
    return visit_date + timedelta(days=FOLLOW_UP_DAYS[draft.follow_up])


async def _student_visit_school(
    session: AsyncSession, scope: Scope, class_id: int | None, student_ids: tuple[int, ...]
) -> int:
    """Check the class and its students; returns the class's school."""
    if class_id is None or not scope.may_visit_class(class_id):
        raise VisitRejected("class_not_visitable")
    facts = await class_facts(session, class_id)  # from memory while the roster version holds
    if facts is None or not facts.active:
        raise VisitRejected("class_not_visitable")
    if all(sid in facts.students for sid in student_ids):
        return facts.school_id
    # Someone is not an active student of the class: say which, and why.
    rows = {
        sid: (cid, active)
        for sid, cid, active in (
            await session.execute(
                select(Student.id, Student.class_id, Student.active).where(Student.id.in_(student_ids))
            )
        ).all()
    }
    for sid in student_ids:
        if sid not in rows or rows[sid][0] != class_id:
            raise VisitRejected("student_not_in_class", student_id=sid)
        if not rows[sid][1]:
            raise VisitRejected("student_inactive", student_id=sid)
    return facts.school_id


async def _interview_school(session: AsyncSession, scope: Scope, teacher_ids: tuple[int, ...]) -> int:
    """Check that every teacher is a head or subject teacher of the cadre's school, not the cadre."""
    school_id = scope.interview_school_id
    if school_id is None or not scope.may_interview_in(school_id):
        raise VisitRejected("not_allowed")
    ok = set(
        (
            await session.scalars(
                select(Staff.id)
                .join(StaffRole, StaffRole.staff_id == Staff.id)
                .where(
                    Staff.id.in_(teacher_ids),
                    Staff.school_id == school_id,
                    Staff.active.is_(True),
                    StaffRole.role.in_([r.value for r in TEACHER_ROLES]),
                )
            )
        ).all()
    )
    for tid in teacher_ids:
        if tid == scope.staff_id or tid not in ok:
            raise VisitRejected("teacher_not_interviewable", teacher_id=tid)
    return school_id


async def _check_topics(
    session: AsyncSession, campaign: CampaignInfo, kind: VisitKind, school_id: int,
    topic_ids: tuple[int, ...], kept: frozenset[int] = frozenset(),
) -> None:
    # A topic the school took off its outline stays valid on a visit that already had it (an edit).
    topic_ids = tuple(t for t in topic_ids if t not in kept)
    if not topic_ids:
        return
    found = await session.scalar(
        select(func.count(OutlineTopic.id)).where(
            OutlineTopic.id.in_(topic_ids),
            OutlineTopic.campaign_id == campaign.id,
            OutlineTopic.audience == kind.value,
            OutlineTopic.active.is_(True),
            or_(OutlineTopic.school_id.is_(None), OutlineTopic.school_id == school_id),
        )
    )
    if found != len(topic_ids):
        raise VisitRejected("unknown_topic")


async def _check_categories(
    session: AsyncSession, campaign: CampaignInfo, opinions: tuple[tuple[str, int], ...]
) -> None:
    wanted = {category for _, category in opinions}
    if not wanted:
        return
    found = await session.scalar(
        select(func.count(OpinionCategory.id)).where(
            OpinionCategory.id.in_(wanted),
            OpinionCategory.campaign_id == campaign.id,
            OpinionCategory.active.is_(True),
        )
    )
    if found != len(wanted):
        raise VisitRejected("unknown_category")


async def _check_co_visitors(
    session: AsyncSession, scope: Scope, school_id: int, co_visitor_ids: tuple[int, ...]
) -> None:
    if not co_visitor_ids:
        return
    if scope.staff_id in co_visitor_ids:
        raise VisitRejected("co_visitor_invalid", staff_id=scope.staff_id)
    ok = set(
        (
            await session.scalars(
                select(Staff.id).where(
                    Staff.id.in_(co_visitor_ids), Staff.school_id == school_id, Staff.active.is_(True)
                )
            )
        ).all()
    )
    for sid in co_visitor_ids:
        if sid not in ok:
            raise VisitRejected("co_visitor_invalid", staff_id=sid)


async def visit_phase_dates(
    *, session: AsyncSession, campaign: CampaignInfo, school_id: int | None
) -> tuple[date, date] | None:
    """The visit phase's dates for a school: its own shifted dates if it has them, else the district's."""
    if school_id is not None:
        own = (
            await session.execute(
                select(Phase.start, Phase.end).where(
                    Phase.campaign_id == campaign.id, Phase.school_id == school_id, Phase.key == VISIT_PHASE
                )
            )
        ).first()
        if own is not None:
            return own[0], own[1]
    phase = campaign.config.phase(VISIT_PHASE)
    return None if phase is None else (phase.start, phase.end)


async def check_draft(
    *, session: AsyncSession, scope: Scope, draft: VisitDraft, campaign: CampaignInfo, now: datetime,
    kept_topic_ids: frozenset[int] = frozenset(),
) -> CheckedVisit:
    """Validate a draft against the scope, the roster and the campaign; raise :class:`VisitRejected`.
    ``kept_topic_ids``: the topics of the visit being edited, valid even if taken off the outline."""
    action = Action.RECORD_STUDENT_VISIT if draft.kind is VisitKind.STUDENT else Action.RECORD_INTERVIEW
    if not scope.can(action):
        raise VisitRejected("not_allowed")
    visitees = _unique(draft.visitee_ids)
    if not visitees:
        raise VisitRejected("no_visitees")
    if len(visitees) > MAX_VISITEES:
        raise VisitRejected("too_many_visitees", limit=MAX_VISITEES)
    opinions, notes = _texts(draft)
    today = now.astimezone(campaign.config.zone).date()
    visit_date = draft.date_on(today)
    if visit_date < campaign.config.start:
        raise VisitRejected("date_before_campaign", start=campaign.config.start)
    if visit_date > today:
        raise VisitRejected("date_in_future", today=today)
    due = _follow_up_due(draft, visit_date)
    if draft.kind is VisitKind.STUDENT:
        school_id = await _student_visit_school(session, scope, draft.class_id, visitees)
        class_id: int | None = draft.class_id
    else:
        school_id = await _interview_school(session, scope, visitees)
        class_id = None
    topic_ids = _unique(draft.topic_ids)
    await _check_topics(session, campaign, draft.kind, school_id, topic_ids, kept_topic_ids)
    await _check_categories(session, campaign, opinions)
    co_visitors = _unique(draft.co_visitor_ids)
    await _check_co_visitors(session, scope, school_id, co_visitors)
    phase = await visit_phase_dates(session=session, campaign=campaign, school_id=school_id)
    out_of_phase = phase is not None and not (phase[0] <= visit_date <= phase[1])
    return CheckedVisit(
        kind=draft.kind,
        school_id=school_id,
        class_id=class_id,
        visitee_ids=visitees,
        form=draft.form,
        place=draft.shown_place,
        visit_date=visit_date,
        topic_ids=topic_ids,
        co_visitor_ids=co_visitors,
        opinions=opinions,
        follow_up=draft.follow_up,
        follow_up_due=due,
        notable=draft.notable,
        private_notes=notes,
        situation=_bounded_text(draft.situation, "situation", MAX_SITUATION_CHARS),
        out_of_phase=out_of_phase,
    )
