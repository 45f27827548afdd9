"""The outbox's fan-out against the stand-in enforcing Telegram's limits, alone or beside teachers who
are logging visits: total time against the 30 messages/s minimum, 429s, lost and duplicated messages,
and the teachers' latency per tap meanwhile.

    python -m bench.outbox --groups 30 --private 570 --people 200 --think 10 --flood-model bulk

Groups and private chats get one message each, enqueued straight into the outbox (what a schedule run
does). Each of ``--people`` head teachers logs visits (``bench/teacher.py``: /visit, five taps), waiting
``--think`` seconds before each step, until the fan-out is done (``--talk help``: each sends /help
instead). ``--flood-model`` is the stand-in's reading of Telegram's 30/s (strict: every message counts;
bulk: replies to private chats that wrote in the last minute do not); ``--policy`` is the bot's
(``BOT_FLOOD_MODEL``; by default the same as the stand-in's). ``--in-flight`` is the outbox's messages
in flight at once (each is a possible repeat if the bot is killed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench.harness import bench_settings, running
from bench.roster import seed_roster
from bench.stats import Latencies, describe_machine, load_average
from bench.teacher import log_visits
from bot.app import build_application
from bot.outbox_sender import Pacing
from sandbox import BotApiStandIn, User
from store.clock import FixedClock
from store.installation import load_campaign, open_store
from store.outbox import NewMessage, OutboxState, enqueue, outbox_counts


def _thinker(done: asyncio.Event, think: float, offset: float) -> Callable[[], Awaitable[bool]]:
    """Waits before each step (the first time ``offset``, to spread the people); False once done."""
    first = [True]

    async def think_() -> bool:
        wait, first[0] = (offset if first[0] else think), False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), wait)
        return not done.is_set()

    return think_


async def _ask_help(person: User, latencies: Latencies, think: Callable[[], Awaitable[bool]]) -> None:
    while await think():
        start = time.monotonic()
        await person.send("/help")
        await person.next_message(timeout=60)
        latencies.add("help", time.monotonic() - start)


async def run(
    groups: int, private: int, people: int, api_latency: float, think: float, *, flood_model: str,
    policy: str, in_flight: int, talk: str,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        # A fixed daytime in the campaign's zone, so quiet hours never hold the fan-out back; pacing
        # runs on the event loop's own clock.
        clock = FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
        store = await open_store(url, clock=clock)
        await load_campaign(store, None, bot_timezone="Asia/Shanghai")
        standin = BotApiStandIn(bot_username="TwoVisitsBot", rate_limits=True, latency=api_latency,
                                flood_model=flood_model)
        async with standin:
            world = standin.world
            chats = [world.group(f"School {n}").id for n in range(groups)]
            chats += [world.user(f"Teacher {n}").id for n in range(private)]
            talkers = [world.user(f"Person {n}", language_code="en") for n in range(people)]
            if talk == "visits" and talkers:
                await seed_roster(store, [u.id for u in talkers], students_per_class=30, now=clock.now())
            settings = bench_settings(standin, url).model_copy(update={"bot_flood_model": policy})
            app = build_application(settings, clock=clock, tick_interval=None,
                                    pacing=Pacing(in_flight=in_flight))
            async with running(app):
                async with store.sessions() as session:
                    await enqueue(session=session, now=clock.now(), messages=[
                        NewMessage(chat, "bench", "1", {"text": f"Message {n}"})
                        for n, chat in enumerate(chats)
                    ])
                    await session.commit()
                sender = app.bot_data.services.outbox
                assert sender is not None
                latencies, done = Latencies(), asyncio.Event()
                tasks = []
                for n, person in enumerate(talkers):
                    think_ = _thinker(done, think, think * n / max(people, 1))
                    work = (log_visits(person, None, latencies, reply_timeout=60, think=think_)
                            if talk == "visits" else _ask_help(person, latencies, think_))
                    tasks.append(asyncio.create_task(work))
                start = time.monotonic()
                sender.wake()
                await sender.wait_idle(timeout=3600)
                total = time.monotonic() - start
                done.set()
                await asyncio.gather(*tasks)
                async with store.sessions() as session:
                    counts = await outbox_counts(session=session)
                replies_counted = sender.policy.replies_count
            received = [len([m for m in standin.world.state.chat(c).log if m.from_bot]) for c in chats]
            targets = set(chats)
            refused = [r for r in standin.requests if not r.ok and (r.error or "").startswith("Too Many")]
            bulk_429 = sum(1 for r in refused if r.params.get("chat_id") in targets)
            calls_to_people = Counter(r.method for r in standin.requests
                                      if r.ok and r.params.get("chat_id") in {u.id for u in talkers})
            limiter = standin.default_bot.limiter
        await store.close()
    return {
        "messages": len(received), "seconds": total, "floor": len(received) / 30,
        "lost": received.count(0), "duplicated": sum(1 for n in received if n > 1),
        "bulk_429": bulk_429, "reply_429": len(refused) - bulk_429,
        "unsent": len(received) - counts[OutboxState.SENT], "uncounted": limiter.uncounted_replies,
        "replies_counted_at_end": replies_counted, "calls_to_people": calls_to_people,
        "taps": latencies.summary(),
        "by_step": {k: latencies.summary(v) for k, v in latencies.by_step.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--private", type=int, default=1440)
    parser.add_argument("--people", type=int, default=0, help="teachers logging visits meanwhile")
    parser.add_argument("--think", type=float, default=10.0, help="seconds a person waits before each step")
    parser.add_argument("--talk", choices=("visits", "help"), default="visits")
    parser.add_argument("--api-latency-ms", type=float, default=0.0)
    parser.add_argument("--flood-model", choices=("strict", "bulk"), default="strict",
                        help="the stand-in's: whether replies count toward the 30/s")
    parser.add_argument("--policy", choices=("strict", "bulk"), default=None,
                        help="the bot's assumption (BOT_FLOOD_MODEL); default: the stand-in's")
    parser.add_argument("--in-flight", type=int, default=Pacing().in_flight)
    args = parser.parse_args()
    policy = args.policy or args.flood_model
    for line in describe_machine().lines():
        print(line)
    print(f"load:     {load_average()} (1 min, before)")
    print(f"stand-in: {args.flood_model} · bot: {policy} · in flight: {args.in_flight} · "
          f"API latency: {args.api_latency_ms:g} ms")
    r = asyncio.run(run(args.groups, args.private, args.people, args.api_latency_ms / 1000, args.think,
                        flood_model=args.flood_model, policy=policy, in_flight=args.in_flight,
                        talk=args.talk))
    print(f"fan-out:  {r['messages']} messages in {r['seconds']:.2f} s; at 30/s: {r['floor']:.2f} s "
          f"({100 * r['seconds'] / r['floor']:.0f} %)")
    print(f"429s: {r['bulk_429']} to bulk, {r['reply_429']} to replies · lost: {r['lost']} · "
          f"duplicated: {r['duplicated']} · unsent: {r['unsent']}")
    taps = r["taps"]
    if taps["n"]:
        print(f"replies meanwhile: {taps['n']:.0f} ({r['uncounted']} let through uncounted by the "
              f"stand-in), p50 {taps['p50'] * 1000:.0f} ms, p95 {taps['p95'] * 1000:.0f} ms, "
              f"max {taps['max'] * 1000:.0f} ms")
        calls = ", ".join(f"{n} {method}" for method, n in sorted(r["calls_to_people"].items()))
        print(f"  calls to the people (the stand-in counts sends and edits): {calls}")
        for step, s in r["by_step"].items():
            print(f"  {step:>9}: n {s['n']:.0f}, p50 {s['p50'] * 1000:.0f} ms, p95 {s['p95'] * 1000:.0f} ms")
        if not r["replies_counted_at_end"] and policy == "bulk":
            print("policy:   replies still uncounted at the end")
        elif policy == "bulk":
            print("policy:   switched to counting replies after a 429")
    print(f"load:     {load_average()} (1 min, after)")


if __name__ == "__main__":
    main()
