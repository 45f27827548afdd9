"""``/report``: the summary report (PDF) as a document, in private chat only.

District leaders and the district office get the district's report (or one school's: ``/report
第一中學``), a school leader their own school's (``Scope.may_report``); everyone else is told who may.
Notable cases name their students only for a school leader of their school
(``Scope.names_in_report``); district roles read them anonymised. Every report is written to the
audit log, as exports are.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.private_chat import private_asker
from bot.text import esc
from reports.summary_report import build_report
from store.clock import local_today
from store.export_rows import school_names
from store.report_rows import record_report
from store.vocab import Locale


async def report_command(update: Update, context: BotContext) -> None:
    tr = await context.tr(update)
    asker = await private_asker(update, context, tr.gettext(
        "The summary report may name students in its notable cases, so I send it only in a private "
        "chat: send /report to me there."
    ))
    if asker is None:
        return
    message, scope = asker.message, asker.scope
    wanted = " ".join(context.args or ()).strip()
    school_id: int | None
    if wanted:
        async with context.session() as session:
            schools = await school_names(session=session)
        matches = [i for i, name in schools.items() if name == wanted or str(i) == wanted]
        if not matches:
            await message.reply_text(tr.gettext("No school is called {name}.").format(name=esc(wanted)))
            return
        school_id = matches[0]
    elif scope.may_report(None):
        school_id = None
    else:
        school_id = scope.school_id
    if not scope.may_report(school_id):
        await message.reply_text(tr.gettext(
            "The summary report is for district leaders and the district office (the district or any "
            "school) and for school leaders (their own school)."
        ))
        return
    campaign = context.services.campaign
    today = local_today(context.clock, campaign.config.zone)
    built = await build_report(
        sessions=context.store.sessions, campaign=campaign, today=today, gettext=tr.gettext,
        school_id=school_id,
        names_of=scope.names_in_report,
        simplified=tr.locale is Locale.ZH_HANS,
    )
    if built is None:
        await message.reply_text(tr.gettext("Nothing to report yet: the roster has no students there."))
        return
    name = f"report-{'district' if school_id is None else f'school-{school_id}'}-{today}.pdf"
    # Recorded before it is sent: a report that may have left is in the log either way.
    async with context.session() as session:
        await record_report(
            session=session, now=context.clock.now(), actor=f"staff:{scope.staff_id}",
            actor_staff_id=scope.staff_id, school_id=school_id,
            detail={"via": "bot", "file": name, "bytes": len(built.pdf), "locale": tr.locale.value},
        )
    await message.reply_document(
        document=built.pdf, filename=name,
        caption=tr.gettext("The summary report of {name}, as of {day}.").format(
            name=esc(built.name), day=today.isoformat()),
    )


def handlers() -> list[CommandHandler[BotContext, None]]:
    return [CommandHandler("report", report_command)]
