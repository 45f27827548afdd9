"""Files that hold personal data are the owner's alone: 0600 files, 0700 folders we create.

Names, phone numbers, private notes, live invite codes: nothing the bot writes is for other users of
the machine. The command line also sets a 077 umask (``owner_only_umask``) so that files created by
libraries (SQLite's database, its -wal and -shm) start private; the helpers here make it hold whatever
the umask of the caller.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


@contextmanager
def owner_only_umask() -> Iterator[None]:
    """Run the block with umask 077 (files 0600, folders 0700), then restore the caller's."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, creating or truncating the file as 0600 (an existing file
    is made 0600 too)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, mode, **kwargs)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700 folders; an existing folder is left as it is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, DIR_MODE)  # mkdir's mode is filtered by the umask


def make_private(path: Path) -> None:
    """Make an existing file 0600."""
    os.chmod(path, FILE_MODE)


def private_sqlite_files(database: Path) -> None:
    """The SQLite database and the side files that exist beside it (-wal, -shm, -journal) made 0600.

    SQLite creates its side files with the database file's mode, so doing this right after the
    database is opened keeps the ones created later private too."""
    for suffix in SQLITE_SIDE_FILES:
        side = database.with_name(database.name + suffix)
        if side.exists():
            make_private(side)
