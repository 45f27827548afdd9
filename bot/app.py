"""The composition root: builds the Application, wires services, runs it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.context import BotContext, BotData
from bot.handlers import register
from bot.menus import set_default_menus
from bot.outbox_sender import OutboxSender, Pacing
from bot.persistence import StorePersistence
from bot.scheduler import Scheduler
from bot.send_policy import SendPolicy
from bot.services import Services
from bot.settings import Settings
from bot.updates import PerChatUpdateProcessor
from store.clock import Clock, SystemClock

log = logging.getLogger(__name__)

BotApplication = Application[Any, BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]


def build_application(
    settings: Settings, *, clock: Clock | None = None, per_chat_concurrency: bool = True,
    pacing: Pacing | None = None, tick_interval: float | None = 60.0,
) -> BotApplication:
    """The bot, ready for ``run_polling`` (or ``initialize``/``start`` in tests).

    ``per_chat_concurrency=False`` handles every update one after the other (PTB's default), for
    comparison in the benchmark. ``pacing``: the outbox's limits and backoff (tests shorten it);
    ``tick_interval``: seconds between schedule ticks (None: no periodic tick, tests call it).
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    services = Services(settings=settings, clock=clock or SystemClock())
    # Replies and bulk share one budget; whether replies count toward Telegram's 30/s: docs/design.md.
    policy = SendPolicy(replies_count=settings.bot_flood_model == "strict")

    async def post_init(app: BotApplication) -> None:
        await services.open()
        await set_default_menus(app.bot, settings.bot_default_locale)
        campaign = services.campaign
        log.warning(
            "campaign %r from %s: %s to %s", campaign.config.name, campaign.source,
            campaign.config.start, campaign.config.end,
        )
        services.outbox = OutboxSender(bot=app.bot, policy=policy, store=services.store,
                                       campaign=campaign.config, pacing=pacing)
        await services.outbox.start()
        services.scheduler = Scheduler(services, interval=tick_interval)
        await services.scheduler.start()

    async def post_stop(app: BotApplication) -> None:
        if services.scheduler is not None:
            await services.scheduler.stop()
        # Before shutdown closes the bot's HTTP client: messages in flight may still finish.
        if services.outbox is not None:
            await services.outbox.stop()
            services.outbox = None

    async def post_shutdown(app: BotApplication) -> None:
        await post_stop(app)  # also when start-up failed before the Application ran
        await services.close()

    app: BotApplication = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(Defaults(parse_mode="HTML"))
        .persistence(StorePersistence(services))
        .rate_limiter(policy)  # replies paced per chat, the 30/s for bulk: docs/design.md
        .concurrent_updates(PerChatUpdateProcessor() if per_chat_concurrency else False)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data.services = services
    register(app)
    return app


@asynccontextmanager
async def polling(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Run ``app`` inside an event loop that already runs (tests, benchmarks), as ``run_polling`` would:
    post_init after initialize, post_stop after stop, post_shutdown after shutdown."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=5)
    await app.start()
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


def run_polling(settings: Settings) -> None:
    """Run the bot until interrupted."""
    app = build_application(settings)
    # PTB runs on the current event loop and closes it at the end: give each run a fresh one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
