"""The reminder to the district office when schools are under 80 % joined a week into the visit phase.

It rides on the class-nudge runs (the visit phase's weekly schedule): every run from the seventh day
of the visit phase on looks at the schools, and the schools under the target are sent to each
district office member under one fixed period key, so the outbox's unique key lets the first such
run's message through and no later one: the reminder goes once.
"""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import Translator
from bot.nudges import recipient_translator
from bot.services import Services
from bot.text import esc
from reports.pace import points
from store.outbox import NewMessage
from store.registration import (
    Reach,
    SchoolRegistration,
    district_office_staff,
    registration_progress,
    under_target,
)
from store.schedule import DueRun
from store.schedule_people import recipients

REGISTRATION_REMINDER = "registration_reminder"  # the outbox kind
PERIOD = "visit-week-1"  # one reminder per campaign and person
AFTER = timedelta(days=7)


def reminder_text(tr: Translator, schools: list[SchoolRegistration], run: DueRun) -> str:
    _ = tr.gettext
    lines = []
    if run.late:
        lines.append("⏰ " + _("Late: this was due on {date}, while I was offline.").format(
            date=run.local_date.isoformat()))
    lines.append(_("👥 A week into the visit phase, these schools have fewer than 80 % of their staff "
                   "registered with me:"))
    for s in schools:
        lines.append(_("• {school}: {joined} of {total} joined ({share} %)").format(
            school=esc(s.school_name or ""), joined=s.joined, total=s.total, share=points(s.joined, s.total)))
    lines.append(_("Send /staff for the lists of those not yet joined, with their invite links to forward."))
    return "\n".join(lines)


async def registration_reminder_messages(services: Services, run: DueRun) -> list[NewMessage]:
    """The reminder, if the run is a week or more into the visit phase and a school lags."""
    phase = services.campaign.config.phase("visit")
    if phase is None or not phase.start + AFTER <= run.local_date <= phase.end:
        return []  # the nudge run spans the campaign; this reminder belongs to the visit phase
    async with services.store.sessions() as session:
        lagging = under_target(await registration_progress(session=session, reach=Reach(district=True)))
        if not lagging:
            return []
        people = await recipients(session=session, staff_ids=await district_office_staff(session=session))
    return [
        NewMessage(person.chat_id, REGISTRATION_REMINDER, PERIOD,
                   {"text": reminder_text(recipient_translator(services, person), lagging, run)})
        for person in people.values()
    ]
