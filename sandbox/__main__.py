"""Run the stand-in standalone: `python -m sandbox --port 8081 [--chat]`.

Point a bot at it with base_url=http://HOST:PORT/bot and base_file_url=http://HOST:PORT/file/bot.
With --chat you play one user on stdin: plain lines are sent as text, `!tap LABEL` taps a
button, `!contact` shares your phone number; the bot's output is printed as it arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .server import BotApiStandIn
from .world import User


async def _print_replies(user: User) -> None:
    while True:
        try:
            reply = await user.next_reply(timeout=3600)
        except AssertionError:
            continue
        print(f"<bot> {reply.summary()}", flush=True)


async def _handle_line(user: User, line: str) -> None:
    line = line.rstrip("\n")
    if not line:
        return
    try:
        if line.startswith("!tap "):
            await user.tap(line[5:].strip(), partial=True)
        elif line.startswith("!contact"):
            await user.share_contact()
        else:
            await user.send(line)
    except AssertionError as exc:
        print(f"!! {exc}", flush=True)


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--username", default="TwoVisitsBot", help="bot username returned by getMe")
    parser.add_argument("--rate-limits", action="store_true", help="emulate Telegram flood control")
    parser.add_argument("--flood-model", choices=("strict", "bulk"), default="strict",
                        help="with --rate-limits: strict counts every message toward 30/s; bulk does not "
                             "count replies to private chats that wrote in the last minute")
    parser.add_argument("--chat", action="store_true", help="play a user on stdin")
    parser.add_argument("--name", default="Sandbox User", help="first name of the --chat user")
    parser.add_argument("--phone", default="15550000001", help="phone number of the --chat user")
    parser.add_argument("--language", default="en", help="language_code of the --chat user")
    args = parser.parse_args(argv)

    standin = BotApiStandIn(bot_username=args.username, rate_limits=args.rate_limits,
                            flood_model=args.flood_model)
    await standin.start(host=args.host, port=args.port)
    print(f"Bot API stand-in listening on {standin.url}", flush=True)
    print(f"base_url={standin.base_url}", flush=True)
    print(f"base_file_url={standin.base_file_url}", flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    tasks: set[asyncio.Task[None]] = set()
    if args.chat:
        user = standin.world.user(args.name, phone=args.phone, language_code=args.language)
        print(f"You are {user.first_name} (id {user.id}). Type messages; !tap LABEL; !contact", flush=True)
        tasks.add(asyncio.create_task(_print_replies(user)))

        def on_input() -> None:
            line = sys.stdin.readline()
            if not line:
                loop.remove_reader(sys.stdin.fileno())
                return
            task = asyncio.create_task(_handle_line(user, line))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        loop.add_reader(sys.stdin.fileno(), on_input)
    try:
        await stop.wait()
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await standin.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
