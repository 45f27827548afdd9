"""Bot API methods that send, edit or delete messages (everything except getUpdates)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import limits
from .html import ParsedText
from .messages import Markup, check_not_blocked, image_size, parse_markup, render_text
from .models import ApiError, CallbackAnswer, ChatMessage, FileRecord, bad_request
from .params import Params, Upload
from .state import BotState, ChatState

Method = Callable[[BotState, Params], Any]
METHODS: dict[str, Method] = {}


def method(*names: str) -> Callable[[Method], Method]:
    def register(func: Method) -> Method:
        for name in names:
            METHODS[name.lower()] = func
        return func

    return register


def target_chat(state: BotState, p: Params) -> ChatState:
    chat_id = p.required("chat_id")
    if not isinstance(chat_id, int) or state.directory.chat_dict(chat_id) is None:
        raise bad_request(limits.ERR_CHAT_NOT_FOUND)
    return state.chat(chat_id)


def _gate(state: BotState, chat_id: int) -> None:
    check_not_blocked(state.blocked, chat_id)
    group = state.directory.groups.get(chat_id)
    if group is not None and group.migrated_to is not None:
        raise ApiError(400, limits.ERR_MIGRATED, migrate_to_chat_id=group.migrated_to)
    if group is not None and not group.bot_member:
        raise ApiError(403, limits.ERR_KICKED)
    wait = state.limiter.check(chat_id, chat_id > 0)
    if wait:
        raise ApiError(429, limits.ERR_TOO_MANY_REQUESTS.format(wait), retry_after=wait)


def _reply_to_id(p: Params) -> int | None:
    params = p.get("reply_parameters")
    if isinstance(params, dict) and isinstance(params.get("message_id"), int):
        return int(params["message_id"])
    return p.get_int("reply_to_message_id")


def _post(state: BotState, chat: ChatState, p: Params, kind: str, parsed: ParsedText, markup: Markup,
          extra: dict[str, Any], caption: bool = False, record: FileRecord | None = None) -> ChatMessage:
    """Create a bot message in `chat`, store it, publish it to readers; return it."""
    mid = chat.new_message_id()
    raw: dict[str, Any] = {"message_id": mid, "from": state.bot_user(),
                           "chat": state.directory.chat_dict(chat.chat_id), "date": int(time.time())}
    key = "caption" if caption else "text"
    if parsed.text:
        raw[key] = parsed.text
        if parsed.entities:
            raw[f"{key}_entities" if caption else "entities"] = parsed.entities
    raw.update(extra)
    reply_id = _reply_to_id(p)
    if reply_id is not None and reply_id in chat.messages and not chat.messages[reply_id].deleted:
        raw["reply_to_message"] = {k: v for k, v in chat.messages[reply_id].raw.items()
                                   if k != "reply_to_message"}
    if markup.inline:
        raw["reply_markup"] = markup.inline_api
    source = p.get("caption" if caption else "text") or ""
    msg = ChatMessage(message_id=mid, chat_id=chat.chat_id, kind=kind, text=parsed.text,
                      html=str(source), parse_mode=p.get("parse_mode"), inline_buttons=markup.inline,
                      caption=parsed.text if caption else None, raw=raw)
    if record is not None:
        msg.file_id, msg.filename, msg.mime_type = record.file_id, record.filename, record.mime_type
        setattr(msg, kind, record.data)
        record.chat_id, record.message_id = chat.chat_id, mid
    if markup.keyboard:
        msg.reply_keyboard = [[str(b.get("text", "")) for b in row] for row in markup.keyboard]
        msg.reply_keyboard_buttons = markup.keyboard
        chat.reply_keyboard, chat.one_time_keyboard = msg, markup.one_time
    elif markup.remove:
        msg.remove_keyboard = True
        chat.reply_keyboard = None
    chat.messages[mid] = msg
    chat.publish(msg.snapshot(kind))
    return msg


@method("sendMessage")
def send_message(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    parsed = render_text(p.get("text"), p.get("parse_mode"), p.get("entities"), caption=False)
    markup = parse_markup(p.get("reply_markup"))
    _gate(state, chat.chat_id)
    return _post(state, chat, p, "message", parsed, markup, {}).raw


def _resolve_file(state: BotState, value: Any, kind: str) -> FileRecord:
    if isinstance(value, Upload):
        cap = limits.MAX_PHOTO_UPLOAD_BYTES if kind == "photo" else limits.MAX_UPLOAD_BYTES
        if len(value.data) > cap:
            raise ApiError(413, limits.ERR_ENTITY_TOO_LARGE) if kind != "photo" else bad_request(
                limits.ERR_PHOTO_TOO_BIG)
        if not value.data:
            raise bad_request("Bad Request: file must be non-empty")
        mime = value.content_type if value.content_type not in (None, "application/octet-stream") else None
        return state.add_file(value.data, kind, value.filename, mime, by_bot=True)
    if isinstance(value, str) and value in state.files:
        return state.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        name = value.rstrip("/").rsplit("/", 1)[-1] or None
        return state.add_file(b"", kind, name, None, by_bot=True)
    if value is None or value == "":
        raise bad_request(f"Bad Request: there is no {kind} in the request")
    raise bad_request(limits.ERR_WRONG_FILE)


def _send_media(state: BotState, p: Params, kind: str) -> Any:
    chat = target_chat(state, p)
    parsed = render_text(p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True)
    markup = parse_markup(p.get("reply_markup"))
    record = _resolve_file(state, p.get(kind), kind)
    _gate(state, chat.chat_id)
    if kind == "photo":
        width, height = image_size(record.data)
        extra: dict[str, Any] = {"photo": [{"file_id": record.file_id,
                                            "file_unique_id": record.file_unique_id,
                                            "width": width, "height": height, "file_size": record.size}]}
    else:
        doc: dict[str, Any] = {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
                               "file_size": record.size}
        if record.filename:
            doc["file_name"] = record.filename
        if record.mime_type:
            doc["mime_type"] = record.mime_type
        extra = {"document": doc}
    return _post(state, chat, p, kind, parsed, markup, extra, caption=True, record=record).raw


@method("sendPhoto")
def send_photo(state: BotState, p: Params) -> Any:
    return _send_media(state, p, "photo")


@method("sendDocument")
def send_document(state: BotState, p: Params) -> Any:
    return _send_media(state, p, "document")


def _editable(state: BotState, p: Params) -> tuple[ChatState, ChatMessage]:
    if p.get("inline_message_id"):
        raise bad_request("Bad Request: MESSAGE_ID_INVALID")
    chat = target_chat(state, p)
    mid = p.get_int("message_id")
    if mid is None:
        raise bad_request("Bad Request: message identifier is not specified")
    msg = chat.messages.get(mid)
    if msg is None or msg.deleted:
        raise bad_request(limits.ERR_EDIT_NOT_FOUND)
    if not msg.from_bot:
        raise bad_request(limits.ERR_CANT_EDIT)
    return chat, msg


def _apply_edit(state: BotState, chat: ChatState, msg: ChatMessage, *, parsed: ParsedText | None,
                source: str | None, p: Params, markup: Markup) -> Any:
    caption = msg.kind in ("photo", "document")
    text_key, ent_key = ("caption", "caption_entities") if caption else ("text", "entities")
    same_text = parsed is None or (
        parsed.text == msg.text and parsed.entities == msg.raw.get(ent_key, []))
    if same_text and markup.inline == msg.inline_buttons:
        raise bad_request(limits.ERR_NOT_MODIFIED)
    _gate(state, chat.chat_id)
    if parsed is not None:
        msg.text, msg.html, msg.parse_mode = parsed.text, source or "", p.get("parse_mode")
        if caption:
            msg.caption = parsed.text
        msg.raw.pop(text_key, None)
        msg.raw.pop(ent_key, None)
        if parsed.text:
            msg.raw[text_key] = parsed.text
        if parsed.entities:
            msg.raw[ent_key] = parsed.entities
    msg.inline_buttons = markup.inline
    msg.raw.pop("reply_markup", None)
    if markup.inline:
        msg.raw["reply_markup"] = markup.inline_api
    msg.raw["edit_date"] = int(time.time())
    msg.edited = True
    chat.publish(msg.snapshot("edit"))
    return msg.raw


@method("editMessageText")
def edit_message_text(state: BotState, p: Params) -> Any:
    chat, msg = _editable(state, p)
    if msg.kind in ("photo", "document"):
        raise bad_request(limits.ERR_NO_TEXT_TO_EDIT)
    parsed = render_text(p.get("text"), p.get("parse_mode"), p.get("entities"), caption=False)
    markup = parse_markup(p.get("reply_markup"), inline_only=True)
    return _apply_edit(state, chat, msg, parsed=parsed, source=p.get("text"), p=p, markup=markup)


@method("editMessageCaption")
def edit_message_caption(state: BotState, p: Params) -> Any:
    chat, msg = _editable(state, p)
    if msg.kind not in ("photo", "document"):
        raise bad_request(limits.ERR_NO_CAPTION_TO_EDIT)
    parsed = render_text(p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True)
    markup = parse_markup(p.get("reply_markup"), inline_only=True)
    return _apply_edit(state, chat, msg, parsed=parsed, source=p.get("caption"), p=p, markup=markup)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(state: BotState, p: Params) -> Any:
    chat, msg = _editable(state, p)
    markup = parse_markup(p.get("reply_markup"), inline_only=True)
    return _apply_edit(state, chat, msg, parsed=None, source=None, p=p, markup=markup)


def _delete(state: BotState, chat: ChatState, mid: Any) -> None:
    msg = chat.messages.get(mid) if isinstance(mid, int) else None
    if msg is None or msg.deleted:
        raise bad_request(limits.ERR_DELETE_NOT_FOUND)
    msg.deleted = True
    if chat.reply_keyboard is msg:
        chat.reply_keyboard = None
    chat.publish(msg.snapshot("delete"))


@method("deleteMessage")
def delete_message(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    _delete(state, chat, p.get_int("message_id"))
    return True


@method("deleteMessages")
def delete_messages(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    for mid in p.get("message_ids") or []:
        try:
            _delete(state, chat, mid)
        except ApiError:
            pass
    return True


@method("answerCallbackQuery")
def answer_callback_query(state: BotState, p: Params) -> Any:
    query_id = str(p.required("callback_query_id"))
    query = state.callback_queries.get(query_id)
    if query is None or query.get("late"):
        raise bad_request(limits.ERR_QUERY_INVALID)
    text = p.get("text")
    if text is not None and len(str(text)) > limits.MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request(limits.ERR_CALLBACK_ANSWER_TOO_LONG)
    query["answered"] = query.get("answered", 0) + 1
    answer = CallbackAnswer(query_id=query_id, text=str(text) if text is not None else None,
                            show_alert=p.get_bool("show_alert"), url=p.get("url"),
                            data=query.get("data"), message_id=query.get("message_id"))
    state.answers_for(query["user_id"]).append(answer)
    return True


@method("sendChatAction")
def send_chat_action(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    check_not_blocked(state.blocked, chat.chat_id)
    p.required("action")
    return True


@method("getFile")
def get_file(state: BotState, p: Params) -> Any:
    record = state.files.get(str(p.required("file_id")))
    if record is None:
        raise bad_request(limits.ERR_INVALID_FILE_ID)
    if record.size > limits.MAX_DOWNLOAD_BYTES:
        raise bad_request(limits.ERR_FILE_TOO_BIG)
    return {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
            "file_size": record.size, "file_path": record.file_path}
