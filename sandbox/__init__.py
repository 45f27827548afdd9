"""A stand-in for the Telegram Bot API (Telegram's side of the wire) with a scenario API.

    async with BotApiStandIn(bot_username="TwoVisitsBot") as standin:
        app = ApplicationBuilder().token(TOKEN).base_url(standin.base_url) \\
            .base_file_url(standin.base_file_url).build()
        user = standin.world.user("王老師")
        await user.send("/start")
        reply = await user.next_reply()
"""

from .html import HtmlParseError, parse_html, strip_html
from .models import ApiError, CallbackAnswer, ChatMessage, FileRecord, InlineButton
from .server import BotApiStandIn, RecordedRequest
from .state import BotState, ChatState
from .world import Group, User, World

Reply = ChatMessage  # what next_reply() returns

__all__ = [
    "ApiError",
    "BotApiStandIn",
    "BotState",
    "CallbackAnswer",
    "ChatMessage",
    "ChatState",
    "FileRecord",
    "Group",
    "HtmlParseError",
    "InlineButton",
    "RecordedRequest",
    "Reply",
    "User",
    "World",
    "parse_html",
    "strip_html",
]
