"""The visit conversation's steps and its draft, kept in ``user_data`` (JSON-able, persisted)."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any

from store.visit_rules import MAX_NOTES_CHARS, MAX_OPINION_CHARS, OpinionDraft, VisitDraft
from store.visit_rules import MAX_OPINIONS as MAX_OPINIONS
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind

DRAFT_KEY = "visit"
MAX_OPINION = MAX_OPINION_CHARS
MAX_NOTES = MAX_NOTES_CHARS
MAX_QUERY = 50


class Step(IntEnum):
    """Conversation states. Their numbers go into callback data: keep them stable."""

    CLASS = 1
    PEOPLE = 2
    FORM = 3
    TOPICS = 4
    CARD = 5
    PLACE = 6
    DATE = 7
    CO_VISITORS = 8
    OPINION_TEXT = 9
    OPINION_CATEGORY = 10
    FOLLOW_UP = 11
    FOLLOW_UP_DATE = 12
    NOTES = 13


@dataclass
class Draft:
    """What the teacher has chosen so far. ``flow`` marks this conversation's buttons."""

    kind: str
    flow: str = field(default_factory=lambda: secrets.token_hex(3))
    key: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    class_id: int | None = None
    visitees: list[int] = field(default_factory=list)
    group: bool = False  # picking several people (a group talk)
    page: int = 0
    query: str | None = None
    form: str | None = None
    topics: list[int] = field(default_factory=list)
    place: str | None = None
    day: str | None = None  # ISO date; None: today
    co_visitors: list[int] = field(default_factory=list)
    co_page: int = 0
    opinions: list[list[Any]] = field(default_factory=list)  # [text, category id]
    pending_opinion: str | None = None
    follow_up: str = FollowUpWish.NONE.value
    follow_up_date: str | None = None
    notable: bool = False
    notes: str | None = None
    edit_id: int | None = None  # editing a saved visit
    several_classes: bool = False  # whether Back from the people step goes to the class step

    @property
    def visit_kind(self) -> VisitKind:
        return VisitKind(self.kind)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def visit_date(self, today: date) -> date:
        return date.fromisoformat(self.day) if self.day else today

    def to_visit_draft(self, today: date) -> VisitDraft:
        kind = self.visit_kind
        return VisitDraft(
            client_key=self.key,
            kind=kind,
            class_id=self.class_id,
            student_ids=tuple(self.visitees) if kind is VisitKind.STUDENT else (),
            teacher_ids=tuple(self.visitees) if kind is VisitKind.TEACHER else (),
            form=VisitForm(self.form or VisitForm.IN_PERSON.value),
            place=Place(self.place) if self.place else None,
            visit_date=self.visit_date(today),
            topic_ids=tuple(self.topics),
            co_visitor_ids=tuple(self.co_visitors),
            opinions=tuple(OpinionDraft(text=t, category_id=c) for t, c in self.opinions),
            follow_up=FollowUpWish(self.follow_up),
            follow_up_date=date.fromisoformat(self.follow_up_date) if self.follow_up_date else None,
            notable=self.notable,
            private_notes=self.notes,
        )

    @classmethod
    def from_visit_draft(cls, draft: VisitDraft, *, edit_id: int) -> Draft:
        return cls(
            kind=draft.kind.value,
            class_id=draft.class_id,
            visitees=list(draft.visitee_ids),
            group=len(draft.visitee_ids) > 1,
            form=draft.form.value,
            topics=list(draft.topic_ids),
            place=draft.place.value if draft.place else None,
            day=draft.visit_date.isoformat(),
            co_visitors=list(draft.co_visitor_ids),
            opinions=[[o.text, o.category_id] for o in draft.opinions],
            follow_up=draft.follow_up.value,
            follow_up_date=draft.follow_up_date.isoformat() if draft.follow_up_date else None,
            notable=draft.notable,
            notes=draft.private_notes,
            edit_id=edit_id,
        )


def toggle(items: list[int], item: int) -> None:
    if item in items:
        items.remove(item)
    else:
        items.append(item)
