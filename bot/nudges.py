"""The class nudges of one schedule run, as outbox messages, each in its recipient's language.

Only schools inside their own visit phase (their dates, else the campaign's) are nudged, each at
its own pace. Head teachers of classes behind the pace (``reports.nudges``) get a private message
with who is left (focus students first, marked), follow-ups due and a button that opens a visit
for the class; a muted teacher gets none. School leaders get their school's lagging classes,
percentages only; so do bound school groups (:func:`school_group_messages`, fed by the
scheduler's group recipients).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.callback_data import nudge_mute_data, visit_class_data
from bot.i18n import Translator, choose_locale, parse_locale, translator
from bot.services import Services
from bot.text import esc
from reports.nudges import ClassPace, SchoolPace, by_school, class_paces
from store.outbox import NewMessage
from store.people import StudentOption, class_students
from store.schedule import DueRun
from store.schedule_people import (
    Recipient,
    follow_ups_due,
    head_teachers,
    muted,
    recipients,
    staff_with_roles,
)
from store.scopes import scope_for
from store.vocab import Locale, Role

CLASS_NUDGE = "class_nudge"
SCHOOL_LAGGING = "school_lagging"
MAX_NAMES = 80  # a class has about 45 students; past this the message would only get long
FOLLOW_UP_HORIZON = timedelta(days=6)  # follow-ups due by the end of the coming week


@dataclass(frozen=True)
class GroupRecipient:
    """A bound group chat: a school's staff group (``school_id``) or the district group (None)."""

    chat_id: int
    school_id: int | None
    locale: Locale


def recipient_translator(services: Services, person: Recipient) -> Translator:
    """The person's language without an update to read Telegram's from: /lang, the roster, the
    language of the menu last set for them, the default."""
    return translator(choose_locale(
        chosen=person.chosen_locale, roster=person.roster_locale, telegram_code=None,
        default=parse_locale(person.menu_locale) or services.settings.bot_default_locale,
    ))


def _late_line(tr: Translator, run: DueRun) -> list[str]:
    if not run.late:
        return []
    return ["⏰ " + tr.gettext("Late: this was due on {date}, while I was offline.").format(
        date=run.local_date.isoformat())]


def _names(tr: Translator, students: Sequence[StudentOption]) -> str:
    labels = [("⭐" if s.focus else "") + esc(s.label) for s in students[:MAX_NAMES]]
    text = tr.gettext(", ").join(labels)
    if len(students) > MAX_NAMES:
        text += " " + tr.gettext("and {n} more").format(n=len(students) - MAX_NAMES)
    return text


def nudge_text(
    tr: Translator, pace: ClassPace, unvisited: Sequence[StudentOption], follow_ups: int, *,
    phase_end: date, one_on_one_target: int, follow_up_by: date, run: DueRun,
) -> str:
    """The private nudge to a head teacher (names allowed: it is their class, in private)."""
    _ = tr.gettext
    s = pace.students
    lines = [
        *_late_line(tr, run),
        _("📋 <b>{klass}</b> is behind the pace needed to reach the targets by {end}.").format(
            klass=esc(pace.class_name), end=phase_end.isoformat()),
        _("Visited: {visited} of {total} · one-on-one: {one} (target: all visited, {target} % "
          "one-on-one).").format(visited=s.visited, total=s.total, one=s.one_on_one,
                                 target=one_on_one_target),
    ]
    if unvisited:
        names = _names(tr, unvisited)
        lines.append(_("Not visited yet ({n}): {names}").format(n=len(unvisited), names=names))
        if any(st.focus for st in unvisited):
            lines.append(_("⭐ focus student: a one-on-one visit is needed."))
    if follow_ups:
        lines.append(tr.ngettext("{n} follow-up visit is due by {date}.",
                                 "{n} follow-up visits are due by {date}.", follow_ups)
                     .format(n=follow_ups, date=follow_up_by.isoformat()))
    return "\n".join(lines)


def nudge_buttons(tr: Translator, class_id: int) -> list[list[list[str]]]:
    return [
        [[tr.gettext("📝 Log a visit"), visit_class_data(class_id)]],
        [[tr.gettext("🔕 No nudges for a week"), nudge_mute_data()]],
    ]


def school_note_text(tr: Translator, school: SchoolPace, run: DueRun) -> str:
    """A school's lagging classes with percentages only: for its leaders and its staff group."""
    _ = tr.gettext
    lines = [
        *_late_line(tr, run),
        _("📊 <b>{school}</b>: {on_track} of {classes} classes are on track.").format(
            school=esc(school.school_name), on_track=school.on_track, classes=school.classes),
        _("Behind the pace:"),
    ]
    for p in school.lagging:
        lines.append(_("• {klass}: visited {visited} %, one-on-one {one} %").format(
            klass=esc(p.class_name), visited=p.visited_percent, one=p.one_on_one_percent))
    return "\n".join(lines)


def school_group_messages(
    groups: Sequence[GroupRecipient], schools: Sequence[SchoolPace], run: DueRun
) -> list[NewMessage]:
    """The lagging classes to each bound school group (percentages only, never a name)."""
    by_id = {s.school_id: s for s in schools if s.lagging}
    return [
        NewMessage(g.chat_id, SCHOOL_LAGGING, run.period,
                   {"text": school_note_text(translator(g.locale), by_id[g.school_id], run)})
        for g in groups if g.school_id in by_id
    ]


async def class_nudge_messages(
    services: Services, run: DueRun, groups: Sequence[GroupRecipient] = ()
) -> list[NewMessage]:
    """Every message of one class-nudge run: head teachers, school leaders, school groups."""
    config = services.campaign.config
    phase = config.phase("visit")
    if phase is None:
        return []
    today = run.local_date
    follow_up_by = today + FOLLOW_UP_HORIZON
    target = round(config.targets.student_one_on_one * 100)
    messages: list[NewMessage] = []
    async with services.store.sessions() as session:
        paces = await class_paces(session=session, campaign=config, today=today)
        lagging = {p.class_id: p for p in paces if p.behind}
        heads = await head_teachers(session=session, class_ids=lagging)
        silenced = await muted(session=session, now=run.due_at)
        people = await recipients(session=session, staff_ids=[s for ids in heads.values() for s in ids])
        due = await follow_ups_due(session=session, class_ids=lagging, by=follow_up_by)
        for class_id, pace in lagging.items():
            for staff_id in heads.get(class_id, []):
                person = people.get(staff_id)
                if person is None or staff_id in silenced:
                    continue
                scope = await scope_for(session=session, staff_id=staff_id)
                if scope is None:
                    continue
                students = await class_students(session=session, scope=scope, class_id=class_id)
                left = sorted((s for s in students if not s.visited and not s.exempt),
                              key=lambda s: (not s.focus, s.name, s.external_id))
                tr = recipient_translator(services, person)
                text = nudge_text(tr, pace, left, due.get(class_id, 0), phase_end=pace.phase_end or phase.end,
                                  one_on_one_target=target, follow_up_by=follow_up_by, run=run)
                messages.append(NewMessage(person.chat_id, CLASS_NUDGE, f"{run.period}:c{class_id}",
                                           {"text": text, "buttons": nudge_buttons(tr, class_id)}))
        schools = [s for s in by_school(paces) if s.lagging]
        leaders = await staff_with_roles(session=session, school_ids=[s.school_id for s in schools],
                                         roles=[Role.SCHOOL_LEADER])
        people = await recipients(session=session, staff_ids=[s for ids in leaders.values() for s in ids])
    for school in schools:
        for staff_id in leaders.get(school.school_id, []):
            if (person := people.get(staff_id)) is not None:
                text = school_note_text(recipient_translator(services, person), school, run)
                messages.append(NewMessage(person.chat_id, SCHOOL_LAGGING, run.period, {"text": text}))
    return messages + school_group_messages(groups, schools, run)
