"""The campaign as the district configured it: phases, targets, schedules, topics, categories."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # [review]; None: the defaults
    source: Mapped[str] = mapped_column(String(500))  # the file it came from, or "defaults"
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Phase(Base):
    """A phase's dates; ``school_id`` set means one school's own shifted dates."""

    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    key: Mapped[str] = mapped_column(String(32))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)


class OutlineTopic(Base):
    """A topic of the interview outline (訪談提綱), for student or teacher visits."""

    __tablename__ = "outline_topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    audience: Mapped[str] = mapped_column(String(16))  # VisitKind
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OpinionCategory(Base):
    __tablename__ = "opinion_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
