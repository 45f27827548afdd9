"""Supervision's private messages, through the outbox (``store/outbox.py``; the sender is untouched).

- ``review_return``: the visitor hears a reviewer returned their visit, with the comment and Edit;
- ``interview_confirm``: the interviewed teacher's one-tap question, put in the outbox by the
  schedule tick (:func:`ask_interview_confirmations`) rather than by the visit flow's Save, so an
  interview saved just before a crash, or for a teacher who registers later (within two weeks), is
  still asked; interviews saved before the first tick ever (demo data) are not; one row per
  interview and teacher (``interview_confirmations``), and the outbox's (recipient, kind, period)
  key keeps a second tick from asking twice;
- ``interview_dispute``: the school's leaders hear a teacher said an interview did not happen.
"""

from __future__ import annotations

import logging

from bot.nudges import recipient_translator
from bot.review_text import confirm_question, dispute_notice, return_notice
from bot.services import Services
from store.outbox import NewMessage, enqueue, enqueue_now
from store.reviews import (
    ConfirmationDone,
    ReviewDone,
    interviews_to_confirm,
    record_asks,
    school_leaders,
)
from store.schedule import schedules_since
from store.schedule_people import recipients
from store.visit_views import VisitDetails

REVIEW_RETURN = "review_return"
INTERVIEW_CONFIRM = "interview_confirm"
INTERVIEW_DISPUTE = "interview_dispute"

log = logging.getLogger("twovisits.review")


def _payload(text: str, buttons: list[list[tuple[str, str]]]) -> dict[str, object]:
    return {"text": text, "buttons": [[list(b) for b in row] for row in buttons]}


async def tell_returned(services: Services, done: ReviewDone, details: VisitDetails | None) -> None:
    """The visitor, privately: their visit came back with the reviewer's comment."""
    async with services.store.sessions() as session:
        people = await recipients(session=session, staff_ids=[done.visitor_id])
        messages = []
        for person in people.values():
            tr = recipient_translator(services, person)
            text, buttons = return_notice(tr, done, details, services.campaign.config.zone)
            messages.append(NewMessage(person.chat_id, REVIEW_RETURN, f"r{done.review_id}",
                                       _payload(text, buttons)))
        await enqueue_now(session=session, messages=messages, now=services.clock.now())
    services.wake_outbox()


async def tell_disputed(services: Services, done: ConfirmationDone) -> None:
    """The school's leaders, privately: an interview of their school is disputed."""
    async with services.store.sessions() as session:
        leaders = await school_leaders(session=session, school_id=done.school_id)
        people = await recipients(session=session, staff_ids=leaders)
        messages = [
            NewMessage(person.chat_id, INTERVIEW_DISPUTE, f"v{done.visit_id}",
                       _payload(dispute_notice(recipient_translator(services, person), done), []))
            for person in people.values()
        ]
        await enqueue_now(session=session, messages=messages, now=services.clock.now())
    services.wake_outbox()


async def ask_interview_confirmations(services: Services) -> int:
    """Ask every interviewed teacher not asked yet whom the bot can reach; returns how many were
    enqueued. The asks and their messages are written in one transaction."""
    now = services.clock.now()
    async with services.store.sessions() as session:
        # Like the schedules, nothing from before the bot first ticked (demo data, a restored backup).
        since = await schedules_since(session=session, now=now)
        asks = await interviews_to_confirm(session=session, now=now, since=since)
        if not asks:
            return 0
        people = await recipients(session=session, staff_ids=[a.teacher_id for a in asks])
        # Teachers not reachable yet (not registered) are asked on a later tick, once they are.
        reachable = [a for a in asks if a.teacher_id in people]
        messages = []
        for ask in reachable:
            person = people[ask.teacher_id]
            text, buttons = confirm_question(recipient_translator(services, person), ask)
            messages.append(NewMessage(person.chat_id, INTERVIEW_CONFIRM, f"v{ask.visit_id}",
                                       _payload(text, buttons)))
        await record_asks(session=session, asks=reachable, now=now)
        new = await enqueue(session=session, messages=messages, now=now)
        await session.commit()
    if new:
        log.info("asked %d interviewed teachers to confirm", new)
        services.wake_outbox()
    return new
