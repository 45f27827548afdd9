"""Running a PTB Application against the stand-in, as ``run_polling`` would, inside a bench.

The same start/stop sequence as the end-to-end tests use; copied rather than imported so the bench
depends on nothing under tests/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from bot.settings import Settings
from sandbox import BotApiStandIn
from store.vocab import Locale

BOT_TOKEN = "700001:BENCH-two_visits-bot"
ECHO_TOKEN = "700002:BENCH-echo-floor"
BOT_TIMEZONE = "Asia/Shanghai"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def bench_settings(standin: BotApiStandIn, database_url: str) -> Settings:
    """The bot's settings pointing at the stand-in; nothing read from the environment or a .env."""
    return Settings(
        _env_file=None,
        telegram_bot_token=BOT_TOKEN,
        telegram_api_base_url=standin.base_url,
        telegram_file_base_url=standin.base_file_url,
        database_url=database_url,
        bot_timezone=BOT_TIMEZONE,
        bot_default_locale=Locale.ZH_HANT,
        campaign_file=None,
    )


@asynccontextmanager
async def running(app: AnyApplication) -> AsyncIterator[AnyApplication]:
    """The Application polling the stand-in; stopped and shut down on the way out."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=5)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
