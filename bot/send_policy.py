"""How the bot's calls share Telegram's flood limits: replies first; the 30/s budget for bulk.

PTB's ``AIORateLimiter`` puts every call that names a chat under one 30 messages/s limiter, so a rush
of teachers tapping at once queues behind a limit that Telegram's FAQ states for bulk notifications.
This policy instead (docs/design.md, "Sending"):

- interactive calls (replies, edits, deletes: anything not marked bulk) to a private chat go out at
  once: the person's own pace bounds them; they are counted in that chat's budget (a burst of 4, then
  1/s) and, unless ``replies_count=False``, in the overall one (30/s), so bulk gets what they leave;
- every call to a group waits for the group's budget (20 a minute), interactive or not;
- bulk calls (``rate_limit_args={"bulk": True}``, or a sender that awaits ``bulk_slot(chat_id)``
  itself and then calls with ``rate_limit_args={"paced": True}``) wait for their chat's budget and for
  the overall one, leaving ``bulk_headroom`` slots of its burst unused (slack for replies and for
  request jitter against Telegram's own bucket);
- a 429 is honoured: the chat it came from pauses for ``retry_after``; a 429 without a chat, or a
  second chat's 429 while the first is still paused, is taken as a bot-wide flood wait and pauses every
  call. The call is then retried, at most ``max_retries`` times.

Calls without a chat (``answerCallbackQuery``, ``getUpdates``, ``getFile``…) are never paced.

``replies_count=False`` assumes Telegram does not count replies to private chats toward the 30/s
(docs/design.md, "Sending"); a 429 on a bulk call then proves it wrong, and the policy counts them from
then on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

PRIVATE_BURST, PRIVATE_PER_SECOND = 4, 1.0
GROUP_BURST, GROUP_PER_SECOND = 20, 20 / 60
OVERALL_BURST, OVERALL_PER_SECOND = 30, 30.0
BULK_HEADROOM = 20  # slots of the overall burst bulk leaves to replies and to request jitter
MAX_RETRIES = 3
_PRUNE_AT = 2048  # chats remembered before idle ones are forgotten


class TokenBucket:
    """``burst`` calls at once, then ``rate`` a second; a caller reserves its slot and waits for it."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens, self._stamp = float(burst), clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Take a slot; return how many seconds until it comes (0: now)."""
        self._refill()
        self._tokens -= 1
        return max(0.0, -self._tokens / self.rate)

    def count(self) -> None:
        """Count a call that does not wait; the debt is bounded, so bulk resumes soon after a rush."""
        self._refill()
        self._tokens = max(self._tokens - 1, -self.burst)

    def shortfall(self, tokens: float) -> float:
        """Seconds until the bucket holds ``tokens`` (0: it does now); takes nothing."""
        self._refill()
        return max(0.0, (tokens - self._tokens) / self.rate)

    async def acquire(self) -> float:
        """Wait for a slot; return the seconds waited."""
        wait = self.reserve()
        if wait:
            await asyncio.sleep(wait)
        return wait

    def idle(self) -> bool:
        self._refill()
        return self._tokens >= self.burst


class _Chat:
    __slots__ = ("bucket", "group", "paused_until")

    def __init__(self, bucket: TokenBucket, *, group: bool) -> None:
        self.bucket, self.group = bucket, group
        self.paused_until = 0.0


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # int retry_after unless PTB_TIMEDELTA
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    with contextlib.suppress(ValueError, TypeError):
        return int(chat_id)  # type: ignore[call-overload]
    return str(chat_id)  # "@channelusername"


class SendPolicy(BaseRateLimiter[dict[str, Any]]):
    """The bot's rate limiter (see the module's docstring)."""

    def __init__(
        self,
        *,
        max_retries: int = MAX_RETRIES,
        private: tuple[float, float] = (PRIVATE_PER_SECOND, PRIVATE_BURST),
        group: tuple[float, float] = (GROUP_PER_SECOND, GROUP_BURST),
        overall: tuple[float, float] = (OVERALL_PER_SECOND, OVERALL_BURST),
        clock: Callable[[], float] = time.monotonic,
        replies_count: bool = True,
        bulk_headroom: float = BULK_HEADROOM,
    ) -> None:
        self.max_retries = max_retries
        self.replies_count = replies_count
        self.bulk_headroom = min(bulk_headroom, overall[1] - 1)
        self._private, self._group, self._clock = private, group, clock
        self.overall = TokenBucket(*overall, clock=clock)
        self._chats: dict[int | str, _Chat] = {}
        self._paused_until = 0.0  # a bot-wide flood wait
        self.bulk_waited = 0.0  # seconds bulk calls spent waiting for the overall budget
        self.retries = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def chat_wait(self, chat_id: int | str) -> float:
        """Seconds until a bulk message to ``chat_id`` could go (its budget, a 429 pause); 0: now."""
        chat = self._chat(chat_id)
        paused = max(self._paused_until, chat.paused_until) - self._clock()
        return max(0.0, paused, chat.bucket.shortfall(1))

    async def bulk_slot(self, chat_id: int | str | None = None) -> None:
        """Wait for ``chat_id``'s budget and a slot of the overall one, and take both: for a fan-out
        that paces itself, then calls with ``rate_limit_args={"paced": True}``. The overall slot waits
        while the budget holds less than the headroom, so what replies count meanwhile delays it."""
        chat = self._chat(chat_id) if chat_id is not None else None
        start = self._clock()
        await self._wait_pauses(chat)
        if chat is not None:
            await chat.bucket.acquire()
        while True:
            await self._wait_pauses(chat)
            wait = self.overall.shortfall(self.bulk_headroom + 1)
            if not wait:
                break
            await asyncio.sleep(wait)
        self.overall.count()
        self.bulk_waited += self._clock() - start

    def _chat(self, key: int | str) -> _Chat:
        chat = self._chats.get(key)
        if chat is None:
            if len(self._chats) >= _PRUNE_AT:
                now = self._clock()
                for old in [k for k, c in self._chats.items() if c.paused_until <= now and c.bucket.idle()]:
                    del self._chats[old]
            is_group = isinstance(key, str) or key < 0
            rate, burst = self._group if is_group else self._private
            chat = self._chats[key] = _Chat(TokenBucket(rate, burst, clock=self._clock), group=is_group)
        return chat

    async def _wait_pauses(self, chat: _Chat | None) -> None:
        while True:
            until = max(self._paused_until, chat.paused_until if chat else 0.0)
            wait = until - self._clock()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _flood(self, chat: _Chat | None, seconds: float) -> None:
        now = self._clock()
        until = now + seconds + 0.1
        others_paused = any(c.paused_until > now for c in self._chats.values() if c is not chat)
        if chat is None or others_paused:
            self._paused_until = max(self._paused_until, until)
        else:
            chat.paused_until = max(chat.paused_until, until)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> JSONResult:
        key = _chat_key(data.get("chat_id"))
        chat = self._chat(key) if key is not None else None
        options = rate_limit_args or {}
        paced = bool(options.get("paced"))  # the caller took its slot: one attempt, its 429 is its own
        bulk = paced or bool(options.get("bulk"))
        for attempt in range(self.max_retries + 1):
            if bulk and not paced:
                await self.bulk_slot(key)
            elif not bulk:
                await self._wait_pauses(chat)
                if chat is not None:
                    if chat.group:
                        await chat.bucket.acquire()
                    else:
                        chat.bucket.count()
                    if chat.group or self.replies_count:
                        self.overall.count()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = _seconds(exc)
                self._flood(chat, seconds)
                if bulk and not self.replies_count:
                    self.replies_count = True
                    log.warning("a bulk message met flood control beside replies that were not counted: "
                                "counting replies toward the overall budget from now on")
                if paced:
                    raise
                if attempt == self.max_retries:
                    log.warning("%s: flood control still refuses after %d retries", endpoint, attempt)
                    raise
                self.retries += 1
                log.info("%s: flood control, retrying in %.1f s", endpoint, seconds)
        raise AssertionError("unreachable")  # the loop returns or raises
