"""The outbox's fan-out against the stand-in enforcing Telegram's limits, alone or beside people who
are talking to the bot: total time against the 30 messages/s minimum, 429s, lost and duplicated
messages, and the reply latency of the people meanwhile.

    python -m bench.outbox --groups 30 --private 1440 --people 200

Groups and private chats get one message each, enqueued straight into the outbox (what a schedule run
does); each person sends ``/help``, waits for the answer and ``--think`` seconds, until the fan-out is done.
Replies and bulk share the application's rate limiter (30/s for every call with a chat id), so people
asking more than that between them leave the fan-out only what remains.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")

from bench.harness import bench_settings, running
from bench.stats import Latencies, describe_machine, load_average
from bot.app import build_application
from sandbox import BotApiStandIn, User
from store.clock import FixedClock
from store.installation import load_campaign, open_store
from store.outbox import NewMessage, OutboxState, enqueue, outbox_counts


async def _talk(person: User, latencies: Latencies, done: asyncio.Event, think: float, offset: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), offset)  # spread the people over the first think time
    while not done.is_set():
        start = time.monotonic()
        await person.send("/help")
        await person.next_message(timeout=60)
        latencies.add("help", time.monotonic() - start)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), think)


async def run(
    groups: int, private: int, people: int, api_latency: float, think: float
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        # A fixed daytime in the campaign's zone, so quiet hours never hold the fan-out back; pacing
        # runs on the event loop's own clock.
        clock = FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
        store = await open_store(url, clock=clock)
        await load_campaign(store, None, bot_timezone="Asia/Shanghai")
        standin = BotApiStandIn(bot_username="TwoVisitsBot", rate_limits=True, latency=api_latency)
        async with standin:
            world = standin.world
            chats = [world.group(f"School {n}").id for n in range(groups)]
            chats += [world.user(f"Teacher {n}").id for n in range(private)]
            talkers = [world.user(f"Person {n}") for n in range(people)]
            app = build_application(bench_settings(standin, url), clock=clock, tick_interval=None)
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
                tasks = [asyncio.create_task(_talk(p, latencies, done, think, think * n / max(people, 1)))
                         for n, p in enumerate(talkers)]
                start = time.monotonic()
                sender.wake()
                await sender.wait_idle(timeout=3600)
                total = time.monotonic() - start
                done.set()
                await asyncio.gather(*tasks)
                async with store.sessions() as session:
                    counts = await outbox_counts(session=session)
            received = [len([m for m in standin.world.state.chat(c).log if m.from_bot]) for c in chats]
            rate_limited = sum(1 for r in standin.requests
                               if not r.ok and (r.error or "").startswith("Too Many"))
        await store.close()
    summary = latencies.summary()
    return {
        "messages": float(len(received)), "seconds": total, "floor": len(received) / 30,
        "lost": float(received.count(0)), "duplicated": float(sum(1 for n in received if n > 1)),
        "rate_limited": float(rate_limited), "unsent": float(len(received) - counts[OutboxState.SENT]),
        "reply_n": summary["n"], "reply_p50": summary["p50"], "reply_p95": summary["p95"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--private", type=int, default=1440)
    parser.add_argument("--people", type=int, default=0, help="people talking to the bot meanwhile")
    parser.add_argument("--think", type=float, default=10.0, help="seconds a person waits between requests")
    parser.add_argument("--api-latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    for line in describe_machine().lines():
        print(line)
    print(f"load:     {load_average()} (1 min, before)")
    r = asyncio.run(run(args.groups, args.private, args.people, args.api_latency_ms / 1000, args.think))
    print(f"fan-out:  {r['messages']:.0f} messages in {r['seconds']:.2f} s; at 30/s: {r['floor']:.2f} s "
          f"({100 * r['seconds'] / r['floor']:.0f} %)")
    print(f"429s: {r['rate_limited']:.0f} · lost: {r['lost']:.0f} · duplicated: {r['duplicated']:.0f} · "
          f"unsent: {r['unsent']:.0f}")
    if r["reply_n"]:
        print(f"replies meanwhile: {r['reply_n']:.0f}, p50 {r['reply_p50'] * 1000:.0f} ms, "
              f"p95 {r['reply_p95'] * 1000:.0f} ms")
    print(f"load:     {load_average()} (1 min, after)")


if __name__ == "__main__":
    main()
