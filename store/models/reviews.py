"""Supervision (督導): reviewers' decisions on visits, and interviewed teachers' confirmations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class VisitReview(Base):
    """One reviewer's decision on a visit: ``outcome`` verified, or returned (with ``comment``).

    A visit may be reviewed again after it was returned and edited; its latest row is its outcome.
    """

    __tablename__ = "visit_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # ReviewOutcome
    comment: Mapped[str | None] = mapped_column(Text)
    visit_version: Mapped[int] = mapped_column(Integer)  # the version the reviewer saw
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class InterviewConfirmation(Base):
    """The interviewed teacher's answer to "did this interview happen?" (the paper form's signature).

    One row per (interview, teacher), written when the question is put in the outbox, so it is asked
    once; ``answer`` stays None until the teacher taps confirmed or disputed.
    """

    __tablename__ = "interview_confirmations"
    __table_args__ = (
        UniqueConstraint("visit_id", "staff_id", name="uq_interview_confirmations_visit_staff"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(16))  # ConfirmationAnswer
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
