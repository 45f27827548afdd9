"""``twovisits run``: the bot itself."""

from __future__ import annotations

import argparse

from bot.cli.common import CommandError
from bot.settings import load_settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("run", help="run the bot (long polling)", description="Run the bot.")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.telegram_bot_token is None:
        raise CommandError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram, then "
            "`export TELEGRAM_BOT_TOKEN=123456:ABC…` (or put it in .env) and run again."
        )
    from bot.app import run_polling

    run_polling(settings)
    return 0
