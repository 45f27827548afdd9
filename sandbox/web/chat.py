"""The web chat's HTTP side: the page, its JSON API, and server-sent events, on the stand-in's server."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from ..models import ChatMessage
from ..server import BotApiStandIn
from ..state import GroupInfo
from ..world import Group, User
from .model import Controls, Person, message_to_page, reply_keyboard_to_page

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
KEEPALIVE_SECONDS = 15.0
MAX_ADVANCE = timedelta(days=31)


class _Subscriber:
    """One open page (one event stream): the person it plays and what is waiting to be sent."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()


class WebChat:
    """Serves the page on the stand-in's server; attach it before ``standin.start()``."""

    def __init__(self, standin: BotApiStandIn, people: Sequence[Person], *,
                 strings: Mapping[str, Mapping[str, str]] | None = None,
                 locales: Sequence[tuple[str, str]] = (("en", "English"),),
                 default_locale: str = "en", timezone: str = "UTC",
                 controls: Controls | None = None) -> None:
        self.standin = standin
        self.state = standin.world.state
        self.people: dict[str, Person] = {p.key: p for p in people}
        self.strings = {k: dict(v) for k, v in (strings or {}).items()}
        self.locales = list(locales)
        self.default_locale = default_locale
        self.timezone = timezone
        self.controls = controls or Controls()
        self._subscribers: set[_Subscriber] = set()
        # When each message was sent by the launcher's clock (which the page may have moved on).
        self._sent_at: dict[tuple[int, int], int] = {}
        self.state.log_watchers.append(self._on_entry)
        standin.app_hooks.append(self._routes)

    # --- plain data from the launcher ----------------------------------------------------------
    def set_people(self, people: Sequence[Person]) -> None:
        self.people = {p.key: p for p in people}
        self._broadcast({"type": "people"})

    def user_of(self, person: Person) -> User:
        return self.standin.world.user(person.name, user_id=person.user_id, phone=person.phone,
                                       language_code=person.language_code)

    def groups_of(self, person: Person) -> list[GroupInfo]:
        return [g for g in self.standin.directory.groups.values()
                if person.user_id in g.members and g.migrated_to is None]

    def clear_chats(self) -> None:
        """Forget every chat, queued update and file (the launcher's reset, with a fresh database)."""
        self.state.chats.clear()
        self.state.pending.clear()
        self.state.callback_queries.clear()
        self.state.callback_answers.clear()
        self._sent_at.clear()

    def announce_reset(self) -> None:
        """Every open page reloads (after a reset, once the new data is in place)."""
        self._broadcast({"type": "reset"})

    def _page_message(self, msg: ChatMessage) -> dict[str, Any]:
        data = message_to_page(msg, self.standin.directory)
        data["date"] = self._sent_at.get((msg.chat_id, msg.message_id), data["date"])
        return data

    def _on_entry(self, entry: ChatMessage) -> None:
        if self.controls.now is not None and entry.kind not in ("edit", "delete"):
            self._sent_at[(entry.chat_id, entry.message_id)] = int(self.controls.now().timestamp())
        event = {"type": "entry", "chat_id": entry.chat_id,
                 "message": self._page_message(entry),
                 "reply_keyboard": reply_keyboard_to_page(self.state.chat(entry.chat_id).reply_keyboard)}
        for sub in self._subscribers:
            if entry.chat_id == sub.person.user_id or sub.person.user_id in self._members(entry.chat_id):
                sub.queue.put_nowait(event)

    def _members(self, chat_id: int) -> set[int]:
        group = self.standin.directory.groups.get(chat_id)
        return group.members if group else set()

    def _broadcast(self, event: dict[str, Any]) -> None:
        for sub in self._subscribers:
            sub.queue.put_nowait(event)

    # --- routes --------------------------------------------------------------------------------
    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/config", self._config)
        app.router.add_get("/api/people", self._people)
        app.router.add_get("/api/chats", self._chats)
        app.router.add_get("/api/history", self._history)
        app.router.add_get("/api/events", self._events)
        app.router.add_get("/api/file/{file_id}", self._file)
        app.router.add_post("/api/send", self._send)
        app.router.add_post("/api/tap", self._tap)
        app.router.add_post("/api/reply", self._reply)
        app.router.add_post("/api/clock", self._clock)
        app.router.add_post("/api/next-event", self._next_event)
        app.router.add_post("/api/reset", self._reset)
        app.router.add_post("/api/as-new", self._as_new)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return _static_file("index.html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        return _static_file(request.match_info["name"])

    def _now(self) -> str | None:
        return self.controls.now().isoformat() if self.controls.now else None

    async def _config(self, request: web.Request) -> web.Response:
        c = self.controls
        return _json({
            "strings": self.strings, "locales": self.locales, "default_locale": self.default_locale,
            "bot": {"username": self.state.username, "name": self.state.first_name},
            "now": self._now(), "timezone": self.timezone,
            "controls": {"clock": c.advance is not None, "reset": c.reset is not None,
                         "as_new": c.as_new is not None, "next_event": c.next_event is not None},
        })

    async def _people(self, request: web.Request) -> web.Response:
        return _json([p.to_page() for p in self.people.values()])

    def _person(self, key: Any) -> Person:
        person = self.people.get(str(key))
        if person is None:
            raise web.HTTPNotFound(text="no such person")
        return person

    def _chat_for(self, person: Person, chat_id: Any) -> Group | None:
        """None for the person's private chat, else a group they are in (403 otherwise)."""
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="chat must be a number") from None
        if chat_id == person.user_id:
            return None
        group = self.standin.directory.groups.get(chat_id)
        if group is None or person.user_id not in group.members:
            raise web.HTTPForbidden(text="not a member of that chat")
        return Group(self.standin.world, group)

    async def _chats(self, request: web.Request) -> web.Response:
        person = self._person(request.query.get("as"))
        chats = [{"id": person.user_id, "type": "private", "title": self.state.first_name}]
        chats += [{"id": g.id, "type": g.kind, "title": g.title} for g in self.groups_of(person)]
        return _json(chats)

    async def _history(self, request: web.Request) -> web.Response:
        person = self._person(request.query.get("as"))
        group = self._chat_for(person, request.query.get("chat"))
        chat = self.state.chat(group.id if group else person.user_id)
        messages = [self._page_message(m) for m in chat.messages.values() if not m.deleted]
        return _json({"messages": messages, "reply_keyboard": reply_keyboard_to_page(chat.reply_keyboard)})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        person = self._person(request.query.get("as"))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                               "Cache-Control": "no-store"})
        await response.prepare(request)
        sub = _Subscriber(person)
        self._subscribers.add(sub)
        answers = asyncio.create_task(self._forward_answers(sub))
        try:
            await response.write(_sse({"type": "hello", "now": self._now()}))
            while True:
                try:
                    event = await asyncio.wait_for(sub.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                await response.write(_sse(event))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._subscribers.discard(sub)
            answers.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await answers
        return response

    async def _forward_answers(self, sub: _Subscriber) -> None:
        """Callback answers (toasts and alerts) for the person's taps, as they come."""
        feed = self.state.answers_for(sub.person.user_id)
        seen = len(feed)
        while True:
            if not await feed.wait_len(seen, 3600):
                continue
            for answer in feed.items[seen:]:
                if answer.text:
                    sub.queue.put_nowait({"type": "answer", "text": answer.text,
                                          "alert": answer.show_alert})
            seen = len(feed.items)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        record = self.state.files.get(request.match_info["file_id"])
        if record is None:
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "no-store"}
        if record.kind == "document":
            name = (record.filename or "file").replace('"', "")
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.Response(body=record.data, headers=headers,
                            content_type=record.mime_type or "application/octet-stream")

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="JSON body expected") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="JSON object expected")
        return body

    async def _send(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person = self._person(body.get("as"))
        group = self._chat_for(person, body.get("chat"))
        text = str(body.get("text") or "").strip()
        if not text:
            raise web.HTTPBadRequest(text="empty message")
        msg = await self.user_of(person).send(text[:4096], chat=group)
        return _json({"id": msg.message_id})

    async def _tap(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person = self._person(body.get("as"))
        group = self._chat_for(person, body.get("chat"))
        chat = self.state.chat(group.id if group else person.user_id)
        msg = chat.messages.get(int(body.get("message_id") or 0))
        if msg is None or msg.deleted:
            raise web.HTTPGone(text="that message is gone")
        try:
            button = msg.inline_buttons[int(body["row"])][int(body["col"])]
        except (KeyError, IndexError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="no such button") from None
        labels = [b.label for row in msg.inline_buttons for b in row]
        flat = [b for row in msg.inline_buttons for b in row]
        nth = labels[: flat.index(button)].count(button.label)
        await self.user_of(person).tap(button.label, message=msg, chat=group, nth=nth)
        return _json({"ok": True})

    async def _reply(self, request: web.Request) -> web.Response:
        """A reply-keyboard button: its text, or the person's own contact for "share my number"."""
        body = await self._body(request)
        person = self._person(body.get("as"))
        group = self._chat_for(person, body.get("chat"))
        chat = self.state.chat(group.id if group else person.user_id)
        keyboard = chat.reply_keyboard
        try:
            assert keyboard is not None
            button = keyboard.reply_keyboard_buttons[int(body["row"])][int(body["col"])]
        except (AssertionError, KeyError, IndexError, TypeError, ValueError):
            raise web.HTTPBadRequest(text="no such button") from None
        if chat.one_time_keyboard:
            chat.reply_keyboard = None
        user = self.user_of(person)
        if button.get("request_contact") and group is None:
            msg = await user.share_contact()
        else:
            msg = await user.send(str(button.get("text", "")), chat=group)
        return _json({"id": msg.message_id})

    async def _clock(self, request: web.Request) -> web.Response:
        if self.controls.advance is None:
            raise web.HTTPNotFound()
        body = await self._body(request)
        try:
            delta = timedelta(seconds=float(body.get("seconds") or 0))
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="seconds must be a number") from None
        if not timedelta(0) < delta <= MAX_ADVANCE:
            raise web.HTTPBadRequest(text="move forward by up to 31 days")
        await self.controls.advance(delta)
        self._broadcast({"type": "clock", "now": self._now()})
        return _json({"now": self._now()})

    async def _next_event(self, request: web.Request) -> web.Response:
        if self.controls.next_event is None:
            raise web.HTTPNotFound()
        said = await self.controls.next_event()
        self._broadcast({"type": "clock", "now": self._now()})
        return _json({"now": self._now(), "said": dict(said)})

    async def _reset(self, request: web.Request) -> web.Response:
        if self.controls.reset is None:
            raise web.HTTPNotFound()
        await self.controls.reset()
        return _json({"now": self._now()})

    async def _as_new(self, request: web.Request) -> web.Response:
        if self.controls.as_new is None:
            raise web.HTTPNotFound()
        body = await self._body(request)
        person = self._person(body.get("as"))
        fresh = await self.controls.as_new(person.key)
        self.people[fresh.key] = fresh
        self._broadcast({"type": "people"})
        return _json(fresh.to_page())


def _static_file(name: str) -> web.Response:
    # Three small files, read whole: a FileResponse cut off by a reloading page leaves its file open.
    content_type = STATIC_TYPES.get(Path(name).suffix)
    path = STATIC / name
    if content_type is None or path.parent != STATIC or not path.is_file():
        raise web.HTTPNotFound()
    return web.Response(body=path.read_bytes(), content_type=content_type, charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def _json(data: Any) -> web.Response:
    return web.json_response(data, dumps=lambda obj: json.dumps(obj, ensure_ascii=False),
                             headers={"Cache-Control": "no-store"})


def _sse(event: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()
