"""``twovisits demo``: import the bundled sample district, to try the bot without a real roster."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import date

from bot.cli.common import CommandError, cli_translator, opened_store
from bot.cli.demo_visits import record_demo_visits
from bot.roster_messages import report_lines
from bot.settings import Settings, load_settings
from store.campaign import CampaignInfo
from store.installation import StoreHandle
from store.roster import RosterReport
from store.roster.demo import import_sample_roster, people_outside_the_sample


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "demo",
        help="import a small sample district (2 schools, 51 staff, 180 students)",
        description="Import the bundled sample district into DATABASE_URL, to try the bot out.",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="import even though the database holds other people (they would be deactivated)",
    )
    parser.set_defaults(func=handle)


@dataclass(frozen=True)
class DemoLoaded:
    report: RosterReport
    visits: int  # demo visits recorded (only with a campaign around today: the sandbox's)


async def load_demo(
    handle: StoreHandle, *, campaign: CampaignInfo | None = None, today: date | None = None
) -> DemoLoaded:
    """The one demo loader: the sample district; given the campaign and today, also a few weeks of
    uneven visits before today (the sandbox's first start)."""
    async with handle.sessions() as session:
        report = await import_sample_roster(session=session, now=handle.clock.now())
    visits = 0
    if report.accepted and campaign is not None and today is not None:
        visits = await record_demo_visits(handle, campaign, today)
    return DemoLoaded(report, visits)


async def _demo(settings: Settings, force: bool) -> RosterReport | int:
    async with opened_store(settings) as handle:
        async with handle.sessions() as session:
            others = await people_outside_the_sample(session=session)
        if others and not force:
            return others
        return (await load_demo(handle)).report


def handle(args: argparse.Namespace) -> int:
    settings = load_settings()
    tr = cli_translator(settings)
    result = asyncio.run(_demo(settings, args.force))
    if isinstance(result, int):
        raise CommandError(
            tr.gettext(
                "This database holds {n} people who are not in the demo district; importing it would "
                "deactivate them. Use another DATABASE_URL, or --force."
            ).format(n=result)
        )
    print("\n".join(report_lines(result, tr)), file=sys.stdout if result.accepted else sys.stderr)
    if not result.accepted:
        return 1
    print(
        tr.gettext("Next: twovisits invites --bot-username YOUR_BOT --out invites.csv, then twovisits run.")
    )
    return 0
