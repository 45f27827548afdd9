"""Supervision (督導): spot-checks of visits, and the interviewed teachers' confirmations.

Reviewers (``Scope.may_review``: supervisors any school, school leaders their own) draw a random
sample of recent visits in their scope that are not reviewed yet (or were returned and edited since),
flagged ones first (``store.plausibility``), and decide: *verified*, or *returned* with a comment. A
return reopens the saved card's Edit for :data:`REOPEN_WINDOW` (``Visit.reopened_until``, read by
``store.visit_rules.edit_window_end``). Every decision is audited. A decision names the number of
reviews and the version the reviewer saw, so a second tap, or a tap after someone else decided or
the visit changed, is refused as ``stale``.

A cadre → teacher interview asks the interviewed teacher once (one row per interview and teacher):
"did it happen?"; a dispute is a flag on the visit for reviewers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.campaign import ReviewConfig
from store.models import (
    AuditEntry,
    InterviewConfirmation,
    Staff,
    StaffRole,
    Visit,
    VisitReview,
    VisitTeacher,
)
from store.plausibility import Flag, visit_flags
from store.scopes import Scope
from store.visit_rules import EDIT_WINDOW
from store.visit_views import VisitDetails, load_details
from store.vocab import Role, VisitKind

REOPEN_WINDOW = EDIT_WINDOW  # a return reopens editing for as long as a new visit has
MAX_COMMENT_CHARS = 500
POOL_LIMIT = 2000  # the most recent candidates a sample is drawn from (flags are computed on them)
CONFIRM_WITHIN = timedelta(days=14)  # interviews saved this recently are asked about (not older ones)


class ReviewOutcome(StrEnum):
    VERIFIED = "verified"
    RETURNED = "returned"


class ConfirmationAnswer(StrEnum):
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class ReviewRejected(Exception):
    """A decision the store refuses: ``not_allowed``, ``not_found``, ``stale`` (decided or changed since
    it was shown), ``comment_empty``, ``comment_too_long``, ``answered`` (a confirmation given before)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ReviewRecord:
    """One visit as a reviewer sees it: the details (never private notes), the shareable situation
    text, its flags, and the stamp a decision must name (``reviews`` so far, ``details.version``)."""

    details: VisitDetails
    situation: str | None
    flags: frozenset[Flag]
    reviews: int
    last_outcome: ReviewOutcome | None


@dataclass(frozen=True)
class ReviewDone:
    """A decision taken: who is told (the visitor), and until when the visit is editable again."""

    review_id: int
    visit_id: int
    visitor_id: int
    outcome: ReviewOutcome
    comment: str | None
    visit_date: date
    reopened_until: datetime | None


def _audit(scope: Scope, action: str, visit_id: int, now: datetime, **detail: Any) -> AuditEntry:
    return AuditEntry(
        at=now, actor_staff_id=scope.staff_id, actor=f"staff:{scope.staff_id}", action=action,
        object_type="visit", object_id=visit_id, detail=detail or None,
    )


def _latest_reviews() -> Any:
    """Per visit: how many reviews, and the id of the latest."""
    return (
        select(VisitReview.visit_id.label("visit_id"), func.count(VisitReview.id).label("n"),
               func.max(VisitReview.id).label("last_id"))
        .group_by(VisitReview.visit_id)
        .subquery("latest")
    )


def _reviewable(scope: Scope, visit: Visit) -> bool:
    return (visit.deleted_at is None and visit.visitor_id != scope.staff_id
            and scope.may_review(visit.school_id))


async def candidates(
    *, session: AsyncSession, scope: Scope, config: ReviewConfig, now: datetime
) -> list[int]:
    """Ids of the visits ``scope`` may review now: current, saved in the last ``recent_days``, in the
    reviewer's schools, not their own, and not reviewed yet (or returned and edited since, or
    disputed since). The :data:`POOL_LIMIT` saved last, newest first."""
    if not scope.reviews_any_school and not scope.may_review(scope.school_id):
        return []
    latest = _latest_reviews()
    last = select(VisitReview.id, VisitReview.outcome, VisitReview.at).subquery("last")
    disputes = (
        select(InterviewConfirmation.visit_id.label("visit_id"),
               func.max(InterviewConfirmation.answered_at).label("at"))
        .where(InterviewConfirmation.answer == ConfirmationAnswer.DISPUTED.value)
        .group_by(InterviewConfirmation.visit_id)
        .subquery("disputes")
    )
    query = (
        select(Visit.id)
        .outerjoin(latest, latest.c.visit_id == Visit.id)
        .outerjoin(last, last.c.id == latest.c.last_id)
        .outerjoin(disputes, disputes.c.visit_id == Visit.id)
        .where(
            Visit.deleted_at.is_(None),
            Visit.school_id.is_not(None),
            Visit.visitor_id != scope.staff_id,
            Visit.created_at >= now - timedelta(days=config.recent_days),
            or_(latest.c.visit_id.is_(None),
                and_(last.c.outcome == ReviewOutcome.RETURNED.value, Visit.updated_at > last.c.at),
                # Disputed by the interviewed teacher after its last review: to be looked at again.
                disputes.c.at > last.c.at),
        )
        .order_by(Visit.created_at.desc(), Visit.id.desc())
        .limit(POOL_LIMIT)
    )
    if not scope.reviews_any_school:
        query = query.where(Visit.school_id == scope.school_id)
    return list((await session.scalars(query)).all())


def choose(pool: list[int], flagged: set[int], size: int, rng: random.Random) -> list[int]:
    """``size`` of ``pool``: flagged visits first (a random few if there are more), then a random
    draw of the others. Pure, so a seeded ``rng`` gives the same sample."""
    first = [v for v in pool if v in flagged]
    rest = [v for v in pool if v not in flagged]
    picked = rng.sample(first, min(size, len(first)))
    picked += rng.sample(rest, min(size - len(picked), len(rest)))
    return picked


async def review_records(
    *, session: AsyncSession, scope: Scope, visit_ids: list[int], config: ReviewConfig,
    flags: dict[int, frozenset[Flag]] | None = None,
) -> list[ReviewRecord]:
    """The records of ``visit_ids`` that ``scope`` may review, in that order."""
    if flags is None:
        flags = await visit_flags(session=session, visit_ids=visit_ids, config=config)
    latest = _latest_reviews()
    stamps = {
        visit_id: (int(n), outcome)
        for visit_id, n, outcome in (await session.execute(
            select(latest.c.visit_id, latest.c.n, VisitReview.outcome)
            .join(VisitReview, VisitReview.id == latest.c.last_id)
            .where(latest.c.visit_id.in_(visit_ids))
        )).all()
    }
    out = []
    for visit_id in visit_ids:
        visit = await session.get(Visit, visit_id)
        if visit is None or not _reviewable(scope, visit):
            continue
        details = replace(await load_details(session, scope, visit), private_notes=None)
        n, outcome = stamps.get(visit_id, (0, None))
        out.append(ReviewRecord(details, visit.situation, flags.get(visit_id, frozenset()), n,
                                ReviewOutcome(outcome) if outcome else None))
    return out


async def draw_sample(
    *, session: AsyncSession, scope: Scope, config: ReviewConfig, now: datetime, rng: random.Random,
    size: int | None = None,
) -> list[ReviewRecord]:
    """A random sample (``size``, default the campaign's ``sample_size``) of the visits ``scope`` may
    review now, flagged ones preferred."""
    pool = await candidates(session=session, scope=scope, config=config, now=now)
    flags = await visit_flags(session=session, visit_ids=pool, config=config)
    picked = choose(pool, {v for v, f in flags.items() if f}, size or config.sample_size, rng)
    return await review_records(session=session, scope=scope, visit_ids=picked, config=config, flags=flags)


async def decide(
    *, session: AsyncSession, scope: Scope, visit_id: int, outcome: ReviewOutcome, seen_reviews: int,
    seen_version: int, now: datetime, comment: str | None = None,
) -> ReviewDone:
    """Record a reviewer's decision on the visit as they saw it (``seen_reviews`` reviews before,
    version ``seen_version``). A return needs a comment (≤ :data:`MAX_COMMENT_CHARS`) and reopens the
    visit's Edit for :data:`REOPEN_WINDOW`. Audited. Raises :class:`ReviewRejected`. Commits."""
    text = (comment or "").strip() or None
    if outcome is ReviewOutcome.RETURNED:
        if text is None:
            raise ReviewRejected("comment_empty")
        if len(text) > MAX_COMMENT_CHARS:
            raise ReviewRejected("comment_too_long")
    visit = await session.get(Visit, visit_id)
    if visit is None or visit.deleted_at is not None:
        raise ReviewRejected("not_found")
    if not _reviewable(scope, visit):
        raise ReviewRejected("not_allowed")
    reviews = int(await session.scalar(
        select(func.count(VisitReview.id)).where(VisitReview.visit_id == visit_id)) or 0)
    if reviews != seen_reviews or visit.version != seen_version:
        raise ReviewRejected("stale")
    review = VisitReview(visit_id=visit_id, reviewer_id=scope.staff_id, outcome=outcome.value,
                         comment=text if outcome is ReviewOutcome.RETURNED else None,
                         visit_version=visit.version, at=now)
    session.add(review)
    if outcome is ReviewOutcome.RETURNED:
        visit.reopened_until = now + REOPEN_WINDOW
    await session.flush()
    session.add(_audit(scope, f"visit_{outcome.value}", visit_id, now, review_id=review.id,
                       version=visit.version))
    done = ReviewDone(review.id, visit_id, visit.visitor_id, outcome, review.comment, visit.visit_date,
                      visit.reopened_until if outcome is ReviewOutcome.RETURNED else None)
    await session.commit()
    return done


# --- the interviewed teacher's confirmation ----------------------------------------------------------


@dataclass(frozen=True)
class ConfirmationAsk:
    """An interview whose teacher has not been asked yet."""

    visit_id: int
    teacher_id: int
    visitor_id: int
    visitor_name: str
    visit_date: date


async def interviews_to_confirm(
    *, session: AsyncSession, now: datetime, since: datetime | None = None
) -> list[ConfirmationAsk]:
    """Current teacher interviews saved in the last :data:`CONFIRM_WITHIN` (and not before ``since``)
    whose interviewed teacher has not been asked (one set-based query; the caller asks those it can
    reach)."""
    earliest = now - CONFIRM_WITHIN if since is None else max(now - CONFIRM_WITHIN, since)
    query = (
        select(Visit.id, VisitTeacher.staff_id, Visit.visitor_id, Staff.name, Visit.visit_date)
        .join(VisitTeacher, VisitTeacher.visit_id == Visit.id)
        .join(Staff, Staff.id == Visit.visitor_id)
        .outerjoin(InterviewConfirmation, and_(InterviewConfirmation.visit_id == Visit.id,
                                               InterviewConfirmation.staff_id == VisitTeacher.staff_id))
        .where(Visit.kind == VisitKind.TEACHER.value, Visit.deleted_at.is_(None),
               Visit.created_at >= earliest, InterviewConfirmation.id.is_(None))
        .order_by(Visit.id, VisitTeacher.staff_id)
    )
    return [ConfirmationAsk(*row) for row in (await session.execute(query)).all()]


async def record_asks(*, session: AsyncSession, asks: list[ConfirmationAsk], now: datetime) -> None:
    """Note that these teachers were asked (an ask already noted is left alone). Does not commit: the
    caller puts the questions in the outbox in the same transaction."""
    if not asks:
        return
    dialect = session.get_bind().dialect.name
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(InterviewConfirmation)
    await session.execute(
        insert.on_conflict_do_nothing(index_elements=["visit_id", "staff_id"]),
        [{"visit_id": a.visit_id, "staff_id": a.teacher_id, "asked_at": now} for a in asks],
    )


@dataclass(frozen=True)
class ConfirmationDone:
    visit_id: int
    answer: ConfirmationAnswer
    school_id: int | None
    visitor_name: str
    teacher_name: str
    visit_date: date


async def answer_confirmation(
    *, session: AsyncSession, scope: Scope, visit_id: int, answer: ConfirmationAnswer, now: datetime
) -> ConfirmationDone:
    """The interviewed teacher's one answer. Audited. Raises :class:`ReviewRejected` ``not_found``
    (not asked, or the interview was deleted) or ``answered``. Commits."""
    row = await session.scalar(select(InterviewConfirmation).where(
        InterviewConfirmation.visit_id == visit_id, InterviewConfirmation.staff_id == scope.staff_id))
    visit = await session.get(Visit, visit_id)
    if row is None or visit is None or visit.deleted_at is not None:
        raise ReviewRejected("not_found")
    if row.answer is not None:
        raise ReviewRejected("answered")
    row.answer, row.answered_at = answer.value, now
    session.add(_audit(scope, f"interview_{answer.value}", visit_id, now))
    visitor = await session.get(Staff, visit.visitor_id)
    teacher = await session.get(Staff, scope.staff_id)
    done = ConfirmationDone(visit_id, answer, visit.school_id, visitor.name if visitor else "",
                            teacher.name if teacher else "", visit.visit_date)
    await session.commit()
    return done


async def school_leaders(*, session: AsyncSession, school_id: int | None) -> list[int]:
    """The active school leaders of ``school_id`` (who hear of a disputed interview)."""
    if school_id is None:
        return []
    rows = await session.scalars(
        select(Staff.id).join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.school_id == school_id, Staff.active.is_(True),
               StaffRole.role == Role.SCHOOL_LEADER.value)
        .order_by(Staff.id)
    )
    return list(rows.all())
