"""``twovisits backup PATH``: a consistent, owner-only copy of the SQLite database, bot running or not."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CommandError, cli_translator
from bot.settings import load_settings
from store.backup import BackupRefused, backup_database


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "backup",
        help="copy the SQLite database to PATH (safe while the bot runs)",
        description="Write a consistent copy of the SQLite database (PostgreSQL: use pg_dump).",
    )
    parser.add_argument("path", help="the file to write (replaced if it exists)")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = cli_translator(settings)
    _ = tr.gettext
    target = Path(args.path)
    try:
        size = backup_database(settings.database_url, target)
    except BackupRefused as exc:
        messages = {
            BackupRefused.POSTGRESQL: _(
                "DATABASE_URL is a PostgreSQL database: back it up with pg_dump, e.g. "
                "`pg_dump --format=custom --file=twovisits.dump DBNAME`."
            ),
            BackupRefused.NO_DATABASE: _("There is no SQLite database at {path}: check DATABASE_URL."),
            BackupRefused.NO_FOLDER: _("The folder {path} does not exist."),
            BackupRefused.SAME_FILE: _("{path} is the database itself: choose another file."),
        }
        raise CommandError(messages[exc.reason].format(path=exc.path)) from None
    print(
        _("Backed up the database to {path} ({size} KB, readable by its owner only).").format(
            path=target, size=max(1, round(size / 1024))
        )
    )
    return 0
