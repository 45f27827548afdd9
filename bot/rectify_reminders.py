"""Private reminders on the nudge schedule: owners of overdue rectification items, and visitors who
own overdue follow-ups (a subject teacher, a cadre for a teacher interview, not only head teachers).
Enqueued with the nudge run, so the outbox's quiet hours and pacing apply. Someone who muted nudges
gets none; someone the same run already nudges about a class (whose nudge counts its follow-ups) gets
no separate follow-up reminder."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.i18n import Translator
from bot.nudges import GroupRecipient, recipient_translator
from bot.rectify_text import overdue_line
from bot.services import Services
from bot.text import esc
from store.followups import FollowUpInfo, overdue_owners
from store.outbox import NewMessage
from store.rectification import ItemInfo, overdue_items
from store.schedule import DueRun
from store.schedule_people import muted, recipients

ITEM_OVERDUE = "item_overdue"
FOLLOW_UP_OVERDUE = "follow_up_overdue"


def items_text(tr: Translator, items: list[ItemInfo], run: DueRun) -> str:
    lines = [tr.gettext("⏰ Your rectification items past their deadline:")]
    lines += [overdue_line(tr, i, run.local_date, public=False) for i in items]
    lines.append(tr.gettext("Open /rectify to update them."))
    return "\n".join(lines)


def follow_ups_text(tr: Translator, follow_ups: list[FollowUpInfo]) -> str:
    lines = [tr.gettext("🔁 Follow-up visits past their date:")]
    lines += [
        tr.gettext("• {name}, due {due}").format(name=esc(f.person_name), due=f.due_date.isoformat())
        for f in follow_ups
    ]
    lines.append(tr.gettext("Open /followups to start them."))
    return "\n".join(lines)


async def overdue_reminder_messages(
    services: Services, run: DueRun, groups: Sequence[GroupRecipient] = (), nudged: Iterable[int] = ()
) -> list[NewMessage]:
    """One private reminder per owner of overdue items, one per visitor with overdue follow-ups
    (``nudged``: the chats this run already sends a class nudge)."""
    today = run.local_date
    async with services.store.sessions() as session:
        items = await overdue_items(session=session, school_ids=None, today=today)
        by_owner: dict[int, list[ItemInfo]] = {}
        for item in items:
            by_owner.setdefault(item.owner_staff_id, []).append(item)
        follow_ups = await overdue_owners(session=session, today=today)
        people = await recipients(session=session, staff_ids=[*by_owner, *follow_ups])
        silenced = await muted(session=session, now=run.due_at)
    already = set(nudged)
    messages = []
    for staff_id, owned in by_owner.items():
        if (person := people.get(staff_id)) is not None and staff_id not in silenced:
            text = items_text(recipient_translator(services, person), owned, run)
            messages.append(NewMessage(person.chat_id, ITEM_OVERDUE, run.period, {"text": text}))
    for staff_id, pending in follow_ups.items():
        person = people.get(staff_id)
        if person is not None and staff_id not in silenced and person.chat_id not in already:
            text = follow_ups_text(recipient_translator(services, person), pending)
            messages.append(NewMessage(person.chat_id, FOLLOW_UP_OVERDUE, run.period, {"text": text}))
    return messages
