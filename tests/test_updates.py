"""Updates of one chat are handled in order; different chats at the same time."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update
from telegram.constants import ChatType

from bot.updates import PerChatUpdateProcessor, ordering_key


def update_in(chat_id: int, update_id: int) -> Update:
    chat = Chat(chat_id, ChatType.PRIVATE)
    return Update(update_id, message=Message(update_id, date=None, chat=chat, text="x"))  # type: ignore[arg-type]


async def test_one_chat_in_order_other_chats_meanwhile() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=8)
    first_may_finish = asyncio.Event()
    log: list[str] = []

    async def handle(name: str, gate: asyncio.Event | None = None) -> None:
        log.append(f"{name} start")
        if gate is not None:
            await gate.wait()
        log.append(f"{name} end")

    async with processor:
        a1 = asyncio.create_task(processor.process_update(update_in(1, 1), handle("a1", first_may_finish)))
        a2 = asyncio.create_task(processor.process_update(update_in(1, 2), handle("a2")))
        b1 = asyncio.create_task(processor.process_update(update_in(2, 3), handle("b1")))
        await b1  # another chat is not held up by chat 1's slow update
        assert log == ["a1 start", "b1 start", "b1 end"]
        first_may_finish.set()
        await asyncio.gather(a1, a2)
    assert log[3:] == ["a1 end", "a2 start", "a2 end"]  # chat 1's second update waited for its first
    assert not processor._locks  # idle chats are forgotten


def test_ordering_key_is_the_chat() -> None:
    assert ordering_key(update_in(-100, 1)) == -100
    assert ordering_key(object()) is None
