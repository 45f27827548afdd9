"""Bot API methods about the bot itself and chats: getMe, commands, menu button, getChat..."""

from __future__ import annotations

import re
from typing import Any

from . import limits
from .methods import method, target_chat
from .models import bad_request
from .params import Params
from .state import BotState, scope_key

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_ACCEPTED_GIFTS = {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                   "premium_subscription": False, "gifts_from_channels": False}
_ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                 "can_restrict_members", "can_promote_members", "can_change_info",
                 "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
                 "can_pin_messages")


@method("getMe")
def get_me(state: BotState, p: Params) -> Any:
    return {**state.bot_user(), "can_join_groups": True,
            "can_read_all_group_messages": not state.privacy_mode, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False}


@method("logOut", "close", "setMyDefaultAdministratorRights", "pinChatMessage", "unpinChatMessage",
        "unpinAllChatMessages", "setMessageReaction")
def harmless(state: BotState, p: Params) -> Any:
    return True


@method("leaveChat")
def leave_chat(state: BotState, p: Params) -> Any:
    target_chat(state, p)
    return True


# --- webhook ---------------------------------------------------------------------------------
@method("deleteWebhook")
def delete_webhook(state: BotState, p: Params) -> Any:
    state.webhook_url = ""
    if p.get_bool("drop_pending_updates"):
        state.pending.clear()
    return True


@method("setWebhook")
def set_webhook(state: BotState, p: Params) -> Any:
    state.webhook_url = str(p.get("url") or "")
    if p.get_bool("drop_pending_updates"):
        state.pending.clear()
    return True


@method("getWebhookInfo")
def get_webhook_info(state: BotState, p: Params) -> Any:
    return {"url": state.webhook_url, "has_custom_certificate": False,
            "pending_update_count": len(state.pending)}


# --- commands / descriptions / menu button ---------------------------------------------------
def _commands_key(p: Params) -> tuple[str, str]:
    return scope_key(p.get("scope")), str(p.get("language_code") or "")


@method("setMyCommands")
def set_my_commands(state: BotState, p: Params) -> Any:
    commands = p.get("commands")
    if not isinstance(commands, list) or len(commands) > limits.MAX_COMMANDS:
        raise bad_request("Bad Request: can't parse commands JSON object")
    clean = []
    for cmd in commands:
        if not isinstance(cmd, dict) or not _COMMAND.match(str(cmd.get("command", ""))):
            raise bad_request(limits.ERR_COMMAND_INVALID)
        desc = str(cmd.get("description", ""))
        if not 1 <= len(desc) <= limits.MAX_COMMAND_DESCRIPTION_LENGTH:
            raise bad_request(limits.ERR_COMMAND_DESCRIPTION_INVALID)
        clean.append({"command": cmd["command"], "description": desc})
    key = _commands_key(p)
    if clean:
        state.commands[key] = clean
    else:
        state.commands.pop(key, None)
    return True


@method("getMyCommands")
def get_my_commands(state: BotState, p: Params) -> Any:
    return state.commands.get(_commands_key(p), [])


@method("deleteMyCommands")
def delete_my_commands(state: BotState, p: Params) -> Any:
    state.commands.pop(_commands_key(p), None)
    return True


def _setting(name: str, result_key: str) -> None:
    @method(f"setMy{name}")
    def setter(state: BotState, p: Params) -> Any:
        state.settings[(result_key, str(p.get("language_code") or ""))] = str(p.get(result_key) or "")
        return True

    @method(f"getMy{name}")
    def getter(state: BotState, p: Params) -> Any:
        return {result_key: state.settings.get((result_key, str(p.get("language_code") or "")), "")}


_setting("Name", "name")
_setting("Description", "description")
_setting("ShortDescription", "short_description")


@method("setChatMenuButton")
def set_chat_menu_button(state: BotState, p: Params) -> Any:
    button = p.get("menu_button") or {"type": "default"}
    if p.get("chat_id") is None:
        state.settings["menu_button"] = button
    else:
        target_chat(state, p).menu_button = button
    return True


@method("getChatMenuButton")
def get_chat_menu_button(state: BotState, p: Params) -> Any:
    if p.get("chat_id") is None:
        return state.settings.get("menu_button", {"type": "commands"})
    return target_chat(state, p).menu_button or state.settings.get("menu_button", {"type": "commands"})


# --- chats and members -----------------------------------------------------------------------
@method("getChat")
def get_chat(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    info = state.directory.chat_dict(chat.chat_id) or {}
    return {**info, "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": dict(_ACCEPTED_GIFTS)}


def _member(state: BotState, chat_id: int, user_id: int) -> dict[str, Any]:
    if user_id == state.bot_id:
        user = state.bot_user()
    elif user_id in state.directory.users:
        user = state.directory.users[user_id].to_api()
    else:
        raise bad_request(limits.ERR_USER_NOT_FOUND)
    group = state.directory.groups.get(chat_id)
    if group is None:
        return {"status": "member", "user": user}
    if user_id == group.creator:
        return {"status": "creator", "user": user, "is_anonymous": False}
    if user_id in group.admins or (user_id == state.bot_id and group.bot_is_admin):
        return {"status": "administrator", "user": user, "can_be_edited": False,
                "is_anonymous": False, **dict.fromkeys(_ADMIN_RIGHTS, True)}
    if user_id in group.members or user_id == state.bot_id:
        return {"status": "member", "user": user}
    return {"status": "left", "user": user}


@method("getChatMember")
def get_chat_member(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    user_id = p.get_int("user_id")
    if user_id is None:
        raise bad_request("Bad Request: user_id is empty")
    return _member(state, chat.chat_id, user_id)


@method("getChatAdministrators")
def get_chat_administrators(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    group = state.directory.groups.get(chat.chat_id)
    if group is None:
        return []
    ids = ([group.creator] if group.creator else []) + sorted(group.admins - {group.creator})
    if group.bot_is_admin and state.bot_id is not None:
        ids.append(state.bot_id)
    return [_member(state, chat.chat_id, uid) for uid in ids]


@method("getChatMemberCount")
def get_chat_member_count(state: BotState, p: Params) -> Any:
    chat = target_chat(state, p)
    group = state.directory.groups.get(chat.chat_id)
    return len(group.members) + 1 if group else 2
