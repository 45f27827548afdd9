"""Plain data objects shared by the server and the scenario API."""

# ruff: noqa: ASYNC109  (Feed.wait_len takes an explicit timeout by design)

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": code, "description": ...}."""

    def __init__(self, code: int, description: str, retry_after: int | None = None,
                 migrate_to_chat_id: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        parameters: dict[str, Any] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            data["parameters"] = parameters
        return data


def bad_request(description: str) -> ApiError:
    return ApiError(400, description)


@dataclass(frozen=True)
class InlineButton:
    label: str
    callback_data: str | None = None
    url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class ChatMessage:
    """One message in a chat, or a snapshot of a bot output (new message / edit / delete).

    `text` is plain text (HTML tags stripped; for media it is the caption), `html` is exactly
    what the bot sent (text or caption), `keyboard` is the inline keyboard as rows of
    (label, callback_data or url), `reply_keyboard` rows of labels.
    """

    message_id: int
    chat_id: int
    kind: str = "message"  # "message" | "edit" | "delete" | "photo" | "document" (+ "user")
    text: str = ""
    html: str = ""
    parse_mode: str | None = None
    from_bot: bool = True
    from_user_id: int | None = None
    inline_buttons: list[list[InlineButton]] = field(default_factory=list)
    reply_keyboard: list[list[str]] = field(default_factory=list)
    reply_keyboard_buttons: list[list[dict[str, Any]]] = field(default_factory=list, repr=False)
    remove_keyboard: bool = False
    photo: bytes | None = field(default=None, repr=False)
    document: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    file_id: str | None = None
    edited: bool = False
    deleted: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def keyboard(self) -> list[list[tuple[str, str]]]:
        return [[(b.label, b.callback_data or b.url or "") for b in row] for row in self.inline_buttons]

    @property
    def buttons(self) -> list[str]:
        """Flat list of button labels: inline keyboard first, then reply keyboard."""
        labels = [b.label for row in self.inline_buttons for b in row]
        return labels + [label for row in self.reply_keyboard for label in row]

    @property
    def callback_data(self) -> dict[str, str]:
        """label -> callback_data for the inline keyboard."""
        return {b.label: b.callback_data for row in self.inline_buttons for b in row if b.callback_data}

    @property
    def has_inline_keyboard(self) -> bool:
        return bool(self.inline_buttons)

    def snapshot(self, kind: str) -> ChatMessage:
        return dataclasses.replace(
            self,
            kind=kind,
            inline_buttons=[list(r) for r in self.inline_buttons],
            reply_keyboard=[list(r) for r in self.reply_keyboard],
            raw=dict(self.raw),
        )

    def summary(self) -> str:
        flag = {"edit": " (edited)", "delete": " (deleted)"}.get(self.kind, "")
        media = f" [{self.kind}: {self.filename or ''}]" if self.kind in ("photo", "document") else ""
        buttons = f" buttons={self.buttons}" if self.buttons else ""
        who = "bot" if self.from_bot else f"user {self.from_user_id}"
        return f"#{self.message_id} {who}{flag}{media}: {self.text[:200]!r}{buttons}"


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    data: str | None
    message_id: int | None


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    data: bytes = field(repr=False)
    file_path: str
    kind: str  # "document" | "photo"
    filename: str | None = None
    mime_type: str | None = None
    uploaded_by_bot: bool = False
    chat_id: int | None = None
    message_id: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)


class Feed(Generic[T]):
    """Append-only list that readers can await without polling."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self._waiters: list[asyncio.Future[None]] = []

    def append(self, item: T) -> None:
        self.items.append(item)
        self.notify()

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def changed(self) -> None:
        """Wait for the next append/notify (caller applies its own timeout)."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut
        finally:
            if fut in self._waiters:
                self._waiters.remove(fut)

    async def wait_len(self, length: int, timeout: float) -> bool:
        """Wait until the feed holds more than `length` items; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.items) <= length:
                    await self.changed()
        except TimeoutError:
            return False
        return True

    def __len__(self) -> int:
        return len(self.items)
