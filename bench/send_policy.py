"""Benchmark: the rate limiter alone, old (PTB's AIORateLimiter) against the bot's SendPolicy.

    python -m bench.send_policy [--chats 50] [--sends 6] [--api-latency-ms 100] [--rounds 2]

Each chat gets ``--sends`` messages one after the other (a closed loop, as a teacher's taps are), all
chats at once, through PTB's ``ExtBot`` against the Bot API stand-in with a delay on every call like
Telegram's round trip. No bot, no database: what is measured is how long replies queue in the limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Sequence

from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot

from bench.stats import describe_machine, load_average
from bot.send_policy import SendPolicy
from sandbox import BotApiStandIn

TOKEN = "700009:BENCH-send-policy"


async def one_run(limiter: BaseRateLimiter[object], chats: int, sends: int, latency: float) -> str:
    async with BotApiStandIn(bot_username="SendPolicyBenchBot", token=TOKEN, latency=latency) as standin:
        users = [standin.world.user(f"Teacher {i + 1:03d}") for i in range(chats)]
        latencies: list[float] = []
        async with ExtBot(TOKEN, base_url=standin.base_url, rate_limiter=limiter) as bot:

            async def chat(user_id: int) -> None:
                for n in range(sends):
                    start = time.perf_counter()
                    await bot.send_message(user_id, f"reply {n}")
                    latencies.append(time.perf_counter() - start)

            start = time.perf_counter()
            await asyncio.gather(*(chat(u.id) for u in users))
            wall = time.perf_counter() - start
    latencies.sort()
    p50, p95 = latencies[len(latencies) // 2], latencies[int(0.95 * len(latencies))]
    return (f"{len(latencies)} sends in {wall:5.2f} s = {len(latencies) / wall:6.1f}/s; "
            f"per send p50 {p50 * 1000:5.0f} ms, p95 {p95 * 1000:5.0f} ms")


async def run(args: argparse.Namespace) -> None:
    latency = args.api_latency_ms / 1000
    for _ in range(args.rounds):
        for label, limiter in (("AIORateLimiter(max_retries=3)", AIORateLimiter(max_retries=3)),
                               ("SendPolicy()", SendPolicy())):
            line = await one_run(limiter, args.chats, args.sends, latency)  # type: ignore[arg-type]
            print(f"{label:30} {line}   (load {load_average()})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.send_policy", description=__doc__)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--sends", type=int, default=6, help="messages per chat, one after the other")
    parser.add_argument("--api-latency-ms", type=float, default=100.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    print("\n".join(describe_machine().lines()))
    print(f"{args.chats} chats × {args.sends} sends, {args.api_latency_ms:g} ms added to every Bot API call")
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
