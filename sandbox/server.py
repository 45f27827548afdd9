"""The HTTP side: an aiohttp server that speaks the Telegram Bot API to a real PTB client."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import bot_methods as _bot_methods  # noqa: F401  (registers methods)
from . import limits
from .faults import Faults
from .methods import METHODS
from .models import ApiError, FileRecord, bad_request
from .params import Params, Upload
from .state import BotState, Directory, scope_key
from .world import World

_TOKEN = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{1,100}$")


@dataclass
class RecordedRequest:
    """One Bot API call as the stand-in received it (params JSON-decoded, uploads summarised)."""

    method: str
    params: dict[str, Any]
    bot_id: int
    ok: bool = True
    error: str | None = None
    result: Any = field(default=None, repr=False)
    at: float = field(default_factory=time.monotonic, repr=False)  # when it was answered


class BotApiStandIn:
    """Telegram's side of the wire for one or more bots, plus the scenario `world`."""

    def __init__(self, bot_username: str = "TwoVisitsBot", *, bot_first_name: str = "Two Visits",
                 token: str | None = None, rate_limits: bool = False, privacy_mode: bool = True,
                 log_get_updates: bool = False, latency: float = 0.0, flood_model: str = "strict",
                 reply_window: float = limits.REPLY_WINDOW) -> None:
        self.directory = Directory()
        self._bots: dict[int, BotState] = {}
        self._privacy_mode = privacy_mode
        self._rate_limits = rate_limits
        if flood_model not in limits.FLOOD_MODELS:
            raise ValueError(f"flood model {flood_model!r}: one of {', '.join(limits.FLOOD_MODELS)}")
        # Which messages count toward the global 30/s when rate limits are on (sandbox/limits.py).
        self.flood_model, self.reply_window = flood_model, reply_window
        self.default_bot = self._new_state(bot_username, bot_first_name, None)
        if token is not None:
            self.bot_for_token(token)
        self.world = World(self, self.default_bot)
        self.requests: list[RecordedRequest] = []
        self.faults = Faults()  # injected errors and held requests (see sandbox/faults.py)
        self._recorded = asyncio.Condition()
        # Seconds added to every method but getUpdates: Telegram's round trip, for benchmarks.
        self.latency = latency
        self.request_counts: Counter[str] = Counter()
        self.log_get_updates = log_get_updates
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._closing = False
        # Extra routes on the same server (the web chat); called with the aiohttp app at start.
        self.app_hooks: list[Callable[[web.Application], None]] = []

    # --- lifecycle -----------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> BotApiStandIn:
        app = web.Application(client_max_size=limits.MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        for hook in self.app_hooks:
            hook(app)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = int(self._runner.addresses[0][1])
        self._closing = False
        return self

    async def stop(self) -> None:
        self._closing = True
        for state in self.bots:
            state.updates_signal.notify()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> BotApiStandIn:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # --- bots ----------------------------------------------------------------------------------
    def _new_state(self, username: str, first_name: str, bot_id: int | None) -> BotState:
        state = BotState(self.directory, username, first_name, bot_id)
        state.privacy_mode = self._privacy_mode
        state.limiter.enabled = self._rate_limits
        state.limiter.model, state.limiter.reply_window = self.flood_model, self.reply_window
        return state

    @property
    def bots(self) -> list[BotState]:
        states = list(self._bots.values())
        return states if self.default_bot in states else [self.default_bot, *states]

    def bot_for_token(self, token: str) -> BotState:
        """The state for a token; the first token seen claims the default bot (and `world`)."""
        m = _TOKEN.match(token)
        if not m:
            raise ApiError(401, limits.ERR_UNAUTHORIZED)
        bot_id = int(m.group(1))
        state = self._bots.get(bot_id)
        if state is None:
            if self.default_bot.bot_id in (None, bot_id):
                state = self.default_bot
                state.bot_id = bot_id
            else:
                state = self._new_state(f"Bot{bot_id}Bot", f"Bot {bot_id}", bot_id)
            self._bots[bot_id] = state
        return state

    def add_bot(self, token: str, username: str, first_name: str | None = None) -> World:
        """Register another bot up front and get a World whose users talk to it."""
        state = self.bot_for_token(token)
        if state is self.default_bot:
            state.username, state.first_name = username, first_name or state.first_name
            return self.world
        state.username, state.first_name = username, first_name or username
        return World(self, state)

    @property
    def rate_limits(self) -> bool:
        return self._rate_limits

    @rate_limits.setter
    def rate_limits(self, enabled: bool) -> None:
        self._rate_limits = enabled
        for state in self.bots:
            state.limiter.enabled = enabled
            state.limiter.reset()

    def flood(self, retry_after: int, *, chat_id: int | None = None, times: int = 1) -> None:
        """The default bot's next `times` messages (to `chat_id`, or to any chat) get a 429 with
        `retry_after`, whether or not flood control is on."""
        self.default_bot.limiter.inject(retry_after, chat_id=chat_id, times=times)

    # --- introspection -------------------------------------------------------------------------
    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[dict[str, Any]]:
        """Params of recorded calls, optionally filtered by method name (case-insensitive)."""
        wanted = method.lower() if method else None
        return [r.params for r in self.requests
                if (wanted is None or r.method.lower() == wanted) and (ok is None or r.ok == ok)]

    def errors(self) -> list[RecordedRequest]:
        return [r for r in self.requests if not r.ok]

    def commands(self, scope: Any = None, language_code: str | None = None,
                 bot: BotState | None = None) -> list[tuple[str, str]]:
        """Commands set via setMyCommands for a scope ("default", "all_private_chats", dict, or a
        PTB BotCommandScope) and language, as (command, description) pairs."""
        state = bot or self.default_bot
        stored = state.commands.get((scope_key(scope), language_code or ""), [])
        return [(c["command"], c["description"]) for c in stored]

    @property
    def sent_files(self) -> list[FileRecord]:
        return self.default_bot.sent_files

    # --- HTTP handlers -------------------------------------------------------------------------
    async def _read_params(self, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("Bad Request: can't parse JSON request body") from None
                if isinstance(body, dict):
                    values.update(body)
            else:
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge:
                    raise ApiError(413, limits.ERR_ENTITY_TOO_LARGE) from None
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        values[key] = value
        return Params(values, uploads)

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        params: Params | None = None
        state: BotState | None = None
        try:
            state = self.bot_for_token(request.match_info["token"])
            params = await self._read_params(request)
            self.request_counts[name] += 1
            if name.lower() == "getupdates":
                result = await self._get_updates(state, params)
            else:
                await self.faults.before(name, params.values)
                if self.latency > 0:
                    await asyncio.sleep(self.latency)
                func = METHODS.get(name.lower())
                if func is None:
                    raise ApiError(404, limits.ERR_NOT_FOUND)
                result = func(state, params)
        except ApiError as exc:
            self._record(state, name, params, exc.description, None)
            await self._notify_recorded()
            return web.json_response(exc.payload(), status=exc.code, dumps=_dumps)
        self._record(state, name, params, None, result)
        await self._notify_recorded()
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    def _record(self, state: BotState | None, name: str, params: Params | None, error: str | None,
                result: Any) -> None:
        if state is None or params is None:
            return
        if name.lower() == "getupdates":
            if not self.log_get_updates and error is None:
                return
        else:
            state.last_activity = asyncio.get_running_loop().time()
        self.requests.append(RecordedRequest(name, params.loggable(), state.bot_id or 0,
                                             ok=error is None, error=error, result=result))

    async def _notify_recorded(self) -> None:
        async with self._recorded:
            self._recorded.notify_all()

    async def wait_for_call(self, method: str, *, ok: bool | None = None,
                            timeout: float = 10.0,  # noqa: ASYNC109
                            **params: Any) -> RecordedRequest:
        """The first recorded call of `method` (with `ok` and these params), waiting for it to come."""
        wanted = method.lower()

        def find() -> RecordedRequest | None:
            return next((r for r in self.requests if r.method.lower() == wanted
                         and (ok is None or r.ok == ok)
                         and all(r.params.get(k) == v for k, v in params.items())), None)

        async with self._recorded:
            try:
                async with asyncio.timeout(timeout):
                    await self._recorded.wait_for(lambda: find() is not None)
            except TimeoutError:
                raise AssertionError(f"no {method} call with ok={ok} {params} within {timeout}s; "
                                     f"errors so far: {self.errors()[-5:]}") from None
        found = find()
        assert found is not None
        return found

    async def _get_updates(self, state: BotState, p: Params) -> list[dict[str, Any]]:
        if state.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        limit = max(1, min(limits.MAX_UPDATES_PER_POLL, p.get_int("limit") or 100))
        try:
            timeout = max(0.0, min(limits.MAX_POLL_TIMEOUT, float(p.get("timeout") or 0)))
        except (TypeError, ValueError):
            timeout = 0.0
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            state.allowed_updates = [str(a) for a in allowed] or None
        state.confirm(p.get_int("offset"))
        state.poll_generation += 1
        generation = state.poll_generation
        state.updates_signal.notify()  # an older long poll still waiting now ends with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != state.poll_generation:
                raise ApiError(409, limits.ERR_CONFLICT)
            updates = state.take(limit)
            remaining = deadline - loop.time()
            if updates or self._closing or remaining <= 0:
                return updates
            try:
                async with asyncio.timeout(remaining):
                    await state.updates_signal.changed()
            except TimeoutError:
                pass

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        try:
            state = self.bot_for_token(request.match_info["token"])
        except ApiError as exc:
            return web.json_response(exc.payload(), status=exc.code)
        record = state.files_by_path.get(request.match_info["path"])
        if record is None:
            return web.json_response({"ok": False, "error_code": 404, "description": limits.ERR_NOT_FOUND},
                                     status=404)
        return web.Response(body=record.data, content_type=record.mime_type or "application/octet-stream")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
