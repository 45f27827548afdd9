"""The visit conversation's steps and what it keeps in ``user_data`` between taps (JSON, persisted).

The visit in progress is the store's :class:`VisitDraft`, kept as it is; beside it the conversation
keeps only its own UI state (:class:`FlowUI`). Drafts stored by earlier versions of the bot (one flat
dictionary) are converted when read; one that cannot be converted is dropped, and the teacher is told.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, fields, replace
from enum import IntEnum
from typing import Any

from pydantic import ValidationError

from store.visit_rules import (
    MAX_NOTES_CHARS,
    MAX_OPINION_CHARS,
    MAX_SITUATION_CHARS,
    OpinionDraft,
    VisitDraft,
)
from store.visit_rules import MAX_OPINIONS as MAX_OPINIONS
from store.vocab import VisitKind

DRAFT_KEY = "visit"
SHAPE = 2  # what user_data["visit"] holds: {"shape": 2, "draft": VisitDraft, "ui": FlowUI}
MAX_OPINION = MAX_OPINION_CHARS
MAX_NOTES = MAX_NOTES_CHARS
MAX_SITUATION = MAX_SITUATION_CHARS
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
    FOLLOW_UP_OF = 14  # "this is the follow-up of …", asked by Save
    SITUATION = 15  # the shareable 情況 text, from the card


def new_key() -> str:
    """A visit's client key: random, once per conversation, so saving is idempotent."""
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class FlowUI:
    """Where the conversation is, beside the draft. ``flow`` marks this conversation's buttons."""

    flow: str = field(default_factory=lambda: secrets.token_hex(3))
    page: int = 0  # of the people step
    query: str | None = None  # the people step's search
    several: bool = False  # picking several people (a group talk)
    pending_opinion: str | None = None  # typed, its category not chosen yet
    co_page: int = 0
    edit_id: int | None = None  # editing this saved visit
    several_classes: bool = False  # whether Back from the people step goes to the class step
    follow_ups_asked: bool = False  # Save asked "this is the follow-up of …" already
    closing: tuple[int, ...] = ()  # the follow-ups this visit closes when saved


@dataclass(frozen=True)
class Flow:
    """A visit in progress as the conversation holds it."""

    draft: VisitDraft
    ui: FlowUI

    @property
    def kind(self) -> VisitKind:
        return self.draft.kind

    def with_draft(self, **changes: Any) -> Flow:
        return Flow(self.draft.model_copy(update=changes), self.ui)

    def with_ui(self, **changes: Any) -> Flow:
        return Flow(self.draft, replace(self.ui, **changes))

    def to_json(self) -> dict[str, Any]:
        return {"shape": SHAPE, "draft": self.draft.model_dump(mode="json"), "ui": asdict(self.ui)}


def start_flow(kind: VisitKind, **draft: Any) -> Flow:
    return Flow(VisitDraft(client_key=new_key(), kind=kind, **draft), FlowUI())


class Unreadable(Exception):
    """A stored draft that cannot be read back (of a shape this bot no longer knows)."""


def _from_old_shape(data: dict[str, Any]) -> Flow:
    """The flat dictionary earlier versions kept (``visitees``, ``day``, ``notes``, opinions as
    ``[text, category]``…) as a draft and its UI state."""
    draft = VisitDraft(
        client_key=data["key"],
        kind=data["kind"],
        class_id=data.get("class_id"),
        visitee_ids=tuple(data.get("visitees") or ()),
        form=data.get("form") or "in_person",
        place=data.get("place"),
        visit_date=data.get("day"),
        topic_ids=tuple(data.get("topics") or ()),
        co_visitor_ids=tuple(data.get("co_visitors") or ()),
        opinions=tuple(OpinionDraft(text=t, category_id=c) for t, c in data.get("opinions") or ()),
        follow_up=data.get("follow_up") or "none",
        follow_up_date=data.get("follow_up_date"),
        notable=bool(data.get("notable")),
        private_notes=data.get("notes"),
    )
    ui = FlowUI(
        flow=str(data["flow"]),
        page=int(data.get("page") or 0),
        query=data.get("query"),
        several=bool(data.get("group")),
        pending_opinion=data.get("pending_opinion"),
        co_page=int(data.get("co_page") or 0),
        edit_id=data.get("edit_id"),
        several_classes=bool(data.get("several_classes")),
    )
    return Flow(draft, ui)


def flow_from_json(data: object) -> Flow:
    """Read back what :meth:`Flow.to_json` wrote (or an earlier version's draft); raises Unreadable."""
    if not isinstance(data, dict):
        raise Unreadable("not a dictionary")
    try:
        if data.get("shape") == SHAPE:
            known = {f.name for f in fields(FlowUI)}
            ui = FlowUI(**{k: v for k, v in dict(data["ui"]).items() if k in known})
            return Flow(VisitDraft.model_validate(data["draft"]), ui)
        if "shape" not in data and "key" in data and "flow" in data:
            return _from_old_shape(data)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise Unreadable(str(exc)) from exc
    raise Unreadable("unknown shape")


def toggled(items: tuple[int, ...], item: int) -> tuple[int, ...]:
    return tuple(i for i in items if i != item) if item in items else (*items, item)
