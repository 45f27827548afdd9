"""The district office sends the roster in a private chat: one XLSX, one ZIP, or the two CSVs.

A lone CSV is remembered (its file id, name and time only: user data is persisted as JSON) for
:data:`WAIT`, so the other one can follow; the import itself is store/roster's, all or nothing, and
its answer is worded by :mod:`bot.roster_messages` (shared with the command line).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from telegram import Document, Message, Update
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from bot.context import BotContext, stranger_text
from bot.i18n import Translator
from bot.messages import split_message
from bot.roster_messages import report_lines
from bot.text import esc
from store.roster import RosterReport, RosterSource, import_roster, read_roster_files
from store.scopes import Action

PENDING_KEY = "roster_upload"  # user_data: {"staff"|"students": {"file_id", "name", "at"}}
WAIT = timedelta(minutes=10)
# getFile refuses bigger files: https://core.telegram.org/bots/api#getfile
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
STAFF, STUDENTS = "staff", "students"
WHOLE_ROSTER_SUFFIXES = frozenset({".xlsx", ".xlsm", ".zip"})
CSV_SUFFIX = ".csv"


def _suffix(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.casefold()


def _accepted_files(tr: Translator) -> str:
    return tr.gettext(
        "I accept the roster as one Excel workbook (.xlsx) with the sheets “staff” and “students”, "
        "as one ZIP holding staff.csv and students.csv, or as staff.csv and students.csv sent one "
        "after the other."
    )


def _waiting_for(tr: Translator, kind: str, name: str) -> str:
    _ = tr.gettext
    if kind == STAFF:
        text = _("Got the staff list “{file}”. Now send the students list (students.csv): I wait up to 10 minutes for it.")  # noqa: E501
    else:
        text = _("Got the students list “{file}”. Now send the staff list (staff.csv): I wait up to 10 minutes for it.")  # noqa: E501
    return text.format(file=esc(name))


def _replaces(tr: Translator, kind: str, old: str) -> str:
    _ = tr.gettext
    if kind == STAFF:
        text = _("This replaces the staff list you sent before (“{file}”).")
    else:
        text = _("This replaces the students list you sent before (“{file}”).")
    return text.format(file=esc(old))


def _pending(context: BotContext) -> dict[str, dict[str, Any]]:
    """The lone CSVs waiting for their partner, by kind (stored in user data, so it survives restarts)."""
    if context.user_data is None:
        return {}
    raw = context.user_data.get(PENDING_KEY)
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if k in (STAFF, STUDENTS) and isinstance(v, dict)}


def _keep_pending(context: BotContext, pending: dict[str, dict[str, Any]]) -> None:
    if context.user_data is None:
        return
    if pending:
        context.user_data[PENDING_KEY] = pending
    else:
        context.user_data.pop(PENDING_KEY, None)


def _expired(entry: dict[str, Any], now: datetime) -> bool:
    try:
        at = datetime.fromisoformat(str(entry["at"]))
    except (KeyError, ValueError):
        return True
    return now - at > WAIT


async def _download(context: BotContext, file_id: str) -> bytes | None:
    try:
        return bytes(await (await context.bot.get_file(file_id)).download_as_bytearray())
    except TelegramError:
        return None


def _could_not_download(tr: Translator, name: str) -> str:
    text = tr.gettext("I could not download “{file}” from Telegram. Please send it again.")
    return text.format(file=esc(name))


async def _send(message: Message, lines: list[str]) -> None:
    """Send ready (escaped) lines, in several messages when they pass Telegram's limit."""
    for text in split_message(lines):
        await message.reply_text(text)


async def _refuse(message: Message, tr: Translator, report: RosterReport, notes: list[str]) -> None:
    lines = notes + [esc(line) for line in report_lines(report, tr)]
    lines.append(tr.gettext("Correct the file and send the roster again."))
    await _send(message, lines)


async def _import(
    message: Message,
    context: BotContext,
    tr: Translator,
    staff_id: int,
    files: dict[str, bytes],
    notes: list[str],
) -> None:
    """Read and import ``files``, answering "importing" first, then the summary or every problem."""
    await message.reply_text("\n".join([*notes, tr.gettext("⏳ Importing the roster…")]))
    # Reading a big district's workbook takes seconds: keep the bot answering others meanwhile.
    source: RosterSource = await asyncio.to_thread(read_roster_files, files)
    async with context.store.sessions() as session:
        report = await import_roster(
            session=session, source=source, now=context.clock.now(), actor="bot", actor_staff_id=staff_id
        )
    if report.accepted:
        await _send(message, [esc(line) for line in report_lines(report, tr)])
    else:
        await _refuse(message, tr, report, [])


def _unique_name(name: str, taken: str) -> str:
    """Two CSVs with the same name must stay two files for the reader."""
    if name != taken:
        return name
    path = PurePosixPath(name)
    return f"{path.stem} (2){path.suffix}"


async def _csv_arrived(
    message: Message, context: BotContext, tr: Translator, staff_id: int, doc: Document, name: str
) -> None:
    """Keep a lone CSV until its partner comes; import the two when it does."""
    _ = tr.gettext
    data = await _download(context, doc.file_id)
    if data is None:
        await message.reply_text(_could_not_download(tr, name))
        return
    # Tell staff from students the way the import does (by name, else by header), and refuse an
    # unreadable file now rather than after the second one arrives. Reading decodes the file and
    # parses its first rows only: the rows are checked once, by the import.
    alone = await asyncio.to_thread(read_roster_files, {name: data})
    kind = next(iter(alone.tables), None)
    if kind is None:
        own = [f for f in alone.findings if f.code != "missing_file"] or alone.findings
        await _refuse(message, tr, RosterReport(findings=own, accepted=False, encodings=alone.encodings), [])
        return
    now = context.clock.now()
    pending = _pending(context)
    notes: list[str] = []
    for waiting_kind, entry in list(pending.items()):
        if _expired(entry, now):
            notes.append(_(
                "“{old}” came more than 10 minutes ago, so I set it aside: starting over with “{file}”."
            ).format(old=esc(entry.get("name", "")), file=esc(name)))
            del pending[waiting_kind]
    if kind in pending:
        notes.append(_replaces(tr, kind, str(pending.pop(kind).get("name", ""))))
    other = STUDENTS if kind == STAFF else STAFF
    first = pending.pop(other, None)
    if first is None:
        pending[kind] = {"file_id": doc.file_id, "name": name, "at": now.isoformat()}
        _keep_pending(context, pending)
        await message.reply_text("\n".join([*notes, _waiting_for(tr, kind, name)]))
        return
    _keep_pending(context, pending)
    first_name = str(first.get("name", ""))
    first_data = await _download(context, str(first.get("file_id", "")))
    if first_data is None:
        # The file just sent is fine: keep it and ask for the other one again.
        pending[kind] = {"file_id": doc.file_id, "name": name, "at": now.isoformat()}
        _keep_pending(context, pending)
        await message.reply_text(_(
            "I could not download “{file}” from Telegram any more. Please send it again."
        ).format(file=esc(first_name)))
        return
    files = {first_name: first_data, _unique_name(name, first_name): data}
    await _import(message, context, tr, staff_id, files, notes)


async def roster_document(update: Update, context: BotContext) -> None:
    """A document in a private chat: the district office's roster, or a polite refusal."""
    message = update.effective_message
    doc = message.document if message is not None else None
    if message is None or doc is None:
        return
    tr = await context.tr(update)
    _ = tr.gettext
    account = await context.account(update)
    if account is None:
        await message.reply_text(await stranger_text(update, context))
        return
    scope = await context.scope(update)
    if scope is None or not scope.can(Action.IMPORT_ROSTER):
        await message.reply_text(_(
            "Only the district office imports rosters, so I did nothing with this file. If the "
            "roster needs a change, please tell the district office."
        ))
        return
    name = doc.file_name or _("(unnamed file)")
    suffix = _suffix(doc.file_name or "")
    if suffix != CSV_SUFFIX and suffix not in WHOLE_ROSTER_SUFFIXES:
        text = _("“{file}” is not a roster file.").format(file=esc(name))
        if suffix == ".xls":
            text += " " + _("In Excel, save the workbook as .xlsx (“Excel Workbook”) and send it again.")
        await message.reply_text(text + "\n" + _accepted_files(tr))
        return
    if doc.file_size is not None and doc.file_size > MAX_DOWNLOAD_BYTES:
        await message.reply_text(_(
            "“{file}” is {size} MB, but Telegram lets me download files of at most 20 MB. Send the "
            "roster as a ZIP, or as staff.csv and students.csv one after the other."
        ).format(file=esc(name), size=f"{doc.file_size / (1024 * 1024):.1f}"))
        return
    if suffix == CSV_SUFFIX:
        await _csv_arrived(message, context, tr, account.staff_id, doc, name)
        return
    notes = []
    for entry in _pending(context).values():
        notes.append(_("“{old}”, sent before, is set aside: this file holds the whole roster.").format(
            old=esc(entry.get("name", ""))
        ))
    _keep_pending(context, {})
    data = await _download(context, doc.file_id)
    if data is None:
        await message.reply_text(_could_not_download(tr, name))
        return
    await _import(message, context, tr, account.staff_id, {name: data}, notes)


def handlers() -> list[MessageHandler[BotContext, None]]:
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.Document.ALL, roster_document
        ),
    ]
