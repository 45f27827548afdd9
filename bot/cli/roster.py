"""``twovisits roster import PATH``."""

from __future__ import annotations

import argparse


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


def handle_import(args: argparse.Namespace) -> int:
    raise NotImplementedError
