"""Callback data: short, versioned, built and parsed only here.

Form: ``v1:<family>:<action>[:<arg>…]``, ids only (never names: the limit is 64 bytes). Flows put a
step nonce among the args so a tap on an old message is recognised as stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "v1"
MAX_BYTES = 64
_SAFE = re.compile(r"^[A-Za-z0-9_.\-]*$")


class BadCallbackData(ValueError):
    """Not ours, another version, or malformed."""


@dataclass(frozen=True)
class CallbackData:
    family: str
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str:
        try:
            return self.args[index]
        except IndexError:
            raise BadCallbackData(f"missing argument {index}") from None

    def int_arg(self, index: int) -> int:
        try:
            return int(self.arg(index))
        except ValueError:
            raise BadCallbackData(f"argument {index} is not a number") from None


def encode(family: str, action: str, *args: object) -> str:
    """Build callback data; raises ValueError if a part is unsafe or the result is too long."""
    parts = [VERSION, family, action, *(str(a) for a in args)]
    for part in parts:
        if ":" in part or not _SAFE.match(part):
            raise ValueError(f"unsafe callback data part {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode(data: str | None) -> CallbackData:
    """Parse callback data built by :func:`encode`."""
    if not data:
        raise BadCallbackData("empty")
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != VERSION:
        raise BadCallbackData(f"not a {VERSION} callback: {data!r}")
    return CallbackData(family=parts[1], action=parts[2], args=tuple(parts[3:]))


def pattern(family: str) -> str:
    """The regex a CallbackQueryHandler uses to take one family's buttons."""
    return rf"^{VERSION}:{re.escape(family)}:"


def visit_class_data(class_id: int) -> str:
    """A button that starts a student visit for one class (nudges use it)."""
    return encode("vc", "c", class_id)


EXEMPT_FAMILY = "ex"


def exempt_data(action: str, *args: object) -> str:
    """The buttons of ``/exempt`` and of the approval requests it sends (private chats only)."""
    return encode(EXEMPT_FAMILY, action, *args)
