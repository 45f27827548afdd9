"""What becomes of opinions (整改提高): their handling in the inbox, rectification items and their notes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class OpinionHandling(Base):
    """How a leader handled one opinion: ``status`` is new, merged (into ``merged_into_id``), dismissed
    (with ``dismissed_reason``) or itemised (linked to a rectification item). No row: new."""

    __tablename__ = "opinion_handling"

    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # OpinionStatus
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id", ondelete="SET NULL"))
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RectificationItem(Base):
    """A rectification item (整改): what is to be done, by whom, by when.

    ``owner_staff_id`` is the person who gets the messages: the owner, or the named contact of
    ``owner_unit`` (a unit such as 總務處). ``level`` district means escalated (報工委); the district
    office's answer is ``escalation``: pending, accepted (or None at school level)."""

    __tablename__ = "rectification_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    public_title: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    owner_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    owner_unit: Mapped[str | None] = mapped_column(String(100))
    deadline: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(16))  # ItemLevel
    status: Mapped[str] = mapped_column(String(16))  # ItemStatus
    escalation: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RectificationOpinion(Base):
    """An opinion a rectification item answers."""

    __tablename__ = "rectification_opinions"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_items.id", ondelete="CASCADE"), primary_key=True
    )
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class RectificationNote(Base):
    """A note on an item's way: done with a note, sent back with a comment, returned by the district."""

    __tablename__ = "rectification_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(16))  # the status it led to, or "district_return" (≤ 16)
    text: Mapped[str] = mapped_column(Text)
