"""Validation and construction of the messages a bot sends: text, entities, reply markup."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import limits
from .html import HtmlParseError, ParsedText, parse_html, text_length, trim
from .models import ApiError, InlineButton, bad_request

_URL_OK = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)
_OTHER_INLINE_ACTIONS = ("web_app", "login_url", "switch_inline_query",
                         "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                         "callback_game", "pay", "copy_text")


@dataclass
class Markup:
    inline: list[list[InlineButton]] = field(default_factory=list)
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    one_time: bool = False
    remove: bool = False
    force_reply: bool = False

    @property
    def inline_api(self) -> dict[str, Any] | None:
        if not self.inline:
            return None
        return {"inline_keyboard": [[b.raw for b in row] for row in self.inline]}


def render_text(text: Any, parse_mode: Any, entities: Any, *, caption: bool) -> ParsedText:
    """Parse text/caption like Telegram: entity parsing, trimming, emptiness and length checks."""
    limit = limits.MAX_CAPTION_LENGTH if caption else limits.MAX_TEXT_LENGTH
    if text is None or text == "":
        if caption:
            return ParsedText("", [])
        raise bad_request(limits.ERR_TEXT_EMPTY)
    text = str(text)
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(limits.ERR_PARSE_ENTITIES + str(exc)) from None
    else:
        # Markdown/MarkdownV2 are not validated: the raw text is kept as the plain text.
        ents = entities if isinstance(entities, list) else []
        parsed = ParsedText(text, [e for e in ents if isinstance(e, dict)])
    parsed = trim(parsed)
    if not parsed.text and not caption:
        raise bad_request(limits.ERR_TEXT_EMPTY)
    if text_length(parsed.text) > limit:
        raise bad_request(limits.ERR_CAPTION_TOO_LONG if caption else limits.ERR_TEXT_TOO_LONG)
    return parsed


def _inline_button(raw: Any) -> InlineButton:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise bad_request("Bad Request: can't parse inline keyboard button: Field \"text\" must be "
                          "of type String")
    data, url = raw.get("callback_data"), raw.get("url")
    if data is not None:
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= limits.MAX_CALLBACK_DATA_BYTES:
            raise bad_request(limits.ERR_BUTTON_DATA_INVALID)
    elif url is not None:
        if not isinstance(url, str) or not _URL_OK.match(url):
            raise bad_request(limits.ERR_BUTTON_URL_INVALID)
    elif not any(k in raw for k in _OTHER_INLINE_ACTIONS):
        raise bad_request(limits.ERR_TEXT_BUTTONS_UNALLOWED)
    return InlineButton(raw["text"], data, url, raw=dict(raw))


def parse_markup(value: Any, *, inline_only: bool = False) -> Markup:
    """Validate a reply_markup parameter (already JSON-decoded) and normalise it."""
    if value is None or value == "":
        return Markup()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request("Bad Request: can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("Bad Request: can't parse inline keyboard: field \"inline_keyboard\" "
                              "must be an Array of Arrays")
        if sum(len(r) for r in rows) > limits.MAX_INLINE_BUTTONS or any(
            len(r) > limits.MAX_INLINE_BUTTONS_PER_ROW for r in rows
        ):
            raise bad_request(limits.ERR_MARKUP_TOO_LONG)
        return Markup(inline=[[_inline_button(b) for b in row] for row in rows if row])
    if inline_only:
        raise bad_request("Bad Request: inline keyboard expected")
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("Bad Request: can't parse keyboard: field \"keyboard\" must be an "
                              "Array of Arrays")
        norm = [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows if row]
        if not norm:
            raise bad_request("Bad Request: keyboard must be non-empty")
        return Markup(keyboard=norm, one_time=bool(value.get("one_time_keyboard")))
    if value.get("remove_keyboard"):
        return Markup(remove=True)
    if value.get("force_reply"):
        return Markup(force_reply=True)
    raise bad_request("Bad Request: unsupported reply_markup")


def check_not_blocked(blocked: set[int], chat_id: int) -> None:
    if chat_id in blocked:
        raise ApiError(403, limits.ERR_BLOCKED)


def image_size(data: bytes) -> tuple[int, int]:
    """Width/height of a PNG or JPEG (best effort); (0, 0) when unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, seg = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
            i += 2 + seg
    return 0, 0
