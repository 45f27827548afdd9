"""Where a school (or the district) stands in the campaign's phases on a day: the current phase,
its days left, the next phase and the days until it. Pure: phases and a day in, figures out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from store.phases import PhaseDates


@dataclass(frozen=True)
class PhaseStatus:
    """``current`` None: between phases, before the first or after the last. ``days_left`` counts
    today (the last day of a phase has 1 day left); ``days_to_next`` the days until the next starts."""

    current: PhaseDates | None
    days_left: int | None
    next: PhaseDates | None
    days_to_next: int | None
    finished: bool  # after the last phase's end


def phase_status(phases: Sequence[PhaseDates], today: date) -> PhaseStatus:
    """The status of ``today`` among ``phases`` (in campaign order). Where a school's shifted dates
    make two phases overlap, the later-starting one that has begun is current."""
    current = None
    for p in phases:
        if p.start <= today <= p.end and (current is None or p.start >= current.start):
            current = p
    upcoming = sorted((p for p in phases if p.start > today), key=lambda p: p.start)
    following = upcoming[0] if upcoming else None
    return PhaseStatus(
        current=current,
        days_left=(current.end - today).days + 1 if current is not None else None,
        next=following,
        days_to_next=(following.start - today).days if following is not None else None,
        finished=bool(phases) and all(p.end < today for p in phases),
    )
