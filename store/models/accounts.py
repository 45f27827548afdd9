"""Telegram account bindings, invite codes, per-user preferences and bot persistence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class TelegramAccount(Base):
    """One Telegram user bound to one staff member."""

    __tablename__ = "telegram_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime)
    bound_by: Mapped[str] = mapped_column(String(16))  # "invite" or "contact"
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InviteCode(Base):
    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserPreference(Base):
    """What a Telegram user chose (``/lang``), bound or not."""

    __tablename__ = "user_preferences"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    menu_locale: Mapped[str | None] = mapped_column(String(8))  # the menu last set for this chat


class PersistedData(Base):
    """The bot's persistence (conversation states, user/chat/bot data), written through per update."""

    __tablename__ = "bot_persistence"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppMeta(Base):
    """Facts about this installation, such as when its database was created."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
