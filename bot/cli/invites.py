"""``twovisits invites --out FILE [--qr DIR] [--bot-username NAME] [--rotate]``.

The CSV is UTF-8 with a byte-order mark: Excel on a Chinese Windows reads a BOM-less CSV in the
system's code page (GBK or Big5) and garbles the names; with the BOM it reads UTF-8, and every other
tool we know skips the mark. Roles are joined with ``;``, as in the roster.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from collections.abc import Sequence
from pathlib import Path

import segno
from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.cli.common import CommandError, cli_translator, opened_store
from bot.i18n import Translator
from bot.settings import Settings, load_settings
from reports.spreadsheet import write_csv as write_spreadsheet_csv
from store.files import make_private_dir, open_private
from store.invites import (
    InvalidBotUsername,
    InviteRow,
    InviteStatus,
    bound_staff_count,
    invite_link,
    issue_invites,
    normalize_bot_username,
)

COLUMNS = ("staff_id", "name", "school", "roles", "link")
_UNSAFE = re.compile(r"[^\w.-]", re.ASCII)
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "invites",
        help="write one-time invite links for the staff",
        description="Write one invite link per active staff member.",
    )
    parser.add_argument("--out", required=True, help="the CSV file to write")
    parser.add_argument("--qr", metavar="DIR", help="also write one QR code PNG per person into DIR")
    parser.add_argument("--bot-username", help="the bot's username (default: asked of Telegram)")
    parser.add_argument("--rotate", action="store_true", help="replace unused codes with new ones")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = cli_translator(settings)
    _ = tr.gettext
    out = Path(args.out)
    qr_dir = Path(args.qr) if args.qr else None
    # Everything that can be refused is checked before any code is issued or revoked.
    if not out.parent.is_dir():
        raise CommandError(_("The folder of {path} does not exist.").format(path=out.parent))
    if qr_dir is not None and qr_dir.exists() and not qr_dir.is_dir():
        raise CommandError(_("{path} is not a folder.").format(path=qr_dir))
    rows, links, bound = asyncio.run(
        issue_links(settings, tr, bot_username=args.bot_username, rotate=args.rotate)
    )

    write_csv(out, rows, links)
    if qr_dir is not None:
        make_private_dir(qr_dir)
        write_qr_codes(qr_dir, rows, links)
    new = sum(1 for row in rows if row.status is InviteStatus.NEW)
    print(
        tr.ngettext(
            "Wrote {n} invite link to {path} ({new} new, {kept} kept); {bound} already bound, skipped.",
            "Wrote {n} invite links to {path} ({new} new, {kept} kept); {bound} already bound, skipped.",
            len(rows),
        ).format(n=len(rows), path=out, new=new, kept=len(rows) - new, bound=bound)
    )
    return 0


async def issue_links(
    settings: Settings, tr: Translator, *, bot_username: str | None, rotate: bool
) -> tuple[list[InviteRow], list[str], int]:
    """Issue the codes; returns the rows, their links and how many active staff are already bound."""
    username = await _bot_username(settings, tr, bot_username)
    async with opened_store(settings) as store:
        async with store.sessions() as session:
            rows = await issue_invites(session=session, now=store.clock.now(), rotate=rotate)
            bound = await bound_staff_count(session=session)
    return rows, [invite_link(username, row.code) for row in rows], bound


async def _bot_username(settings: Settings, tr: Translator, given: str | None) -> str:
    _ = tr.gettext
    if given is not None:
        try:
            return normalize_bot_username(given)
        except InvalidBotUsername:
            raise CommandError(
                _("{name} is not a bot username (5–32 letters, digits or _, ending in 'bot').").format(
                    name=given
                )
            ) from None
    if settings.telegram_bot_token is None:
        raise CommandError(
            _("The bot's username is unknown: pass --bot-username NAME or set TELEGRAM_BOT_TOKEN.")
        )
    try:
        async with Bot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            base_file_url=settings.telegram_file_base_url,
        ) as bot:
            return normalize_bot_username(bot.username)
    except (TelegramError, InvalidBotUsername) as exc:
        # The exception text never holds the token; only its type and message are shown.
        detail = "invalid token" if isinstance(exc, InvalidToken) else str(exc)
        raise CommandError(
            _("Could not ask Telegram for the bot's username ({error}); pass --bot-username NAME.").format(
                error=detail
            )
        ) from None


def write_csv(path: Path, rows: Sequence[InviteRow], links: Sequence[str]) -> None:
    """The invite list (owner-only: the codes are live), written whole to a temporary file first so a
    failure leaves no half file; names that look like formulas are quoted for spreadsheets."""
    partial = path.with_name(path.name + ".partial")
    with open_private(partial, "w", encoding="utf-8-sig", newline="") as handle:
        write_spreadsheet_csv(
            handle,
            [COLUMNS, *((row.staff_id, row.name, row.school, ";".join(row.roles), link)
                        for row, link in zip(rows, links, strict=True))],
        )
    os.replace(partial, path)


def qr_file_name(staff_id: str, taken: set[str]) -> str:
    """``<staff_id>.png`` made safe as a file name on every system, and unique within ``taken``."""
    stem = _UNSAFE.sub("_", staff_id).lstrip(".") or "staff"
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    name, n = f"{stem}.png", 2
    while name.lower() in taken:
        name, n = f"{stem}-{n}.png", n + 1
    taken.add(name.lower())
    return name


def write_qr_codes(folder: Path, rows: Sequence[InviteRow], links: Sequence[str]) -> None:
    """One PNG per person, named after their roster id, encoding their link."""
    taken: set[str] = set()
    for row, link in zip(rows, links, strict=True):
        with open_private(folder / qr_file_name(row.staff_id, taken), "wb") as png:
            segno.make(link, error="m").save(png, kind="png", scale=8, border=4)
