"""The realistic rush (``python -m bench.visits --rush``): many teachers logging visits at once,
each waiting a random think time before every tap, with the production send policy.

1,000 teachers by default, each waiting an exponential think time (mean 20 s, seeded, one stream per
teacher) before every step of its visits, for 3 minutes: about 50 taps a second offered. After the
time is up no teacher starts a new step; the steps under way are waited for. Nothing may be lost:
every tap answered (within ``--reply-timeout``), every "✅ Saved." a visit in the database. The
target (issue 6): p95 per tap ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.harness import BOT_TIMEZONE, BOT_TOKEN, SqlCounter, UpdateCosts, bench_settings, running
from bench.roster import seed_roster, visits_by_visitor
from bench.stats import Latencies, cpu_seconds, load_average, peak_rss_mib
from bench.teacher import log_visits
from bot.app import build_application
from sandbox import BotApiStandIn, User
from store.clock import SystemClock
from store.installation import load_campaign, open_store

TARGET_P95 = 1.0  # seconds per tap


@dataclass
class Rush:
    teachers: int
    seconds: float
    think_mean: float
    seed: int
    latencies: Latencies
    wall: float  # from the first possible tap to the last reply
    cpu_seconds: float
    taps_sent: int
    lost: list[str]  # taps not answered, or answered wrongly
    saved_replies: Counter[int]  # staff id: "✅ Saved." replies seen
    saved_in_db: dict[int, int]  # staff id: visits in the database
    sql: UpdateCosts
    load_before: str
    load_after: str
    peak_rss_mib: float


async def rush(teachers: int, seconds: float, think_mean: float, seed: int, students_per_class: int,
               database: Path, *, reply_timeout: float) -> Rush:
    load_before = load_average()
    clock = SystemClock()
    database_url = f"sqlite+aiosqlite:///{database}"
    async with BotApiStandIn(bot_username="TwoVisitsBenchBot", token=BOT_TOKEN) as standin:
        users = [standin.world.user(f"Teacher {i + 1:04d}", language_code="en") for i in range(teachers)]
        store = await open_store(database_url, clock=clock)
        try:
            await load_campaign(store, None, bot_timezone=BOT_TIMEZONE)
            roster = await seed_roster(store, [u.id for u in users], students_per_class=students_per_class,
                                       now=clock.now())
            staff_of = dict(zip((u.id for u in users), roster.staff_ids, strict=True))
            app = build_application(bench_settings(standin, database_url), clock=clock)  # production policy
            current: dict[int, str] = {}
            latencies, lost, saved = Latencies(), [], Counter[int]()
            taps = 0
            async with running(app):
                sql = SqlCounter(app.bot_data.services.store.engine)
                sql.count_updates(app, lambda u: current.get(getattr(u.effective_user, "id", 0)))
                start, cpu = time.perf_counter(), cpu_seconds()
                deadline = start + seconds

                async def teacher(index: int, user: User) -> None:
                    nonlocal taps
                    think_times = random.Random(seed * 1_000_003 + index)

                    async def think() -> bool:
                        wait = think_times.expovariate(1 / think_mean)
                        if time.perf_counter() + wait >= deadline:
                            return False  # the next tap would come after the rush: none
                        await asyncio.sleep(wait)
                        return True

                    def on_step(step: str) -> None:
                        nonlocal taps
                        current[user.id] = step
                        taps += 1

                    def after_step(step: str) -> None:
                        if step == "save":
                            saved[staff_of[user.id]] += 1

                    try:
                        await log_visits(user, None, latencies, reply_timeout=reply_timeout, on_step=on_step,
                                         after_step=after_step, think=think)
                    except AssertionError as exc:
                        lost.append(f"{user!r} at {current.get(user.id)}: {str(exc).splitlines()[0]}")

                await asyncio.gather(*(teacher(i, u) for i, u in enumerate(users)))
                wall, used = time.perf_counter() - start, cpu_seconds() - cpu
            sql.detach()
            rss = peak_rss_mib()
            in_db = await visits_by_visitor(store)
        finally:
            await store.close()
    return Rush(teachers, seconds, think_mean, seed, latencies, wall, used, taps, lost, saved, in_db,
                UpdateCosts.of(sql), load_before, load_average(), rss)


def _mismatched(r: Rush) -> list[int]:
    """Teachers whose "✅ Saved." replies and visits in the database differ in number."""
    return sorted(k for k in set(r.saved_replies) | set(r.saved_in_db)
                  if r.saved_replies.get(k, 0) != r.saved_in_db.get(k, 0))


def ok(r: Rush) -> bool:
    """Nothing lost: every tap answered as expected, every saved visit in the database."""
    return not r.lost and int(r.latencies.summary()["n"]) == r.taps_sent and not _mismatched(r)


def report(r: Rush) -> list[str]:
    s = r.latencies.summary()
    answered = int(s["n"])
    mismatched = _mismatched(r)
    saved = sum(r.saved_replies.values())
    ms = {k: f"{s[k] * 1000:.0f} ms" for k in ("p50", "p95", "p99", "max")}
    lines = [
        "",
        f"rush: {r.teachers} teachers, exponential think time before every tap (mean {r.think_mean:g} s, "
        f"seed {r.seed}), new taps for {r.seconds:g} s; production send policy; load average (1 min) "
        f"before / after: {r.load_before} / {r.load_after}",
        "",
        f"taps sent {r.taps_sent}, answered {answered}, offered {r.taps_sent / r.seconds:.1f} taps/s "
        f"(expected about {r.teachers / r.think_mean:.0f})",
        f"reply per tap: p50 {ms['p50']}, p95 {ms['p95']}, p99 {ms['p99']}, max {ms['max']}",
        f"CPU ms per round trip {r.cpu_seconds * 1000 / answered if answered else float('nan'):.2f} "
        f"(whole process, {r.cpu_seconds:.1f} s of CPU in {r.wall:.1f} s); peak RSS {r.peak_rss_mib:.0f} MiB",
        f"visits saved: {saved} \"✅ Saved.\" replies, {sum(r.saved_in_db.values())} visits in the database"
        + (f"; MISMATCHED for {len(mismatched)} teachers" if mismatched else ", teacher by teacher the same"),
        "",
        *r.sql.lines(r.latencies),
        "",
        "target (issue 6): p95 per tap ≤ 1 s: "
        + ("met" if s["p95"] <= TARGET_P95 else "MISSED")
        + f"; nothing lost: {'met' if ok(r) else 'MISSED'}",
    ]
    lines += [f"LOST: {x}" for x in r.lost[:10]]
    return lines


def main_rush(args: argparse.Namespace, tmp: Path) -> int:
    result = asyncio.run(rush(args.rush_teachers, args.rush_seconds, args.think_mean, args.seed,
                              args.students_per_class, tmp / "rush.db", reply_timeout=args.reply_timeout))
    print("\n".join(report(result)))
    if not ok(result):
        print("rush FAILED: see above")
        return 1
    return 0
