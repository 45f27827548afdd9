"""The outbox sender: drains ``store.outbox`` to Telegram in the background, within its limits.

Telegram allows about 30 messages a second across all chats, 20 a minute per group and about one a
second per chat. Those budgets live in one place, the application's send policy
(``bot/send_policy.py``), which also counts the replies people get meanwhile: before each message the
sender takes a slot there (``bulk_slot``), so the fan-out gets what the replies leave, and replies
never wait for it. A chat whose budget is spent is skipped for now, so one busy chat does not hold up
the fan-out. The sender holds no lock that replies need.

Errors: ``RetryAfter`` pauses that chat (or, as the policy judges, every chat) for ``retry_after``
and the message tries again; network errors, timeouts and 5xx retry it with exponential backoff up to
:data:`MAX_ATTEMPTS`; ``Forbidden`` marks the person blocked and stops every message to that chat;
other refusals (400) fail the message.

Each message is claimed (``sending``, committed) right before its request and marked sent right after,
so a crash leaves at most the messages in flight (at most :attr:`Pacing.in_flight`) in ``sending``; on
start each is sent again and logged at WARNING with its key as possibly sent twice. Nothing is sent
inside the campaign's quiet hours (injected clock): the messages wait for the morning.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.keyboards import inline
from bot.send_policy import SendPolicy
from store.accounts import mark_blocked
from store.campaign import CampaignConfig
from store.installation import StoreHandle
from store.outbox import (
    OutboxItem,
    due_messages,
    mark_failed,
    mark_recipient_blocked,
    mark_retry,
    mark_sending,
    mark_sent,
    next_due_at,
    recover_interrupted,
)
from store.schedule import quiet_until

log = logging.getLogger("twovisits.outbox")

MAX_ATTEMPTS = 6  # transient failures of one message before it is given up
MAX_RATE_LIMITED = 20  # 429s of one message before it is given up (Telegram says when to retry)
BATCH = 100
PACED = {"paced": True}  # the slot was taken with bulk_slot(): the policy sends it as it is


@dataclass
class Pacing:
    """How the sender retries and how much it keeps in flight (Telegram's limits are the send policy's)."""

    in_flight: int = 8  # messages sent at once: each is a possible repeat if the bot is killed
    backoff_base: float = 1.0  # first retry after a transient error; doubles each time
    backoff_cap: float = 60.0
    idle_poll: float = 30.0  # look at the outbox at least this often


class OutboxSender:
    """Drains the outbox while the bot runs: :meth:`start` in post_init, :meth:`stop` before the bot
    shuts down. :meth:`wake` after enqueueing makes it look at once."""

    def __init__(
        self, *, bot: ExtBot[Any], policy: SendPolicy, store: StoreHandle, campaign: CampaignConfig,
        pacing: Pacing | None = None,
    ) -> None:
        self.bot = bot
        self.policy = policy  # the application's rate limiter: one budget for replies and bulk
        self.store = store
        self.campaign = campaign
        self.pacing = pacing or Pacing()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # One message at a time per chat, so that what was enqueued together (a summary's chart, then
        # its text) arrives in the order it was enqueued.
        self.chats_in_flight: set[int] = set()
        self._slots = asyncio.Semaphore(self.pacing.in_flight)
        self.idle = asyncio.Event()  # set whenever the sender waits with nothing it could send now
        self._deferred = False  # the last look skipped messages whose chat was not ready yet

    # --- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        async with self.store.sessions() as session:
            interrupted = await recover_interrupted(session=session, now=self.store.clock.now())
        for item in interrupted:
            # The key is (recipient, kind, period); the recipient stays in the row (no chat ids in logs).
            log.warning(
                "outbox message %d (key: kind %s, period %s) was being sent when the bot stopped: "
                "sending it again, it may arrive twice", item.id, item.kind, item.period,
            )
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, grace: float = 5.0) -> None:
        """Let the messages in flight finish (up to ``grace`` seconds), then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        self._task.cancel()
        in_flight = list(self._in_flight.values())
        if in_flight:
            # A message cut off mid-request stays "sending" and is sent again at the next start.
            await asyncio.wait(in_flight, timeout=max(deadline - loop.time(), 0.0))
        for task in in_flight:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await asyncio.gather(*in_flight, return_exceptions=True)
        self._task = None

    def wake(self) -> None:
        """Look at the outbox now (something was enqueued, or the clock moved)."""
        self.idle.clear()
        self._wake.set()

    async def wait_idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the sender has nothing it could send now (for tests and benchmarks)."""
        await asyncio.wait_for(self.idle.wait(), timeout)

    # --- the loop ----------------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before looking, so a wake during the look is not lost: it ends the wait below.
            self._wake.clear()
            try:
                wait = await self._drain_once()
            except Exception:
                log.exception("the outbox sender failed; trying again shortly")
                wait = self.pacing.idle_poll
            if wait is None:
                continue
            if not self._in_flight and not self._deferred and not self._wake.is_set():
                self.idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(wait, 0.01))

    async def _drain_once(self) -> float | None:
        """Start sending what is due; returns how long to wait before looking again (None: at once)."""
        now = self.store.clock.now()
        self._deferred = False
        quiet_end = quiet_until(self.campaign, now)
        if quiet_end is not None:
            return min((quiet_end - now).total_seconds(), self.pacing.idle_poll)
        async with self.store.sessions() as session:
            items = await due_messages(session=session, now=now, limit=BATCH,
                                       exclude=list(self._in_flight))
        started = busy = 0
        soonest = self.pacing.idle_poll
        for item in items:
            if self._stopping:
                return self.pacing.idle_poll
            if item.recipient_chat_id in self.chats_in_flight:
                self._deferred = True  # looked at again when the chat's message is done (a wake)
                busy += 1
                continue
            wait = self.policy.chat_wait(item.recipient_chat_id)
            if wait > 0:
                soonest = min(soonest, wait)
                self._deferred = True
                continue
            await self._slots.acquire()
            if quiet_until(self.campaign, self.store.clock.now()) is not None:
                self._slots.release()
                return 0.0
            await self.policy.bulk_slot(item.recipient_chat_id)
            task = asyncio.create_task(self._send_one(item), name=f"outbox-{item.id}")
            self._in_flight[item.id] = task
            self.chats_in_flight.add(item.recipient_chat_id)
            started += 1
        if started:
            # A full batch may have more behind it; otherwise look again when a send finishes.
            return None if len(items) == BATCH else 0.05
        if busy == len(items):
            return soonest  # all due messages wait for their chat's message in flight: its end wakes us
        async with self.store.sessions() as session:
            due = await next_due_at(session=session)
        if due is not None:
            soonest = min(soonest, max((due - self.store.clock.now()).total_seconds(), 0.01))
        return soonest

    # --- one message -------------------------------------------------------------------------------
    async def _send_one(self, item: OutboxItem) -> None:
        try:
            await self._deliver(item)
        except Exception:
            log.exception("outbox message %d: unexpected error", item.id)
        finally:
            self._in_flight.pop(item.id, None)
            self.chats_in_flight.discard(item.recipient_chat_id)
            self._slots.release()
            self.wake()

    async def _deliver(self, item: OutboxItem) -> None:
        sessions, clock = self.store.sessions, self.store.clock
        attempts, rate_limited = item.attempts, 0
        chat_id = item.recipient_chat_id
        while True:
            async with sessions() as session:
                if not await mark_sending(session=session, message_id=item.id, now=clock.now()):
                    return  # someone else took it (another sender, an operator)
            attempts += 1
            try:
                message = await self._request(chat_id, item.payload)
            except RetryAfter as exc:
                rate_limited += 1
                seconds = _seconds(exc.retry_after)  # the policy pauses the chat (or all) as long
                if await self._retry_or_give_up(item, f"429 retry after {seconds:g}s",
                                                rate_limited > MAX_RATE_LIMITED, seconds):
                    return
                attempts -= 1  # Telegram said when: not a failure of ours
            except Forbidden as exc:
                await self._blocked(chat_id, str(exc))
                return
            except ChatMigrated as exc:
                log.warning("outbox message %d: the group became a supergroup", item.id)
                chat_id = exc.new_chat_id
                await self._retry_or_give_up(item, "chat migrated", False, 0.0)
            except BadRequest as exc:  # a NetworkError subclass, but permanent
                async with sessions() as session:
                    await mark_failed(session=session, message_id=item.id, now=clock.now(), error=str(exc))
                log.warning("outbox message %d (%s) refused by Telegram: %s", item.id, item.kind, exc)
                return
            except (NetworkError, TelegramError) as exc:
                delay = min(self.pacing.backoff_base * 2 ** (attempts - 1), self.pacing.backoff_cap)
                gave_up = attempts >= MAX_ATTEMPTS or not isinstance(exc, NetworkError)
                if await self._retry_or_give_up(item, f"{type(exc).__name__}: {exc}", gave_up, delay):
                    return
                await asyncio.sleep(delay)
            else:
                async with sessions() as session:
                    await mark_sent(session=session, message_id=item.id, now=clock.now(),
                                    telegram_message_id=message.message_id if message else None)
                return
            await self.policy.bulk_slot(chat_id)

    async def _request(self, chat_id: int, payload: dict[str, Any]) -> Message:
        markup = inline([[(label, data) for label, data in row] for row in payload.get("buttons", [])])
        reply_markup = markup if markup.inline_keyboard else None
        if "photo_b64" in payload:
            return await self.bot.send_photo(
                chat_id, base64.b64decode(payload["photo_b64"]), caption=payload.get("caption"),
                reply_markup=reply_markup, rate_limit_args=PACED,
            )
        return await self.bot.send_message(chat_id, payload["text"], reply_markup=reply_markup,
                                           rate_limit_args=PACED)

    async def _retry_or_give_up(self, item: OutboxItem, error: str, give_up: bool, delay: float) -> bool:
        """Record a failed attempt; True if the message is given up."""
        now = self.store.clock.now()
        async with self.store.sessions() as session:
            if give_up:
                await mark_failed(session=session, message_id=item.id, now=now, error=error)
                log.error("outbox message %d (%s %s) given up: %s", item.id, item.kind, item.period, error)
                return True
            await mark_retry(session=session, message_id=item.id, now=now, error=error,
                             next_attempt_at=now + timedelta(seconds=delay))
        log.info("outbox message %d: %s; trying again in %.1f s", item.id, error, delay)
        return False

    async def _blocked(self, chat_id: int, error: str) -> None:
        now = self.store.clock.now()
        async with self.store.sessions() as session:
            stopped = await mark_recipient_blocked(session=session, recipient_chat_id=chat_id, now=now,
                                                   error=error)
            if chat_id > 0:
                await mark_blocked(session=session, telegram_user_id=chat_id, now=now)
        log.info("a chat refuses the bot: %d outbox messages to it stopped", stopped)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
