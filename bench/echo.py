"""The floor: a bare PTB echo bot (no persistence, no database) on the same stand-in.

Each simulated user does the same round trips as a visit: one text message answered by a new
message with a button, then five taps, each answered (answerCallbackQuery) and edited in place.

With ``policies`` the floor sends and schedules as the bot does: the bot's send policy
(``bot.send_policy.SendPolicy``) as its rate limiter and the bot's update processor (different chats
at once, each chat in order: ``bot.updates.PerChatUpdateProcessor``), so that the comparison with
the bot is of the handling alone. Without, it is PTB as it ships: no rate limiter, one update at a
time.
"""

from __future__ import annotations

import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.harness import ECHO_TOKEN, AnyApplication
from bench.stats import Latencies
from bot.send_policy import SendPolicy
from bot.updates import PerChatUpdateProcessor
from sandbox import BotApiStandIn, User

TAPS_PER_ROUND = 5  # /visit is one message; student, form, topic, Continue and Save are five taps
TAP_LABEL = "Tap ➡️"


def _keyboard(n: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(TAP_LABEL, callback_data=f"tap:{n}")]])


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text, reply_markup=_keyboard(1))


async def _tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    n = int(query.data.removeprefix("tap:"))
    await query.answer()
    # The text changes with every tap, as the visit steps' texts do (Telegram refuses a no-op edit).
    await query.edit_message_text(f"tapped {n}", reply_markup=_keyboard(n + 1))


def build_echo_application(standin: BotApiStandIn, *, policies: bool = True) -> AnyApplication:
    builder = (
        ApplicationBuilder().token(ECHO_TOKEN).base_url(standin.base_url).base_file_url(standin.base_file_url)
    )
    if policies:
        builder = builder.rate_limiter(SendPolicy()).concurrent_updates(PerChatUpdateProcessor())
    app: AnyApplication = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    app.add_handler(CallbackQueryHandler(_tapped, pattern=r"^tap:\d+$"))
    return app


async def echo_rounds(user: User, rounds: int, latencies: Latencies, *, reply_timeout: float) -> int:
    """``rounds`` times: a message and its echo, then five taps and their edits. Returns rounds done."""
    for i in range(rounds):
        text = f"round {i + 1} from {user.id}"
        start = time.perf_counter()
        await user.send(text)
        reply = await user.next_message(reply_timeout)
        latencies.add("message", time.perf_counter() - start)
        if reply.text != text:
            raise AssertionError(f"echo expected {text!r}, got {reply.text!r}")
        for n in range(1, TAPS_PER_ROUND + 1):
            start = time.perf_counter()
            await user.tap(TAP_LABEL)
            edited = await user.next_reply(reply_timeout)
            latencies.add("tap", time.perf_counter() - start)
            if edited.text != f"tapped {n}":
                raise AssertionError(f"echo expected 'tapped {n}', got {edited.text!r}")
    return rounds
