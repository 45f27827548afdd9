"""``twovisits invites --out FILE [--qr DIR] [--bot-username NAME] [--rotate]``."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "invites", help="write one-time invite links for the staff",
        description="Write one invite link per active staff member.",
    )
    parser.add_argument("--out", required=True, help="the CSV file to write")
    parser.add_argument("--qr", metavar="DIR", help="also write one QR code PNG per person into DIR")
    parser.add_argument("--bot-username", help="the bot's username (default: asked of Telegram)")
    parser.add_argument("--rotate", action="store_true", help="replace unused codes with new ones")
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    raise NotImplementedError
