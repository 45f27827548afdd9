"""Scheduled and fanned-out messages (the outbox), the schedule runs that made them, nudge mutes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class OutboxMessage(Base):
    """One message to send to one chat. ``(recipient, kind, period)`` is unique: enqueued once.

    ``state``: pending → sending → sent, or failed (gave up), or blocked (the person blocked the bot).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("recipient_chat_id", "kind", "period", name="uq_outbox_recipient_kind_period"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class ScheduleRun(Base):
    """A schedule's occurrence that has been done: ``kind`` (class_nudges…) and its period key."""

    __tablename__ = "schedule_runs"
    __table_args__ = (UniqueConstraint("kind", "period", name="uq_schedule_runs_kind_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    enqueued: Mapped[int] = mapped_column(Integer, default=0)


class NudgeMute(Base):
    """A teacher asked for no class nudges until ``until``."""

    __tablename__ = "nudge_mutes"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
