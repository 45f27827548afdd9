"""The bot with a fast outbox and no periodic tick: tests tick the schedules and drain the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.app import BotApplication, build_application, polling
from bot.outbox_sender import OutboxSender, Pacing
from bot.scheduler import RunResult, Scheduler
from sandbox import BotApiStandIn, User, World
from store.accounts import set_locale
from store.clock import FixedClock
from store.installation import StoreHandle
from store.vocab import Locale
from tests.bot_district import person
from tests.e2e import bot_settings

FAST = Pacing(backoff_base=0.01, backoff_cap=0.05)


@asynccontextmanager
async def fast_bot(
    standin: BotApiStandIn, database_url: str, clock: FixedClock
) -> AsyncIterator[BotApplication]:
    app = build_application(bot_settings(standin, database_url), clock=clock, pacing=FAST, tick_interval=None)
    async with polling(app):
        yield app


def sender_of(app: BotApplication) -> OutboxSender:
    sender = app.bot_data.services.outbox
    assert sender is not None
    return sender


def scheduler_of(app: BotApplication) -> Scheduler:
    scheduler = app.bot_data.services.scheduler
    assert scheduler is not None
    return scheduler


async def drain(app: BotApplication) -> None:
    """Until the outbox has nothing it could send now."""
    sender = sender_of(app)
    sender.wake()
    await sender.wait_idle(timeout=30)


async def tick(app: BotApplication) -> list[RunResult]:
    """One schedule tick at the clock's time, then the outbox drained."""
    results = await scheduler_of(app).tick()
    await drain(app)
    return results


async def english_speaker(world: World, store: StoreHandle, clock: FixedClock, staff_id: int, name: str
                          ) -> User:
    """A bound person who chose English (scheduled messages have no Telegram language to go by)."""
    user = await person(world, store, clock, staff_id, name)
    async with store.sessions() as session:
        await set_locale(session=session, telegram_user_id=user.id, locale=Locale.EN)
    return user
