"""``/export``: the archive workbook as a document, in private chat only.

The district office gets the district's archive, a school leader their own school's (SPEC's scope
table; ``Scope.may_export``); everyone else is told who may. A progress message is edited while the
workbook is built, the file is sent as a document, and the export is written to the audit log.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import CommandHandler

from bot import edges
from bot.context import BotContext
from bot.i18n import Translator
from bot.private_chat import private_asker
from reports.archive import export_archive
from store.clock import local_today
from store.export_rows import record_export

MAX_DOCUMENT = 50 * 2**20  # what a bot may send as a document
PROGRESS_EVERY = 5000  # visits between edits of the progress message


@dataclass
class _Progress:
    message: Message
    tr: Translator

    async def __call__(self, visits: int) -> None:
        text = self.tr.gettext("Preparing the archive… {n} visits so far.").format(n=visits)
        try:
            await self.message.edit_text(text)
        except BadRequest as error:  # best effort: the export goes on whatever Telegram says
            if not edges.is_harmless(error):
                raise


async def export_command(update: Update, context: BotContext) -> None:
    tr = await context.tr(update)
    asker = await private_asker(update, context, tr.gettext(
        "The archive holds students' names, so I send it only in a private chat: send /export to "
        "me there."
    ))
    if asker is None:
        return
    message, scope = asker.message, asker.scope
    if scope.may_export(None):
        school_id = None
    elif scope.may_export(scope.school_id):
        school_id = scope.school_id
    else:
        await message.reply_text(tr.gettext(
            "The archive is exported by the district office (the district) and by school leaders "
            "(their own school)."
        ))
        return
    progress = await message.reply_text(tr.gettext("Preparing the archive…"))
    campaign = context.services.campaign
    today = local_today(context.clock, campaign.config.zone)
    with tempfile.TemporaryFile() as file:
        async with context.session() as session:
            summary = await export_archive(
                session=session, campaign=campaign, today=today, gettext=tr.gettext, out=file,
                school_id=school_id, progress=_Progress(progress, tr), every=PROGRESS_EVERY,
            )
        size = file.tell()
        name = f"archive-{'district' if school_id is None else f'school-{school_id}'}-{today}.xlsx"
        if size > MAX_DOCUMENT:
            await progress.edit_text(tr.gettext(
                "The archive is too large to send here ({mb} MB); ask the district office for "
                "the command-line export."
            ).format(mb=size // 2**20))
            return
        file.seek(0)
        await message.reply_document(
            document=file, filename=name,
            caption=tr.gettext("The archive: {visits} visits, {rows} rows. Keep it safe: it "
                               "holds students' names.").format(visits=summary.visits, rows=summary.rows),
        )
        async with context.session() as session:
            await record_export(
                session=session, now=context.clock.now(), actor=f"staff:{scope.staff_id}",
                actor_staff_id=scope.staff_id, school_id=school_id,
                detail={"via": "bot", "file": name, "visits": summary.visits, "rows": summary.rows,
                        "locale": tr.locale.value},
            )
    try:
        await progress.edit_text(tr.gettext("The archive is ready."))
    except BadRequest as error:
        if not edges.is_harmless(error):
            raise


def handlers() -> list[CommandHandler[BotContext, None]]:
    return [CommandHandler("export", export_command)]
