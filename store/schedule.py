"""The campaign's schedules, in its time zone, driven by the database.

``[schedule]`` names weekly times (``class_nudges = "THU 16:30"``, ``weekly_summary = "MON 08:00"``)
and ``quiet_hours``. An occurrence is identified by its kind and a period key (the ISO week of its
local date, ``2026-W49``); when it has been done, a ``schedule_runs`` row says so, in the same
transaction as the messages it put in the outbox. So a restart neither repeats nor skips a run, and
after downtime the missed occurrence runs on start, marked late. Only the latest occurrence is caught
up: last week's nudges are no use today. Occurrences before the installation first looked at its
schedules (``schedules_since``) are not due, so a new installation does not fire at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.campaign import CampaignConfig
from store.models import AppMeta, ScheduleRun
from store.outbox import NewMessage, enqueue

SCHEDULES_SINCE = "schedules_since"
CLASS_NUDGES = "class_nudges"
WEEKLY_SUMMARY = "weekly_summary"
KINDS = (CLASS_NUDGES, WEEKLY_SUMMARY)
# An occurrence run this long after its time is marked late (the tick runs every minute or so).
LATE_AFTER = timedelta(minutes=15)
_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_WEEKLY = re.compile(r"^(MON|TUE|WED|THU|FRI|SAT|SUN) (\d\d):(\d\d)$")
_QUIET = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")


@dataclass(frozen=True)
class WeeklyTime:
    weekday: int  # 0 = Monday, as date.weekday()
    at: time


def parse_weekly(spec: str) -> WeeklyTime:
    """``"THU 16:30"`` → Thursday at 16:30 (the campaign file's format, validated at load)."""
    m = _WEEKLY.match(spec)
    if not m:
        raise ValueError(f"not a weekly time: {spec!r}")
    return WeeklyTime(_DAYS.index(m.group(1)), time(int(m.group(2)), int(m.group(3))))


def latest_occurrence(spec: str, now: datetime, tz: tzinfo) -> datetime:
    """The most recent local occurrence of a weekly time at or before ``now`` (aware, in ``tz``)."""
    weekly = parse_weekly(spec)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekly.weekday) % 7)
    candidate = datetime.combine(day, weekly.at, tzinfo=tz)
    if candidate > local:
        candidate = datetime.combine(day - timedelta(days=7), weekly.at, tzinfo=tz)
    return candidate


def period_key(occurrence: datetime, tz: tzinfo) -> str:
    """The ISO week of the occurrence's local date: ``2026-W49``."""
    year, week, _ = occurrence.astimezone(tz).date().isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class QuietHours:
    """A daily window (local time) when nothing scheduled is sent; it may span midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def parse_quiet_hours(spec: str) -> QuietHours:
    """``"21:30-07:00"`` → 21:30 until 07:00 the next morning."""
    m = _QUIET.match(spec)
    if not m:
        raise ValueError(f"not a time range: {spec!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    return QuietHours(time(h1, m1), time(h2, m2))


def quiet_until(config: CampaignConfig, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` lies in (aware, UTC), or None when sending is allowed."""
    quiet = parse_quiet_hours(config.schedule.quiet_hours)
    local = now.astimezone(config.zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    end_day = local.date()
    if local.time().replace(tzinfo=None) >= quiet.end:
        end_day += timedelta(days=1)
    return datetime.combine(end_day, quiet.end, tzinfo=config.zone).astimezone(now.tzinfo)


@dataclass(frozen=True)
class DueRun:
    """An occurrence of a schedule that should be done now."""

    kind: str
    period: str
    due_at: datetime  # the occurrence (aware)
    local_date: date  # its date in the campaign's time zone
    late: bool


def _active_on(config: CampaignConfig, kind: str, day: date) -> bool:
    if kind == CLASS_NUDGES:
        # The run spans the campaign: each school's classes are nudged inside its own visit phase
        # (which may end after the campaign's), and reminders of rectification items and follow-ups
        # ride on it in the later phases (bot.scheduler).
        return config.start <= day <= config.end
    # The summary after the campaign's last week still reports that week.
    return config.start <= day <= config.end + timedelta(days=7)


def due_runs(
    config: CampaignConfig, *, now: datetime, since: datetime, done: Iterable[tuple[str, str]]
) -> list[DueRun]:
    """The schedule occurrences to run now: for each kind, its latest occurrence if it is not done,
    not before ``since``, and inside the campaign (the summary: and the week after it)."""
    finished = set(done)
    runs = []
    for kind in KINDS:
        spec = getattr(config.schedule, kind)
        occurrence = latest_occurrence(spec, now, config.zone)
        period = period_key(occurrence, config.zone)
        local_date = occurrence.date()
        if occurrence < since or (kind, period) in finished or not _active_on(config, kind, local_date):
            continue
        runs.append(DueRun(kind, period, occurrence, local_date, now - occurrence > LATE_AFTER))
    return runs


async def schedules_since(*, session: AsyncSession, now: datetime) -> datetime:
    """When this installation first looked at its schedules (recorded on the first call). Commits."""
    row = await session.get(AppMeta, SCHEDULES_SINCE)
    if row is None:
        row = AppMeta(key=SCHEDULES_SINCE, value=now.isoformat())
        session.add(row)
        await session.commit()
    return datetime.fromisoformat(row.value)


async def done_runs(*, session: AsyncSession, periods: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (kind, period) occurrences have been done."""
    wanted = set(periods)
    if not wanted:
        return set()
    rows = (await session.execute(
        select(ScheduleRun.kind, ScheduleRun.period).where(
            ScheduleRun.period.in_(sorted({p for _, p in wanted}))
        )
    )).all()
    return {(k, p) for k, p in rows if (k, p) in wanted}


@dataclass(frozen=True)
class RunRecord:
    kind: str
    period: str
    due_at: datetime
    ran_at: datetime
    late: bool
    enqueued: int


async def complete_run(
    *, session: AsyncSession, run: DueRun, messages: Iterable[NewMessage], now: datetime
) -> int | None:
    """Put the run's messages in the outbox and record the run done, in one transaction. Returns how
    many messages are new, or None if another tick recorded this run first (then nothing changes).
    Commits."""
    try:
        enqueued = await enqueue(session=session, messages=messages, now=now)
        session.add(ScheduleRun(kind=run.kind, period=run.period, due_at=run.due_at, ran_at=now,
                                late=run.late, enqueued=enqueued))
        await session.commit()
    except IntegrityError:  # Lost a race on the unique (kind, period): the other run is the one.
        await session.rollback()
        return None
    return enqueued


async def schedule_runs(*, session: AsyncSession, kind: str | None = None) -> list[RunRecord]:
    """The runs done so far, oldest first."""
    query = select(ScheduleRun).order_by(ScheduleRun.id)
    if kind is not None:
        query = query.where(ScheduleRun.kind == kind)
    return [
        RunRecord(r.kind, r.period, r.due_at, r.ran_at, r.late, r.enqueued)
        for r in (await session.scalars(query)).all()
    ]
