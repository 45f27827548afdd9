"""Visits and what comes of them: opinions, follow-ups; exemptions; the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UTCDateTime


class Visit(Base):
    """The current version of a visit; earlier versions live in :class:`VisitVersion`.

    ``one_on_one`` is derived (exactly one visitee) but stored, so coverage is one set-based query.
    """

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), unique=True)  # makes saving idempotent
    kind: Mapped[str] = mapped_column(String(16))  # VisitKind
    visitor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id"), index=True)
    form: Mapped[str] = mapped_column(String(16))  # VisitForm
    place: Mapped[str] = mapped_column(String(16))  # Place
    visit_date: Mapped[date] = mapped_column(Date)
    one_on_one: Mapped[bool] = mapped_column(Boolean)
    follow_up: Mapped[str] = mapped_column(String(8), default="none")  # FollowUpWish
    notable: Mapped[bool] = mapped_column(Boolean, default=False)
    private_notes: Mapped[str | None] = mapped_column(Text)
    # Shareable, unlike private_notes: the paper form's "situation" column, exported and reported.
    situation: Mapped[str | None] = mapped_column(Text)
    out_of_phase: Mapped[bool] = mapped_column(Boolean, default=False)  # flagged for reviewers
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A reviewer's return reopens the saved card's Edit until then (store.reviews).
    reopened_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VisitStudent(Base):
    __tablename__ = "visit_students"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True, index=True)


class VisitTeacher(Base):
    __tablename__ = "visit_teachers"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True, index=True)


class VisitCoVisitor(Base):
    __tablename__ = "visit_co_visitors"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)


class VisitTopic(Base):
    __tablename__ = "visit_topics"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("outline_topics.id"), primary_key=True)


class VisitVersion(Base):
    """A snapshot of a visit as it was before an edit or deletion."""

    __tablename__ = "visit_versions"
    __table_args__ = (UniqueConstraint("visit_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Opinion(Base):
    """An opinion raised in a visit (意見建議), sorted into a category."""

    __tablename__ = "opinions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_categories.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUp(Base):
    """A follow-up visit (回訪) wished for in a visit, one per person visited, due on a date; the
    visit's visitor owns it. ``person_kind`` is the visit's kind (student or teacher)."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("visit_id", "person_kind", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    person_kind: Mapped[str] = mapped_column(String(16))  # VisitKind
    person_id: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    done_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Exemption(Base):
    """A person taken out of the coverage denominators: a student (transferred, long sick leave,
    suspended schooling) or a teacher on long leave. Exactly one of ``student_id``/``staff_id`` is
    set. Created when a proposal is approved (:class:`ExemptionProposal`)."""

    __tablename__ = "exemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExemptionProposal(Base):
    """A proposal to exempt a student (by their head teacher) or a teacher (by a school cadre), and
    its decision by a school leader or middle cadre. ``state``: pending, approved, declined."""

    __tablename__ = "exemption_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    reason_code: Mapped[str] = mapped_column(String(32))  # ExemptionReason
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("exemptions.id"))


class AuditEntry(Base):
    """Who did what, when: imports, bindings, visit edits and deletions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[str] = mapped_column(String(64))  # "cli", "bot", "staff:<id>"
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
