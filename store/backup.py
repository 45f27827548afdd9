"""A consistent copy of the SQLite database, taken while the bot runs (SQLite's online backup).

The copy is one self-contained file (rollback journal, not WAL), owner-only, written beside the target
first and moved into place, so an interrupted backup never leaves a half file under the target's name.
PostgreSQL has its own tool for this (``pg_dump``).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from store.db import normalize_database_url, sqlite_path
from store.files import make_private, open_private


class BackupRefused(Exception):
    """The backup cannot be taken; ``reason`` says why (one of the class constants)."""

    POSTGRESQL = "postgresql"
    NO_DATABASE = "no_database"
    NO_FOLDER = "no_folder"
    SAME_FILE = "same_file"

    def __init__(self, reason: str, path: Path | None = None) -> None:
        super().__init__(reason)
        self.reason, self.path = reason, path


def backup_database(database_url: str, target: Path) -> int:
    """Copy the SQLite database of ``database_url`` to ``target`` (replaced if it exists).

    The copy is a snapshot of one instant: writers carry on meanwhile (WAL) and what they commit after
    it began is not in it. Returns the copy's size in bytes. Raises :class:`BackupRefused`.
    """
    url = normalize_database_url(database_url)
    source = sqlite_path(url)
    if source is None:
        postgres = url.startswith("postgresql")
        raise BackupRefused(BackupRefused.POSTGRESQL if postgres else BackupRefused.NO_DATABASE)
    if not source.is_file():
        raise BackupRefused(BackupRefused.NO_DATABASE, source)
    if not target.parent.is_dir():
        raise BackupRefused(BackupRefused.NO_FOLDER, target.parent)
    if target.exists() and target.resolve() == source.resolve():
        raise BackupRefused(BackupRefused.SAME_FILE, target)
    partial = target.with_name(target.name + ".partial")
    open_private(partial, "wb").close()  # created 0600 before SQLite writes a byte of it
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        make_private(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target.stat().st_size
