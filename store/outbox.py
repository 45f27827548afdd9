"""The outbox: every scheduled or fanned-out message is a row, sent by ``bot.outbox_sender``.

A row is unique on (recipient chat, kind, period), so enqueueing the same message twice (a schedule
run repeated after a crash, two ticks racing) keeps one. States:

- ``pending``: waiting to go, not before ``next_attempt_at``;
- ``sending``: handed to Telegram; a row still ``sending`` when the bot starts was interrupted and
  is sent again (it may arrive twice: the Bot API has no idempotency key);
- ``sent``, ``failed`` (given up: a permanent error or too many transient ones), ``blocked`` (the
  person blocked the bot, or the bot was removed from the group).

Payloads are JSON, rendered by the bot in the recipient's language when enqueued: ``{"text": html,
"buttons": [[[label, callback_data], …], …]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage

MAX_ERROR_CHARS = 300


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class NewMessage:
    """A message to enqueue."""

    recipient_chat_id: int
    kind: str
    period: str
    payload: dict[str, Any]
    not_before: datetime | None = None


@dataclass(frozen=True)
class OutboxItem:
    """A row of the outbox, as the sender needs it."""

    id: int
    recipient_chat_id: int
    kind: str
    period: str
    payload: dict[str, Any]
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


def _item(row: OutboxMessage) -> OutboxItem:
    return OutboxItem(
        row.id, row.recipient_chat_id, row.kind, row.period, row.payload, OutboxState(row.state),
        row.attempts, row.next_attempt_at, row.last_error,
    )


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect (both spell it the same way)."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(OutboxMessage)


async def enqueue(*, session: AsyncSession, messages: Iterable[NewMessage], now: datetime) -> int:
    """Add messages to the outbox; one already there (same recipient, kind and period) is left as it
    is. Returns how many rows are new. Does not commit: a schedule run enqueues and records itself in
    one transaction."""
    rows = [
        {
            "recipient_chat_id": m.recipient_chat_id, "kind": m.kind, "period": m.period,
            "payload": m.payload, "state": OutboxState.PENDING.value, "attempts": 0,
            "next_attempt_at": max(m.not_before, now) if m.not_before else now,
            "created_at": now, "updated_at": now,
        }
        for m in messages
    ]
    if not rows:
        return 0
    before = await _count(session)
    statement = _insert_ignoring_duplicates(session).on_conflict_do_nothing(
        index_elements=["recipient_chat_id", "kind", "period"]
    )
    await session.execute(statement, rows)
    return await _count(session) - before


async def enqueue_now(*, session: AsyncSession, messages: Iterable[NewMessage], now: datetime) -> int:
    """:func:`enqueue`, committed: for messages a person's action fans out (not a schedule run)."""
    new = await enqueue(session=session, messages=messages, now=now)
    await session.commit()
    return new


async def _count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count(OutboxMessage.id))) or 0)


async def due_messages(
    *, session: AsyncSession, now: datetime, limit: int, exclude: Sequence[int] = ()
) -> list[OutboxItem]:
    """Pending rows whose time has come, oldest first (``exclude``: ids the sender holds already)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.PENDING.value, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(OutboxMessage.id.not_in(list(exclude)))
    return [_item(row) for row in (await session.scalars(query)).all()]


async def next_due_at(*, session: AsyncSession) -> datetime | None:
    """When the earliest pending row becomes due (None: nothing pending)."""
    return await session.scalar(
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.state == OutboxState.PENDING.value)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )


async def _set(session: AsyncSession, row_id: int, states: Sequence[OutboxState], **values: Any) -> bool:
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.state.in_([s.value for s in states]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_sending(*, session: AsyncSession, message_id: int, now: datetime) -> bool:
    """Claim a pending row right before handing it to Telegram (counts an attempt). False if it is no
    longer pending. Commits."""
    return await _set(
        session, message_id, [OutboxState.PENDING], state=OutboxState.SENDING.value,
        attempts=OutboxMessage.attempts + 1, updated_at=now,
    )


async def mark_sent(
    *, session: AsyncSession, message_id: int, now: datetime, telegram_message_id: int | None
) -> bool:
    """Telegram accepted the message. Commits."""
    return await _set(
        session, message_id, [OutboxState.SENDING], state=OutboxState.SENT.value, sent_at=now,
        updated_at=now, message_id=telegram_message_id, last_error=None,
    )


async def mark_retry(
    *, session: AsyncSession, message_id: int, now: datetime, error: str, next_attempt_at: datetime
) -> bool:
    """A transient failure: pending again, not before ``next_attempt_at``. Commits."""
    return await _set(
        session, message_id, [OutboxState.SENDING], state=OutboxState.PENDING.value,
        next_attempt_at=next_attempt_at, last_error=error[:MAX_ERROR_CHARS], updated_at=now,
    )


async def mark_failed(*, session: AsyncSession, message_id: int, now: datetime, error: str) -> bool:
    """Given up on this message. Commits."""
    return await _set(
        session, message_id, [OutboxState.SENDING, OutboxState.PENDING], state=OutboxState.FAILED.value,
        last_error=error[:MAX_ERROR_CHARS], updated_at=now,
    )


async def mark_recipient_blocked(
    *, session: AsyncSession, recipient_chat_id: int, now: datetime, error: str
) -> int:
    """The chat refuses the bot: this and every other unsent message to it stop. Returns how many.
    Commits."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.recipient_chat_id == recipient_chat_id,
            OutboxMessage.state.in_([OutboxState.PENDING.value, OutboxState.SENDING.value]),
        )
        .values(state=OutboxState.BLOCKED.value, last_error=error[:MAX_ERROR_CHARS], updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


async def recover_interrupted(*, session: AsyncSession, now: datetime) -> list[OutboxItem]:
    """Rows left ``sending`` by a bot that stopped mid-send: pending again, due now. Returns them (as
    they were), so the sender can log that each may arrive twice. Commits."""
    rows = (
        await session.scalars(select(OutboxMessage).where(OutboxMessage.state == OutboxState.SENDING.value))
    ).all()
    items = [_item(r) for r in rows]
    for row in rows:
        row.state, row.next_attempt_at, row.updated_at = OutboxState.PENDING.value, now, now
    await session.commit()
    return items


async def outbox_counts(*, session: AsyncSession, kind: str | None = None) -> dict[OutboxState, int]:
    """How many rows are in each state (of one kind when given)."""
    query = select(OutboxMessage.state, func.count(OutboxMessage.id)).group_by(OutboxMessage.state)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    counts = {state: 0 for state in OutboxState}
    for state, n in (await session.execute(query)).all():
        counts[OutboxState(state)] = int(n)
    return counts


async def outbox_messages(
    *, session: AsyncSession, kind: str | None = None, recipient_chat_id: int | None = None
) -> list[OutboxItem]:
    """Rows of the outbox in id order (one kind, one recipient when given): for tests and operators."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if recipient_chat_id is not None:
        query = query.where(OutboxMessage.recipient_chat_id == recipient_chat_id)
    return [_item(row) for row in (await session.scalars(query)).all()]
