"""``twovisits report --out FILE [--school ID|name] [--lang LOCALE]``: the summary report (PDF).

Like the archive export, the file is created owner-only (0600), written beside its destination and
moved in place when complete, and the report is written to the audit log. The command line is the
district office's tool, and the district reads notable cases anonymised (``Scope.names_in_report``):
the archive export is where the names are.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.cli.common import CommandError, checked_out, file_translator, opened_store, os_user
from bot.cli.export import _school_id
from bot.i18n import Translator
from bot.settings import Settings, load_settings
from reports.summary_report import BuiltReport, build_report
from store.campaign import current_campaign
from store.clock import local_today
from store.export_rows import school_names
from store.report_rows import record_report
from store.vocab import Locale


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report",
        help="write the summary report (PDF) of the district or one school",
        description="Write the summary report (headline figures, coverage chart, focus people, opinions, "
                    "rectification, notable cases, ranking) as PDF. The file is readable by its owner only; "
                    "the report is audited.",
    )
    parser.add_argument("--out", required=True, type=Path, help="the .pdf file to write")
    parser.add_argument("--school", help="one school, by id or exact name (default: the whole district)")
    parser.add_argument("--lang", help="language of the report: zh-Hant, zh-Hans or en "
                                       "(default: BOT_DEFAULT_LOCALE)")
    parser.set_defaults(func=handle)


async def _report(settings: Settings, out: Path, school: str | None, tr: Translator) -> BuiltReport:
    async with opened_store(settings) as handle:
        async with handle.sessions() as session:
            campaign = await current_campaign(session=session)
            assert campaign is not None  # opened_store loaded it
            school_id = _school_id(school, await school_names(session=session), tr)
        built = await build_report(
            sessions=handle.sessions, campaign=campaign,
            today=local_today(handle.clock, campaign.config.zone), gettext=tr.gettext, school_id=school_id,
            names_of=lambda _school_id, _class_id: False, simplified=tr.locale is Locale.ZH_HANS,
        )
        if built is None:
            raise CommandError(tr.gettext("Nothing to report yet: the roster has no students there."))
        tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(built.pdf)
            os.chmod(tmp, 0o600)  # whatever the umask did
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        async with handle.sessions() as session:
            await record_report(
                session=session, now=handle.clock.now(), actor="cli", actor_staff_id=None,
                school_id=school_id,
                detail={"file": out.name, "os_user": os_user(), "bytes": len(built.pdf),
                        "locale": tr.locale.value},
            )
        return built


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = file_translator(settings, args.lang)
    out = checked_out(args.out, tr)
    built = asyncio.run(_report(settings, out, args.school, tr))
    print(tr.gettext("Wrote {path}: the summary report of {name}. Readable by you only; the report is "
                     "recorded in the audit log.").format(path=out, name=built.name), file=sys.stdout)
    return 0
