"""Request parameters as PTB (or any client) sends them: form, JSON or multipart."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .models import bad_request

JSON_KEYS = frozenset(
    {"reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
     "link_preview_options", "reply_parameters", "menu_button", "media", "rights", "reaction",
     "message_ids"}
)
INT_KEYS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "user_id", "cache_time", "reply_to_message_id",
     "message_thread_id", "max_connections", "width", "height", "duration", "from_chat_id"}
)
FLOAT_KEYS = frozenset({"timeout"})
BOOL_KEYS = frozenset(
    {"show_alert", "drop_pending_updates", "disable_notification", "protect_content",
     "allow_sending_without_reply", "disable_web_page_preview", "disable_content_type_detection",
     "for_channels", "has_spoiler", "revoke_messages", "only_if_banned", "is_big",
     "show_caption_above_media"}
)
_INT = re.compile(r"^-?\d+$")


@dataclass
class Upload:
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    def __str__(self) -> str:
        return f"<upload {self.filename!r} {len(self.data)} bytes>"


def _coerce(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"Bad Request: can't parse {key} JSON object") from None
    if key in INT_KEYS and _INT.match(value):
        return int(value)
    if key in FLOAT_KEYS:
        try:
            return float(value)
        except ValueError:
            return value
    if key in BOOL_KEYS and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


class Params:
    """Normalised parameters: JSON fields decoded, numeric ids as ints, uploads resolved."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.uploads = uploads or {}
        self.values: dict[str, Any] = {}
        for key, value in values.items():
            if isinstance(value, str) and value.startswith("attach://"):
                upload = self.uploads.get(value.removeprefix("attach://"))
                self.values[key] = upload if upload is not None else value
            else:
                self.values[key] = _coerce(key, value)
        for key, upload in self.uploads.items():
            if not key.startswith("attached") and key not in self.values:
                self.values[key] = upload

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def required(self, key: str) -> Any:
        value = self.values.get(key)
        if value is None or value == "":
            raise bad_request(f"Bad Request: {key} is empty")
        return value

    def get_int(self, key: str, default: int | None = None) -> int | None:
        value = self.values.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise bad_request(f"Bad Request: field \"{key}\" must be of type Integer")
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"Bad Request: field \"{key}\" must be of type Integer") from None

    def get_bool(self, key: str) -> bool:
        value = self.values.get(key)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def loggable(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Upload) else v) for k, v in self.values.items()}
