"""Where the rectification plan stands, defined once for the archive and the summary report.

- An item is *done* when its owner finished it (done, or verified by a leader); its day done is
  ``done_at`` in the campaign's time zone.
- *Overdue*: not done and its deadline is before ``today`` (SPEC: not done and past deadline).
- *Open*: neither (open, in progress, or sent back and not yet past its deadline).
- *Done on time*: done on or before its deadline. An item is *due* once it is done or overdue; the
  on-time share is the items done on time among the due ones (None while none is due), so an item
  whose deadline has not come yet counts for nothing either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, tzinfo

from store.archive_rows import PlanRow
from store.rectification import FINISHED, ItemStatus


def is_done(item: PlanRow) -> bool:
    return ItemStatus(item.status) in FINISHED


def done_on(item: PlanRow, zone: tzinfo) -> date | None:
    """The day the item was done, in the campaign's zone; None while it is not done."""
    if not is_done(item) or item.done_at is None:
        return None
    return item.done_at.astimezone(zone).date()


def is_overdue(item: PlanRow, today: date) -> bool:
    return not is_done(item) and item.deadline < today


def on_time(item: PlanRow, today: date, zone: tzinfo) -> bool | None:
    """True: done by the deadline; False: done late, or overdue; None: not due yet (or done on an
    unknown day)."""
    if is_done(item):
        day = done_on(item, zone)
        return None if day is None else day <= item.deadline
    return False if is_overdue(item, today) else None


@dataclass(frozen=True)
class PlanStatus:
    """Counts of the plan: every item is exactly one of open, done, overdue."""

    items: int
    open: int
    done: int
    overdue: int
    done_on_time: int
    due: int

    @property
    def on_time_share(self) -> float | None:
        return self.done_on_time / self.due if self.due else None


def plan_status(items: Iterable[PlanRow], today: date, zone: tzinfo) -> PlanStatus:
    """The plan's counts as of the end of ``today``."""
    total = done = overdue = timely = due = 0
    for item in items:
        total += 1
        verdict = on_time(item, today, zone)
        if is_done(item):
            done += 1
        elif is_overdue(item, today):
            overdue += 1
        if verdict is not None:
            due += 1
            timely += verdict
    return PlanStatus(items=total, open=total - done - overdue, done=done, overdue=overdue,
                      done_on_time=timely, due=due)
