"""``twovisits run`` without a token: the stand-in, its web chat and the real bot, in one process.

The bot is the same Application as in production, pointed at the stand-in from ``sandbox/`` on
loopback, on its own database (``twovisits-sandbox.db`` by default, never ``DATABASE_URL``) with the
demo district, a demo campaign around today and a few weeks of visits. A settable clock lets the page
move time forward; a reset goes back to the demo data. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import BotApplication, build_application, polling
from bot.cli.common import CommandError
from bot.cli.demo import load_demo
from bot.cli.demo_visits import demo_campaign_toml
from bot.i18n import N_, translator
from bot.sandbox_clock import JUST_PAST, next_event
from bot.sandbox_strings import LOCALE_NAMES, page_strings
from bot.sandbox_world import USER_IDS, SandboxPeople, bind_everyone, build_people, meet_as_new
from bot.settings import Settings
from sandbox import BotApiStandIn
from sandbox.web import Controls, Person, WebChat
from store.clock import SettableClock, local_today
from store.installation import StoreHandle, load_campaign, open_store
from store.roster.demo import people_outside_the_sample
from store.training import foreign_accounts, is_sandbox_database, mark_sandbox_database

TOKEN = "1000001:sandbox-local-token"
BOT_USERNAME = "TwoVisitsBot"
DEFAULT_DATABASE = Path("twovisits-sandbox.db")
# The clock jumps when the page moves it: look for what is due often, so a summary shows up at once.
SCHEDULE_TICK_SECONDS = 2.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    database: Path = DEFAULT_DATABASE


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    """``twovisits run``'s --host, --port and --database."""
    return SandboxOptions(host=args.host, port=args.port, database=Path(args.database))


class Sandbox:
    """The running sandbox: stand-in, web chat, bot, clock; restartable on a fresh database."""

    def __init__(self, options: SandboxOptions, base: Settings) -> None:
        self.options = options
        self.base = base
        self.locale = base.bot_default_locale
        self.tr = translator(self.locale)
        self.clock = SettableClock()
        self.database = options.database.resolve()
        self.campaign_file = self.database.with_suffix(".campaign.toml")
        self.standin = BotApiStandIn(bot_username=BOT_USERNAME, token=TOKEN)
        self.people = SandboxPeople()
        self.web = WebChat(
            self.standin, [], strings=page_strings(), locales=[(loc.value, n) for loc, n in LOCALE_NAMES],
            default_locale=self.locale.value, timezone=base.bot_timezone,
            controls=Controls(now=self.clock.now, advance=self.advance, next_event=self.next_event,
                              reset=self.reset, as_new=self.as_new),
        )
        self._wake = asyncio.Event()
        self._stopping = False
        self._reset_done: asyncio.Future[None] | None = None
        self._handle: StoreHandle | None = None
        self.app: BotApplication | None = None
        self.ready = asyncio.Event()  # set while the bot polls (tests wait on it)

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.standin.port}/"

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.database}"

    def settings(self) -> Settings:
        bot_host = "127.0.0.1" if self.options.host in ("0.0.0.0", "::") else self.standin.host
        api = f"http://{bot_host}:{self.standin.port}"
        return Settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url=f"{api}/bot", telegram_file_base_url=f"{api}/file/bot",
            database_url=self.database_url, bot_timezone=self.base.bot_timezone,
            bot_default_locale=self.locale, campaign_file=self.campaign_file,
        )

    def say(self, message: str, **values: object) -> None:
        print(self.tr.gettext(message).format(**values), flush=True)

    # --- the database ----------------------------------------------------------------------------
    async def _check_database(self) -> bool:
        """True when the database is new (or empty); refuses one that is not the sandbox's."""
        if not self.database.exists():
            return True
        handle = await open_store(self.database_url, clock=self.clock)
        try:
            async with handle.sessions() as session:
                foreign = await foreign_accounts(session=session, simulated=USER_IDS)
                ours = await is_sandbox_database(session=session)
                others = 0 if ours else await people_outside_the_sample(session=session)
        finally:
            await handle.close()
        if foreign:
            raise CommandError(self.tr.gettext(
                "{path} holds {n} real Telegram accounts: the sandbox never uses a real database. "
                "Give it another file with --database."
            ).format(path=self.database, n=foreign))
        if others:
            raise CommandError(self.tr.gettext(
                "{path} holds a roster that is not the demo district: the sandbox never uses a real "
                "database. Give it another file with --database."
            ).format(path=self.database))
        return not ours

    async def prepare(self) -> None:
        """Open the store; on a first start load the demo district, campaign and visits; then put
        everyone in Telegram and the groups in place."""
        first = await self._check_database()
        zone = ZoneInfo(self.base.bot_timezone)
        if first or not self.campaign_file.exists():
            today = local_today(self.clock, zone)
            self.campaign_file.write_text(demo_campaign_toml(today, timezone=self.base.bot_timezone),
                                          encoding="utf-8")
        handle = await open_store(self.database_url, clock=self.clock)
        try:
            campaign = await load_campaign(handle, self.campaign_file, bot_timezone=self.base.bot_timezone)
            if first:
                loaded = await load_demo(handle, campaign=campaign, today=local_today(self.clock, zone))
                if not loaded.report.accepted:
                    raise CommandError("the demo district did not import")
                async with handle.sessions() as session:
                    await mark_sandbox_database(session=session, now=self.clock.now())
                visit = campaign.config.phase("visit")
                self.say(N_(
                    "First start: loaded the demo district ({staff} staff, {students} students), a demo "
                    "campaign whose visit phase runs {start} – {end}, and {visits} visits of the last "
                    "weeks."),
                    staff=loaded.report.summary.staff.added, students=loaded.report.summary.students.added,
                    start=visit.start if visit else "?", end=visit.end if visit else "?",
                    visits=loaded.visits,
                )
            await bind_everyone(handle, self.clock.now())
            self.people = await build_people(handle, self.standin, self.locale, self.clock.now())
        except BaseException:
            await handle.close()
            raise
        self._handle = handle
        self.web.set_people(self.people.people)

    async def _close_store(self) -> None:
        if self._handle is not None:
            await self._handle.close()
            self._handle = None

    def _remove_database(self) -> None:
        for path in (self.database, self.campaign_file, *(Path(f"{self.database}{s}") for s in
                                                          ("-wal", "-shm", "-journal"))):
            path.unlink(missing_ok=True)

    # --- what the page may do ----------------------------------------------------------------------
    async def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)

    async def next_event(self) -> dict[str, str]:
        """Move the clock just past the campaign's next weekly event (summary or nudges); what to say,
        in each of the page's languages."""
        assert self.app is not None
        config = self.app.bot_data.services.campaign.config
        label, when = next_event(config, self.clock.now())
        self.clock.advance(when - self.clock.now() + JUST_PAST)
        shown = when.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
        return {
            loc.value: translator(loc).gettext(
                "Moved to {when}: {event}; it arrives with the scheduler's next round."
            ).format(when=shown, event=translator(loc).gettext(label))
            for loc, _name in LOCALE_NAMES
        }

    async def reset(self) -> None:
        """Back to the demo data: the bot stops, the database starts over, the bot starts again."""
        if self._reset_done is None:
            self._reset_done = asyncio.get_running_loop().create_future()
            self._wake.set()
        await asyncio.shield(self._reset_done)

    async def as_new(self, key: str) -> Person:
        assert self._handle is not None
        return await meet_as_new(self._handle, self.standin, self.people, key, self.locale, self.clock.now())

    # --- running -----------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        await self.prepare()
        try:
            await self.standin.start(self.options.host, self.options.port)
        except OSError as exc:
            await self._close_store()
            raise CommandError(self.tr.gettext("cannot listen on {host}:{port} ({error}).").format(
                host=self.options.host, port=self.options.port, error=exc.strerror or exc)) from None
        try:
            self._greet()
            while True:
                self.app = build_application(
                    self.settings(), clock=self.clock, tick_interval=SCHEDULE_TICK_SECONDS
                )
                async with polling(self.app):
                    self.ready.set()
                    self._reset_finished()
                    await self._wake.wait()
                self.ready.clear()
                self._wake.clear()
                await self._close_store()
                if self._stopping:
                    break
                await self._start_over()
        finally:
            if self._reset_done is not None and not self._reset_done.done():
                self._reset_done.cancel()
            await self._close_store()
            await self.standin.stop()

    async def _start_over(self) -> None:
        self._remove_database()
        self.web.clear_chats()
        self.clock.reset()
        await self.prepare()
        self.say(N_("Reset: back to the demo data."))

    def _reset_finished(self) -> None:
        """The bot polls the fresh database: the page that asked may reload, and every other one."""
        done, self._reset_done = self._reset_done, None
        if done is not None:
            if not done.done():
                done.set_result(None)
            self.web.announce_reset()

    def _greet(self) -> None:
        url = self.url
        self.say(N_("Two Visits sandbox: for trying and training only, with a simulated Telegram on this "
                    "computer and a demo district. Nothing reaches Telegram."))
        self.say(N_("Open {url} in a browser, pick a person (for example a head teacher) and send /visit."),
                 url=url)
        self.say(N_("Database: {path} (never DATABASE_URL). To run the real bot, set TELEGRAM_BOT_TOKEN. "
                    "Ctrl-C stops."), path=self.database)
        if self.options.host not in LOOPBACK:
            self.say(N_("Warning: listening on {host}, not only on this computer."), host=self.options.host)


async def _main(options: SandboxOptions, base: Settings) -> None:
    sandbox = Sandbox(options, base)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, sandbox.stop)
    await sandbox.run()


def run_sandbox(options: SandboxOptions, base: Settings) -> int:
    """Run until Ctrl-C (or SIGTERM); returns the exit code."""
    asyncio.run(_main(options, base))
    print(translator(base.bot_default_locale).gettext("Sandbox stopped."), file=sys.stderr)
    return 0
