"""The schedule tick: what is due is decided from the database and the injected clock, not from
in-memory timers, so a restart neither repeats nor skips a run and downtime is caught up (late).

An asyncio task calls :meth:`Scheduler.tick` every ``interval`` seconds (and once at start); tests
call ``tick()`` directly after moving a :class:`~store.clock.FixedClock`. Each due run builds its
messages, and :func:`store.schedule.complete_run` puts them in the outbox and records the run in one
transaction; the outbox sender then delivers them outside quiet hours.

Groups: :func:`group_recipients` lists the bound group chats the runs post to, each in the language
the bot posts there unprompted; the weekly summary goes to every one of them (``bot.summary``), the
nudge run's lagging classes to the school groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.group_chats import unprompted_locale
from bot.nudges import GroupRecipient, class_nudge_messages
from bot.registration_reminder import registration_reminder_messages
from bot.review_notify import ask_interview_confirmations
from bot.services import Services
from bot.summary import weekly_summary_messages
from store.groups import bound_groups
from store.outbox import NewMessage
from store.schedule import (
    CLASS_NUDGES,
    WEEKLY_SUMMARY,
    DueRun,
    complete_run,
    done_runs,
    due_runs,
    schedules_since,
)

log = logging.getLogger("twovisits.schedule")

Job = Callable[[Services, DueRun, Sequence[GroupRecipient]], Awaitable[list[NewMessage]]]


async def group_recipients(services: Services) -> list[GroupRecipient]:
    """The bound group chats, each with the language the bot posts there by itself."""
    default = services.settings.bot_default_locale
    async with services.store.sessions() as session:
        bindings = await bound_groups(session=session)
    return [GroupRecipient(b.chat_id, b.school_id, unprompted_locale(b, default)) for b in bindings]


async def visit_phase_messages(
    services: Services, run: DueRun, groups: Sequence[GroupRecipient]
) -> list[NewMessage]:
    """The class-nudge run: the nudges, and (once, a week into the visit phase) the district office's
    reminder of schools under 80 % registered."""
    return [*await class_nudge_messages(services, run, groups),
            *await registration_reminder_messages(services, run)]


JOBS: dict[str, Job] = {
    CLASS_NUDGES: visit_phase_messages,
    WEEKLY_SUMMARY: weekly_summary_messages,
}


@dataclass(frozen=True)
class RunResult:
    kind: str
    period: str
    late: bool
    enqueued: int


class Scheduler:
    def __init__(self, services: Services, *, interval: float | None = 60.0) -> None:
        self.services = services
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> list[RunResult]:
        """Run every schedule occurrence that is due and not done yet; returns what ran."""
        services = self.services
        store, config = services.store, services.campaign.config
        now = store.clock.now()
        async with store.sessions() as session:
            since = await schedules_since(session=session, now=now)
            candidates = due_runs(config, now=now, since=since, done=())
            done = await done_runs(session=session, periods=[(r.kind, r.period) for r in candidates])
        results = []
        for run in due_runs(config, now=now, since=since, done=done):
            groups = await group_recipients(services)
            messages = await JOBS[run.kind](services, run, groups)
            async with store.sessions() as session:
                enqueued = await complete_run(session=session, run=run, messages=messages, now=now)
            if enqueued is None:
                continue
            log.info("schedule %s %s ran%s: %d messages", run.kind, run.period,
                     " late" if run.late else "", enqueued)
            results.append(RunResult(run.kind, run.period, run.late, enqueued))
        if results:
            services.wake_outbox()
        # Not a weekly schedule: every tick asks newly interviewed teachers (bot.review_notify).
        await ask_interview_confirmations(services)
        return results

    async def start(self) -> None:
        if self.interval is not None:
            self._task = asyncio.create_task(self._run(self.interval), name="schedule-tick")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, interval: float) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("the schedule tick failed; trying again at the next one")
            await asyncio.sleep(interval)


# 整改: owners of overdue items and of overdue follow-ups are reminded on the nudge schedule, in the
# same run (so quiet hours and the outbox's pacing apply); a self-contained addition to the job table.
def _with_overdue_reminders(job: Job) -> Job:
    async def run(services: Services, due: DueRun, groups: Sequence[GroupRecipient]) -> list[NewMessage]:
        from bot.nudges import CLASS_NUDGE
        from bot.rectify_reminders import overdue_reminder_messages

        messages = await job(services, due, groups)
        nudged = [m.recipient_chat_id for m in messages if m.kind == CLASS_NUDGE]
        return [*messages, *await overdue_reminder_messages(services, due, groups, nudged)]

    return run


JOBS[CLASS_NUDGES] = _with_overdue_reminders(JOBS[CLASS_NUDGES])
