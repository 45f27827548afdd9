"""``twovisits run``: the bot itself."""

from __future__ import annotations

import argparse
import logging

from telegram.error import InvalidToken, NetworkError

from bot.cli.common import CommandError, cli_translator
from bot.settings import load_settings
from store.campaign import CampaignError, load_campaign_file
from store.clock import SystemClock


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "run", help="run the bot (long polling)",
        description="Run the bot. Without TELEGRAM_BOT_TOKEN: the local sandbox, a web chat with a "
        "simulated Telegram and a demo district, for trying and training.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="sandbox only: address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="sandbox only: port (default 8080)")
    parser.add_argument("--database", default="twovisits-sandbox.db",
                        help="sandbox only: its own SQLite file (never DATABASE_URL's)")
    parser.set_defaults(func=handle)


class _BootstrapFailure(logging.Filter):
    """PTB logs a failed start (Bot API unreachable, token refused) with a 40-line traceback, then
    raises it; we say it in one line instead (below), so its record is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name.startswith("telegram.ext")
            and record.levelno >= logging.ERROR
            and "(Bootstrap" in record.getMessage()
        )


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    _ = cli_translator(settings).gettext
    if settings.telegram_bot_token is None:
        # No token: the local sandbox (a simulated Telegram in the browser), never the real database.
        from bot.sandbox_launcher import options_from_args, run_sandbox

        return run_sandbox(options_from_args(args), settings)
    from bot.app import run_polling

    try:
        # Check the campaign file before anything talks to Telegram: a typo there is the usual mistake.
        load_campaign_file(settings.resolved_campaign_file(), created_on=SystemClock().now().date())
    except CampaignError as exc:
        raise CommandError(f"campaign: {exc}") from None
    # Start-up failures are the operator's to fix: say which in one line, not with a traceback.
    for handler in logging.getLogger().handlers:
        handler.addFilter(_BootstrapFailure())
    try:
        run_polling(settings)
    except InvalidToken:
        raise CommandError(
            _("TELEGRAM_BOT_TOKEN was refused by the Bot API: check the token from @BotFather.")
        ) from None
    except NetworkError as exc:
        raise CommandError(
            _(
                "cannot reach the Bot API at {url} ({error}); check the network or TELEGRAM_API_BASE_URL."
            ).format(url=settings.telegram_api_base_url, error=exc.message)
        ) from None
    except CampaignError as exc:
        raise CommandError(f"campaign: {exc}") from None
    return 0
