"""Running a PTB Application against the stand-in, as ``run_polling`` would, inside a bench.

The start/stop sequence is the bot's own (``bot.app.polling``), the one the end-to-end tests use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from bot.app import polling
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
    async with polling(app):
        yield app
