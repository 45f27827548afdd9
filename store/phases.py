"""The campaign's phases as one school sees them: the district's dates, or the school's own where a
school leader shifted them (SPEC: "schools may shift their own phase dates within the campaign").

A school's own dates are ``phases`` rows with ``school_id`` set (the table has had the column from
the start); the district's rows are the campaign file's and are rewritten at every start, the
schools' are not. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.campaign import PHASE_KEYS, CampaignConfig, CampaignInfo
from store.models import AuditEntry, Phase


@dataclass(frozen=True)
class PhaseDates:
    """One phase's dates; ``own``: the school's own, not the district's."""

    key: str
    start: date
    end: date
    own: bool = False


class PhaseRefusal(StrEnum):
    UNKNOWN_PHASE = "unknown_phase"
    START_AFTER_END = "start_after_end"
    OUTSIDE_CAMPAIGN = "outside_campaign"


async def phases_of(
    *, session: AsyncSession, campaign: CampaignInfo, school_id: int | None
) -> list[PhaseDates]:
    """The phases in campaign order: the district's (``school_id`` None), or a school's with its own
    dates in place of the district's where it set them."""
    own: dict[str, Phase] = {}
    if school_id is not None:
        rows = await session.scalars(select(Phase).filter_by(campaign_id=campaign.id, school_id=school_id))
        own = {p.key: p for p in rows}
    out = []
    for p in campaign.config.phases:
        mine = own.get(p.key)
        out.append(PhaseDates(p.key, mine.start, mine.end, True) if mine is not None
                   else PhaseDates(p.key, p.start, p.end))
    return out


async def set_school_phase(
    *, session: AsyncSession, campaign: CampaignInfo, school_id: int, key: str, start: date, end: date,
    actor_staff_id: int, now: datetime,
) -> PhaseDates | PhaseRefusal:
    """Set one school's own dates for phase ``key`` (inside the campaign's dates), audited, and
    commit; a refusal changes nothing."""
    if key not in PHASE_KEYS or campaign.config.phase(key) is None:
        return PhaseRefusal.UNKNOWN_PHASE
    if start > end:
        return PhaseRefusal.START_AFTER_END
    if start < campaign.config.start or end > campaign.config.end:
        return PhaseRefusal.OUTSIDE_CAMPAIGN
    row = await session.scalar(select(Phase).filter_by(campaign_id=campaign.id, school_id=school_id, key=key))
    before = None if row is None else {"start": row.start.isoformat(), "end": row.end.isoformat()}
    if row is None:
        session.add(Phase(campaign_id=campaign.id, school_id=school_id, key=key, start=start, end=end))
    else:
        row.start, row.end = start, end
    session.add(AuditEntry(
        at=now, actor_staff_id=actor_staff_id, actor=f"staff:{actor_staff_id}", action="phase_dates",
        object_type="school", object_id=school_id,
        detail={"phase": key, "start": start.isoformat(), "end": end.isoformat(), "before": before},
    ))
    await session.commit()
    return PhaseDates(key, start, end, True)


async def reset_school_phase(
    *, session: AsyncSession, campaign: CampaignInfo, school_id: int, key: str, actor_staff_id: int,
    now: datetime,
) -> bool:
    """Drop a school's own dates for ``key`` (back to the district's), audited; False if it had none."""
    row = await session.scalar(select(Phase).filter_by(campaign_id=campaign.id, school_id=school_id, key=key))
    if row is None:
        return False
    before = {"start": row.start.isoformat(), "end": row.end.isoformat()}
    await session.delete(row)
    session.add(AuditEntry(
        at=now, actor_staff_id=actor_staff_id, actor=f"staff:{actor_staff_id}", action="phase_dates",
        object_type="school", object_id=school_id, detail={"phase": key, "reset": True, "before": before},
    ))
    await session.commit()
    return True


async def own_phase_dates(
    *, session: AsyncSession, school_ids: list[int] | None = None
) -> dict[int, dict[str, PhaseDates]]:
    """Every school's own dates (of ``school_ids``, None: all), by school and phase key, in one read
    (the installation has one campaign): what the scheduled runs use for each school's phases."""
    query = select(Phase).where(Phase.school_id.is_not(None))
    if school_ids is not None:
        query = query.where(Phase.school_id.in_(school_ids))
    out: dict[int, dict[str, PhaseDates]] = {}
    for p in (await session.scalars(query)).all():
        assert p.school_id is not None
        out.setdefault(p.school_id, {})[p.key] = PhaseDates(p.key, p.start, p.end, True)
    return out


def with_own(config: CampaignConfig, own: Mapping[str, PhaseDates] | None) -> list[PhaseDates]:
    """The campaign's phases with a school's own dates (from :func:`own_phase_dates`) in place."""
    own = own or {}
    return [own.get(p.key) or PhaseDates(p.key, p.start, p.end) for p in config.phases]


def phase_window(phases: Sequence[PhaseDates], key: str) -> PhaseDates | None:
    """The dates of phase ``key`` among ``phases``, if the campaign has it."""
    return next((p for p in phases if p.key == key), None)
