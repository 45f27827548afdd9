"""``/phase``: where the school (or the district) stands in the campaign's five phases: the current
phase, its dates, the days left, the next phase; then all five with their dates.

A school leader sets the school's own dates of a phase inside the campaign's (``/phase set visit
2026-04-10 2026-06-30``, in private) or drops them (``/phase reset visit``); each change is audited
(``store.phases``). In a bound group anyone may ask where the group's school stands.
"""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.context import BotContext, stranger_text
from bot.group_chats import chat_binding, group_tr
from bot.i18n import N_, Translator
from bot.text import esc
from reports.phase_status import phase_status
from store.campaign import PHASE_KEYS
from store.clock import local_today
from store.export_rows import school_names
from store.phases import PhaseDates, PhaseRefusal, phases_of, reset_school_phase, set_school_phase

PHASE_LABELS = {
    "mobilize": N_("Mobilisation (宣傳發動)"),
    "visit": N_("Visits (訪談交流)"),
    "rectify": N_("Rectification (整改提高)"),
    "evaluate": N_("Evaluation (總結考評)"),
    "commend": N_("Commendation (表彰先進)"),
}
REFUSALS = {
    PhaseRefusal.UNKNOWN_PHASE: N_("There is no such phase: use its number (1–5) or its key ({keys})."),
    PhaseRefusal.START_AFTER_END: N_("The start must not be after the end."),
    PhaseRefusal.OUTSIDE_CAMPAIGN: N_("A school's dates must lie inside the campaign's: {start} to {end}."),
}


def phase_key(word: str) -> str | None:
    """A phase named by its number (1–5) or its key."""
    word = word.strip().lower()
    if word.isdigit() and 1 <= int(word) <= len(PHASE_KEYS):
        return PHASE_KEYS[int(word) - 1]
    return word if word in PHASE_KEYS else None


def _dates(p: PhaseDates) -> str:
    return f"{p.start.isoformat()} – {p.end.isoformat()}"


def phase_text(tr: Translator, name: str, phases: list[PhaseDates], today: date) -> str:
    """The status and the list of phases, as HTML."""
    status = phase_status(phases, today)
    lines = [tr.gettext("<b>{name}</b> · phases on {day}").format(name=esc(name), day=today.isoformat())]
    if status.current is not None:
        lines.append(tr.gettext("Now: <b>{phase}</b>, {dates}; {n} day(s) left, today included.").format(
            phase=tr.gettext(PHASE_LABELS[status.current.key]), dates=_dates(status.current),
            n=status.days_left))
    elif status.finished:
        lines.append(tr.gettext("The campaign's phases are over."))
    else:
        lines.append(tr.gettext("No phase is running today."))
    if status.next is not None:
        lines.append(tr.gettext("Next: {phase} from {day}, in {n} day(s).").format(
            phase=tr.gettext(PHASE_LABELS[status.next.key]), day=status.next.start.isoformat(),
            n=status.days_to_next))
    lines.append("")
    for number, p in enumerate(phases, start=1):
        own = tr.gettext(" (the school's own dates)") if p.own else ""
        mark = "▶ " if status.current is not None and p.key == status.current.key else ""
        lines.append(f"{mark}{number}. {tr.gettext(PHASE_LABELS[p.key])}: {_dates(p)}{own}")
    return "\n".join(lines)


def usage_text(tr: Translator) -> str:
    return tr.gettext(
        "To shift your school's dates of a phase inside the campaign's: <code>/phase set 2 2026-04-10 "
        "2026-06-30</code> (phase 1–5 or its key: {keys}); back to the district's: <code>/phase reset "
        "2</code>."
    ).format(keys=", ".join(PHASE_KEYS))


async def phase_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    campaign = context.services.campaign
    today = local_today(context.clock, campaign.config.zone)
    args = list(context.args or ())
    may_set = False
    if chat.type != ChatType.PRIVATE:
        binding = await chat_binding(update, context)
        tr = await group_tr(update, context, binding)
        if binding is None or args:
            await message.reply_text(tr.gettext(
                "In a group bound to a school or the district, /phase shows where it stands; school "
                "leaders change their school's dates in a private chat with me."))
            return
        school_id = binding.school_id
    else:
        tr = await context.tr(update)
        scope = await context.scope(update)
        if scope is None:
            await message.reply_text(await stranger_text(update, context))
            return
        school_id = scope.school_id
        may_set = scope.may_set_school_phases(school_id)
        if args:
            await _change(update, context, tr, args, today)
            return
    async with context.session() as session:
        names = await school_names(session=session) if school_id is not None else {}
        phases = await phases_of(session=session, campaign=campaign, school_id=school_id)
    name = names.get(school_id, "") if school_id is not None else tr.gettext("The district")
    text = phase_text(tr, name, phases, today)
    if may_set:
        text += "\n\n" + usage_text(tr) + "\n" + tr.gettext("Or with buttons: /settings.")
    await message.reply_text(text)


async def _change(update: Update, context: BotContext, tr: Translator, args: list[str], today: date) -> None:
    message = update.effective_message
    scope = await context.scope(update)
    assert message is not None and scope is not None
    school_id = scope.school_id
    if school_id is None or not scope.may_set_school_phases(school_id):
        await message.reply_text(tr.gettext("A school's phase dates are set by its school leaders."))
        return
    verb, rest = args[0].lower(), args[1:]
    key = phase_key(rest[0]) if rest else None
    campaign = context.services.campaign
    keys = ", ".join(PHASE_KEYS)
    if verb == "reset" and len(rest) == 1 and key is not None:
        async with context.session() as session:
            await reset_school_phase(session=session, campaign=campaign, school_id=school_id, key=key,
                                     actor_staff_id=scope.staff_id, now=context.clock.now())
    elif verb == "set" and len(rest) == 3:
        try:
            start, end = date.fromisoformat(rest[1]), date.fromisoformat(rest[2])
        except ValueError:
            await message.reply_text(tr.gettext("Dates are written like 2026-04-10.") + "\n" + usage_text(tr))
            return
        if key is None:
            await message.reply_text(tr.gettext(REFUSALS[PhaseRefusal.UNKNOWN_PHASE]).format(keys=keys))
            return
        async with context.session() as session:
            outcome = await set_school_phase(
                session=session, campaign=campaign, school_id=school_id, key=key, start=start, end=end,
                actor_staff_id=scope.staff_id, now=context.clock.now())
        if isinstance(outcome, PhaseRefusal):
            await message.reply_text(tr.gettext(REFUSALS[outcome]).format(
                keys=keys, start=campaign.config.start.isoformat(), end=campaign.config.end.isoformat()))
            return
    else:
        await message.reply_text(usage_text(tr))
        return
    async with context.session() as session:
        names = await school_names(session=session)
        phases = await phases_of(session=session, campaign=campaign, school_id=school_id)
    await message.reply_text(tr.gettext("Saved.") + "\n\n" + phase_text(tr, names.get(school_id, ""), phases,
                                                                         today))


def handlers() -> list[CommandHandler[BotContext, None]]:
    return [CommandHandler("phase", phase_command)]
