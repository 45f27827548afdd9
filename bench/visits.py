"""Benchmark: simulated head teachers logging one-on-one visits concurrently through the stand-in.

    python -m bench.visits [--teachers 50 200] [--visits-per-teacher 2] [--database PATH]
    python -m bench.visits --rush [--rush-seconds 180] [--rush-teachers 1000] [--think-mean 20]

Everything runs in this one process on 127.0.0.1: the Bot API stand-in, the real bot (persistence,
SQLite, send policy and all) and the simulated users. For each number of teachers, the bot's phase
is followed by the floor's: a PTB echo bot on a second token of the same stand-in gets the same users
and the same round trips, once with the bot's send policy and update processor (the floor the
targets are measured against) and once as PTB ships (no rate limiter, one update at a time). Each
user waits for the reply before the next tap (a closed loop with no think time), so this measures the
bot saturated, not a realistic day; ``--rush`` is the realistic rush (bench/rush.py).
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
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.cpu_profile import CpuProfile
from bench.echo import build_echo_application, echo_rounds
from bench.harness import (
    BOT_TIMEZONE,
    BOT_TOKEN,
    ECHO_TOKEN,
    SqlCounter,
    UpdateCosts,
    bench_settings,
    running,
)
from bench.roster import SyntheticRoster, seed_roster, visits_by_visitor
from bench.stats import Latencies, Machine, cpu_seconds, describe_machine, load_average, peak_rss_mib
from bench.teacher import STEPS_PER_VISIT, VISIT_STEPS, log_visits
from bot.app import build_application
from sandbox import BotApiStandIn, User
from store.clock import SystemClock
from store.installation import load_campaign, open_store

TARGET_RATIO = 1.5  # issue 6: p95 and CPU per round trip at most 1.5 × the floor's
TARGET_STATEMENTS, TARGET_COMMITS = 4, 1  # per tap, median


@dataclass
class Phase:
    """One bot's run: latencies, how long the whole phase took, what each user managed."""

    name: str
    latencies: Latencies
    seconds: float
    completed: int  # visits (or echo rounds) completed by all users together
    failures: list[str]
    api_calls: int = 0  # Bot API calls the bot made during the phase, getUpdates excluded
    polls: int = 0  # its getUpdates calls
    cpu_seconds: float = 0.0  # this process's CPU time during the phase (bot + stand-in + users)
    sql: UpdateCosts | None = None

    @property
    def round_trips(self) -> int:
        return len(self.latencies.all())

    def per_trip(self, x: float) -> float:
        return x / self.round_trips if self.round_trips else math.nan


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


def api_calls(standin: BotApiStandIn) -> int:
    return sum(n for method, n in standin.request_counts.items() if method.lower() != "getupdates")


def polls(standin: BotApiStandIn) -> int:
    return sum(n for method, n in standin.request_counts.items() if method.lower() == "getupdates")


@dataclass
class Result:
    teachers: int
    visits_per_teacher: int
    students: int
    visits: Phase
    floors: list[Phase] = field(default_factory=list)  # the bot's policies first, then PTB's defaults
    visits_in_db: int = 0
    teachers_with_all_visits: int = 0
    peak_rss_mib: float = 0.0
    load_before: str = ""
    load_after: str = ""
    profile: list[str] = field(default_factory=list)


async def run(teachers: int, visits_per_teacher: int, students_per_class: int, database: Path,
              *, reply_timeout: float, time_limit: float, bare_floor: bool = True,
              profile: bool = False, profile_out: Path | None = None) -> Result:
    """The bot's phase, then the floor's, with ``teachers`` users on a fresh stand-in and database."""
    load_before = load_average()
    clock = SystemClock()
    database_url = f"sqlite+aiosqlite:///{database}"
    async with BotApiStandIn(bot_username="TwoVisitsBenchBot", token=BOT_TOKEN) as standin:
        echo_world = standin.add_bot(ECHO_TOKEN, "EchoBenchBot")
        users = [standin.world.user(f"Teacher {i + 1:03d}", language_code="en") for i in range(teachers)]
        store = await open_store(database_url, clock=clock)
        try:
            await load_campaign(store, None, bot_timezone=BOT_TIMEZONE)
            roster: SyntheticRoster = await seed_roster(
                store, [u.id for u in users], students_per_class=students_per_class, now=clock.now()
            )
            app = build_application(bench_settings(standin, database_url), clock=clock)
            current: dict[int, str] = {}  # user id: the step of their update in flight
            async with running(app):
                sql = SqlCounter(app.bot_data.services.store.engine)  # the bot's engine, open now
                sql.count_updates(app, lambda u: current.get(getattr(u.effective_user, "id", 0)))

                async def visit(user: User, n: int, lat: Latencies) -> int:
                    def on_step(step: str) -> None:
                        current[user.id] = step

                    return await log_visits(user, n, lat, reply_timeout=reply_timeout, on_step=on_step)

                calls_before, polls_before = api_calls(standin), polls(standin)
                sampler = CpuProfile(stacks=profile)
                if profile:
                    sampler.start()
                try:
                    visits = await drive("visits", users, visits_per_teacher, visit, time_limit=time_limit)
                finally:
                    sampler.stop()
                visits.api_calls = api_calls(standin) - calls_before
                visits.polls = polls(standin) - polls_before
            sql.detach()
            visits.sql = UpdateCosts.of(sql)
            profile_lines = sampler.lines(visits.cpu_seconds * 1000, Counter(c.step for c in sql.updates),
                                          visits.round_trips, VISIT_STEPS)
            if profile:
                profile_lines += ["", "the bot's phase, the functions with the most CPU under them "
                                  "(ms per round trip, whole phase):",
                                  *sampler.functions(visits.cpu_seconds * 1000, visits.round_trips)]
                if profile_out is not None:
                    sampler.write_collapsed(profile_out.with_suffix(f".bot-{teachers}.collapsed"))
            rss = peak_rss_mib()
            per_visitor = await visits_by_visitor(store)
        finally:
            await store.close()

        echo_users = [echo_world.user(u.first_name, user_id=u.id) for u in users]
        floors = []
        for policies in (True, False) if bare_floor else (True,):
            async with running(build_echo_application(standin, policies=policies)):

                async def rounds(user: User, n: int, lat: Latencies) -> int:
                    return await echo_rounds(user, n, lat, reply_timeout=reply_timeout)

                calls_before, polls_before = api_calls(standin), polls(standin)
                name = "echo, bot's policies" if policies else "echo, PTB defaults"
                floor_sampler = CpuProfile(stacks=True)
                if profile and policies:
                    floor_sampler.start()
                try:
                    floor = await drive(name, echo_users, visits_per_teacher, rounds, time_limit=time_limit)
                finally:
                    floor_sampler.stop()
                floor.api_calls = api_calls(standin) - calls_before
                floor.polls = polls(standin) - polls_before
                floors.append(floor)
                if profile and policies:
                    cpu_ms = floor.cpu_seconds * 1000
                    profile_lines += ["", f"the floor ({name}), CPU ms per round trip by layer:",
                                      *floor_sampler.lines(cpu_ms, Counter(), floor.round_trips, ())[1:],
                                      "the floor, the functions with the most CPU under them:",
                                      *floor_sampler.functions(cpu_ms, floor.round_trips)]
                    if profile_out is not None:
                        floor_sampler.write_collapsed(profile_out.with_suffix(f".floor-{teachers}.collapsed"))
    return Result(
        teachers=teachers,
        visits_per_teacher=visits_per_teacher,
        students=roster.students,
        visits=visits,
        floors=floors,
        visits_in_db=sum(per_visitor.values()),
        teachers_with_all_visits=sum(
            1 for staff_id in roster.staff_ids if per_visitor.get(staff_id, 0) == visits_per_teacher
        ),
        peak_rss_mib=rss,
        load_before=load_before,
        load_after=load_average(),
        profile=profile_lines,
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(result: Result) -> list[str]:
    """The figures of one number of teachers, as printed (and pasted into docs/benchmarks.md)."""
    v, floors = result.visits, result.floors
    phases = [v, *floors]
    summaries = [p.latencies.summary() for p in phases]
    expected = result.teachers * result.visits_per_teacher
    lines = [
        f"{result.teachers} teachers × {result.visits_per_teacher} visits ({STEPS_PER_VISIT} round trips "
        f"each), {result.students} students, all users at once; load average (1 min) before / after: "
        f"{result.load_before} / {result.load_after}",
        "",
    ]

    def row(label: str, cells: Sequence[float | str], fmt: str = ".1f") -> str:
        return f"{label:24}" + "".join(
            f"{x:>24{fmt}}" if isinstance(x, float) else f"{x:>24}" for x in cells
        )

    lines += [
        row("", ["two-visits bot", *(p.name for p in floors)]),
        *(row(f"reply {k} (ms)", [s[k] * 1000 for s in summaries]) for k in ("p50", "p95", "p99", "max")),
        row("round trips", [f"{p.round_trips}" for p in phases]),
        row("phase wall time (s)", [p.seconds for p in phases]),
        row("round trips / s", [p.round_trips / p.seconds for p in phases]),
        row("CPU ms / round trip", [p.per_trip(p.cpu_seconds * 1000) for p in phases], ".2f"),
        row("Bot API calls / trip", [p.per_trip(p.api_calls) for p in phases], ".2f"),
        row("getUpdates / trip", [p.per_trip(p.polls) for p in phases], ".2f"),
        "",
        f"visits saved in the database: {result.visits_in_db} (expected {expected}); teachers with "
        f"exactly {result.visits_per_teacher}: {result.teachers_with_all_visits}/{result.teachers}; "
        f"peak RSS (one process): {result.peak_rss_mib:.0f} MiB",
    ]
    if v.sql is not None:
        lines += ["", *v.sql.lines(v.latencies)]
    if result.profile:
        lines += ["", *result.profile]
    if floors:
        f = floors[0]
        floor_p95, floor_cpu = summaries[1]["p95"], f.per_trip(f.cpu_seconds)
        bot_p95, bot_cpu = summaries[0]["p95"], v.per_trip(v.cpu_seconds)
        p95_ratio = bot_p95 / floor_p95 if floor_p95 else math.nan
        cpu_ratio = bot_cpu / floor_cpu if floor_cpu else math.nan
        lines += ["", f"targets (issue 6), against the floor with the bot's policies ({f.name}):",
                  f"  p95 reply ≤ {TARGET_RATIO}× floor: {bot_p95 * 1000:.0f} against "
                  f"{floor_p95 * 1000:.0f} ms = {p95_ratio:.2f}×  {_verdict(p95_ratio <= TARGET_RATIO)}",
                  f"  CPU per round trip ≤ {TARGET_RATIO}× floor: {bot_cpu * 1000:.2f} against "
                  f"{floor_cpu * 1000:.2f} ms = {cpu_ratio:.2f}×  {_verdict(cpu_ratio <= TARGET_RATIO)}"]
        if v.sql is not None:
            taps = v.sql.taps()
            lines += [f"  SQL statements per tap (median) ≤ {TARGET_STATEMENTS}: {taps.statements:g}  "
                      f"{_verdict(taps.statements <= TARGET_STATEMENTS)}",
                      f"  SQL commits per tap (median) ≤ {TARGET_COMMITS}: {taps.commits:g}  "
                      f"{_verdict(taps.commits <= TARGET_COMMITS)}",
                      f"  Save (may take more): {v.sql.step('save').statements:g} statements, "
                      f"{v.sql.step('save').commits:g} commits (median)"]
    for phase in phases:
        lines += [f"FAILED ({phase.name}): {f}" for f in phase.failures[:10]]
    return lines


def ok(result: Result) -> bool:
    expected = result.teachers * result.visits_per_teacher
    return (not any(p.failures for p in (result.visits, *result.floors))
            and result.visits_in_db == expected and result.teachers_with_all_visits == result.teachers)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.visits",
        description="Simulated teachers log visits concurrently through the Bot API stand-in, beside an "
        "echo floor; or, with --rush, a realistic rush with think times.",
    )
    parser.add_argument("--teachers", type=int, nargs="+", default=[50],
                        help="simulated head teachers, one run beside the floor for each (default 50)")
    parser.add_argument("--visits-per-teacher", type=int, default=2, help="visits each logs (default 2)")
    parser.add_argument("--students-per-class", type=int, default=40, help="(default 40)")
    parser.add_argument("--database", type=Path, default=None,
                        help="SQLite file to create and keep (must not exist; one --teachers only)")
    parser.add_argument("--reply-timeout", type=float, default=60.0, help="seconds to wait for one reply")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds allowed for each phase")
    parser.add_argument("--profile", action="store_true",
                        help="sample the bot's CPU by step and layer (bench/cpu_profile.py)")
    parser.add_argument("--profile-out", type=Path, default=None,
                        help="with --profile: write the sampled stacks (collapsed, for a flame graph) to "
                        "PATH.bot-N.collapsed and PATH.floor-N.collapsed")
    parser.add_argument("--no-bare-floor", action="store_true",
                        help="skip the second floor (PTB's defaults: no limiter, one update at a time)")
    rush = parser.add_argument_group("the rush (--rush)")
    rush.add_argument("--rush", action="store_true",
                      help="1,000 teachers with think times instead of the saturated closed loop")
    rush.add_argument("--rush-teachers", type=int, default=1000, help="(default 1000)")
    rush.add_argument("--rush-seconds", type=float, default=180.0,
                      help="how long teachers start new taps (default 180)")
    rush.add_argument("--think-mean", type=float, default=20.0,
                      help="mean of the exponential think time before each tap, seconds (default 20)")
    rush.add_argument("--seed", type=int, default=6, help="seed of the think times (default 6)")
    args = parser.parse_args(argv)
    if min(args.teachers) < 1 or args.visits_per_teacher < 1:
        parser.error("--teachers and --visits-per-teacher must be at least 1")
    if args.visits_per_teacher > args.students_per_class:
        parser.error("--visits-per-teacher may not exceed --students-per-class (one visit per student)")
    if args.database is not None and (args.database.exists() or len(args.teachers) > 1 or args.rush):
        parser.error("--database must not exist, and goes with one --teachers and no --rush")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    machine: Machine = describe_machine()
    print("\n".join(machine.lines()))
    failed = False
    with tempfile.TemporaryDirectory(prefix="twovisits-bench-") as tmp:
        # The bot would pick up a campaign.toml or .env from the working directory: run where there is none.
        cwd = Path.cwd()
        os.chdir(tmp)
        try:
            if args.rush:
                from bench.rush import main_rush

                return main_rush(args, Path(tmp))
            for n, teachers in enumerate(args.teachers):
                database = args.database.resolve() if args.database else Path(tmp) / f"bench-{n}.db"
                result = asyncio.run(run(
                    teachers, args.visits_per_teacher, args.students_per_class, database,
                    reply_timeout=args.reply_timeout, time_limit=args.time_limit,
                    bare_floor=not args.no_bare_floor, profile=args.profile,
                    profile_out=args.profile_out.resolve() if args.profile_out else None,
                ))
                print("", *report(result), sep="\n", flush=True)
                failed |= not ok(result)
        finally:
            os.chdir(cwd)
    if failed:
        print("benchmark FAILED: see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
