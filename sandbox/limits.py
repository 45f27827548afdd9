"""Telegram Bot API limits and error texts, plus an optional flood-control emulation.

The numbers follow https://core.telegram.org/bots/api and https://core.telegram.org/bots/faq.
Text lengths are counted in Unicode code points after entity parsing (what tdlib does).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# --- sizes -----------------------------------------------------------------------------------
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_INLINE_BUTTONS_PER_ROW = 8
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPDATES_PER_POLL = 100
MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256
MAX_POLL_TIMEOUT = 50.0
# aiohttp's request body cap: uploads up to MAX_UPLOAD_BYTES plus form overhead.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024

# --- flood control (only enforced when rate limiting is switched on) ------------------------
PRIVATE_CHAT_BURST = 4  # messages a private chat may receive back-to-back ...
PRIVATE_CHAT_PER_SECOND = 1.0  # ... then one per second sustained
GROUP_CHAT_BURST = 20
GROUP_CHAT_PER_SECOND = 20 / 60  # 20 messages per minute
GLOBAL_BURST = 30
GLOBAL_PER_SECOND = 30.0
# Which messages count toward the global 30/s. Telegram's FAQ states it for bulk notifications and does
# not say whether replies to people who just wrote count: "strict" counts every message; "bulk" lets a
# message to a private chat that sent the bot an update in the last REPLY_WINDOW seconds through
# without counting it (the chat's own 1/s still applies, and groups' 20/min).
FLOOD_MODELS = ("strict", "bulk")
REPLY_WINDOW = 60.0

# --- error descriptions (verbatim Bot API texts) --------------------------------------------
ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_TEXT_EMPTY = "Bad Request: message text is empty"
ERR_TEXT_TOO_LONG = "Bad Request: message is too long"
ERR_CAPTION_TOO_LONG = "Bad Request: message caption is too long"
ERR_PARSE_ENTITIES = "Bad Request: can't parse entities: "
ERR_BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
ERR_BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"
ERR_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
ERR_TEXT_BUTTONS_UNALLOWED = "Bad Request: text buttons are unallowed in the inline keyboard"
ERR_CALLBACK_ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
ERR_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
ERR_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
ERR_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
ERR_CANT_EDIT = "Bad Request: message can't be edited"
ERR_NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
ERR_NO_CAPTION_TO_EDIT = "Bad Request: there is no caption in the message to edit"
ERR_FILE_TOO_BIG = "Bad Request: file is too big"
ERR_INVALID_FILE_ID = "Bad Request: invalid file_id"
ERR_WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
ERR_PHOTO_TOO_BIG = "Bad Request: PHOTO_SAVE_FILE_INVALID"
ERR_ENTITY_TOO_LARGE = "Request Entity Too Large"
ERR_BLOCKED = "Forbidden: bot was blocked by the user"
ERR_KICKED = "Forbidden: bot was kicked from the group chat"
ERR_MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
ERR_UNAUTHORIZED = "Unauthorized"
ERR_NOT_FOUND = "Not Found"
ERR_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
ERR_TOO_MANY_REQUESTS = "Too Many Requests: retry after {}"
ERR_USER_NOT_FOUND = "Bad Request: user not found"
ERR_COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"
ERR_COMMAND_DESCRIPTION_INVALID = "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"


@dataclass
class TokenBucket:
    """Classic token bucket: `capacity` immediate sends, refilled at `rate` per second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> float:
        """Consume one token; return 0 on success or the seconds to wait otherwise."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class _Injected:
    chat_id: int | None
    retry_after: int
    times: int


@dataclass
class RateLimiter:
    """Per-chat and global flood control for one bot. Disabled unless `enabled` is set; `model` is one
    of FLOOD_MODELS."""

    enabled: bool = False
    clock: Callable[[], float] = time.monotonic
    model: str = "strict"
    reply_window: float = REPLY_WINDOW
    refused: int = 0  # 429s of the emulation (not the injected ones)
    uncounted_replies: int = 0  # messages the "bulk" model let through without counting them
    _chats: dict[int, TokenBucket] = field(default_factory=dict)
    _global: TokenBucket = field(default_factory=lambda: TokenBucket(GLOBAL_BURST, GLOBAL_PER_SECOND))
    _injected: list[_Injected] = field(default_factory=list)
    _wrote_at: dict[int, float] = field(default_factory=dict)  # private chat: its last update

    def __post_init__(self) -> None:
        if self.model not in FLOOD_MODELS:
            raise ValueError(f"flood model {self.model!r}: one of {', '.join(FLOOD_MODELS)}")

    def saw_update(self, chat_id: int) -> None:
        """A private chat sent the bot an update: what the bot sends it for a while is a reply."""
        self._wrote_at[chat_id] = self.clock()

    def _is_reply(self, chat_id: int, now: float) -> bool:
        wrote = self._wrote_at.get(chat_id)
        return self.model == "bulk" and wrote is not None and now - wrote <= self.reply_window

    def inject(self, retry_after: int, *, chat_id: int | None = None, times: int = 1) -> None:
        """Refuse the next `times` messages (to `chat_id`, or to any chat) with a 429, even when
        flood control is off: a test's way to make Telegram say "retry after N"."""
        self._injected.append(_Injected(chat_id, retry_after, times))

    def _take_injected(self, chat_id: int) -> int:
        for entry in self._injected:
            if entry.chat_id is None or entry.chat_id == chat_id:
                entry.times -= 1
                if entry.times <= 0:
                    self._injected.remove(entry)
                return entry.retry_after
        return 0

    def check(self, chat_id: int, is_private: bool) -> int:
        """Return 0 if a message to `chat_id` may go out now, else `retry_after` seconds (>= 1)."""
        injected = self._take_injected(chat_id) if self._injected else 0
        if injected or not self.enabled:
            return injected
        now = self.clock()
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = (
                TokenBucket(PRIVATE_CHAT_BURST, PRIVATE_CHAT_PER_SECOND)
                if is_private
                else TokenBucket(GROUP_CHAT_BURST, GROUP_CHAT_PER_SECOND)
            )
            self._chats[chat_id] = bucket
        counted = not (is_private and self._is_reply(chat_id, now))
        wait = self._global.take(now) if counted else 0.0
        if wait:
            self.refused += 1
            return max(1, math.ceil(wait))
        wait = bucket.take(now)
        if wait:
            if counted:
                self._global.tokens = min(self._global.capacity, self._global.tokens + 1)  # refund
            self.refused += 1
            return max(1, math.ceil(wait))
        if not counted:
            self.uncounted_replies += 1
        return 0

    def reset(self) -> None:
        self._chats.clear()
        self._injected.clear()
        self._wrote_at.clear()
        self.refused = self.uncounted_replies = 0
        self._global = TokenBucket(GLOBAL_BURST, GLOBAL_PER_SECOND)
