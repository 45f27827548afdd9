"""Benchmark: simulated head teachers logging one-on-one visits concurrently through the stand-in.

    python -m bench.visits [--teachers 50] [--visits-per-teacher 2] [--database PATH]

Everything runs in this one process on 127.0.0.1: the Bot API stand-in, the real bot (persistence,
SQLite, rate limiter and all) and the simulated users. Then a bare PTB echo bot, on a second token of
the same stand-in, gets the same users and the same number of round trips: the floor the stand-in,
HTTP and PTB cost on their own. Each user waits for the reply before the next tap (a closed loop
with no think time), so this measures the bot saturated, not a realistic day.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.echo import build_echo_application, echo_rounds
from bench.harness import BOT_TIMEZONE, BOT_TOKEN, ECHO_TOKEN, bench_settings, running
from bench.roster import SyntheticRoster, seed_roster, visits_by_visitor
from bench.stats import Latencies, Machine, cpu_seconds, describe_machine, load_average, peak_rss_mib
from bot.app import build_application
from sandbox import BotApiStandIn, User
from store.clock import SystemClock
from store.installation import load_campaign, open_store

STEPS_PER_VISIT = 6  # /visit, student, form, topic, Continue, Save
VISIT_STEPS = ("/visit", "student", "form", "topic", "continue", "save")


@dataclass
class Phase:
    """One bot's run: latencies, how long the whole phase took, what each user managed."""

    name: str
    latencies: Latencies
    seconds: float
    completed: int  # visits (or echo rounds) completed by all users together
    failures: list[str]
    api_calls: int = 0  # Bot API calls the bot made during the phase, getUpdates excluded
    sql_statements: int = 0
    sql_commits: int = 0
    sql_persistence_statements: int = 0
    # One teacher alone, after the run: (statements, commits) of each step.
    sql_by_step: dict[str, tuple[int, int]] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # this process's CPU time during the phase (bot + stand-in + users)


async def log_visits(user: User, visits: int, latencies: Latencies, *, reply_timeout: float,
                     after_step: Callable[[str], None] | None = None) -> int:
    """``visits`` one-on-one visits, each with the first not-yet-visited student. Returns visits saved."""

    async def step(name: str, action: Callable[[], Awaitable[object]], *, new_message: bool = False) -> str:
        start = time.perf_counter()
        await action()
        reply = await (user.next_message(reply_timeout) if new_message else user.next_reply(reply_timeout))
        latencies.add(name, time.perf_counter() - start)
        if after_step is not None:
            after_step(name)
        return reply.text or ""

    for _ in range(visits):
        text = await step("/visit", lambda: user.send("/visit"), new_message=True)
        if "Which student" not in text:
            raise AssertionError(f"/visit answered {text[:120]!r}")
        people = user.messages[-1]
        student = people.buttons[0]  # not-yet-visited students come first
        await step("student", partial(user.tap, student))
        await step("form", lambda: user.tap("🗣 In person"))
        topic = next(b for b in user.messages[-1].buttons if b.startswith("⬜"))
        await step("topic", partial(user.tap, topic))
        await step("continue", lambda: user.tap("Continue ➡️"))
        saved = await step("save", lambda: user.tap("💾 Save"))
        if not saved.startswith("✅ Saved."):
            raise AssertionError(f"Save answered {saved[:120]!r}")
    return visits


Driver = Callable[[User, int, Latencies], Awaitable[int]]


async def drive(name: str, users: Sequence[User], rounds: int, driver: Driver, *, time_limit: float) -> Phase:
    """Every user runs ``driver`` at once; the phase ends when all finish, fail, or time runs out."""
    latencies = Latencies()
    failures: list[str] = []

    async def one(user: User) -> int:
        try:
            return await driver(user, rounds, latencies)
        except AssertionError as exc:
            failures.append(f"{user!r}: {str(exc).splitlines()[0]}")
            return 0

    start, cpu = time.perf_counter(), cpu_seconds()
    try:
        async with asyncio.timeout(time_limit):
            done = await asyncio.gather(*(one(u) for u in users))
    except TimeoutError:
        failures.append(f"{name}: not finished within {time_limit:.0f}s")
        done = []
    phase = Phase(name, latencies, time.perf_counter() - start, sum(done), failures)
    phase.cpu_seconds = cpu_seconds() - cpu
    return phase


async def probe_one_visit(
    user: User, sql: SqlCounter, *, reply_timeout: float
) -> dict[str, tuple[int, int]]:
    """One more visit by one teacher alone, after the run: the statements and commits of each step."""
    by_step: dict[str, tuple[int, int]] = {}
    last = (sql.statements, sql.commits)

    def after(name: str) -> None:
        nonlocal last
        # The bot's write-through happens before the reply; the persistence flush may trail it.
        now = (sql.statements, sql.commits)
        by_step[name] = (now[0] - last[0], now[1] - last[1])
        last = now

    await log_visits(user, 1, Latencies(), reply_timeout=reply_timeout, after_step=after)
    return by_step


def _api_calls(standin: BotApiStandIn) -> int:
    return sum(n for method, n in standin.request_counts.items() if method.lower() != "getupdates")


class SqlCounter:
    """Counts the statements and commits the bot's engine runs (the bench's own engine is separate)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.statements = 0
        self.persistence_statements = 0  # reads and writes of the bot's PTB persistence table
        self.commits = 0
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)

    def _statement(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.statements += 1
        if "bot_persistence" in statement:
            self.persistence_statements += 1

    def _commit(self, *_: object) -> None:
        self.commits += 1

    def detach(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


@dataclass
class Result:
    machine: Machine
    teachers: int
    visits_per_teacher: int
    students: int
    visits: Phase
    echo: Phase
    visits_in_db: int
    teachers_with_all_visits: int
    peak_rss_mib: float
    load_before: str
    load_after: str
    api_latency_ms: float = 0.0
    sequential: bool = False


async def run(teachers: int, visits_per_teacher: int, students_per_class: int, database: Path,
              *, reply_timeout: float, time_limit: float, api_latency: float = 0.0,
              sequential: bool = False) -> Result:
    machine = describe_machine()
    load_before = load_average()
    clock = SystemClock()
    database_url = f"sqlite+aiosqlite:///{database}"
    standin_server = BotApiStandIn(bot_username="TwoVisitsBenchBot", token=BOT_TOKEN, latency=api_latency)
    async with standin_server as standin:
        echo_world = standin.add_bot(ECHO_TOKEN, "EchoBenchBot")
        users = [standin.world.user(f"Teacher {i + 1:03d}", language_code="en") for i in range(teachers)]
        prober = standin.world.user("Probe", language_code="en")  # the last class's head, after the run
        store = await open_store(database_url, clock=clock)
        try:
            await load_campaign(store, None, bot_timezone=BOT_TIMEZONE)
            roster: SyntheticRoster = await seed_roster(
                store, [u.id for u in (*users, prober)], students_per_class=students_per_class,
                now=clock.now(),
            )
            app = build_application(
                bench_settings(standin, database_url), clock=clock, per_chat_concurrency=not sequential
            )
            async with running(app):

                async def visit(user: User, n: int, lat: Latencies) -> int:
                    return await log_visits(user, n, lat, reply_timeout=reply_timeout)

                sql = SqlCounter(app.bot_data.services.store.engine)
                calls_before = _api_calls(standin)
                visits = await drive("visits", users, visits_per_teacher, visit, time_limit=time_limit)
                visits.api_calls = _api_calls(standin) - calls_before
                visits.sql_statements, visits.sql_commits = sql.statements, sql.commits
                visits.sql_persistence_statements = sql.persistence_statements
                visits.sql_by_step = await probe_one_visit(prober, sql, reply_timeout=reply_timeout)
                sql.detach()
            rss = peak_rss_mib()
            per_visitor = await visits_by_visitor(store)
        finally:
            await store.close()

        echo_users = [echo_world.user(u.first_name, user_id=u.id) for u in users]
        async with running(build_echo_application(standin)):

            async def rounds(user: User, n: int, lat: Latencies) -> int:
                return await echo_rounds(user, n, lat, reply_timeout=reply_timeout)

            calls_before = _api_calls(standin)
            echo = await drive("echo", echo_users, visits_per_teacher, rounds, time_limit=time_limit)
            echo.api_calls = _api_calls(standin) - calls_before
    return Result(
        machine=machine,
        api_latency_ms=api_latency * 1000,
        sequential=sequential,
        teachers=teachers,
        visits_per_teacher=visits_per_teacher,
        students=roster.students,
        visits=visits,
        echo=echo,
        visits_in_db=sum(per_visitor.values()) - per_visitor.get(roster.staff_ids[-1], 0),  # not the probe's
        teachers_with_all_visits=sum(
            1 for staff_id in roster.staff_ids[:-1] if per_visitor.get(staff_id, 0) == visits_per_teacher
        ),
        peak_rss_mib=rss,
        load_before=load_before,
        load_after=load_average(),
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}"


def report(result: Result) -> list[str]:
    """The figures as printed (and pasted into docs/benchmarks.md)."""
    v, e = result.visits, result.echo
    expected = result.teachers * result.visits_per_teacher
    vs, es = v.latencies.summary(), e.latencies.summary()
    lines = [*result.machine.lines(), ""]
    lines.append(
        f"{result.teachers} teachers × {result.visits_per_teacher} visits "
        f"({STEPS_PER_VISIT} round trips each), {result.students} students, all users at once"
        + (f"; {result.api_latency_ms:g} ms added to every Bot API call" if result.api_latency_ms else "")
        + ("; bot updates one at a time" if result.sequential else "")
    )
    def row(label: str, bot: float | str, echo: float | str, fmt: str = ".1f") -> str:
        cells = [f"{x:>16{fmt}}" if isinstance(x, float) else f"{x:>16}" for x in (bot, echo)]
        return f"{label:22} {cells[0]} {cells[1]}"

    def per(x: float, n: float) -> float:
        return x / n if n else math.nan

    lines += [
        "",
        row("reply latency (ms)", "two-visits bot", "bare PTB echo"),
        *(row(key, vs[key] * 1000, es[key] * 1000) for key in ("p50", "p95", "p99", "max")),
        row("round trips", f"{vs['n']:.0f}", f"{es['n']:.0f}"),
        row("phase wall time (s)", v.seconds, e.seconds),
        row("round trips / s", per(vs["n"], v.seconds), per(es["n"], e.seconds)),
        row("visits (rounds) / s", per(v.completed, v.seconds), per(e.completed, e.seconds), ".2f"),
        row("CPU ms / round trip", per(v.cpu_seconds * 1000, vs["n"]), per(e.cpu_seconds * 1000, es["n"])),
        row("Bot API calls / trip", per(v.api_calls, vs["n"]), per(e.api_calls, es["n"]), ".2f"),
        row("SQL statements / trip", per(v.sql_statements, vs["n"]), "-"),
        row("  on bot_persistence", per(v.sql_persistence_statements, vs["n"]), "-"),
        row("SQL commits / trip", per(v.sql_commits, vs["n"]), "-"),
        "",
        f"visits saved in the database: {result.visits_in_db} (expected {expected}); teachers with "
        f"exactly {result.visits_per_teacher}: {result.teachers_with_all_visits}/{result.teachers}",
        f"load average (1 min) before / after: {result.load_before} / {result.load_after} "
        f"on {result.machine.cpus} CPUs",
        "peak RSS after the visit phase (stand-in + bot + users, one process): "
        f"{result.peak_rss_mib:.0f} MiB",
        "",
        "two-visits bot, p50 / p95 by step (ms):",
    ]
    for step in VISIT_STEPS:
        s = v.latencies.summary(v.latencies.by_step.get(step, []))
        lines.append(f"  {step:10} {_ms(s['p50'])} {_ms(s['p95'])}")
    if v.sql_by_step:
        lines += ["", "one teacher alone, one visit: SQL statements / commits by step:"]
        lines += [f"  {step:10} {n:5d} {c:5d}" for step, (n, c) in v.sql_by_step.items()]
        taps = sorted(n for step, (n, _) in v.sql_by_step.items() if step != "save")
        lines.append(f"  median statements per tap (Save apart): {taps[len(taps) // 2] if taps else 0}")
    for phase in (v, e):
        lines += [f"FAILED ({phase.name}): {f}" for f in phase.failures[:10]]
    return lines


def ok(result: Result) -> bool:
    expected = result.teachers * result.visits_per_teacher
    return (not result.visits.failures and not result.echo.failures
            and result.visits_in_db == expected and result.teachers_with_all_visits == result.teachers)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.visits",
        description="Simulated teachers log visits concurrently through the Bot API stand-in; "
        "the same users then drive a bare PTB echo bot for comparison.",
    )
    parser.add_argument("--teachers", type=int, default=50, help="simulated head teachers (default 50)")
    parser.add_argument("--visits-per-teacher", type=int, default=2, help="visits each logs (default 2)")
    parser.add_argument("--students-per-class", type=int, default=40, help="(default 40)")
    parser.add_argument("--database", type=Path, default=None,
                        help="SQLite file to create and keep (must not exist; default: a temp dir)")
    parser.add_argument("--reply-timeout", type=float, default=60.0, help="seconds to wait for one reply")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds allowed for each phase")
    parser.add_argument("--sequential", action="store_true",
                        help="handle the bot's updates one at a time (PTB's default), for comparison")
    parser.add_argument("--api-latency-ms", type=float, default=0.0,
                        help="delay added to every Bot API call, like Telegram's round trip (default 0)")
    args = parser.parse_args(argv)
    if args.teachers < 1 or args.visits_per_teacher < 1:
        parser.error("--teachers and --visits-per-teacher must be at least 1")
    if args.visits_per_teacher > args.students_per_class:
        parser.error("--visits-per-teacher may not exceed --students-per-class (one visit per student)")
    if args.database is not None and args.database.exists():
        parser.error(f"{args.database} exists; the bench needs a fresh database")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="twovisits-bench-") as tmp:
        database = args.database.resolve() if args.database else Path(tmp) / "bench.db"
        # The bot would pick up a campaign.toml or .env from the working directory: run where there is none.
        cwd = Path.cwd()
        os.chdir(tmp)
        try:
            result = asyncio.run(run(
                args.teachers, args.visits_per_teacher, args.students_per_class, database,
                reply_timeout=args.reply_timeout, time_limit=args.time_limit,
                api_latency=args.api_latency_ms / 1000, sequential=args.sequential,
            ))
        finally:
            os.chdir(cwd)
    print("\n".join(report(result)))
    if not ok(result):
        print("benchmark FAILED: see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
