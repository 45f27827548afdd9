"""Telling people about a rectification item privately, through the outbox: the owner, the school's
leaders and middle cadres, the district office. Shared by ``/rectify``'s cards and its creation flow."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.context import BotContext
from bot.nudges import recipient_translator
from bot.rectify_text import item_buttons, item_card
from bot.services import Services
from store.clock import local_today
from store.outbox import NewMessage, enqueue_now
from store.rectification import ItemInfo
from store.rectification_people import district_office, item_deciders
from store.schedule_people import recipients
from store.scopes import scope_for

FLOW = "item_flow"  # user_data: the item being created
INPUT = "rectify_input"  # user_data: what the next typed text is for


def today(context: BotContext) -> date:
    return local_today(context.clock, context.services.campaign.config.zone)


def user_data(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data


async def notify(
    services: Services,
    staff_ids: list[int],
    kind: str,
    period: str,
    item: ItemInfo,
    headline: str,
    *,
    exclude: int | None = None,
) -> None:
    """Tell ``staff_ids`` (privately, through the outbox) about ``item``, with their buttons."""

    async with services.store.sessions() as session:
        people = await recipients(session=session, staff_ids=[s for s in staff_ids if s != exclude])
        messages = []
        for person in people.values():
            tr = recipient_translator(services, person)
            scope = await scope_for(session=session, staff_id=person.staff_id)
            rows = item_buttons(tr, item, scope) if scope else []
            messages.append(
                NewMessage(
                    person.chat_id,
                    kind,
                    period,
                    {
                        "text": tr.gettext(headline) + "\n" + item_card(tr, item),
                        "buttons": [[list(b) for b in row] for row in rows],
                    },
                )
            )
        await enqueue_now(session=session, messages=messages, now=services.clock.now())
    services.wake_outbox()


def stamp(item: ItemInfo) -> str:
    return f"i{item.id}s{item.status.value}l{item.level.value}n{len(item.notes)}o{item.owner_staff_id}"


async def deciders(services: Services, item: ItemInfo) -> list[int]:
    async with services.store.sessions() as session:
        return await item_deciders(session=session, item=item)


async def office(services: Services) -> list[int]:
    async with services.store.sessions() as session:
        return await district_office(session=session)
