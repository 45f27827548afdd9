"""Plain data the launcher hands to the web chat, and how a message looks to the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..models import ChatMessage
from ..state import Directory


@dataclass
class Person:
    """Someone to play: a simulated Telegram user and what the picker shows of them."""

    key: str  # stable, in the page's URL (?as=KEY)
    user_id: int
    name: str
    roles: Mapping[str, str] = field(default_factory=dict)  # page locale → role label(s)
    school: str = ""
    classes: str = ""
    phone: str | None = None
    language_code: str | None = None
    first_contact: str | None = None  # "as new": what they got to meet the bot (an invite link)

    def to_page(self) -> dict[str, Any]:
        return {"key": self.key, "user_id": self.user_id, "name": self.name, "roles": dict(self.roles),
                "school": self.school, "classes": self.classes, "phone": self.phone,
                "first_contact": self.first_contact}


@dataclass
class Controls:
    """What the launcher lets the page do besides chatting; None hides the control."""

    now: Callable[[], datetime] | None = None
    advance: Callable[[timedelta], Awaitable[None]] | None = None
    # Jump to the next scheduled event; returns what the page tells the person, by page locale.
    next_event: Callable[[], Awaitable[Mapping[str, str]]] | None = None
    reset: Callable[[], Awaitable[None]] | None = None
    as_new: Callable[[str], Awaitable[Person]] | None = None


def message_to_page(msg: ChatMessage, directory: Directory) -> dict[str, Any]:
    """A message (or an edit/delete snapshot) as the page draws it: plain text plus Telegram's
    entities (the page renders them, escaping everything else), buttons, and file links."""
    raw = msg.raw
    sender = None
    if not msg.from_bot and msg.from_user_id is not None:
        info = directory.users.get(msg.from_user_id)
        sender = info.first_name if info else str(msg.from_user_id)
    data: dict[str, Any] = {
        "id": msg.message_id,
        "chat_id": msg.chat_id,
        "kind": msg.kind,
        "from_bot": msg.from_bot,
        "from_user_id": msg.from_user_id,
        "sender": sender,
        "text": raw.get("text") or raw.get("caption") or msg.text or "",
        "entities": raw.get("entities") or raw.get("caption_entities") or [],
        "date": raw.get("date"),
        "edited": msg.edited,
        "inline": [[{"label": b.label, "url": b.url, "callback": b.callback_data is not None}
                    for b in row] for row in msg.inline_buttons],
    }
    if "photo" in raw and msg.file_id:
        data["photo"] = f"/api/file/{msg.file_id}"
    if "document" in raw and msg.file_id:
        doc = raw["document"]
        data["document"] = {"url": f"/api/file/{msg.file_id}", "name": doc.get("file_name") or "file",
                            "size": doc.get("file_size")}
    if "contact" in raw:
        data["contact"] = raw["contact"].get("phone_number")
    if any(k in raw for k in ("migrate_to_chat_id", "migrate_from_chat_id", "new_chat_members")):
        data["service"] = True
    return data


def reply_keyboard_to_page(keyboard: ChatMessage | None) -> list[list[dict[str, Any]]]:
    if keyboard is None:
        return []
    return [[{"text": str(b.get("text", "")), "contact": bool(b.get("request_contact"))} for b in row]
            for row in keyboard.reply_keyboard_buttons]
