"""What every subcommand shares: settings, the store, the translator, errors."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.i18n import Translator, parse_locale, translator
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


def file_translator(settings: Settings, lang: str | None) -> Translator:
    """The language of a file the command writes (an export, a report): ``--lang``, else the default."""
    locale = parse_locale(lang) if lang else settings.bot_default_locale
    if locale is None:
        tr = cli_translator(settings)
        raise CommandError(tr.gettext("--lang: unknown language {lang} (zh-Hant, zh-Hans or en)").format(
            lang=repr(lang)))
    return translator(locale)


def checked_out(out: Path, tr: Translator) -> Path:
    """``out``, refused before any work when its folder does not exist."""
    if not out.parent.is_dir():
        raise CommandError(tr.gettext("No such folder: {folder}").format(folder=out.parent))
    return out


def os_user() -> str:
    """Who ran the command, for the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return str(os.getuid())


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
