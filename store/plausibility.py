"""Plausibility flags: what a reviewer should look at twice. Raised for the reviewer, never applied.

A flag changes nothing by itself: ``/review`` shows it on the record and prefers flagged visits when
it draws its sample; only the reviewer's decision (verified, returned) counts in the evaluation.
Thresholds come from the campaign's ``[review]`` (:class:`store.campaign.ReviewConfig`). Each flag is
one set-based query over the visits asked about (and, for bursts and pasted texts, the same
visitors' other current visits):

- ``burst``: a one-on-one visit among at least ``burst_visits`` one-on-one visits saved by the same
  person within ``burst_minutes`` (visits carry a date only, so the time they were *saved* counts);
- ``out_of_phase``: dated outside the visit phase (stored when saved, ``Visit.out_of_phase``);
- ``pasted``: a situation or opinion text of at least ``pasted_min_chars`` characters that the same
  visitor saved in another visit too;
- ``outside_classes``: a student visit in a class the visitor neither heads nor teaches (a grade head
  may: it is allowed, and worth a look);
- ``disputed``: the interviewed teacher said the interview did not happen (``store.reviews``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import CompoundSelect, and_, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from store.campaign import ReviewConfig
from store.models import InterviewConfirmation, Opinion, StaffClass, Visit
from store.vocab import VisitKind

DISPUTED = "disputed"  # ConfirmationAnswer.DISPUTED, spelled here to keep the import one-way


class Flag(StrEnum):
    BURST = "burst"
    OUT_OF_PHASE = "out_of_phase"
    PASTED = "pasted"
    OUTSIDE_CLASSES = "outside_classes"
    DISPUTED = "disputed"


def burst_members(saved: list[tuple[int, datetime]], *, count: int, window: timedelta) -> set[int]:
    """The visits (``(id, saved at)`` of one person) that lie in some run of ``count`` saved within
    ``window``: a sliding window over the times in order."""
    ordered = sorted(saved, key=lambda v: (v[1], v[0]))
    flagged: set[int] = set()
    for start in range(len(ordered) - count + 1):
        end = start + count - 1
        if ordered[end][1] - ordered[start][1] <= window:
            flagged.update(v for v, _ in ordered[start:end + 1])
    return flagged


async def _bursts(
    session: AsyncSession, visitors: set[int], since: datetime, until: datetime, config: ReviewConfig
) -> set[int]:
    """``since``..``until``: the saving times asked about; a burst around them reaches a window
    further. One range query (no list of visitors: a district's sample has a thousand)."""
    window = timedelta(minutes=config.burst_minutes)
    rows = (await session.execute(
        select(Visit.visitor_id, Visit.id, Visit.created_at)
        .where(Visit.one_on_one.is_(True), Visit.deleted_at.is_(None),
               Visit.created_at >= since - window, Visit.created_at <= until + window)
    )).all()
    by_visitor: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for visitor_id, visit_id, created_at in rows:
        if visitor_id in visitors:
            by_visitor[visitor_id].append((visit_id, created_at))
    out: set[int] = set()
    for saved in by_visitor.values():
        out |= burst_members(saved, count=config.burst_visits, window=window)
    return out


async def _pasted(session: AsyncSession, visit_ids: list[int], config: ReviewConfig) -> set[int]:
    """Two queries: the long texts of the visits asked about, then every current visit of the same
    visitors holding one of those texts (an equality match, not a scan of everyone's texts)."""
    asked = and_(Visit.id.in_(visit_ids), Visit.deleted_at.is_(None))
    long_texts: CompoundSelect[int, str] = union_all(
        select(Visit.visitor_id, Visit.situation).where(
            asked, Visit.situation.is_not(None), func.length(Visit.situation) >= config.pasted_min_chars),
        select(Visit.visitor_id, Opinion.text).join(Opinion, Opinion.visit_id == Visit.id).where(
            asked, func.length(Opinion.text) >= config.pasted_min_chars),
    )
    wanted = {(visitor, text) for visitor, text in (await session.execute(long_texts)).all()}
    if not wanted:
        return set()
    visitors, texts = {v for v, _ in wanted}, {t for _, t in wanted}
    current = and_(Visit.visitor_id.in_(visitors), Visit.deleted_at.is_(None))
    same: CompoundSelect[int, int, str] = union_all(
        select(Visit.id, Visit.visitor_id, Visit.situation).where(current, Visit.situation.in_(texts)),
        select(Visit.id, Visit.visitor_id, Opinion.text).join(Opinion, Opinion.visit_id == Visit.id).where(
            current, Opinion.text.in_(texts)),
    )
    holders: dict[tuple[int, str], set[int]] = defaultdict(set)
    for visit_id, visitor, text in (await session.execute(same)).all():
        if (visitor, text) in wanted:
            holders[(visitor, text)].add(visit_id)
    return {v for visits in holders.values() if len(visits) >= 2 for v in visits}


async def _outside_classes(session: AsyncSession, visit_ids: Collection[int]) -> set[int]:
    linked = select(StaffClass.class_id).where(
        StaffClass.staff_id == Visit.visitor_id, StaffClass.class_id == Visit.class_id
    ).exists()
    rows = await session.scalars(
        select(Visit.id).where(Visit.id.in_(visit_ids), Visit.kind == VisitKind.STUDENT.value, ~linked)
    )
    return set(rows.all())


async def visit_flags(
    *, session: AsyncSession, visit_ids: Collection[int], config: ReviewConfig
) -> dict[int, frozenset[Flag]]:
    """The flags of each visit in ``visit_ids`` (every id is a key; no flag: an empty set)."""
    ids = list(visit_ids)
    flags: dict[int, set[Flag]] = {v: set() for v in ids}
    if not ids:
        return {}
    rows = (await session.execute(
        select(Visit.id, Visit.visitor_id, Visit.out_of_phase, Visit.created_at).where(Visit.id.in_(ids))
    )).all()
    if not rows:
        return {v: frozenset() for v in ids}
    visitors = {r[1] for r in rows}
    since, until = min(r[3] for r in rows), max(r[3] for r in rows)
    for visit_id, _, out_of_phase, _ in rows:
        if out_of_phase:
            flags[visit_id].add(Flag.OUT_OF_PHASE)
    for flag, found in (
        (Flag.BURST, await _bursts(session, visitors, since, until, config)),
        (Flag.PASTED, await _pasted(session, ids, config)),
        (Flag.OUTSIDE_CLASSES, await _outside_classes(session, ids)),
    ):
        for visit_id in found & flags.keys():
            flags[visit_id].add(flag)
    disputed = await session.scalars(
        select(InterviewConfirmation.visit_id).where(
            InterviewConfirmation.visit_id.in_(ids), InterviewConfirmation.answer == DISPUTED)
    )
    for visit_id in disputed.all():
        flags[visit_id].add(Flag.DISPUTED)
    return {v: frozenset(f) for v, f in flags.items()}
