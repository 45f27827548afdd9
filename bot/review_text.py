"""Supervision's words: a sampled record as the reviewer sees it, and the private messages it sends
(a return to the visitor, the interviewed teacher's question, a dispute to the school's leaders).
Pure: translator and plain data in, HTML and buttons out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.callback_data import confirm_data, review_data, saved_data
from bot.i18n import N_, Translator
from bot.keyboards import Button
from bot.text import FOLLOW_UP_LABELS, FORM_LABELS, PLACE_LABELS, esc
from store.plausibility import Flag
from store.reviews import ConfirmationAsk, ConfirmationDone, ReviewDone, ReviewOutcome, ReviewRecord
from store.visit_views import VisitDetails
from store.vocab import FollowUpWish, VisitKind

FLAG_LABELS = {
    Flag.BURST: N_("one of many one-on-one visits saved within minutes"),
    Flag.OUT_OF_PHASE: N_("dated outside the visit phase"),
    Flag.PASTED: N_("a long text identical to another visit's of the same visitor"),
    Flag.OUTSIDE_CLASSES: N_("a student outside the visitor's own classes"),
    Flag.DISPUTED: N_("the interviewed teacher says it did not happen"),
}
TEXT_LIMIT = 600  # characters of one situation or opinion shown on the record


def _short(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def visitees_line(tr: Translator, v: VisitDetails) -> str:
    who = ", ".join(esc(p.label) for p in v.visitees)
    if len(v.visitees) > 1:
        who = tr.gettext("Group talk ({n}): {names}").format(n=len(v.visitees), names=who)
    return who + (f" · {esc(v.class_name)}" if v.class_name else "")


def record_text(tr: Translator, record: ReviewRecord, n: int, of: int) -> str:
    """The record a reviewer checks: what the paper form holds, the flags; never private notes."""
    _ = tr.gettext
    v, none = record.details, _("—")
    kind = _("Student visit") if v.kind is VisitKind.STUDENT else _("Teacher interview")
    lines = [_("🔍 <b>{kind} #{id}</b> ({n} of {of})").format(kind=kind, id=v.id, n=n, of=of)]
    if record.flags:
        labels = "; ".join(_(FLAG_LABELS[f]) for f in sorted(record.flags))
        lines.append(_("⚠️ Flags: {flags}").format(flags=labels))
    if record.last_outcome is ReviewOutcome.RETURNED:
        lines.append(_("↩️ Returned before, edited since."))
    lines += [
        _("Date: {date}").format(date=v.visit_date.isoformat()),
        _("With: {who}").format(who=visitees_line(tr, v)),
        _("Visitor: {name}").format(name=esc(v.visitor_name)),
        _("Co-visitors: {names}").format(names=", ".join(esc(c.label) for c in v.co_visitors) or none),
        _("Form: {form} · Place: {place}").format(form=_(FORM_LABELS[v.form]),
                                                  place=_(PLACE_LABELS[v.place])),
        _("Topics: {topics}").format(topics=", ".join(esc(t.name) for t in v.topics) or none),
        _("Situation: {text}").format(text=esc(_short(record.situation)) if record.situation else none),
    ]
    if v.opinions:
        lines.append(_("Opinions raised:"))
        lines += [f"  {i}. [{esc(o.category_name or '?')}] {esc(_short(o.text))}"
                  for i, o in enumerate(v.opinions, 1)]
    else:
        lines.append(_("Opinions raised: {none}").format(none=none))
    follow = _(FOLLOW_UP_LABELS[v.follow_up])
    if v.follow_up is not FollowUpWish.NONE and v.follow_up_due:
        follow = _("On {date}").format(date=v.follow_up_due.isoformat())
    lines.append(_("Follow-up: {follow}").format(follow=follow))
    lines.append(_("Saved: {when}").format(when=v.created_at.strftime("%Y-%m-%d %H:%M UTC")))
    return "\n".join(lines)


def record_buttons(tr: Translator, record: ReviewRecord) -> list[list[Button]]:
    v = record.details
    return [[
        (tr.gettext("✅ Verified"), review_data("ok", v.id, record.reviews, v.version)),
        (tr.gettext("↩️ Return with a comment…"), review_data("ret", v.id, record.reviews, v.version)),
    ]]


def local_time(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def return_notice(tr: Translator, done: ReviewDone, details: VisitDetails | None, zone: ZoneInfo
                  ) -> tuple[str, list[list[Button]]]:
    """What the visitor reads when a reviewer returns their visit, with the card's Edit button."""
    _ = tr.gettext
    lines = [_("↩️ A reviewer returned your visit of {date} with a comment:").format(
        date=done.visit_date.isoformat())]
    if details is not None:
        lines.append(_("With: {who}").format(who=visitees_line(tr, details)))
    lines.append(f"<blockquote>{esc(done.comment or '')}</blockquote>")
    if done.reopened_until is not None:
        lines.append(_("You may edit it until {until}: tap ✏️ Edit.").format(
            until=local_time(done.reopened_until, zone)))
    return "\n".join(lines), [[(_("✏️ Edit"), saved_data("edit", done.visit_id))]]


def confirm_question(tr: Translator, ask: ConfirmationAsk) -> tuple[str, list[list[Button]]]:
    """The interviewed teacher's one-tap signature."""
    _ = tr.gettext
    text = _("📝 {cadre} logged an interview with you on {date}. Did it take place?").format(
        cadre=esc(ask.visitor_name), date=ask.visit_date.isoformat())
    text += "\n" + _("Your answer goes to the school's reviewers only.")
    return text, [[(_("✅ Yes, it took place"), confirm_data("yes", ask.visit_id)),
                   (_("❌ This did not happen"), confirm_data("no", ask.visit_id))]]


def confirm_answered(tr: Translator, done: ConfirmationDone) -> str:
    _ = tr.gettext
    if done.answer.value == "confirmed":
        return _("✅ Thank you: you confirmed the interview of {date} with {cadre}.").format(
            date=done.visit_date.isoformat(), cadre=esc(done.visitor_name))
    return _("❌ Noted: you said the interview of {date} with {cadre} did not happen. The school's "
             "leaders and the reviewers will look into it.").format(
        date=done.visit_date.isoformat(), cadre=esc(done.visitor_name))


def dispute_notice(tr: Translator, done: ConfirmationDone) -> str:
    """For the school's leaders (who see their school's interviews): names, no private notes."""
    return tr.gettext(
        "⚠️ {teacher} says the interview of {date} logged by {cadre} did not happen (visit #{id}). "
        "It is flagged for review: /review").format(
        teacher=esc(done.teacher_name), date=done.visit_date.isoformat(), cadre=esc(done.visitor_name),
        id=done.visit_id)
