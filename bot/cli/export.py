"""``twovisits export --out FILE [--school ID] [--lang LOCALE]``: the archive workbook (XLSX).

The file is created owner-only (0600) from the start, written beside its destination and moved in
place when complete, so no one else can read it and no half-written file is left behind. Every export
is written to the audit log: the data is about minors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.cli.common import CommandError, checked_out, file_translator, opened_store, os_user
from bot.i18n import Translator
from bot.settings import Settings, load_settings
from reports.archive import ExportSummary, export_archive
from store.campaign import current_campaign
from store.clock import local_today
from store.export_rows import record_export, school_names


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export",
        help="export the archive workbook (XLSX) of the district or one school",
        description="Write the archive (visit records, interviews, coverage, opinions, scores) as XLSX. "
                    "The file is readable by its owner only; the export is audited.",
    )
    parser.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    parser.add_argument("--school", help="one school, by id or exact name (default: the whole district)")
    parser.add_argument("--lang", help="language of headers and labels: zh-Hant, zh-Hans or en "
                                       "(default: BOT_DEFAULT_LOCALE)")
    parser.set_defaults(func=handle)


def _school_id(wanted: str | None, schools: dict[int, str], tr: Translator) -> int | None:
    if wanted is None:
        return None
    if wanted.isdigit() and int(wanted) in schools:
        return int(wanted)
    matches = [i for i, name in schools.items() if name == wanted.strip()]
    if len(matches) == 1:
        return matches[0]
    listing = ", ".join(f"{i} {name}" for i, name in sorted(schools.items()))
    raise CommandError(tr.gettext("No school {school}. Schools: {listing}").format(
        school=wanted, listing=listing))


async def _export(settings: Settings, out: Path, school: str | None, tr: Translator) -> ExportSummary:
    async with opened_store(settings) as handle, handle.sessions() as session:
        campaign = await current_campaign(session=session)
        assert campaign is not None  # opened_store loaded it
        school_id = _school_id(school, await school_names(session=session), tr)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                summary = await export_archive(
                    session=session, campaign=campaign, today=local_today(handle.clock, campaign.config.zone),
                    gettext=tr.gettext, out=file, school_id=school_id,
                )
            os.chmod(tmp, 0o600)  # whatever the umask did
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        await record_export(
            session=session, now=handle.clock.now(), actor="cli", actor_staff_id=None, school_id=school_id,
            detail={"file": out.name, "os_user": os_user(), "visits": summary.visits, "rows": summary.rows,
                    "locale": tr.locale.value},
        )
        return summary


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = file_translator(settings, args.lang)
    out = checked_out(args.out, tr)
    summary = asyncio.run(_export(settings, out, args.school, tr))
    print(tr.gettext("Wrote {path}: {visits} visits, {rows} rows. Readable by you only; the export is "
                     "recorded in the audit log.").format(path=out, visits=summary.visits, rows=summary.rows),
          file=sys.stdout)
    return 0
