"""What ``/settings`` shows: the menu, the phases, one phase's editor, a topic list; pure (texts and
keyboards from plain data and a translator). Dates travel in the buttons as days from the campaign's
start, so a proposal needs no state beyond the session's nonce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup

from bot.callback_data import settings_data
from bot.commands.phase import PHASE_LABELS
from bot.i18n import N_, Translator
from bot.keyboards import Button, button, grid, inline
from bot.text import esc
from store.campaign import CampaignConfig
from store.phases import PhaseDates
from store.school_settings import MAX_TOPIC_CHARS, MAX_TOPICS, Outline, TopicRefusal
from store.vocab import VisitKind

View = tuple[str, InlineKeyboardMarkup]
AUDIENCE_CODES = {VisitKind.STUDENT: "s", VisitKind.TEACHER: "t"}
AUDIENCES = {code: kind for kind, code in AUDIENCE_CODES.items()}
AUDIENCE_LABELS = {
    VisitKind.STUDENT: N_("Student visit topics"),
    VisitKind.TEACHER: N_("Teacher interview topics"),
}
SHIFTS = (-7, -1, 1, 7)
TOPIC_REFUSALS = {
    TopicRefusal.NOT_ALLOWED: N_("A school's settings are changed by its school leaders."),
    TopicRefusal.EMPTY: N_("A topic needs a few words. Type it again."),
    TopicRefusal.TOO_LONG: N_("That is {n} characters; a topic may have at most {limit}. Please shorten it."),
    TopicRefusal.DUPLICATE: N_("That topic is on the list already."),
    TopicRefusal.TOO_MANY: N_("The list is full ({limit} topics): take one off first."),
    TopicRefusal.NOT_FOUND: N_("That topic is no longer on the list. Nothing was changed."),
    TopicRefusal.LAST_TOPIC: N_("The last topic stays on the list; to go back to the campaign's topics, "
                                "tap “Restore the campaign's list”."),
}


@dataclass(frozen=True)
class Proposal:
    """A phase's dates being edited: its number (1-based, the campaign's order) and the dates."""

    number: int
    start: date
    end: date

    def data(self, config: CampaignConfig, action: str, nonce: str, *extra: object) -> str:
        return settings_data(action, nonce, self.number, *extra, offset(config, self.start),
                             offset(config, self.end))


def offset(config: CampaignConfig, day: date) -> int:
    return (day - config.start).days


def day_at(config: CampaignConfig, days: int) -> date:
    return config.start + timedelta(days=days)


def _dates(start: date, end: date) -> str:
    return f"{start.isoformat()} – {end.isoformat()}"


def allowed_text(tr: Translator, config: CampaignConfig) -> str:
    return tr.gettext("A school's dates must lie inside the campaign's: {start} to {end}.").format(
        start=config.start.isoformat(), end=config.end.isoformat())


def menu_view(tr: Translator, nonce: str, school: str, phases: Sequence[PhaseDates],
              outlines: Sequence[Outline]) -> View:
    _ = tr.gettext
    own = sum(1 for p in phases if p.own)
    lines = [
        _("⚙️ <b>Settings of {school}</b>").format(school=esc(school)),
        _("Phase dates: {own} of {n} phases on your school's own dates.").format(own=own, n=len(phases)),
    ]
    for o in outlines:
        which = _("your school's own list") if o.own else _("the campaign's list")
        lines.append(_("{what}: {n}, {which}.").format(what=_(AUDIENCE_LABELS[o.audience]), n=len(o.topics),
                                                       which=which))
    lines.append(_("Every change is recorded with your name."))
    rows = [
        [button(_("📅 Phase dates"), settings_data("ph", nonce))],
        [button("📝 " + _(AUDIENCE_LABELS[o.audience]),
                settings_data("tl", nonce, AUDIENCE_CODES[o.audience])) for o in outlines],
        [button(_("✖ Close"), settings_data("x", nonce))],
    ]
    return "\n".join(lines), inline(rows)


def phases_view(tr: Translator, nonce: str, config: CampaignConfig, school: str,
                phases: Sequence[PhaseDates]) -> View:
    _ = tr.gettext
    lines = [_("📅 <b>Phase dates of {school}</b>").format(school=esc(school))]
    for number, p in enumerate(phases, start=1):
        own = _(" (the school's own dates)") if p.own else ""
        lines.append(f"{number}. {_(PHASE_LABELS[p.key])}: {_dates(p.start, p.end)}{own}")
    lines.append(_("Tap a phase to change its dates."))
    buttons = [button(f"{n}. {_(PHASE_LABELS[p.key])}", Proposal(n, p.start, p.end).data(config, "pe", nonce))
               for n, p in enumerate(phases, start=1)]
    return "\n".join(lines), inline([*grid(buttons, 2), [button(_("⬅ Back"), settings_data("m", nonce))]])


def phase_view(tr: Translator, nonce: str, config: CampaignConfig, school: str, current: PhaseDates,
               proposal: Proposal) -> View:
    """One phase: the campaign's dates, the school's, the dates proposed, and buttons that shift them."""
    _ = tr.gettext
    campaign = config.phases[proposal.number - 1]
    changed = (proposal.start, proposal.end) != (current.start, current.end)
    lines = [
        _("📅 <b>{phase}</b> at {school}").format(phase=_(PHASE_LABELS[current.key]), school=esc(school)),
        _("The campaign's dates: {dates}").format(dates=_dates(campaign.start, campaign.end)),
        (_("Your school's own dates: {dates}") if current.own else _("Your school follows the campaign's "
                                                                     "dates.")).format(
            dates=_dates(current.start, current.end)),
    ]
    if changed:
        lines.append(_("New dates, not saved yet: <b>{dates}</b>").format(
            dates=_dates(proposal.start, proposal.end)))
    lines.append(allowed_text(tr, config))
    lines.append(_("Shift the start or the end by days, or type a date; then save."))

    def shifted(which: str, days: int) -> Button:
        start = proposal.start + timedelta(days=days) if which == "start" else proposal.start
        end = proposal.end + timedelta(days=days) if which == "end" else proposal.end
        label = (_("start {days}") if which == "start" else _("end {days}")).format(days=f"{days:+d}")
        return button(label, Proposal(proposal.number, start, end).data(config, "pe", nonce))

    rows: list[list[Button]] = [
        [shifted("start", d) for d in SHIFTS],
        [shifted("end", d) for d in SHIFTS],
        [button(_("✏ Type the start"), proposal.data(config, "pt", nonce, 0)),
         button(_("✏ Type the end"), proposal.data(config, "pt", nonce, 1))],
    ]
    if changed:
        rows.append([button(_("💾 Save these dates"), proposal.data(config, "ps", nonce))])
    if current.own:
        rows.append([button(_("↩ Back to the campaign's dates"),
                            settings_data("pr", nonce, proposal.number))])
    rows.append([button(_("⬅ Back"), settings_data("ph", nonce))])
    return "\n".join(lines), inline(rows)


def type_date_prompt(tr: Translator, config: CampaignConfig, which: int) -> str:
    _ = tr.gettext
    ask = _("Type the new start, like {example}.") if which == 0 else _("Type the new end, like {example}.")
    return ask.format(example=config.end.isoformat()) + "\n" + allowed_text(tr, config)


def topics_view(tr: Translator, nonce: str, school: str, outline: Outline, note: str | None = None) -> View:
    _ = tr.gettext
    code = AUDIENCE_CODES[outline.audience]
    which = _("your school's own list") if outline.own else _("the campaign's list")
    lines = [_("📝 <b>{what}</b> at {school}: {which}").format(
        what=_(AUDIENCE_LABELS[outline.audience]), school=esc(school), which=which)]
    if note:
        lines.append(note)
    lines += [f"{n}. {esc(t.name)}" for n, t in enumerate(outline.topics, start=1)]
    lines.append(_("Tap 🗑 to take a topic off the list. Visits saved with it keep showing it."))
    removals = [button(f"🗑 {t.name}", settings_data("tx", nonce, code, t.id)) for t in outline.topics]
    rows = [*grid(removals, 2), [button(_("➕ Add a topic"), settings_data("ta", nonce, code))]]
    if outline.own:
        rows.append([button(_("↩ Restore the campaign's list"), settings_data("tr", nonce, code))])
    rows.append([button(_("⬅ Back"), settings_data("m", nonce))])
    return "\n".join(lines), inline(rows)


def restore_view(tr: Translator, nonce: str, audience: VisitKind) -> View:
    _ = tr.gettext
    code = AUDIENCE_CODES[audience]
    text = _("Go back to the campaign's {what}? Your school's own topics come off the list; visits saved "
             "with them keep showing them.").format(what=_(AUDIENCE_LABELS[audience]).lower())
    return text, inline([[button(_("✅ Restore"), settings_data("ty", nonce, code)),
                          button(_("⬅ Back"), settings_data("tl", nonce, code))]])


def add_topic_prompt(tr: Translator, audience: VisitKind) -> str:
    return tr.gettext("Type the new topic for {what} (up to {limit} characters).").format(
        what=tr.gettext(AUDIENCE_LABELS[audience]).lower(), limit=MAX_TOPIC_CHARS)


def topic_refusal(tr: Translator, refusal: TopicRefusal, typed: str = "") -> str:
    return tr.gettext(TOPIC_REFUSALS[refusal]).format(n=len(" ".join(typed.split())), limit=(
        MAX_TOPICS if refusal is TopicRefusal.TOO_MANY else MAX_TOPIC_CHARS))
