"""What each step of the visit conversation shows: text and keyboard, from plain data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

from telegram import InlineKeyboardMarkup

from bot.callback_data import flow_data
from bot.conversations.visit_state import Draft, Step
from bot.i18n import Translator
from bot.keyboards import Button, grid, inline
from bot.text import FOLLOW_UP_LABELS, FORM_LABELS, PLACE_LABELS, esc, focus_labels
from store.campaign import CampaignInfo, TopicInfo
from store.people import ClassOption, StaffOption, StudentOption, TeacherOption
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind

PAGE_SIZE = 12  # two columns of six rows: room for the pager and the other rows on a phone
# The card shows the start of long texts, so ten opinions and the notes stay within Telegram's 4096.
CARD_TEXT = 120

Person = StudentOption | TeacherOption
T = TypeVar("T")


def tap(draft: Draft, step: Step, action: str, *args: object) -> str:
    """Callback data for a button of this flow at this step (stale taps are told apart by both)."""
    return flow_data(draft.flow, int(step), action, *args)


def step_button(label: str, draft: Draft, step: Step, action: str, *args: object) -> Button:
    return (label, tap(draft, step, action, *args))


def paginate(items: Sequence[T], page: int) -> tuple[int, int, Sequence[T]]:
    """The page to show (clamped), the number of pages, and that page's items."""
    pages = max(1, (len(items) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = max(0, min(page, pages - 1))
    return page, pages, items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


def pager(draft: Draft, step: Step, page: int, pages: int) -> list[Button]:
    """◀️ ▶️ where there is a page before or after."""
    row = []
    if page > 0:
        row.append(step_button("◀️", draft, step, "page", page - 1))
    if page < pages - 1:
        row.append(step_button("▶️", draft, step, "page", page + 1))
    return row


def _nav(tr: Translator, draft: Draft, step: Step, *, back: bool = True) -> list[Button]:
    _ = tr.gettext
    row = [step_button(_("⬅️ Back"), draft, step, "back")] if back else []
    return [*row, step_button(_("✖️ Cancel"), draft, step, "cancel")]


def class_step(
    tr: Translator, draft: Draft, classes: Sequence[ClassOption]
) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [step_button(c.name, draft, Step.CLASS, "class", c.id) for c in classes]
    rows = [*grid(buttons, 2), _nav(tr, draft, Step.CLASS, back=False)]
    return tr.gettext("Which class was the visit in?"), inline(rows)


def _person_label(person: Person, chosen: bool, group: bool) -> str:
    visited = person.visited if isinstance(person, StudentOption) else person.interviewed
    marks = ("✅ " if chosen else "⬜ ") if group else ""
    return f"{marks}{person.label}{' ⭐' if person.focus else ''}{' ✓' if visited else ''}"


def people_step(
    tr: Translator, draft: Draft, people: Sequence[Person], title: str
) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    page, pages, shown = paginate(people, draft.page)
    action = "toggle" if draft.group else "pick"
    buttons = [
        step_button(_person_label(p, p.id in draft.visitees, draft.group), draft, Step.PEOPLE, action, p.id)
        for p in shown
    ]
    rows = [*grid(buttons, 2), pager(draft, Step.PEOPLE, page, pages)]
    if draft.group:
        rows.append(
            [
                step_button(
                    _("Continue ({n} chosen) ➡️").format(n=len(draft.visitees)), draft, Step.PEOPLE, "next"
                )
            ]
        )
    else:
        rows.append([step_button(_("👥 Several at once (group talk)"), draft, Step.PEOPLE, "group")])
    if draft.query:
        rows.append([step_button(_("🔎 Clear search"), draft, Step.PEOPLE, "clear")])
    rows.append(_nav(tr, draft, Step.PEOPLE, back=draft.several_classes))
    lines = [title]
    if draft.query:
        lines.append(_("Search: {query} ({n} found)").format(query=esc(draft.query), n=len(people)))
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    lines.append(
        _("Not yet visited come first; ⭐ focus person, ✓ already visited. Type part of a name to search.")
    )
    focus = [p for p in shown if p.focus]
    if focus:
        lines.append("⭐ " + "; ".join(f"{esc(p.label)}: {esc(focus_labels(tr, p.focus))}" for p in focus))
    return "\n".join(lines), inline(rows)


def form_step(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        step_button(tr.gettext(label), draft, Step.FORM, "form", form.value)
        for form, label in FORM_LABELS.items()
    ]
    rows = [*grid(buttons, 2), _nav(tr, draft, Step.FORM)]
    return tr.gettext("How did it happen?"), inline(rows)


def topics_step(
    tr: Translator, draft: Draft, topics: Sequence[TopicInfo]
) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    buttons = [
        step_button(("☑️ " if t.id in draft.topics else "⬜ ") + t.name, draft, Step.TOPICS, "topic", t.id)
        for t in topics
    ]
    rows = [
        *grid(buttons, 2),
        [step_button(_("Continue ➡️"), draft, Step.TOPICS, "next")],
        _nav(tr, draft, Step.TOPICS),
    ]
    return _("Which topics of the outline did you talk about? Tap all that apply."), inline(rows)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _names(ids: Sequence[int], labels: dict[int, str]) -> str:
    return ", ".join(esc(labels.get(i, "?")) for i in ids)


def card_text(
    tr: Translator,
    draft: Draft,
    *,
    today: date,
    campaign: CampaignInfo,
    visitee_labels: dict[int, str],
    class_name: str | None,
    co_labels: dict[int, str],
    header: str,
) -> str:
    _ = tr.gettext
    kind = draft.visit_kind
    form = VisitForm(draft.form or VisitForm.IN_PERSON.value)
    from store.vocab import default_place

    place = Place(draft.place) if draft.place else default_place(kind, form)
    topics = {t.id: t.name for t in campaign.topics(kind)}
    categories = {c.id: c.name for c in campaign.categories}
    none = _("—")
    who = _names(draft.visitees, visitee_labels)
    if len(draft.visitees) > 1:
        who = _("Group talk ({n}): {names}").format(n=len(draft.visitees), names=who)
    lines = [header, ""]
    lines.append(_("With: {who}").format(who=who) + (f" · {esc(class_name)}" if class_name else ""))
    lines.append(
        _("Form: {form} · Place: {place}").format(form=_(FORM_LABELS[form]), place=_(PLACE_LABELS[place]))
    )
    lines.append(_("Date: {date}").format(date=draft.visit_date(today).isoformat()))
    lines.append(
        _("Topics: {topics}").format(topics=", ".join(esc(topics.get(t, "?")) for t in draft.topics) or none)
    )
    lines.append(_("Co-visitors: {names}").format(names=_names(draft.co_visitors, co_labels) or none))
    if draft.opinions:
        lines.append(_("Opinions raised:"))
        for n, (text, category) in enumerate(draft.opinions, 1):
            lines.append(f"  {n}. [{esc(categories.get(category, '?'))}] {esc(shorten(text, CARD_TEXT))}")
    else:
        lines.append(_("Opinions raised: {none}").format(none=none))
    wish = FollowUpWish(draft.follow_up)
    follow = _(FOLLOW_UP_LABELS[wish])
    if wish is FollowUpWish.DATE and draft.follow_up_date:
        follow = _("On {date}").format(date=draft.follow_up_date)
    lines.append(_("Follow-up: {follow}").format(follow=follow))
    lines.append(_("Notable case: {answer}").format(answer=_("yes") if draft.notable else _("no")))
    lines.append(
        _("Private notes (only you see them): {notes}").format(
            notes=esc(shorten(draft.notes, CARD_TEXT)) if draft.notes else none
        )
    )
    return "\n".join(lines)


def card_keyboard(tr: Translator, draft: Draft) -> InlineKeyboardMarkup:
    _ = tr.gettext
    s = Step.CARD
    rows = [
        [step_button(_("📍 Place"), draft, s, "place"), step_button(_("📅 Date"), draft, s, "date")],
        [
            step_button(_("👥 Co-visitors"), draft, s, "co"),
            step_button(_("💬 Add opinion"), draft, s, "opinion"),
        ],
        [
            step_button(_("🔁 Follow-up"), draft, s, "follow"),
            step_button(_("⭐ Notable: yes") if draft.notable else _("☆ Notable: no"), draft, s, "notable"),
        ],
        [step_button(_("📝 Private notes"), draft, s, "notes")]
        + ([step_button(_("🗑 Remove last opinion"), draft, s, "unopinion")] if draft.opinions else []),
        [*_nav(tr, draft, s, back=draft.edit_id is None), step_button(_("💾 Save"), draft, s, "save")],
    ]
    return inline(rows)


def place_step(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        step_button(tr.gettext(label), draft, Step.PLACE, "set", p.value) for p, label in PLACE_LABELS.items()
    ]
    return tr.gettext("Where did it take place?"), inline(
        [*grid(buttons, 2), [step_button(tr.gettext("⬅️ Back"), draft, Step.PLACE, "back")]]
    )


def date_step(tr: Translator, draft: Draft, today: date, first: date) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    days = [today - timedelta(days=n) for n in range(7) if today - timedelta(days=n) >= first]
    names = {0: _("Today"), 1: _("Yesterday")}
    buttons = [
        step_button(names.get(n, d.strftime("%m-%d")), draft, Step.DATE, "set", d.isoformat())
        for n, d in enumerate(days)
    ]
    rows = [*grid(buttons, 4), [step_button(_("⬅️ Back"), draft, Step.DATE, "back")]]
    text = _("When was it? Tap a day, or type a date like {example} (from {first} to today).").format(
        example=today.isoformat(), first=first.isoformat()
    )
    return text, inline(rows)


def co_visitor_step(
    tr: Translator, draft: Draft, staff: Sequence[StaffOption]
) -> tuple[str, InlineKeyboardMarkup]:
    _ = tr.gettext
    page, pages, shown = paginate(staff, draft.co_page)
    buttons = [
        step_button(
            ("✅ " if s.id in draft.co_visitors else "⬜ ") + s.label, draft, Step.CO_VISITORS, "toggle", s.id
        )
        for s in shown
    ]
    rows = [
        *grid(buttons, 2),
        pager(draft, Step.CO_VISITORS, page, pages),
        [step_button(_("Done ✔️"), draft, Step.CO_VISITORS, "back")],
    ]
    return _("Who else took part in the visit?"), inline(rows)


def prompt_step(
    tr: Translator, draft: Draft, step: Step, text: str, extra: Sequence[Button] = ()
) -> tuple[str, InlineKeyboardMarkup]:
    return text, inline([list(extra), [step_button(tr.gettext("⬅️ Back"), draft, step, "back")]])


def category_step(tr: Translator, draft: Draft, campaign: CampaignInfo) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [step_button(c.name, draft, Step.OPINION_CATEGORY, "cat", c.id) for c in campaign.categories]
    rows = [*grid(buttons, 2), [step_button(tr.gettext("⬅️ Back"), draft, Step.OPINION_CATEGORY, "back")]]
    text = (
        tr.gettext("Which category does this opinion belong to?") + "\n\n" + esc(draft.pending_opinion or "")
    )
    return text, inline(rows)


def follow_up_step(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        step_button(tr.gettext(label), draft, Step.FOLLOW_UP, "set", w.value)
        for w, label in FOLLOW_UP_LABELS.items()
    ]
    rows = [*grid(buttons, 2), [step_button(tr.gettext("⬅️ Back"), draft, Step.FOLLOW_UP, "back")]]
    return tr.gettext("Is a follow-up visit wanted?"), inline(rows)


def kind_title(tr: Translator, kind: VisitKind, class_name: str | None) -> str:
    if kind is VisitKind.TEACHER:
        return tr.gettext("Which teacher did you interview?")
    return tr.gettext("Which student did you visit? ({class_name})").format(class_name=esc(class_name or ""))
