"""PTB's per-update flush leaves a user whose update is being handled to that update: flushed
half-way, the row could hold one step's data beside the previous step's state."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update

from bot.persistence import USER_DATA, StorePersistence
from bot.services import Services
from bot.settings import Settings
from bot.updates import PerChatUpdateProcessor
from store.clock import FixedClock
from store.installation import StoreHandle
from store.persistence import load_persisted


def _message_from(user_id: int, bot: Bot) -> Update:
    sender = {"id": user_id, "is_bot": False, "first_name": "Teacher"}
    message = {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"}, "from": sender,
               "text": "/visit"}
    update = Update.de_json({"update_id": 1, "message": message}, bot)
    assert update is not None
    return update


async def test_a_user_in_flight_is_flushed_after_their_update_not_during_it(
    store: StoreHandle, database_url: str, clock: FixedClock
) -> None:
    services = Services(settings=Settings(database_url=database_url), clock=clock)  # type: ignore[call-arg]
    persistence = StorePersistence(services)
    bot = Bot("123456:TEST-in-flight")
    persistence.set_bot(bot)
    await services.open()

    async def stored() -> dict[str, Any]:
        async with store.sessions() as session:
            return await load_persisted(session=session, kind=USER_DATA)

    async def handling() -> None:
        await persistence.update_user_data(7, {"visit": {"step": 2}})  # another chat's flush, now
        await persistence.update_user_data(8, {"visit": {"step": 5}})  # someone not in flight
        assert await stored() == {"8": {"visit": {"step": 5}}}

    try:
        await PerChatUpdateProcessor().do_process_update(_message_from(7, bot), handling())
        await persistence.update_user_data(7, {"visit": {"step": 2}})  # the next flush, after it
        assert (await stored())["7"] == {"visit": {"step": 2}}
    finally:
        await services.close()
