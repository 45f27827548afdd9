"""What every subcommand shares: settings, the store, the translator, errors."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.i18n import Translator, translator
from bot.settings import Settings, load_settings
from store.campaign import CampaignError
from store.clock import Clock, SystemClock
from store.installation import StoreHandle, load_campaign, open_store


class CommandError(Exception):
    """A refused command: the message is printed on stderr and the exit code is non-zero."""


def fail(message: str, code: int = 2) -> int:
    print(f"twovisits: {message}", file=sys.stderr)
    return code


def cli_translator(settings: Settings) -> Translator:
    """The command line speaks the district's default locale."""
    return translator(settings.bot_default_locale)


@asynccontextmanager
async def opened_store(
    settings: Settings | None = None, *, clock: Clock | None = None
) -> AsyncIterator[StoreHandle]:
    """The store, migrated and with the campaign loaded, closed afterwards."""
    settings = settings or load_settings()
    handle = await open_store(settings.database_url, clock=clock or SystemClock())
    try:
        try:
            await load_campaign(handle, settings.resolved_campaign_file(), bot_timezone=settings.bot_timezone)
        except CampaignError as exc:
            raise CommandError(str(exc)) from None
        yield handle
    finally:
        await handle.close()
