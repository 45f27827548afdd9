"""Injected failures, for tests of what the bot does when Telegram misbehaves.

    standin.faults.fail_next("sendMessage", 429, times=2, retry_after=1)
    standin.faults.fail_next("sendMessage", 502, times=3)
    hold = standin.faults.hold("sendMessage", after=5)  # the 6th call on waits …
    await hold.wait_waiting(1)                          # … until one is waiting,
    hold.release(deliver=False)                         # then they fail with 502 (never delivered)

A failure counts one request of that method (optionally to one chat); a held request is not handled
until released, so a bot killed meanwhile never had it delivered.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from .models import ApiError

DESCRIPTIONS = {
    429: "Too Many Requests: retry after {}",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    403: "Forbidden: bot was blocked by the user",
}


@dataclass
class _Failure:
    method: str
    code: int
    remaining: int
    retry_after: int | None
    chat_id: int | None
    description: str


@dataclass
class Hold:
    """Requests of one method past the first ``after`` wait here until :meth:`release`."""

    method: str
    after: int
    seen: int = 0
    waiting: int = 0
    deliver: bool = True
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_waiting(self, count: int = 1, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Until at least ``count`` requests are held."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.waiting >= count), timeout)

    def release(self, *, deliver: bool = True) -> None:
        """Let the held (and later) requests go on; ``deliver=False`` fails them with 502 instead."""
        self.deliver = deliver
        self._released.set()


class Faults:
    def __init__(self) -> None:
        self._failures: list[_Failure] = []
        self._holds: dict[str, Hold] = {}
        self.injected: list[tuple[str, int]] = []  # (method, code) of every failure answered

    def fail_next(self, method: str, code: int, *, times: int = 1, retry_after: int | None = None,
                  chat_id: int | None = None, description: str | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with ``code``."""
        if code == 429 and retry_after is None:
            retry_after = 1
        text = description or DESCRIPTIONS.get(code, "Error").format(retry_after)
        self._failures.append(_Failure(method.lower(), code, times, retry_after, chat_id, text))

    def hold(self, method: str, *, after: int = 0) -> Hold:
        """Park calls of ``method`` after the first ``after`` until the returned hold is released."""
        hold = Hold(method.lower(), after)
        self._holds[method.lower()] = hold
        return hold

    def clear(self) -> None:
        self._failures.clear()
        for hold in self._holds.values():
            hold._released.set()  # held requests go on as their hold said (delivered or failed)
        self._holds.clear()

    async def before(self, method: str, params: dict[str, Any]) -> None:
        """Called by the server before handling a request: raise an injected error, or wait."""
        name = method.lower()
        for failure in self._failures:
            if failure.method != name or failure.remaining <= 0:
                continue
            if failure.chat_id is not None and params.get("chat_id") != failure.chat_id:
                continue
            failure.remaining -= 1
            self.injected.append((method, failure.code))
            raise ApiError(failure.code, failure.description, retry_after=failure.retry_after)
        hold = self._holds.get(name)
        if hold is None:
            return
        hold.seen += 1
        if hold.seen <= hold.after or (hold._released.is_set() and hold.deliver):
            return
        async with hold._changed:
            hold.waiting += 1
            hold._changed.notify_all()
        try:
            await hold._released.wait()
        finally:
            hold.waiting -= 1
        if not hold.deliver:
            raise ApiError(502, DESCRIPTIONS[502])
