"""Callback data: short, versioned, built and parsed only here.

Form: ``v1:<family>:<action>[:<arg>…]``, ids only (never names: the limit is 64 bytes). Each family
declares the chats its buttons may run in: personal buttons (records, the visit flow, edit, delete)
only in a private chat, since a modified client can send any data on any message, a group's included.
:func:`parse` enforces it and turns the data into typed fields with bounded integers; anything else is
stale. Flows put a step nonce among the args so a tap on an old message is recognised as stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

VERSION = "v1"
MAX_BYTES = 64
_SAFE = re.compile(r"^[A-Za-z0-9_.\-]*$")
# Ids, pages, minutes: well inside SQLite's and PostgreSQL's 64-bit integers.
_INT = re.compile(r"^-?[0-9]{1,15}$")

PRIVATE_ONLY = frozenset({"private"})
GROUPS_TOO = frozenset({"private", "group", "supergroup"})


class BadCallbackData(ValueError):
    """Not ours, another version, malformed, or out of range: a stale button."""


class WrongChat(Exception):
    """A family's button tapped in a chat it may not run in (a personal button in a group)."""

    def __init__(self, family: Family) -> None:
        super().__init__(family.name)
        self.family = family


@dataclass(frozen=True)
class Family:
    """A group of buttons handled together, and the chat types they may run in."""

    name: str
    chats: frozenset[str]

    @property
    def pattern(self) -> str:
        """The regex a CallbackQueryHandler uses to take this family's buttons."""
        return rf"^{VERSION}:{re.escape(self.name)}:"

    def runs_in(self, chat_type: str | None) -> bool:
        return chat_type in self.chats


LANG = Family("lang", GROUPS_TOO)  # /lang's buttons; a group may choose its language
RECORDS = Family("rec", PRIVATE_ONLY)  # /myvisits: paging, delete and its confirmation
FLOW = Family("visit", PRIVATE_ONLY)  # the visit conversation's steps
SAVED = Family("vs", PRIVATE_ONLY)  # under a saved visit, and /myvisits' Edit
VISIT_CLASS = Family("vc", PRIVATE_ONLY)  # "log a visit in this class" (nudges)
# Leaders' buttons show aggregates only, so they may run in groups; each handler checks the tapper's
# permission again (a modified client can send any data).
COVERAGE = Family("cov", GROUPS_TOO)  # the chart's "trend" button
GROUP_LANG = Family("glang", GROUPS_TOO)  # /lang in a group: the group's language
EXEMPT = Family("ex", PRIVATE_ONLY)  # /exempt and the approval requests it sends
NUDGE = Family("nudge", PRIVATE_ONLY)  # a class nudge's "no nudges for a week"
STAFF = Family("staff", PRIVATE_ONLY)  # /staff: a school's not-yet-joined list (names, invite links)
FAMILIES = {
    f.name: f for f in (LANG, RECORDS, FLOW, SAVED, VISIT_CLASS, COVERAGE, GROUP_LANG, EXEMPT, NUDGE, STAFF)
}
# 整改: the opinion inbox, an item's buttons (owner, leader, district office), the item being created,
# /board's "post to the group". Private chats only; each handler checks the tapper again.
OPINIONS = Family("op", PRIVATE_ONLY)
ITEM = Family("it", PRIVATE_ONLY)
ITEM_FLOW = Family("rf", PRIVATE_ONLY)
BOARD = Family("bd", PRIVATE_ONLY)
VISIT_PERSON = Family("vp", PRIVATE_ONLY)  # /followups: start the visit with that person
RECTIFY_FAMILIES = (OPINIONS, ITEM, ITEM_FLOW, BOARD)
FAMILIES |= {f.name: f for f in (*RECTIFY_FAMILIES, VISIT_PERSON)}
SETTINGS = Family("set", PRIVATE_ONLY)  # /settings: a school leader's phase dates and outline
FAMILIES[SETTINGS.name] = SETTINGS


def encode(family: Family, action: str, *args: object) -> str:
    """Build callback data; raises ValueError if a part is unsafe or the result is too long."""
    parts = [VERSION, family.name, action, *(str(a) for a in args)]
    for part in parts:
        if ":" in part or not _SAFE.match(part):
            raise ValueError(f"unsafe callback data part {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def bounded_int(text: str) -> int:
    """An integer argument; anything else, or a number too large for an id, is stale."""
    if not _INT.match(text):
        raise BadCallbackData(f"not a bounded integer: {text[:20]!r}")
    return int(text)


# --- typed taps -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LangTap:
    locale: str


@dataclass(frozen=True)
class RecordsPageTap:
    """Show a page of /myvisits (also "Keep it" after Delete)."""

    page: int
    anchor: int


@dataclass(frozen=True)
class RecordsDeleteTap:
    visit_id: int
    page: int
    anchor: int


@dataclass(frozen=True)
class RecordsConfirmTap:
    visit_id: int
    minute: int  # when the question was asked, in minutes since the epoch
    page: int
    anchor: int


SavedAction = Literal["edit", "ledit", "again", "done"]


@dataclass(frozen=True)
class SavedTap:
    """Edit (``edit`` from the saved card, ``ledit`` from /myvisits), another in the class, done."""

    action: SavedAction
    target: int  # a visit id; a class id for "again"


class _Args:
    """Positional arguments of a tap, read with the same staleness rules everywhere."""

    args: tuple[str, ...]

    def arg(self, index: int = 0) -> str:
        try:
            return self.args[index]
        except IndexError:
            raise BadCallbackData(f"missing argument {index}") from None

    def int_arg(self, index: int = 0) -> int:
        return bounded_int(self.arg(index))


@dataclass(frozen=True)
class FlowTap(_Args):
    """A button of the visit flow: its flow nonce and step, the action and its arguments."""

    flow: str
    step: int
    action: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class VisitClassTap:
    class_id: int


@dataclass(frozen=True)
class CoverageTrendTap:
    """The trend picture of the coverage view ``view`` (a view kind) of ``target`` (its id)."""

    view: str
    target: int


@dataclass(frozen=True)
class GroupLangTap:
    locale: str


EXEMPT_ACTIONS = frozenset({"s", "r", "tl", "t", "ok", "no"})


@dataclass(frozen=True)
class ExemptTap(_Args):
    """A button of /exempt: pick a student (``s``), a reason (``r``), the teacher list (``tl``), a
    teacher (``t``); approve (``ok``) or decline (``no``) a proposal."""

    action: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class NudgeMuteTap:
    pass


@dataclass(frozen=True)
class StaffListTap:
    """The not-yet-joined staff of a school (``school_id`` 0: those without a school)."""

    school_id: int


@dataclass(frozen=True)
class RectifyTap(_Args):
    """A button of the 整改 families: which family, the action, its (short, id-only) arguments."""

    family: str
    action: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class VisitPersonTap:
    """Start a visit with one person: a student of ``class_id`` (``kind`` "s") or a teacher ("t",
    ``class_id`` 0)."""

    kind: str
    class_id: int
    person_id: int


# Supervision's taps (its family and parser are at the end of this module).
ReviewAction = Literal["ok", "ret"]
ConfirmAction = Literal["yes", "no"]


@dataclass(frozen=True)
class ReviewTap:
    """Verified (``ok``) or return (``ret``) on visit ``visit_id`` as the reviewer saw it: after
    ``reviews`` reviews, at version ``version`` (anything else since makes the button stale)."""

    action: ReviewAction
    visit_id: int
    reviews: int
    version: int


@dataclass(frozen=True)
class ConfirmTap:
    """The interviewed teacher's answer on interview ``visit_id``: it happened (``yes``) or not."""

    action: ConfirmAction
    visit_id: int
# --- /settings: a school leader's settings of their school (phase dates, interview outline) ---------

# m: the menu; ph: the phases; pe: a phase's editor with proposed dates; ps: save them; pr: back to
# the campaign's; pt: type a date; tl: a topic list; ta: add (typed); tx: take one off; tr: restore
# the campaign's list, ty: confirmed; x: close.
SETTINGS_ACTIONS = frozenset({"m", "ph", "pe", "ps", "pr", "pt", "tl", "ta", "tx", "tr", "ty", "x"})


@dataclass(frozen=True)
class SettingsTap(_Args):
    """A button of ``/settings``: the session's nonce, then ids, a phase's number, days from the
    campaign's start (integers), or an audience (``s``/``t``)."""

    action: str
    nonce: str
    args: tuple[str, ...]


def _settings(action: str, args: list[str]) -> SettingsTap:
    nonce, rest = args[0], args[1:]
    if not nonce.isalnum() or any(not (_INT.match(a) or a in ("s", "t")) for a in rest):
        raise BadCallbackData("malformed settings button")
    return SettingsTap(action, nonce, tuple(rest))


Tap = (
    LangTap | RecordsPageTap | RecordsDeleteTap | RecordsConfirmTap | SavedTap | FlowTap | VisitClassTap
    | CoverageTrendTap | GroupLangTap | ExemptTap | NudgeMuteTap | StaffListTap | RectifyTap | VisitPersonTap
    | ReviewTap | ConfirmTap
    | SettingsTap
)


def _ints(args: list[str], count: int) -> list[int]:
    if len(args) != count:
        raise BadCallbackData(f"expected {count} arguments")
    return [bounded_int(a) for a in args]


def _records(action: str, args: list[str]) -> Tap:
    if action in ("pg", "keep"):
        return RecordsPageTap(*_ints(args, 2))
    if action == "del":
        return RecordsDeleteTap(*_ints(args, 3))
    if action == "yes":
        return RecordsConfirmTap(*_ints(args, 4))
    raise BadCallbackData(f"unknown records action {action!r}")


def _saved(action: str, args: list[str]) -> Tap:
    if action not in ("edit", "ledit", "again", "done"):
        raise BadCallbackData(f"unknown saved-card action {action!r}")
    (target,) = _ints(args, 1)
    return SavedTap(action, target)  # type: ignore[arg-type]  # checked just above


def _flow(action: str, args: list[str]) -> Tap:
    if len(args) < 2:
        raise BadCallbackData("a flow button without its flow and step")
    return FlowTap(flow=args[0], step=bounded_int(args[1]), action=action, args=tuple(args[2:]))


def family_of(data: str | None) -> Family | None:
    """The family callback data claims, without checking the rest."""
    parts = (data or "").split(":")
    return FAMILIES.get(parts[1]) if len(parts) >= 3 and parts[0] == VERSION else None


def parse(data: str | None, chat_type: str | None) -> Tap:
    """Parse callback data tapped in a chat of ``chat_type``.

    Raises :class:`WrongChat` for a known family outside its chats (before looking at the rest), and
    :class:`BadCallbackData` for anything not built by this module's builders.
    """
    family = family_of(data)
    if family is None or data is None:
        raise BadCallbackData("not one of our buttons")
    if not family.runs_in(chat_type):
        raise WrongChat(family)
    parts = data.split(":")
    if any(not _SAFE.match(p) for p in parts) or len(data.encode()) > MAX_BYTES:
        raise BadCallbackData("malformed")
    action, args = parts[2], parts[3:]
    if family is LANG and action == "set" and len(args) == 1:
        return LangTap(args[0])
    if family is RECORDS:
        return _records(action, args)
    if family is SAVED:
        return _saved(action, args)
    if family is FLOW:
        return _flow(action, args)
    if family is VISIT_CLASS and not args:
        return VisitClassTap(bounded_int(action))
    if family is COVERAGE and action == "trend" and len(args) == 2:
        return CoverageTrendTap(args[0], bounded_int(args[1]))
    if family is GROUP_LANG and action == "set" and len(args) == 1:
        return GroupLangTap(args[0])
    if family is EXEMPT and action in EXEMPT_ACTIONS and len(args) <= 2:
        return ExemptTap(action, tuple(args))
    if family is NUDGE and action == "mute" and not args:
        return NudgeMuteTap()
    if family is STAFF and action == "list" and len(args) == 1:
        return StaffListTap(bounded_int(args[0]))
    if family is VISIT_PERSON and action in ("s", "t"):
        return VisitPersonTap(action, *_ints(args, 2))
    if family in RECTIFY_FAMILIES and len(args) <= 4 and all(_INT.match(a) or a.isalnum() for a in args):
        return RectifyTap(family.name, action, tuple(args))
    if family in SUPERVISION_FAMILIES:
        return _supervision(family, action, args)
    if family is SETTINGS and action in SETTINGS_ACTIONS and 1 <= len(args) <= 5:
        return _settings(action, args)
    raise BadCallbackData("unknown button")


# --- builders -----------------------------------------------------------------------------------------


def lang_data(locale: str) -> str:
    return encode(LANG, "set", locale)


def records_page_data(page: int, anchor: int) -> str:
    return encode(RECORDS, "pg", page, anchor)


def records_keep_data(page: int, anchor: int) -> str:
    return encode(RECORDS, "keep", page, anchor)


def records_delete_data(visit_id: int, page: int, anchor: int) -> str:
    return encode(RECORDS, "del", visit_id, page, anchor)


def records_confirm_data(visit_id: int, minute: int, page: int, anchor: int) -> str:
    return encode(RECORDS, "yes", visit_id, minute, page, anchor)


def saved_data(action: SavedAction, target: int) -> str:
    return encode(SAVED, action, target)


def is_saved_edit(data: object) -> bool:
    """Whether ``data`` is a saved card's Edit button (kept when the card's other buttons go)."""
    return isinstance(data, str) and data.startswith(f"{VERSION}:{SAVED.name}:edit:")


def flow_data(flow: str, step: int, action: str, *args: object) -> str:
    return encode(FLOW, action, flow, step, *args)


def visit_class_data(class_id: int) -> str:
    """A button that starts a student visit in this class, at the people step."""
    data = f"{VERSION}:{VISIT_CLASS.name}:{int(class_id)}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def coverage_trend_data(view: str, target: int) -> str:
    return encode(COVERAGE, "trend", view, target)


def group_lang_data(locale: str) -> str:
    return encode(GROUP_LANG, "set", locale)


def exempt_data(action: str, *args: object) -> str:
    """The buttons of ``/exempt`` and of the approval requests it sends (private chats only)."""
    return encode(EXEMPT, action, *args)


def nudge_mute_data() -> str:
    return encode(NUDGE, "mute")


def staff_list_data(school_id: int | None) -> str:
    """``/staff``'s button for a school's not-yet-joined list (None: the staff without a school)."""
    return encode(STAFF, "list", school_id or 0)


def rectify_data(family: Family, action: str, *args: object) -> str:
    """A button of one of the 整改 families (:data:`RECTIFY_FAMILIES`)."""
    if family not in RECTIFY_FAMILIES:
        raise ValueError(family.name)
    return encode(family, action, *args)


def visit_person_data(kind: str, class_id: int, person_id: int) -> str:
    """A button that starts a visit with one person (``kind`` "s": a student, "t": a teacher)."""
    return encode(VISIT_PERSON, kind, class_id, person_id)


# --- supervision (督導): /review's decisions and the interviewed teacher's confirmation ---------------

REVIEW = Family("rv", PRIVATE_ONLY)  # under a sampled record: verified / return with a comment
CONFIRM = Family("ic", PRIVATE_ONLY)  # the interviewed teacher's "it happened" / "it did not"
SUPERVISION_FAMILIES = (REVIEW, CONFIRM)
FAMILIES |= {f.name: f for f in SUPERVISION_FAMILIES}


def _supervision(family: Family, action: str, args: list[str]) -> ReviewTap | ConfirmTap:
    if family is REVIEW and action in ("ok", "ret"):
        visit_id, reviews, version = _ints(args, 3)
        return ReviewTap(action, visit_id, reviews, version)  # type: ignore[arg-type]  # checked above
    if family is CONFIRM and action in ("yes", "no"):
        (visit_id,) = _ints(args, 1)
        return ConfirmTap(action, visit_id)  # type: ignore[arg-type]  # checked above
    raise BadCallbackData(f"unknown {family.name} action {action!r}")


def review_data(action: ReviewAction, visit_id: int, reviews: int, version: int) -> str:
    return encode(REVIEW, action, visit_id, reviews, version)


def confirm_data(action: ConfirmAction, visit_id: int) -> str:
    return encode(CONFIRM, action, visit_id)
def settings_data(action: str, nonce: str, *args: object) -> str:
    if action not in SETTINGS_ACTIONS:
        raise ValueError(action)
    return encode(SETTINGS, action, nonce, *args)
