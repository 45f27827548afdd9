"""What each step of the visit conversation shows: text and keyboard, from plain data; no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from telegram import InlineKeyboardMarkup

from bot.callback_data import flow_data
from bot.conversations.visit_state import Flow, Step
from bot.i18n import Translator
from bot.keyboards import Button, grid, inline
from bot.text import FOLLOW_UP_LABELS, FORM_LABELS, PLACE_LABELS, esc, focus_labels
from store.campaign import CampaignInfo, TopicInfo
from store.flow_views import DraftLabels
from store.people import ClassOption, StaffOption, StudentOption, TeacherOption
from store.visit_views import VisitDetails
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind

PAGE_SIZE = 12  # two columns of six rows: room for the pager and the other rows on a phone
# The card shows the start of long texts, so ten opinions and the notes stay within Telegram's 4096.
CARD_TEXT = 120
CARD_SITUATION = 400  # the situation is the card's narrative: more of it, still within 4096

Person = StudentOption | TeacherOption
View = tuple[str, InlineKeyboardMarkup]
T = TypeVar("T")


def step_button(label: str, f: Flow, step: Step, action: str, *args: object) -> Button:
    """A button of this flow at this step (stale taps are told apart by both)."""
    return (label, flow_data(f.ui.flow, int(step), action, *args))


def paginate(items: Sequence[T], page: int) -> tuple[int, int, Sequence[T]]:
    """The page to show (clamped), the number of pages, and that page's items."""
    pages = max(1, (len(items) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = max(0, min(page, pages - 1))
    return page, pages, items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


def pager(f: Flow, step: Step, page: int, pages: int) -> list[Button]:
    """◀️ ▶️ where there is a page before or after."""
    row = []
    if page > 0:
        row.append(step_button("◀️", f, step, "page", page - 1))
    if page < pages - 1:
        row.append(step_button("▶️", f, step, "page", page + 1))
    return row


def _nav(tr: Translator, f: Flow, step: Step, *, back: bool = True) -> list[Button]:
    _ = tr.gettext
    row = [step_button(_("⬅️ Back"), f, step, "back")] if back else []
    return [*row, step_button(_("✖️ Cancel"), f, step, "cancel")]


def back_only(tr: Translator, f: Flow, step: Step) -> list[Button]:
    return [step_button(tr.gettext("⬅️ Back"), f, step, "back")]


def class_step(tr: Translator, f: Flow, classes: Sequence[ClassOption]) -> View:
    buttons = [step_button(c.name, f, Step.CLASS, "class", c.id) for c in classes]
    rows = [*grid(buttons, 2), _nav(tr, f, Step.CLASS, back=False)]
    return tr.gettext("Which class was the visit in?"), inline(rows)


def _person_label(person: Person, chosen: bool, several: bool) -> str:
    visited = person.visited if isinstance(person, StudentOption) else person.interviewed
    marks = ("✅ " if chosen else "⬜ ") if several else ""
    return f"{marks}{person.label}{' ⭐' if person.focus else ''}{' ✓' if visited else ''}"


def kind_title(tr: Translator, kind: VisitKind, class_name: str | None) -> str:
    if kind is VisitKind.TEACHER:
        return tr.gettext("Which teacher did you interview?")
    return tr.gettext("Which student did you visit? ({class_name})").format(class_name=esc(class_name or ""))


def people_step(tr: Translator, f: Flow, people: Sequence[Person], class_name: str | None) -> View:
    _ = tr.gettext
    ui, chosen = f.ui, f.draft.visitee_ids
    page, pages, shown = paginate(people, ui.page)
    action = "toggle" if ui.several else "pick"
    buttons = [
        step_button(_person_label(p, p.id in chosen, ui.several), f, Step.PEOPLE, action, p.id) for p in shown
    ]
    rows = [*grid(buttons, 2), pager(f, Step.PEOPLE, page, pages)]
    if ui.several:
        rows.append([step_button(_("Continue ({n} chosen) ➡️").format(n=len(chosen)), f, Step.PEOPLE, "next")])
    else:
        rows.append([step_button(_("👥 Several at once (group talk)"), f, Step.PEOPLE, "group")])
    if ui.query:
        rows.append([step_button(_("🔎 Clear search"), f, Step.PEOPLE, "clear")])
    rows.append(_nav(tr, f, Step.PEOPLE, back=ui.several_classes))
    lines = [kind_title(tr, f.kind, class_name)]
    if ui.query:
        lines.append(_("Search: {query} ({n} found)").format(query=esc(ui.query), n=len(people)))
    if pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=page + 1, pages=pages))
    lines.append(
        _("Not yet visited come first; ⭐ focus person, ✓ already visited. Type part of a name to search.")
    )
    focus = [p for p in shown if p.focus]
    if focus:
        lines.append("⭐ " + "; ".join(f"{esc(p.label)}: {esc(focus_labels(tr, p.focus))}" for p in focus))
    return "\n".join(lines), inline(rows)


def form_step(tr: Translator, f: Flow) -> View:
    buttons = [
        step_button(tr.gettext(label), f, Step.FORM, "form", form.value)
        for form, label in FORM_LABELS.items()
    ]
    return tr.gettext("How did it happen?"), inline([*grid(buttons, 2), _nav(tr, f, Step.FORM)])


def topics_step(tr: Translator, f: Flow, topics: Sequence[TopicInfo]) -> View:
    _ = tr.gettext
    chosen = f.draft.topic_ids
    buttons = [
        step_button(("☑️ " if t.id in chosen else "⬜ ") + t.name, f, Step.TOPICS, "topic", t.id)
        for t in topics
    ]
    rows = [
        *grid(buttons, 2),
        [step_button(_("Continue ➡️"), f, Step.TOPICS, "next")],
        _nav(tr, f, Step.TOPICS),
    ]
    return _("Which topics of the outline did you talk about? Tap all that apply."), inline(rows)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class CardView:
    """What a visit's card shows, from a draft (before saving) or from the stored visit (after)."""

    kind: VisitKind
    visitees: tuple[str, ...]
    class_name: str | None
    form: VisitForm
    place: Place
    visit_date: date
    topics: tuple[str, ...]
    co_visitors: tuple[str, ...]
    opinions: tuple[tuple[str, str], ...]  # (category, text)
    follow_up: FollowUpWish
    follow_up_date: date | None
    notable: bool
    private_notes: str | None
    situation: str | None = None


def draft_card(
    f: Flow, labels: DraftLabels, campaign: CampaignInfo, today: date,
    topic_names: Mapping[int, str] | None = None,
) -> CardView:
    d = f.draft
    topics = {t.id: t.name for t in campaign.topics(d.kind)} | dict(topic_names or {})
    categories = {c.id: c.name for c in campaign.categories}
    return CardView(
        kind=d.kind,
        visitees=tuple(labels.visitees.get(i, "?") for i in d.visitee_ids),
        class_name=labels.class_name,
        form=d.form,
        place=d.shown_place,
        visit_date=d.date_on(today),
        topics=tuple(topics.get(t, "?") for t in d.topic_ids),
        co_visitors=tuple(labels.co_visitors.get(i, "?") for i in d.co_visitor_ids),
        opinions=tuple((categories.get(o.category_id, "?"), o.text) for o in d.opinions),
        follow_up=d.follow_up,
        follow_up_date=d.follow_up_date,
        notable=d.notable,
        private_notes=d.private_notes,
        situation=d.situation,
    )


def saved_card(v: VisitDetails) -> CardView:
    return CardView(
        kind=v.kind,
        visitees=tuple(p.label for p in v.visitees),
        class_name=v.class_name,
        form=v.form,
        place=v.place,
        visit_date=v.visit_date,
        topics=tuple(t.name for t in v.topics),
        co_visitors=tuple(p.label for p in v.co_visitors),
        opinions=tuple((o.category_name or "?", o.text) for o in v.opinions),
        follow_up=v.follow_up,
        follow_up_date=v.follow_up_due if v.follow_up is FollowUpWish.DATE else None,
        notable=v.notable,
        private_notes=v.private_notes,
        situation=v.situation,
    )


def card_text(tr: Translator, card: CardView, header: str) -> str:
    _ = tr.gettext
    none = _("—")
    who = ", ".join(esc(label) for label in card.visitees)
    if len(card.visitees) > 1:
        who = _("Group talk ({n}): {names}").format(n=len(card.visitees), names=who)
    lines = [header, ""]
    lines.append(_("With: {who}").format(who=who) + (f" · {esc(card.class_name)}" if card.class_name else ""))
    lines.append(
        _("Form: {form} · Place: {place}").format(
            form=_(FORM_LABELS[card.form]), place=_(PLACE_LABELS[card.place])
        )
    )
    lines.append(_("Date: {date}").format(date=card.visit_date.isoformat()))
    lines.append(_("Topics: {topics}").format(topics=", ".join(esc(t) for t in card.topics) or none))
    lines.append(_("Co-visitors: {names}").format(names=", ".join(esc(c) for c in card.co_visitors) or none))
    if card.opinions:
        lines.append(_("Opinions raised:"))
        for n, (category, text) in enumerate(card.opinions, 1):
            lines.append(f"  {n}. [{esc(category)}] {esc(shorten(text, CARD_TEXT))}")
    else:
        lines.append(_("Opinions raised: {none}").format(none=none))
    follow = _(FOLLOW_UP_LABELS[card.follow_up])
    if card.follow_up is FollowUpWish.DATE and card.follow_up_date:
        follow = _("On {date}").format(date=card.follow_up_date.isoformat())
    lines.append(_("Follow-up: {follow}").format(follow=follow))
    lines.append(_("Notable case: {answer}").format(answer=_("yes") if card.notable else _("no")))
    lines.append(
        _("Situation: {situation}").format(
            situation=esc(shorten(card.situation, CARD_SITUATION)) if card.situation else none
        )
    )
    lines.append(
        _("Private notes (only you see them): {notes}").format(
            notes=esc(shorten(card.private_notes, CARD_TEXT)) if card.private_notes else none
        )
    )
    return "\n".join(lines)


def card_header(tr: Translator, f: Flow) -> str:
    if f.ui.edit_id is not None:
        return tr.gettext("✏️ Editing the visit. Change what you need, then Save.")
    return tr.gettext("📝 Check the visit, add anything else, then Save.")


def card_keyboard(tr: Translator, f: Flow) -> InlineKeyboardMarkup:
    _ = tr.gettext
    s = Step.CARD
    d = f.draft
    rows = [
        [step_button(_("📍 Place"), f, s, "place"), step_button(_("📅 Date"), f, s, "date")],
        [step_button(_("👥 Co-visitors"), f, s, "co"), step_button(_("💬 Add opinion"), f, s, "opinion")],
        [
            step_button(_("🔁 Follow-up"), f, s, "follow"),
            step_button(_("⭐ Notable: yes") if d.notable else _("☆ Notable: no"), f, s, "notable"),
        ],
        [
            step_button(_("📋 Situation"), f, s, "situation"),
            step_button(_("📝 Private notes"), f, s, "notes"),
        ],
        *([[step_button(_("🗑 Remove last opinion"), f, s, "unopinion")]] if d.opinions else []),
        [*_nav(tr, f, s, back=f.ui.edit_id is None), step_button(_("💾 Save"), f, s, "save")],
    ]
    return inline(rows)


def place_step(tr: Translator, f: Flow) -> View:
    buttons = [
        step_button(tr.gettext(label), f, Step.PLACE, "set", p.value) for p, label in PLACE_LABELS.items()
    ]
    return tr.gettext("Where did it take place?"), inline([*grid(buttons, 2), back_only(tr, f, Step.PLACE)])


def date_step(tr: Translator, f: Flow, today: date, first: date) -> View:
    _ = tr.gettext
    days = [today - timedelta(days=n) for n in range(7) if today - timedelta(days=n) >= first]
    names = {0: _("Today"), 1: _("Yesterday")}
    buttons = [
        step_button(names.get(n, d.strftime("%m-%d")), f, Step.DATE, "set", d.isoformat())
        for n, d in enumerate(days)
    ]
    text = _("When was it? Tap a day, or type a date like {example} (from {first} to today).").format(
        example=today.isoformat(), first=first.isoformat()
    )
    return text, inline([*grid(buttons, 4), back_only(tr, f, Step.DATE)])


def co_visitor_step(tr: Translator, f: Flow, staff: Sequence[StaffOption]) -> View:
    _ = tr.gettext
    page, pages, shown = paginate(staff, f.ui.co_page)
    chosen = f.draft.co_visitor_ids
    buttons = [
        step_button(("✅ " if s.id in chosen else "⬜ ") + s.label, f, Step.CO_VISITORS, "toggle", s.id)
        for s in shown
    ]
    rows = [
        *grid(buttons, 2),
        pager(f, Step.CO_VISITORS, page, pages),
        [step_button(_("Done ✔️"), f, Step.CO_VISITORS, "back")],
    ]
    return _("Who else took part in the visit?"), inline(rows)


def prompt_step(tr: Translator, f: Flow, step: Step, text: str, extra: Sequence[Button] = ()) -> View:
    return text, inline([list(extra), back_only(tr, f, step)])


def category_step(tr: Translator, f: Flow, campaign: CampaignInfo) -> View:
    buttons = [step_button(c.name, f, Step.OPINION_CATEGORY, "cat", c.id) for c in campaign.categories]
    text = (
        tr.gettext("Which category does this opinion belong to?") + "\n\n" + esc(f.ui.pending_opinion or "")
    )
    return text, inline([*grid(buttons, 2), back_only(tr, f, Step.OPINION_CATEGORY)])


def follow_up_step(tr: Translator, f: Flow) -> View:
    buttons = [
        step_button(tr.gettext(label), f, Step.FOLLOW_UP, "set", w.value)
        for w, label in FOLLOW_UP_LABELS.items()
    ]
    return tr.gettext("Is a follow-up visit wanted?"), inline(
        [*grid(buttons, 2), back_only(tr, f, Step.FOLLOW_UP)]
    )
