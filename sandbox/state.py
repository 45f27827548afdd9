"""In-memory state of the stand-in: who exists (directory) and what each bot sees (BotState)."""

from __future__ import annotations

import itertools
import json
import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .limits import RateLimiter
from .models import CallbackAnswer, ChatMessage, Feed, FileRecord

# Update types Telegram withholds unless explicitly listed in allowed_updates.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class UserInfo:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def chat_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class GroupInfo:
    id: int
    title: str
    kind: str = "group"  # "group" | "supergroup"
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    creator: int | None = None
    bot_is_admin: bool = False
    bot_member: bool = True  # False once the bot was removed: sends answer 403
    migrated_to: int | None = None  # a group upgraded to a supergroup: sends answer 400 with the new id

    def chat_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.kind, "title": self.title}


class Directory:
    """Users and groups known to the stand-in (shared by all bots)."""

    def __init__(self) -> None:
        self.users: dict[int, UserInfo] = {}
        self.groups: dict[int, GroupInfo] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)

    def new_user_id(self) -> int:
        uid = next(self._user_ids)
        while uid in self.users:
            uid = next(self._user_ids)
        return uid

    def new_group_id(self, kind: str) -> int:
        n = next(self._group_ids)
        return -(1_000_000_000_000 + n) if kind == "supergroup" else -(4_000_000_000 + n)

    def chat_dict(self, chat_id: int) -> dict[str, Any] | None:
        if chat_id in self.users:
            return self.users[chat_id].chat_dict()
        if chat_id in self.groups:
            return self.groups[chat_id].chat_dict()
        return None


class ChatState:
    """One chat as seen by one bot: all messages, the bot's output feed, the reply keyboard."""

    def __init__(self, chat_id: int, watchers: list[Callable[[ChatMessage], None]] | None = None) -> None:
        self.chat_id = chat_id
        # Called with every log entry (the web chat pushes them to browsers); shared with the BotState.
        self.watchers = watchers if watchers is not None else []
        self.messages: dict[int, ChatMessage] = {}
        self.outputs: Feed[ChatMessage] = Feed()  # bot outputs only, in order (readers await it)
        self.log: list[ChatMessage] = []  # user messages and bot outputs, chronological
        self.reply_keyboard: ChatMessage | None = None  # message carrying the active keyboard
        self.one_time_keyboard = False
        self.menu_button: dict[str, Any] | None = None
        self._ids = itertools.count(1)

    def publish(self, snapshot: ChatMessage) -> None:
        self.record(snapshot)
        self.outputs.append(snapshot)

    def record(self, entry: ChatMessage) -> None:
        """Append to the chronological log and tell the watchers."""
        self.log.append(entry)
        for watcher in self.watchers:
            watcher(entry)

    def new_message_id(self) -> int:
        return next(self._ids)

    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.messages.values() if m.from_bot and not m.deleted]


class BotState:
    """Everything one bot token sees: its update queue, chats, files, commands, settings."""

    def __init__(self, directory: Directory, username: str, first_name: str, bot_id: int | None) -> None:
        self.directory = directory
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name
        self.privacy_mode = True
        self.pending: list[dict[str, Any]] = []
        self.updates_signal: Feed[int] = Feed()
        self.all_updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self.poll_generation = 0
        self.allowed_updates: list[str] | None = None
        self.webhook_url = ""
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, FileRecord] = {}
        self.files_by_path: dict[str, FileRecord] = {}
        self.sent_files: list[FileRecord] = []
        self._file_ids = itertools.count(1)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[Any, Any] = {}
        self.blocked: set[int] = set()
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[int, Feed[CallbackAnswer]] = {}
        self._query_ids = itertools.count(1)
        self.last_update_by_user: dict[int, tuple[str, dict[str, Any]]] = {}
        self.limiter = RateLimiter()
        self.last_activity = 0.0  # loop time of the last API call (for World.wait_idle)
        self.log_watchers: list[Callable[[ChatMessage], None]] = []

    # --- identity --------------------------------------------------------------------------
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id or 0, "is_bot": True, "first_name": self.first_name,
                "username": self.username}

    def chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = ChatState(chat_id, self.log_watchers)
        return chat

    # --- updates ---------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict[str, Any], user_id: int | None = None) -> dict[str, Any]:
        update_id = next(self._update_ids)
        update: dict[str, Any] = {"update_id": update_id, kind: payload}
        self.pending.append(update)
        self.all_updates.append(update)
        if user_id is not None:
            self.last_update_by_user[user_id] = (kind, payload)
        message = payload.get("message") if kind == "callback_query" else payload
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and chat.get("type") == "private" and isinstance(chat.get("id"), int):
            self.limiter.saw_update(chat["id"])
        self.updates_signal.append(update_id)
        return update

    def confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        self.updates_signal.notify()

    def take(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self.allowed_updates or ())

        def wanted(update: dict[str, Any]) -> bool:
            kind = next(k for k in update if k != "update_id")
            return kind in allowed if allowed else kind not in DEFAULT_EXCLUDED

        kept = [u for u in self.pending if wanted(u)]
        if len(kept) != len(self.pending):
            self.pending = kept
        return kept[:limit]

    # --- files -----------------------------------------------------------------------------
    def add_file(self, data: bytes, kind: str, filename: str | None, mime_type: str | None,
                 *, by_bot: bool) -> FileRecord:
        n = next(self._file_ids)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1][:10]
        elif kind == "photo":
            ext = ".jpg"
        if mime_type is None and filename:
            mime_type = mimetypes.guess_type(filename)[0]
        prefix = "AgAC" if kind == "photo" else "BQAC"
        folder = "photos" if kind == "photo" else "documents"
        record = FileRecord(
            file_id=f"{prefix}{self.bot_id or 0}x{n:06d}", file_unique_id=f"AQAD{n:06d}", data=data,
            file_path=f"{folder}/file_{n}{ext}", kind=kind, filename=filename, mime_type=mime_type,
            uploaded_by_bot=by_bot,
        )
        self.files[record.file_id] = record
        self.files_by_path[record.file_path] = record
        if by_bot:
            self.sent_files.append(record)
        return record

    # --- callback answers ------------------------------------------------------------------
    def new_query_id(self) -> str:
        return f"{self.bot_id or 0}{next(self._query_ids):08d}"

    def answers_for(self, user_id: int) -> Feed[CallbackAnswer]:
        feed = self.callback_answers.get(user_id)
        if feed is None:
            feed = self.callback_answers[user_id] = Feed()
        return feed

    # --- user-side helpers used by the scenario API ----------------------------------------
    def is_delivered(self, chat_id: int, message: dict[str, Any]) -> bool:
        """Privacy mode: in groups only commands, replies to the bot and mentions reach it."""
        if chat_id > 0 or not self.privacy_mode:
            return True
        text = message.get("text") or message.get("caption") or ""
        if text.startswith("/"):
            target = text.split(maxsplit=1)[0].partition("@")[2]
            return not target or target.lower() == self.username.lower()
        reply = message.get("reply_to_message") or {}
        if reply.get("from", {}).get("is_bot") and reply["from"].get("id") == self.bot_id:
            return True
        return f"@{self.username.lower()}" in text.lower()

    def post_service_message(self, user: UserInfo, chat_id: int, fields: dict[str, Any]) -> ChatMessage:
        """A service message (e.g. ``migrate_to_chat_id``): always delivered, privacy mode or not."""
        chat = self.chat(chat_id)
        mid = chat.new_message_id()
        raw: dict[str, Any] = {"message_id": mid, "from": user.to_api(),
                               "chat": self.directory.chat_dict(chat_id) or {"id": chat_id},
                               "date": int(time.time()), **fields}
        msg = ChatMessage(message_id=mid, chat_id=chat_id, kind="service", from_bot=False,
                          from_user_id=user.id, raw=raw)
        chat.messages[mid] = msg
        chat.record(msg)
        self.enqueue("message", raw, user.id)
        return msg

    def post_user_message(self, user: UserInfo, chat_id: int, fields: dict[str, Any],
                          reply_to: int | None = None) -> ChatMessage:
        """Store a message a user sends and queue the update if the bot would receive it."""
        chat = self.chat(chat_id)
        mid = chat.new_message_id()
        chat_dict = self.directory.chat_dict(chat_id) or {"id": chat_id, "type": "private"}
        raw: dict[str, Any] = {"message_id": mid, "from": user.to_api(), "chat": chat_dict,
                               "date": int(time.time()), **fields}
        if reply_to is not None and reply_to in chat.messages:
            raw["reply_to_message"] = dict(chat.messages[reply_to].raw)
            raw["reply_to_message"].pop("reply_to_message", None)
        text = raw.get("text") or raw.get("caption") or ""
        kind = "document" if "document" in raw else "photo" if "photo" in raw else "user"
        msg = ChatMessage(message_id=mid, chat_id=chat_id, kind=kind, text=text, html=text,
                          from_bot=False, from_user_id=user.id, raw=raw)
        chat.messages[mid] = msg
        chat.record(msg)
        if self.is_delivered(chat_id, raw):
            self.enqueue("message", raw, user.id)
        return msg


def scope_key(scope: Any) -> str:
    """Canonical key for a BotCommandScope given as dict, JSON, type string or PTB object."""
    if scope is None:
        scope = {"type": "default"}
    elif isinstance(scope, str):
        scope = json.loads(scope) if scope.startswith("{") else {"type": scope}
    elif hasattr(scope, "to_dict"):
        scope = scope.to_dict()
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))
