"""How 整改 is worded: an item's card, its status, its buttons for each reader. Shared by the commands
and the reminders (below both, so neither imports the other)."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup

from bot.callback_data import ITEM, rectify_data
from bot.i18n import N_, Translator
from bot.keyboards import Button, inline
from bot.text import esc
from store.rectification import Escalation, ItemInfo, ItemLevel, ItemStatus
from store.scopes import Scope

STATUS = {
    ItemStatus.OPEN: N_("open"),
    ItemStatus.IN_PROGRESS: N_("in progress"),
    ItemStatus.DONE: N_("done, awaiting verification"),
    ItemStatus.VERIFIED: N_("verified"),
    ItemStatus.RETURNED: N_("sent back"),
}
LEVEL = {ItemLevel.SCHOOL: N_("school"), ItemLevel.DISTRICT: N_("district")}
REFUSALS = {
    "not_allowed": N_(
        "Only the school's leaders and middle cadres do this (the district office for "
        "escalated items; the owner for their own item)."
    ),
    "not_found": N_("That opinion or item is no longer there."),
    "handled": N_("That opinion was handled already."),
    "same": N_("An opinion cannot be merged into itself."),
    "bad_owner": N_("The owner must be active staff of the school."),
    "bad_state": N_("Not possible in the item's present state."),
    "empty": N_("Please write something."),
    "no_reason": N_("Please write something."),
}


def refusal(tr: Translator, code: str) -> str:
    return tr.gettext(REFUSALS.get(code, REFUSALS["not_found"]))


def status_label(tr: Translator, item: ItemInfo) -> str:
    label = tr.gettext(STATUS[item.status])
    if item.level is ItemLevel.DISTRICT:
        pending = item.escalation is Escalation.PENDING
        label += (
            tr.gettext(" · escalated, awaiting the district office")
            if pending
            else tr.gettext(" · escalated, accepted by the district office")
        )
    return label


def item_card(tr: Translator, item: ItemInfo, *, public: bool = False) -> str:
    """The item as its readers see it in private (``public``: only what a group may see)."""
    _ = tr.gettext
    lines = [
        _("📋 <b>{title}</b> (#{id})").format(
            title=esc(item.public_title if public else item.title), id=item.id
        )
    ]
    if not public:
        lines.append(_("Public title: {title}").format(title=esc(item.public_title)))
        lines.append(_("Goal: {goal}").format(goal=esc(item.goal)))
        lines.append(_("Measures: {measures}").format(measures=esc(item.measures)))
    lines.append(
        _("Owner: {owner} · deadline {deadline} · level: {level}").format(
            owner=esc(item.owner_label), deadline=item.deadline.isoformat(), level=_(LEVEL[item.level])
        )
    )
    lines.append(_("Status: {status}").format(status=status_label(tr, item)))
    if not public:
        for note in item.notes[-3:]:
            lines.append(_("💬 {who}: {text}").format(who=esc(note.by_name or ""), text=esc(note.text)))
    return "\n".join(lines)


def item_buttons(tr: Translator, item: ItemInfo, scope: Scope) -> list[list[Button]]:
    """What this reader may do with the item now."""
    _ = tr.gettext
    rows: list[list[Button]] = []
    if item.owner_staff_id == scope.staff_id and item.status in (
        ItemStatus.OPEN,
        ItemStatus.RETURNED,
        ItemStatus.IN_PROGRESS,
    ):
        row = [(_("✅ Done…"), rectify_data(ITEM, "done", item.id))]
        if item.status is not ItemStatus.IN_PROGRESS:
            row.insert(0, (_("▶ In progress"), rectify_data(ITEM, "go", item.id)))
        rows.append(row)
    if scope.may_manage_rectification_of(item.school_id) and item.status is ItemStatus.DONE:
        rows.append(
            [
                (_("✔ Verify"), rectify_data(ITEM, "ok", item.id)),
                (_("↩ Send back…"), rectify_data(ITEM, "back", item.id)),
            ]
        )
    if scope.handles_escalations and item.level is ItemLevel.DISTRICT:
        row = [
            (_("↪ Reassign…"), rectify_data(ITEM, "re", item.id)),
            (_("⤵ Return to the school…"), rectify_data(ITEM, "ret", item.id)),
        ]
        if item.escalation is Escalation.PENDING:
            row.insert(0, (_("👍 Accept"), rectify_data(ITEM, "acc", item.id)))
        rows.append(row)
    return rows


def overdue_line(tr: Translator, item: ItemInfo, today: date, *, public: bool) -> str:
    return tr.gettext("⏰ {title} — {owner}, {days} days overdue, {level}").format(
        title=esc(item.public_title if public else item.title),
        owner=esc(item.owner_label),
        days=item.days_overdue(today),
        level=tr.gettext(LEVEL[item.level]),
    )


def markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """The keyboard, or none at all when there is nothing to tap (Telegram refuses an empty one)."""
    return inline(rows) if any(rows) else None
