"""``twovisits purge [--dry-run] [--yes] [--force]``: after the campaign, erase every private note
and replace every student's name with their roster id (``store.purge``), as the law on minors' data
expects once the archive is filed.

``--dry-run`` prints what would change and writes nothing. Otherwise the purge asks for the
district's name to be typed (or ``--yes``), and refuses unless the district's archive was exported
(``twovisits export`` or ``/export``) after the last change to a visit; ``--force`` skips that check.
It is audited. There is no undo: take a backup first if in doubt (``twovisits backup``). Stop the
bot first: a running bot keeps drafts in memory and would write their notes back.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.common import CommandError, cli_translator, opened_store, os_user
from bot.i18n import Translator
from bot.settings import Settings, load_settings
from store.purge import PurgeCounts, archive_state, district_name, purge


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "purge",
        help="after the campaign: erase private notes and replace students' names with their ids",
        description="Erase every visit's private notes and replace every student's name with their roster "
                    "id, in one step, audited. Refused unless the district's archive was exported after the "
                    "last change to a visit (--force skips that check). Asks for the district's name "
                    "unless --yes.",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask for the district's name")
    parser.add_argument("--force", action="store_true",
                        help="purge even without an export of the district after the last visit change")
    parser.set_defaults(func=handle)


def _counts(tr: Translator, counts: PurgeCounts) -> str:
    return tr.gettext(
        "Private notes of {visits} visits, of {versions} earlier versions and of {drafts} drafts; names of "
        "{students} students; texts of {messages} messages kept in the outbox."
    ).format(visits=counts.visit_notes, versions=counts.version_notes, drafts=counts.draft_notes,
             students=counts.student_names, messages=counts.outbox_texts) + " " + tr.gettext(
        "Students' names in the situation texts of {n} visits and earlier versions (each becomes the "
        "student's roster id)."
    ).format(n=counts.situation_names)


def _confirmed(tr: Translator, name: str | None) -> bool:
    if sys.stdin is None or sys.stdin.closed:
        return False
    prompt = tr.gettext("This cannot be undone. Type the district's name ({name}) to purge: ").format(
        name=name or "")
    print(prompt, end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return bool(name) and answer.strip() == name


async def _purge(settings: Settings, args: argparse.Namespace, tr: Translator) -> int:
    async with opened_store(settings) as handle:
        async with handle.sessions() as session:
            state = await archive_state(session=session)
            name = await district_name(session=session)
            preview = await purge(session=session, now=handle.clock.now(), actor="cli", dry_run=True)
        print(_counts(tr, preview))
        if args.dry_run:
            print(tr.gettext("Dry run: nothing was changed."))
            return 0
        if not state.covers_visits and not args.force:
            if state.exported_at is None:
                raise CommandError(tr.gettext(
                    "The district's archive has never been exported: run twovisits export first (or "
                    "--force)."))
            raise CommandError(tr.gettext(
                "Visits changed after the district's last export ({day}): export the archive again first "
                "(or --force).").format(day=state.exported_at.isoformat(timespec="minutes")))
        if not args.yes and not _confirmed(tr, name):
            raise CommandError(tr.gettext("Not confirmed: nothing was changed."))
        async with handle.sessions() as session:
            done = await purge(session=session, now=handle.clock.now(), actor=f"cli:{os_user()}",
                               dry_run=False, forced=args.force and not state.covers_visits)
        print(tr.gettext("Purged. {counts} Recorded in the audit log.").format(counts=_counts(tr, done)))
        return 0


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    return asyncio.run(_purge(settings, args, cli_translator(settings)))
