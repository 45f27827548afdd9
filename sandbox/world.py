"""Scenario API: simulated users and groups that talk to the bot and await its replies."""

# ruff: noqa: ASYNC109  (explicit timeout parameters are the point of this API)

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .html import utf16_len
from .models import CallbackAnswer, ChatMessage, InlineButton
from .state import BotState, ChatState, GroupInfo, UserInfo

if TYPE_CHECKING:
    from .server import BotApiStandIn

NEW_MESSAGE_KINDS = ("message", "photo", "document")
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


def command_entities(text: str) -> list[dict[str, Any]]:
    return [{"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0))}
            for m in _COMMAND.finditer(text)]


_ADMIN_RIGHTS = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                 "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
                 "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories")


def chat_member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object as Telegram sends it, with the fields its status requires ("member",
    "administrator", "creator", "left", "kicked")."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    elif status == "administrator":
        member |= dict.fromkeys(_ADMIN_RIGHTS, False)
    elif status == "creator":
        member["is_anonymous"] = False
    return member


class _Reader:
    """Shared reply-reading logic: one cursor per chat over the bot's output feed."""

    world: World

    def __init__(self) -> None:
        self._cursors: dict[int, int] = {}
        self._consumed: dict[int, list[ChatMessage]] = {}

    def _default_chat_id(self) -> int:
        raise NotImplementedError

    def _chat_id(self, chat: Group | User | int | None) -> int:
        if chat is None:
            return self._default_chat_id()
        return chat if isinstance(chat, int) else chat.id

    def _describe(self) -> str:
        raise NotImplementedError

    @property
    def chat(self) -> ChatState:
        """This user's private chat, or this group's chat."""
        return self.world.state.chat(self._default_chat_id())

    @property
    def chat_log(self) -> list[ChatMessage]:
        return list(self.chat.log)

    @property
    def messages(self) -> list[ChatMessage]:
        """Current (possibly edited, not deleted) bot messages in the chat."""
        return self.chat.bot_messages()

    async def next_reply(self, timeout: float = 10.0, *, chat: Group | User | int | None = None,
                         kinds: Iterable[str] | None = None) -> ChatMessage:
        """Next bot output in the chat not yet consumed by this reader: a new message, an edit
        (`.edited`, kind "edit") or a deletion (kind "delete"). `kinds` skips other kinds."""
        chat_id = self._chat_id(chat)
        state = self.world.state.chat(chat_id)
        wanted = set(kinds) if kinds is not None else None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idx = self._cursors.get(chat_id, 0)
            if idx < len(state.outputs.items):
                item = state.outputs.items[idx]
                self._cursors[chat_id] = idx + 1
                self._consumed.setdefault(chat_id, []).append(item)
                if wanted is None or item.kind in wanted:
                    return item
                continue
            remaining = deadline - loop.time()
            if remaining <= 0 or not await state.outputs.wait_len(idx, remaining):
                raise AssertionError(self._timeout_report(chat_id, timeout, wanted))

    async def next_message(self, timeout: float = 10.0, *, chat: Group | User | int | None = None
                           ) -> ChatMessage:
        """Like next_reply but skips edits and deletions."""
        return await self.next_reply(timeout, chat=chat, kinds=NEW_MESSAGE_KINDS)

    async def replies(self, count: int, timeout: float = 10.0, *,
                      chat: Group | User | int | None = None) -> list[ChatMessage]:
        return [await self.next_reply(timeout, chat=chat) for _ in range(count)]

    def drain(self, *, chat: Group | User | int | None = None) -> list[ChatMessage]:
        """Consume and return every output already received (no waiting)."""
        chat_id = self._chat_id(chat)
        items = self.world.state.chat(chat_id).outputs.items
        idx = self._cursors.get(chat_id, 0)
        self._cursors[chat_id] = len(items)
        self._consumed.setdefault(chat_id, []).extend(items[idx:])
        return items[idx:]

    async def expect_no_reply(self, within: float = 0.3, *, chat: Group | User | int | None = None) -> None:
        """Assert that nothing new arrives for `within` seconds (this one necessarily waits)."""
        chat_id = self._chat_id(chat)
        outputs = self.world.state.chat(chat_id).outputs
        idx = self._cursors.get(chat_id, 0)
        if len(outputs) > idx or await outputs.wait_len(idx, within):
            raise AssertionError(f"{self._describe()} expected no bot output, got: "
                                 f"{outputs.items[idx].summary()}")

    def replies_consumed_in(self, chat: Group | User | int | None = None) -> list[ChatMessage]:
        return list(self._consumed.get(self._chat_id(chat), []))

    @property
    def replies_consumed(self) -> list[ChatMessage]:
        return self.replies_consumed_in(None)

    def _timeout_report(self, chat_id: int, timeout: float, wanted: set[str] | None) -> str:
        state = self.world.state
        log = state.chat(chat_id).log
        lines = [f"{self._describe()}: no bot {'/'.join(sorted(wanted)) if wanted else 'output'} "
                 f"in chat {chat_id} within {timeout}s."]
        lines.append(f"Chat log ({len(log)} entries, last 12):")
        lines += [f"  {m.kind:8} {m.summary()}" for m in log[-12:]] or ["  (empty)"]
        lines.append(f"Updates still unconfirmed by the bot: {len(state.pending)}")
        errors = [r for r in self.world.standin.requests if not r.ok and r.bot_id == (state.bot_id or 0)]
        if errors:
            lines.append("Recent failed Bot API calls:")
            lines += [f"  {r.method}: {r.error} params={str(r.params)[:300]}" for r in errors[-5:]]
        return "\n".join(lines)


class User(_Reader):
    """A Telegram user. Their private chat with the bot has chat id == user id."""

    def __init__(self, world: World, info: UserInfo) -> None:
        super().__init__()
        self.world = world
        self.info = info
        self._answer_cursor = 0

    id = property(lambda self: self.info.id)
    first_name = property(lambda self: self.info.first_name)
    phone = property(lambda self: self.info.phone)
    chat_id = property(lambda self: self.info.id)

    def _default_chat_id(self) -> int:
        return self.info.id

    def _describe(self) -> str:
        return f"User {self.info.first_name!r} ({self.info.id})"

    def __repr__(self) -> str:
        return f"<User {self.info.first_name!r} id={self.info.id}>"

    # --- sending -------------------------------------------------------------------------------
    def _post(self, fields: dict[str, Any], chat: Group | None, reply_to: Any = None) -> ChatMessage:
        chat_id = self.info.id if chat is None else chat.id
        if chat is not None:
            chat.info.members.add(self.info.id)
        reply_id = reply_to.message_id if isinstance(reply_to, ChatMessage) else reply_to
        return self.world.state.post_user_message(self.info, chat_id, fields, reply_id)

    async def send(self, text: str, *, chat: Group | None = None, reply_to: ChatMessage | int | None = None
                   ) -> ChatMessage:
        """Send a text message (commands get bot_command entities, like Telegram adds them)."""
        fields: dict[str, Any] = {"text": text}
        if entities := command_entities(text):
            fields["entities"] = entities
        msg = self._post(fields, chat, reply_to)
        await asyncio.sleep(0)
        return msg

    async def edit(self, message: ChatMessage, text: str) -> None:
        """Edit one of this user's earlier messages: the bot gets an ``edited_message`` update."""
        raw = copy.deepcopy(message.raw)
        raw.pop("entities", None)
        raw.update(text=text, edit_date=int(raw.get("date", 0)) + 1)
        if entities := command_entities(text):
            raw["entities"] = entities
        message.text = message.html = text
        self.world.state.enqueue("edited_message", raw, self.info.id)
        await asyncio.sleep(0)

    async def send_document(self, filename: str, data: bytes, mime_type: str | None = None,
                            caption: str | None = None, *, chat: Group | None = None) -> ChatMessage:
        record = self.world.state.add_file(data, "document", filename, mime_type, by_bot=False)
        doc: dict[str, Any] = {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
                               "file_name": filename, "file_size": record.size}
        if record.mime_type:
            doc["mime_type"] = record.mime_type
        fields: dict[str, Any] = {"document": doc}
        if caption:
            fields["caption"] = caption
        msg = self._post(fields, chat)
        msg.document, msg.filename, msg.file_id = data, filename, record.file_id
        msg.mime_type = record.mime_type
        await asyncio.sleep(0)
        return msg

    async def send_photo(self, data: bytes, caption: str | None = None, *, chat: Group | None = None,
                         width: int = 800, height: int = 600) -> ChatMessage:
        record = self.world.state.add_file(data, "photo", None, "image/jpeg", by_bot=False)
        fields: dict[str, Any] = {"photo": [{"file_id": record.file_id,
                                             "file_unique_id": record.file_unique_id,
                                             "width": width, "height": height, "file_size": record.size}]}
        if caption:
            fields["caption"] = caption
        msg = self._post(fields, chat)
        msg.photo, msg.file_id = data, record.file_id
        await asyncio.sleep(0)
        return msg

    async def share_contact(self, phone: str | None = None, *, user_id: int | None = None,
                            first_name: str | None = None, last_name: str | None = None,
                            chat: Group | None = None) -> ChatMessage:
        """Share a contact; by default the user's own (user_id == own id). Pass another
        `user_id` (or user_id=0 for none) to simulate a forwarded/spoofed contact."""
        number = phone or self.info.phone
        if not number:
            raise AssertionError(f"{self!r} has no phone number; pass phone=...")
        contact: dict[str, Any] = {"phone_number": number, "first_name": first_name or self.info.first_name}
        if last_name or (first_name is None and self.info.last_name):
            contact["last_name"] = last_name or self.info.last_name
        uid = self.info.id if user_id is None else user_id
        if uid:
            contact["user_id"] = uid
        msg = self._post({"contact": contact}, chat)
        await asyncio.sleep(0)
        return msg

    # --- buttons -------------------------------------------------------------------------------
    def _inline_target(self, chat_state: ChatState, message: ChatMessage | int | None) -> ChatMessage | None:
        if message is None:
            for msg in reversed(list(chat_state.messages.values())):
                if msg.from_bot and not msg.deleted and msg.inline_buttons:
                    return msg
            return None
        mid = message.message_id if isinstance(message, ChatMessage) else message
        found = chat_state.messages.get(mid)
        if found is None or found.deleted:
            raise AssertionError(f"{self!r} cannot tap on message #{mid}: it does not exist (any more)")
        return found

    async def tap(self, label: str, *, message: ChatMessage | int | None = None, chat: Group | None = None,
                  nth: int = 0, partial: bool = False, late: bool = False) -> str | ChatMessage:
        """Tap a button by its label. Inline button → callback_query update (returns the query
        id); reply-keyboard button → sends its text or the user's contact (returns the message).
        `message` picks an older message (stale buttons), `nth` the n-th match, `partial`
        matches substrings. `late`: the bot gets the tap after Telegram stopped taking answers to
        it, so answerCallbackQuery fails with 400 "query is too old"."""
        chat_id = self.info.id if chat is None else chat.id
        chat_state = self.world.state.chat(chat_id)
        target = self._inline_target(chat_state, message)

        def match(labels: list[str]) -> list[int]:
            exact = [i for i, lab in enumerate(labels) if lab == label]
            return exact or ([i for i, lab in enumerate(labels) if label in lab] if partial else [])

        inline: list[InlineButton] = [b for row in target.inline_buttons for b in row] if target else []
        hits = match([b.label for b in inline])
        if target is not None and len(hits) > nth:
            return await self._press_inline(chat_state, target, inline[hits[nth]], late=late)
        keyboard = chat_state.reply_keyboard if message is None else None
        reply_buttons = [b for row in keyboard.reply_keyboard_buttons for b in row] if keyboard else []
        hits = match([str(b.get("text", "")) for b in reply_buttons])
        if len(hits) > nth:
            button = reply_buttons[hits[nth]]
            if chat_state.one_time_keyboard:
                chat_state.reply_keyboard = None
            if button.get("request_contact"):
                return await self.share_contact(chat=chat)
            return await self.send(str(button["text"]), chat=chat)
        where = f"message #{target.message_id}" if target else "no message with an inline keyboard"
        raise AssertionError(
            f"{self!r} found no button {label!r} (nth={nth}) in chat {chat_id}. Inline buttons on "
            f"{where}: {[b.label for b in inline]}; reply keyboard: "
            f"{[str(b.get('text')) for b in reply_buttons]}"
        )

    async def _press_inline(self, chat_state: ChatState, msg: ChatMessage, button: InlineButton,
                            *, late: bool = False) -> str:
        if button.callback_data is None:
            raise AssertionError(f"Button {button.label!r} is not a callback button: {button.raw}")
        state = self.world.state
        query_id = state.new_query_id()
        state.callback_queries[query_id] = {"user_id": self.info.id, "data": button.callback_data,
                                            "message_id": msg.message_id, "chat_id": chat_state.chat_id,
                                            "late": late}
        payload = {"id": query_id, "from": self.info.to_api(), "message": copy.deepcopy(msg.raw),
                   "chat_instance": str(abs(chat_state.chat_id) * 7 + 1), "data": button.callback_data}
        state.enqueue("callback_query", payload, self.info.id)
        await asyncio.sleep(0)
        return query_id

    async def tap_data(self, data: str, *, message: ChatMessage | int, chat: Group | None = None,
                       late: bool = False) -> str:
        """A forged tap: a callback query with any ``data`` on one of the bot's messages, as a
        modified client can send (the message need not carry such a button). Returns the query id."""
        chat_state = self.world.state.chat(self.info.id if chat is None else chat.id)
        target = self._inline_target(chat_state, message)
        assert target is not None
        forged = InlineButton(label="(forged)", callback_data=data)
        return await self._press_inline(chat_state, target, forged, late=late)

    async def callback_answer(self, timeout: float = 10.0) -> CallbackAnswer:
        """The next answerCallbackQuery the bot made for this user's taps."""
        feed = self.world.state.answers_for(self.info.id)
        if not await feed.wait_len(self._answer_cursor, timeout):
            raise AssertionError(f"{self!r}: no answerCallbackQuery within {timeout}s\n"
                                 + self._timeout_report(self.info.id, timeout, None))
        answer = feed.items[self._answer_cursor]
        self._answer_cursor += 1
        return answer

    async def member_status(self, old: str, new: str) -> None:
        """A ``my_chat_member`` update of the private chat: ``new`` "kicked" is the user blocking
        the bot in Telegram's interface, "member" unblocking it (the stand-in's own blocking, which
        refuses sends, is :meth:`blocks_bot`)."""
        bot = self.world.state.bot_user()
        member = chat_member(new, bot)
        chat = {"id": self.info.id, "type": "private", "first_name": self.info.first_name}
        payload = {"chat": chat, "from": self.info.to_api(), "date": int(time.time()),
                   "old_chat_member": chat_member(old, bot), "new_chat_member": member}
        self.world.state.enqueue("my_chat_member", payload, self.info.id)
        await asyncio.sleep(0)

    # --- state ---------------------------------------------------------------------------------
    def blocks_bot(self) -> None:
        self.world.state.blocked.add(self.info.id)

    def unblocks_bot(self) -> None:
        self.world.state.blocked.discard(self.info.id)

    async def redeliver_last(self) -> int:
        return await self.world.redeliver_last(self)


class Group(_Reader):
    """A group or supergroup containing the bot."""

    def __init__(self, world: World, info: GroupInfo) -> None:
        super().__init__()
        self.world = world
        self.info = info

    id = property(lambda self: self.info.id)
    title = property(lambda self: self.info.title)

    def _default_chat_id(self) -> int:
        return self.info.id

    def _describe(self) -> str:
        return f"Group {self.info.title!r} ({self.info.id})"

    def __repr__(self) -> str:
        return f"<Group {self.info.title!r} id={self.info.id}>"

    def add(self, *users: User, admin: bool = False) -> Group:
        for user in users:
            self.info.members.add(user.id)
            if admin:
                self.info.admins.add(user.id)
        return self

    # --- the bot's membership and supergroup upgrades -------------------------------------------
    def _my_chat_member(self, by: User, old: str, new: str) -> None:
        bot = self.world.state.bot_user()
        payload = {"chat": self.info.chat_dict(), "from": by.info.to_api(), "date": int(time.time()),
                   "old_chat_member": chat_member(old, bot), "new_chat_member": chat_member(new, bot)}
        self.world.state.enqueue("my_chat_member", payload, by.id)

    async def bot_status(self, by: User, old: str, new: str) -> None:
        """Any change of the bot's own membership (``my_chat_member``, e.g. member → administrator);
        the stand-in's view of whether the bot is in the group follows ``new``."""
        self.info.bot_member = new in ("member", "administrator", "creator")
        self._my_chat_member(by, old, new)
        await asyncio.sleep(0)

    async def add_bot(self, by: User) -> None:
        """``by`` adds the bot to the group: a ``my_chat_member`` update (left → member)."""
        self.info.bot_member = True
        self._my_chat_member(by, "left", "member")
        await asyncio.sleep(0)

    async def remove_bot(self, by: User, *, kick: bool = True) -> None:
        """``by`` removes the bot (member → kicked, or → left): later sends to the group get 403."""
        self.info.bot_member = False
        self._my_chat_member(by, "member", "kicked" if kick else "left")
        await asyncio.sleep(0)

    def lose_bot(self) -> None:
        """The bot is removed but never hears of it (its ``my_chat_member`` update lost, say while
        it was down): only its next send to the group, refused with 403, tells it."""
        self.info.bot_member = False

    def regain_bot(self) -> None:
        """The bot is back in the group (sends succeed again), without any update about it."""
        self.info.bot_member = True

    async def migrate_to_supergroup(self, by: User, *, announce: bool = True) -> Group:
        """The group becomes a supergroup with a new id, as Telegram does when a group grows up.

        With ``announce`` the bot gets both service messages (``migrate_to_chat_id`` in the old chat,
        ``migrate_from_chat_id`` in the new one); without, it learns only from a send to the old id,
        which then answers 400 with ``migrate_to_chat_id`` (PTB's ``ChatMigrated``).
        """
        directory = self.world.standin.directory
        info = GroupInfo(directory.new_group_id("supergroup"), self.info.title, "supergroup",
                         members=set(self.info.members), admins=set(self.info.admins),
                         creator=self.info.creator, bot_is_admin=self.info.bot_is_admin)
        directory.groups[info.id] = info
        self.info.migrated_to = info.id
        new = Group(self.world, info)
        if announce:
            state = self.world.state
            state.post_service_message(by.info, self.id, {"migrate_to_chat_id": info.id})
            state.post_service_message(by.info, info.id, {"migrate_from_chat_id": self.id})
        await asyncio.sleep(0)
        return new


class World:
    """Factory for users/groups talking to one bot (BotApiStandIn.world is the default bot's)."""

    def __init__(self, standin: BotApiStandIn, state: BotState) -> None:
        self.standin = standin
        self.state = state

    def user(self, first_name: str = "Test User", *, user_id: int | None = None, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "en", phone: str | None = None) -> User:
        directory = self.standin.directory
        uid = user_id if user_id is not None else directory.new_user_id()
        info = directory.users.get(uid)
        if info is None:
            info = directory.users[uid] = UserInfo(uid, first_name, last_name, username, language_code, phone)
        return User(self, info)

    def group(self, title: str = "Test group", *, kind: str = "group", members: Iterable[User] = (),
              admins: Iterable[User] = (), creator: User | None = None, bot_is_admin: bool = False) -> Group:
        if kind not in ("group", "supergroup"):
            raise ValueError("kind must be 'group' or 'supergroup'")
        directory = self.standin.directory
        info = GroupInfo(directory.new_group_id(kind), title, kind, bot_is_admin=bot_is_admin,
                         creator=creator.id if creator else None)
        directory.groups[info.id] = info
        group = Group(self, info)
        group.add(*members)
        group.add(*admins, admin=True)
        if creator:
            group.add(creator)
        return group

    @property
    def bot_username(self) -> str:
        return self.state.username

    async def redeliver_last(self, user: User) -> int:
        """Queue the user's last update again (same payload, new update_id); returns the id."""
        last = self.state.last_update_by_user.get(user.id)
        if last is None:
            raise AssertionError(f"{user!r} has not sent anything to redeliver")
        kind, payload = last
        update = self.state.enqueue(kind, copy.deepcopy(payload), user.id)
        await asyncio.sleep(0)
        return int(update["update_id"])

    async def wait_delivered(self, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched and confirmed every queued update."""
        signal = self.state.updates_signal
        try:
            async with asyncio.timeout(timeout):
                while self.state.pending:
                    await signal.changed()
        except TimeoutError:
            pending = len(self.state.pending)
            raise AssertionError(f"{pending} updates still unconfirmed after {timeout}s") from None

    async def wait_idle(self, timeout: float = 10.0, quiet: float = 0.05) -> None:
        """Heuristic: all updates confirmed and no Bot API call for `quiet` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.wait_delivered(timeout)
        while (idle := loop.time() - self.state.last_activity) < quiet:
            if loop.time() > deadline:
                raise AssertionError(f"bot still busy after {timeout}s")
            await asyncio.sleep(quiet - idle)
