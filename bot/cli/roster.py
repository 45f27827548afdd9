"""``twovisits roster import PATH``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.common import cli_translator, opened_store
from bot.roster_messages import report_lines
from bot.settings import Settings, load_settings
from store.roster import RosterReport, RosterSource, import_roster, read_roster_paths

REFUSED_EXIT = 1


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("roster", help="import the district's roster", description="Roster tools.")
    roster_sub = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    imp = roster_sub.add_parser(
        "import",
        help="import staff and students (a folder or two CSVs, or one XLSX)",
        description="Import the roster: all or nothing; every bad row is listed.",
    )
    imp.add_argument("path", nargs="+", help="staff.csv and students.csv, their folder, or one .xlsx")
    imp.set_defaults(func=handle_import)


async def _import(settings: Settings, source: RosterSource) -> RosterReport:
    async with opened_store(settings) as handle, handle.sessions() as session:
        return await import_roster(session=session, source=source, now=handle.clock.now(), actor="cli")


def handle_import(args: argparse.Namespace) -> int:
    """Import, then print the summary (exit 0) or every problem (non-zero exit, nothing changed)."""
    settings = load_settings()
    tr = cli_translator(settings)
    source = read_roster_paths([Path(p) for p in args.path])
    report = asyncio.run(_import(settings, source))
    print("\n".join(report_lines(report, tr)), file=sys.stdout if report.accepted else sys.stderr)
    return 0 if report.accepted else REFUSED_EXIT
