"""Group chats bound to a school (its staff group) or to the district (the district group)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class GroupChat(Base):
    """One Telegram group the bot posts aggregates into; ``school_id`` None means the district group.

    A chat has one row for life: unbinding (or the bot being removed) clears ``active``, binding again
    reuses the row, and a group that becomes a supergroup moves its row to the new ``chat_id``.
    """

    __tablename__ = "group_chats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))  # None: BOT_DEFAULT_LOCALE
    bound_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    unbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
