"""The ``twovisits`` command line: one subcommand module each, registered here in order."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.cli import backup, demo, export, invites, purge, report, roster, run
from bot.cli.common import CommandError, fail
from bot.settings import SettingsError
from store.files import owner_only_umask

SUBCOMMANDS = (run, roster, invites, demo, export, backup, report, purge)
# What a shell reports for a program that SIGPIPE ended (128 + 13), e.g. ``twovisits … | head -1``.
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twovisits",
        description="Two Visits: the 兩訪兩創 campaign bot and its administration tools.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    Everything the command line creates (the database, invites, QR codes, exports) is owner-only.
    """
    with owner_only_umask():
        try:
            code = _main(argv)
            sys.stdout.flush()
        except BrokenPipeError:
            # Whoever read our output (``| head``) has gone: stop quietly, as Unix tools do, and keep
            # the interpreter's final flush from failing again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
            return EXIT_BROKEN_PIPE
    return code


def _main(argv: Sequence[str] | None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every URL at INFO, and Telegram's URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except (SettingsError, CommandError) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
