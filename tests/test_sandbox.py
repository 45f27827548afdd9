"""The Bot API stand-in, exercised by a real PTB Application over HTTP."""

from __future__ import annotations

import asyncio
import os
import sys

os.environ.setdefault("PTB_TIMEDELTA", "1")

import contextlib
import datetime as dtm
import hashlib
import html
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from sandbox import BotApiStandIn, HtmlParseError, parse_html
from sandbox.limits import RateLimiter

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz01"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + (640).to_bytes(4, "big") + (
    480).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00" + b"\x00" * 64
Ctx = ContextTypes.DEFAULT_TYPE
ASK_NAME, ASK_SCHOOL = range(2)


# --- a small bot, defined here so the sandbox is tested without the real bot ---------------
async def start(update: Update, context: Ctx) -> None:
    assert update.effective_message and update.effective_user
    await update.effective_message.reply_text(
        f"Hello {update.effective_user.first_name}! args={context.args}")


async def echo(update: Update, context: Ctx) -> None:
    assert update.effective_message and update.effective_message.text
    context.bot_data.setdefault("seen", []).append(update.update_id)
    await update.effective_message.reply_html(f"echo: <b>{html.escape(update.effective_message.text)}</b>")


async def menu(update: Update, context: Ctx) -> None:
    assert update.effective_message
    await update.effective_message.reply_text("Pick one", reply_markup=InlineKeyboardMarkup([
        [InlineKeyboardButton("Yes", callback_data="pick:yes"),
         InlineKeyboardButton("No", callback_data="pick:no")],
        [InlineKeyboardButton("Docs", url="https://example.org/docs")],
    ]))


async def picked(update: Update, context: Ctx) -> None:
    query = update.callback_query
    assert query and query.data
    choice = query.data.split(":")[1]
    await query.answer(f"You chose {choice}")
    await query.edit_message_text(f"Chose <i>{choice}</i>", parse_mode="HTML")


async def keyboard(update: Update, context: Ctx) -> None:
    assert update.effective_message
    await update.effective_message.reply_text("Share?", reply_markup=ReplyKeyboardMarkup(
        [[KeyboardButton("Share phone", request_contact=True)], ["Help"]], one_time_keyboard=True))


async def contact(update: Update, context: Ctx) -> None:
    msg = update.effective_message
    assert msg and msg.contact and msg.from_user
    await msg.reply_text(f"contact {msg.contact.phone_number} user_id={msg.contact.user_id} "
                         f"from={msg.from_user.id}", reply_markup=ReplyKeyboardRemove())


async def document(update: Update, context: Ctx) -> None:
    msg = update.effective_message
    assert msg and msg.document
    file = await msg.document.get_file()
    data = bytes(await file.download_as_bytearray())
    await msg.reply_document(data[::-1], filename="reversed.bin",
                             caption=f"got {msg.document.file_name} {len(data)} "
                                     f"{hashlib.sha256(data).hexdigest()[:8]} {msg.caption}")


async def photo(update: Update, context: Ctx) -> None:
    assert update.effective_chat
    await context.bot.send_photo(update.effective_chat.id, PNG, caption="<b>chart</b>", parse_mode="HTML")


async def misbehave(update: Update, context: Ctx) -> None:
    """Try things Telegram rejects; report each error message back to the user."""
    assert update.effective_message and update.effective_chat
    chat_id = update.effective_chat.id
    attempts: dict[str, Any] = {
        "long": lambda: context.bot.send_message(chat_id, "x" * 4097),
        "fits": lambda: context.bot.send_message(chat_id, "&lt;" * 4096, parse_mode="HTML"),
        "html": lambda: context.bot.send_message(chat_id, "<b>oops", parse_mode="HTML"),
        "tag": lambda: context.bot.send_message(chat_id, "<div>x</div>", parse_mode="HTML"),
        "data": lambda: context.bot.send_message(chat_id, "k", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("big", callback_data="é" * 33)]])),
        "caption": lambda: context.bot.send_photo(chat_id, PNG, caption="c" * 1025),
        "chat": lambda: context.bot.send_message(999, "nobody"),
    }
    results = []
    for name, attempt in attempts.items():
        try:
            await attempt()
            results.append(f"{name}=ok")
        except BadRequest as exc:
            results.append(f"{name}={exc.message}")
    await update.effective_message.reply_text("\n".join(results))


async def same(update: Update, context: Ctx) -> None:
    assert update.effective_message
    sent = await update.effective_message.reply_text("same", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("a", callback_data="pick:a")]]))
    try:
        await sent.edit_text("same", reply_markup=sent.reply_markup)
        result = "edited"
    except BadRequest as exc:
        result = exc.message
    await sent.edit_text("different")  # dropping reply_markup removes the keyboard
    await sent.delete()
    await update.effective_message.reply_text(result)


async def coverage(update: Update, context: Ctx) -> None:
    assert update.effective_message and update.effective_chat
    await update.effective_message.reply_text(f"coverage for {update.effective_chat.title}")


async def ask_name(update: Update, context: Ctx) -> int:
    assert update.effective_message
    await update.effective_message.reply_text("Your name?")
    return ASK_NAME


async def got_name(update: Update, context: Ctx) -> int:
    assert update.effective_message and context.user_data is not None
    context.user_data["name"] = update.effective_message.text
    await update.effective_message.reply_text("Your school?")
    return ASK_SCHOOL


async def got_school(update: Update, context: Ctx) -> int:
    assert update.effective_message and context.user_data is not None
    name, school = context.user_data["name"], update.effective_message.text
    await update.effective_message.reply_text(f"{name} @ {school}")
    return ConversationHandler.END


def build_app(standin: BotApiStandIn, token: str = TOKEN) -> Application:
    app = (ApplicationBuilder().token(token).base_url(standin.base_url)
           .base_file_url(standin.base_file_url).build())
    app.add_handler(ConversationHandler(
        entry_points=[CommandHandler("register", ask_name)],
        states={ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)],
                ASK_SCHOOL: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_school)]},
        fallbacks=[]))
    for name, func in [("start", start), ("menu", menu), ("keyboard", keyboard), ("photo", photo),
                       ("misbehave", misbehave), ("same", same), ("coverage", coverage)]:
        app.add_handler(CommandHandler(name, func))
    app.add_handler(CallbackQueryHandler(picked, pattern="^pick:"))
    app.add_handler(MessageHandler(filters.CONTACT, contact))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@contextlib.asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        assert app.updater
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(bot_username="TwoVisitsBot") as s:
        yield s


@pytest.fixture
async def bot_app(standin: BotApiStandIn) -> AsyncIterator[Application]:
    async with running(build_app(standin)) as app:
        yield app


# --- scenarios through a real PTB Application ------------------------------------------------
async def test_echo_and_get_me(standin: BotApiStandIn, bot_app: Application) -> None:
    assert bot_app.bot.username == "TwoVisitsBot" and bot_app.bot.id == 123456
    user = standin.world.user("王老師", language_code="zh-hant")
    await user.send("hi <there> & 你好")
    reply = await user.next_reply()
    assert reply.kind == "message" and reply.chat_id == user.id
    assert reply.text == "echo: hi <there> & 你好"
    assert reply.html == "echo: <b>hi &lt;there&gt; &amp; 你好</b>"
    assert reply.raw["entities"] == [{"type": "bold", "offset": 6, "length": 15}]
    assert [m.kind for m in user.chat_log] == ["user", "message"]
    assert standin.calls("sendMessage")[0]["chat_id"] == user.id


async def test_start_payload_reaches_args(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Ann")
    await user.send("/start invite-42")
    assert (await user.next_reply()).text == "Hello Ann! args=['invite-42']"


async def test_tap_answers_and_edits(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Bo")
    await user.send("/menu")
    menu_msg = await user.next_reply()
    assert menu_msg.buttons == ["Yes", "No", "Docs"]
    assert menu_msg.keyboard == [[("Yes", "pick:yes"), ("No", "pick:no")], [("Docs", "https://example.org/docs")]]
    with pytest.raises(AssertionError, match=r"'Maybe'.*\['Yes', 'No', 'Docs'\]"):
        await user.tap("Maybe")
    await user.tap("Ye", partial=True)
    answer = await user.callback_answer()
    assert answer.text == "You chose yes" and not answer.show_alert and answer.data == "pick:yes"
    edit = await user.next_reply()
    assert (edit.kind, edit.edited, edit.message_id) == ("edit", True, menu_msg.message_id)
    assert edit.text == "Chose yes" and edit.buttons == []
    assert user.chat.messages[menu_msg.message_id].text == "Chose yes"
    with pytest.raises(AssertionError, match="no button"):  # the keyboard is gone now
        await user.tap("No", message=menu_msg)


async def test_tap_on_older_message(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Bea")
    await user.send("/menu")
    old = await user.next_reply()
    await user.send("/menu")
    new = await user.next_reply()
    await user.tap("No", message=old)
    assert (await user.callback_answer()).message_id == old.message_id
    edit = await user.next_reply()
    assert (edit.message_id, edit.text) == (old.message_id, "Chose no")
    assert user.chat.messages[new.message_id].buttons == ["Yes", "No", "Docs"]


async def test_conversation_and_timeout_report(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Cy")
    for text, expected in [("/register", "Your name?"), ("Cy Young", "Your school?"),
                           ("第一中學", "Cy Young @ 第一中學")]:
        await user.send(text)
        assert (await user.next_message()).text == expected
    await user.expect_no_reply(within=0.05)
    with pytest.raises(AssertionError, match=r"(?s)no bot output.*Cy Young @ 第一中學"):
        await user.next_reply(timeout=0.05)


async def test_document_upload_download_and_reply(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Di")
    data = b"name,phone\n" + b"x" * 5000
    await user.send_document("名單.csv", data, caption="list")
    reply = await user.next_reply()
    assert reply.kind == "document" and reply.filename == "reversed.bin"
    assert reply.document == data[::-1]
    assert reply.caption == f"got 名單.csv {len(data)} {hashlib.sha256(data).hexdigest()[:8]} list"
    assert [f.filename for f in standin.sent_files] == ["reversed.bin"]
    assert standin.calls("getFile")


async def test_send_photo_bytes(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Ed")
    await user.send("/photo")
    reply = await user.next_reply()
    assert reply.kind == "photo" and reply.photo == PNG and reply.caption == "chart"
    assert (reply.raw["photo"][0]["width"], reply.raw["photo"][0]["height"]) == (640, 480)
    file = await bot_app.bot.get_file(reply.raw["photo"][0]["file_id"])
    assert bytes(await file.download_as_bytearray()) == PNG


async def test_reply_keyboard_contact_and_spoofing(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Fay", phone="13800000042")
    await user.send("/keyboard")
    assert (await user.next_reply()).reply_keyboard == [["Share phone"], ["Help"]]
    await user.tap("Share phone")
    assert (await user.next_reply()).text == f"contact 13800000042 user_id={user.id} from={user.id}"
    await user.share_contact("13900000000", user_id=4242)
    spoofed = await user.next_reply()
    assert spoofed.text == f"contact 13900000000 user_id=4242 from={user.id}"
    assert standin.world.state.chat(user.id).reply_keyboard is None


async def test_limits_enforced_with_telegram_errors(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Gus")
    await user.send("/misbehave")
    assert (await user.next_message()).text == "<" * 4096  # entities count as one character
    report = dict(line.split("=", 1) for line in (await user.next_message()).text.splitlines())
    assert report == {
        "long": "Message is too long",
        "fits": "ok",
        "html": "Can't parse entities: can't find end tag corresponding to start tag \"b\"",
        "tag": "Can't parse entities: unsupported start tag \"div\" at byte offset 0",
        "data": "Button_data_invalid",
        "caption": "Message caption is too long",
        "chat": "Chat not found",
    }


async def test_message_not_modified_then_edit_and_delete(
    standin: BotApiStandIn, bot_app: Application
) -> None:
    user = standin.world.user("Hal")
    await user.send("/same")
    first, edit, deletion, result = await user.replies(4)
    assert first.buttons == ["a"]
    assert (edit.kind, edit.text, edit.buttons) == ("edit", "different", [])
    assert deletion.kind == "delete" and deletion.message_id == first.message_id
    assert result.text.startswith("Message is not modified")
    assert user.chat.messages[first.message_id].deleted and len(user.messages) == 1


async def test_redelivered_update_is_seen_twice(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Ida")
    await user.send("once")
    await user.next_reply()
    new_id = await user.redeliver_last()
    second = await user.next_reply()
    assert second.text == "echo: once"
    seen = bot_app.bot_data["seen"]
    assert len(seen) == 2 and seen[1] == new_id != seen[0]
    await standin.world.wait_idle()
    assert standin.world.state.pending == []


async def test_group_command_with_bot_name(standin: BotApiStandIn, bot_app: Application) -> None:
    teacher = standin.world.user("王老師")
    group = standin.world.group("第一中學 staff", kind="supergroup", members=[teacher])
    await teacher.send("just chatting", chat=group)  # privacy mode: never reaches the bot
    await teacher.send("/coverage@OtherBot", chat=group)  # addressed to another bot
    await teacher.send("/coverage@TwoVisitsBot", chat=group)
    reply = await group.next_reply()
    assert reply.text == "coverage for 第一中學 staff" and reply.chat_id == group.id < 0
    assert (await teacher.next_reply(chat=group)).message_id == reply.message_id
    assert len(standin.world.state.all_updates) == 1


async def test_commands_recorded_per_scope_and_language(standin: BotApiStandIn, bot_app: Application) -> None:
    bot = bot_app.bot
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "開始")], scope=BotCommandScopeAllPrivateChats(),
                              language_code="zh-hant")
    await bot.set_my_commands([BotCommand("coverage", "Coverage")], scope=BotCommandScopeAllGroupChats())
    assert standin.commands() == [("start", "Start"), ("help", "Help")]
    assert standin.commands("all_private_chats", "zh-hant") == [("start", "開始")]
    assert standin.commands(BotCommandScopeAllGroupChats()) == [("coverage", "Coverage")]
    assert standin.commands("all_private_chats") == []
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="zh-hant")
    assert [(c.command, c.description) for c in got] == [("start", "開始")]
    await bot.delete_my_commands()
    assert standin.commands() == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_blocked_user_and_chat_queries(standin: BotApiStandIn, bot_app: Application) -> None:
    user = standin.world.user("Jo", username="jo")
    group = standin.world.group("G", admins=[user])
    chat = await bot_app.bot.get_chat(user.id)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Jo", "jo")
    member = await bot_app.bot.get_chat_member(group.id, user.id)
    assert member.status == "administrator"
    big = standin.world.state.add_file(b"0" * (20 * 1024 * 1024 + 1), "document", "big.bin", None,
                                       by_bot=False)
    with pytest.raises(BadRequest, match="File is too big"):
        await bot_app.bot.get_file(big.file_id)
    user.blocks_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot_app.bot.send_message(user.id, "hello?")
    user.unblocks_bot()
    await bot_app.bot.send_message(user.id, "hello again")
    assert (await user.next_reply()).text == "hello again"


# --- raw HTTP behaviour ----------------------------------------------------------------------
async def _post(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with session.post(url, **kwargs) as resp:
        return resp.status, await resp.json()


async def test_raw_http_errors_and_encodings(standin: BotApiStandIn) -> None:
    user = standin.world.user("Kim")
    api = f"{standin.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        assert await _post(session, f"{standin.base_url}garbage/getMe") == (
            401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        status, body = await _post(session, f"{api}/noSuchMethod")
        assert (status, body["description"]) == (404, "Not Found")
        markup = {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}
        status, body = await _post(session, f"{api}/sendMessage",
                                   json={"chat_id": user.id, "text": "json", "reply_markup": markup})
        assert status == 200 and body["result"]["reply_markup"] == markup
        status, body = await _post(session, f"{api}/sendMessage",
                                   data={"chat_id": str(user.id), "text": "form",
                                         "reply_markup": json.dumps(markup)})
        assert status == 200 and body["result"]["text"] == "form"
        form = aiohttp.FormData()
        form.add_field("chat_id", str(user.id))
        form.add_field("document", b"%PDF-1.4", filename="a.pdf", content_type="application/pdf")
        status, body = await _post(session, f"{api}/sendDocument", data=form)
        assert status == 200 and body["result"]["document"]["mime_type"] == "application/pdf"
        file_id = body["result"]["document"]["file_id"]
        _, got = await _post(session, f"{api}/getFile", data={"file_id": file_id})
        file_path = got["result"]["file_path"]
        async with session.get(f"{standin.base_file_url}{TOKEN}/{file_path}") as resp:
            assert resp.status == 200 and await resp.read() == b"%PDF-1.4"
        status, body = await _post(session, f"{api}/editMessageText",
                                   data={"chat_id": str(user.id), "message_id": "99", "text": "x"})
        assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
        too_many = {"inline_keyboard": [[{"text": str(i), "callback_data": str(i)} for i in range(9)]]}
        status, body = await _post(session, f"{api}/sendMessage",
                                   json={"chat_id": user.id, "text": "k", "reply_markup": too_many})
        assert (status, body["description"]) == (400, "Bad Request: reply markup is too long")
        status, body = await _post(session, f"{api}/answerCallbackQuery", data={"callback_query_id": "nope"})
        assert status == 400 and "query ID is invalid" in body["description"]
    assert [m.text for m in user.messages] == ["json", "form", ""]


async def test_get_updates_offset_limit_and_allowed_updates(standin: BotApiStandIn) -> None:
    user = standin.world.user("Lee")
    for text in ("a", "b", "c"):
        await user.send(text)
    api = f"{standin.base_url}{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as session:
        _, body = await _post(session, api, json={"limit": 2})
        _, second = body["result"]
        assert [u["message"]["text"] for u in body["result"]] == ["a", "b"]
        _, body = await _post(session, api, json={"offset": second["update_id"]})
        assert [u["message"]["text"] for u in body["result"]] == ["b", "c"]  # "a" confirmed
        _, body = await _post(session, api, json={"offset": -1})
        assert [u["message"]["text"] for u in body["result"]] == ["c"]
        _, body = await _post(session, api, json={"offset": body["result"][0]["update_id"] + 1, "timeout": 0})
        assert body["result"] == []
        await user.send("skipped")
        _, body = await _post(session, api, json={"allowed_updates": ["callback_query"], "timeout": 0})
        assert body["result"] == [] and standin.world.state.pending == []


async def test_rate_limiting_and_second_bot(standin: BotApiStandIn) -> None:
    user = standin.world.user("May")
    standin.rate_limits = True
    async with aiohttp.ClientSession() as session:
        statuses = [await _post(session, f"{standin.base_url}{TOKEN}/sendMessage",
                                json={"chat_id": user.id, "text": str(i)}) for i in range(6)]
        assert [s for s, _ in statuses] == [200, 200, 200, 200, 429, 429]
        assert statuses[-1][1]["parameters"]["retry_after"] >= 1
        other = standin.add_bot("777:other-token", "OtherBot")
        other_user = other.user("Ned")
        await other_user.send("/start@OtherBot")
        _, body = await _post(session, f"{standin.base_url}777:other-token/getUpdates", json={})
        entities = body["result"][0]["message"]["entities"]
        assert entities == [{"type": "bot_command", "offset": 0, "length": 15}]
        _, me = await _post(session, f"{standin.base_url}777:other-token/getMe")
        assert (me["result"]["id"], me["result"]["username"]) == (777, "OtherBot")
    limiter, now = RateLimiter(enabled=True), [0.0]
    limiter.clock = lambda: now[0]
    assert [limiter.check(-5, False) for _ in range(21)][-2:] == [0, 3]
    now[0] += 3.0
    assert limiter.check(-5, False) == 0


# --- HTML parse mode -------------------------------------------------------------------------
@pytest.mark.parametrize(("src", "text", "types"), [
    ("<b>bold</b> <i>it</i>", "bold it", ["bold", "italic"]),
    ('<a href="https://x.org/?a=1&amp;b=2">link</a>', "link", ["text_link"]),
    ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st", ["spoiler", "spoiler"]),
    ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", ["pre"]),
    ("<blockquote expandable>q</blockquote>", "q", ["expandable_blockquote"]),
    ("1 &lt; 2 &amp;&amp; 3 &gt; 2 &#128512; &#x41; &nbsp; &", "1 < 2 && 3 > 2 😀 A &nbsp; &", []),
    ("<B>caps</B>", "caps", ["bold"]),
])
def test_parse_html_valid(src: str, text: str, types: list[str]) -> None:
    parsed = parse_html(src)
    assert parsed.text == text
    assert [e["type"] for e in parsed.entities] == types


@pytest.mark.parametrize(("src", "error"), [
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
    ("a < b", "Empty tag name at byte offset 2"),
    ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    ("<b", "Unclosed start tag"),
])
def test_parse_html_errors(src: str, error: str) -> None:
    with pytest.raises(HtmlParseError, match=error.replace("(", r"\(")):
        parse_html(src)


def test_entity_offsets_are_utf16() -> None:
    parsed = parse_html("😀 <b>你好</b>")
    assert parsed.entities == [{"type": "bold", "offset": 3, "length": 2}]


# --- the bot as a separate OS process, killed and restarted ----------------------------------
SUBPROCESS_BOT = """
import os, sys
os.environ.setdefault("PTB_TIMEDELTA", "1")
from telegram.ext import ApplicationBuilder, MessageHandler, filters

async def echo(update, context):
    await update.effective_message.reply_text(f"pid {os.getpid()}: {update.effective_message.text}")

app = (ApplicationBuilder().token(sys.argv[1]).base_url(sys.argv[2]).base_file_url(sys.argv[3])
       .build())
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(poll_interval=0, timeout=10)
"""


async def test_bot_subprocess_survives_sigkill(standin: BotApiStandIn, tmp_path: Any) -> None:
    script = tmp_path / "bot.py"
    script.write_text(SUBPROCESS_BOT)

    async def launch() -> asyncio.subprocess.Process:
        log = os.open(tmp_path / "bot.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            return await asyncio.create_subprocess_exec(
                sys.executable, str(script), TOKEN, standin.base_url, standin.base_file_url,
                stdout=log, stderr=log)
        finally:
            os.close(log)

    user = standin.world.user("Pat")
    first = await launch()
    try:
        await user.send("one")
        assert (await user.next_reply(timeout=15)).text == f"pid {first.pid}: one"
        await standin.world.wait_delivered()  # else "one" is (rightly) redelivered after the kill
        first.kill()
        await first.wait()
        await user.send("two")  # queued while the bot is down
        second = await launch()
        try:
            assert (await user.next_reply(timeout=15)).text == f"pid {second.pid}: two"
        finally:
            second.kill()
            await second.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
