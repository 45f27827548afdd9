"""``twovisits run`` without a token: the sandbox's own database, the demo district in Telegram, the page's
controls (clock, reset, as new), through its HTTP API and the real bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.i18n import translator
from bot.sandbox_launcher import Sandbox, SandboxOptions
from bot.sandbox_world import DISTRICT_GROUP_ID, USER_IDS
from bot.settings import Settings
from sandbox import User
from store.campaign import current_campaign
from store.clock import SettableClock, local_today
from store.groups import bound_groups
from store.installation import StoreHandle, open_store
from store.models import TelegramAccount, Visit
from store.training import staff_directory
from store.vocab import Locale
from tests.builders import add_school, add_staff


class Running:
    def __init__(self, sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
        self.sandbox = sandbox
        self.http = http

    async def get(self, path: str) -> Any:
        async with self.http.get(self.sandbox.url.rstrip("/") + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with self.http.post(self.sandbox.url.rstrip("/") + path, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    def user(self, user_id: int) -> User:
        return self.sandbox.standin.world.user(user_id=user_id)

    async def store(self) -> StoreHandle:
        return await open_store(self.sandbox.database_url, clock=SettableClock())


async def _started(sandbox: Sandbox) -> asyncio.Task[None]:
    task = asyncio.create_task(sandbox.run())
    ready = asyncio.create_task(sandbox.ready.wait())
    await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()  # raises what stopped it
    assert sandbox.ready.is_set(), "the sandbox did not start within 60 s"
    return task


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    sandbox = Sandbox(SandboxOptions(port=0, database=tmp_path / "sandbox.db"), Settings())
    task = await _started(sandbox)
    try:
        async with aiohttp.ClientSession() as http:
            yield Running(sandbox, http)
    finally:
        sandbox.stop()
        await task


async def test_first_start_puts_the_demo_district_in_telegram(running: Running) -> None:
    handle = await running.store()
    try:
        async with handle.sessions() as session:
            staff = await staff_directory(session=session)
            groups = await bound_groups(session=session)
            campaign = await current_campaign(session=session)
            visits = await session.scalar(select(func.count(Visit.id)))
            flagged = await session.scalar(select(func.count(Visit.id)).where(Visit.out_of_phase.is_(True)))
    finally:
        await handle.close()
    assert len(staff) == 51 and all(e.telegram_user_id in USER_IDS for e in staff)
    assert len(groups) == 3 and sum(g.is_district for g in groups) == 1
    assert campaign is not None
    visit = campaign.config.phase("visit")
    today = local_today(running.sandbox.clock, campaign.config.zone)
    assert visit is not None and visit.start <= today - timedelta(weeks=3) and today < visit.end
    assert visits and visits > 50 and flagged == 0
    people = await running.get("/api/people")
    assert len(people) == 51
    head = next(p for p in people if p["key"] == "T1008")
    assert "班主任" in head["roles"]["zh-Hant"] and "head teacher" in head["roles"]["en"]
    chats = await running.get("/api/chats?as=T1008")
    assert chats[0]["type"] == "private" and any(c["type"] == "group" for c in chats[1:])


async def test_a_person_chats_with_the_real_bot_through_the_page(running: Running) -> None:
    await running.post("/api/send", {"as": "T1008", "chat": USER_IDS.start + 8, "text": "/my"})
    teacher = running.user(USER_IDS.start + 8)
    reply = await teacher.next_message(timeout=20)
    assert "七年級" in reply.text or "班" in reply.text  # their classes' progress, not "who are you?"
    history = await running.get(f"/api/history?as=T1008&chat={USER_IDS.start + 8}")
    assert [m["from_bot"] for m in history["messages"]][:2] == [False, True]


async def test_the_clock_moves_forward_for_the_bot_too(running: Running) -> None:
    config = await running.get("/api/config")
    before = datetime.fromisoformat(config["now"])
    moved = await running.post("/api/clock", {"seconds": 86400})
    assert datetime.fromisoformat(moved["now"]) - before >= timedelta(days=1)
    assert running.sandbox.clock.now() - datetime.now(UTC) > timedelta(hours=23)
    async with running.http.post(running.sandbox.url + "api/clock", json={"seconds": -60}) as response:
        assert response.status == 400  # time never goes back
    await running.post("/api/send", {"as": "T1008", "chat": USER_IDS.start + 8, "text": "/my"})
    await running.user(USER_IDS.start + 8).next_message(timeout=20)
    history = await running.get(f"/api/history?as=T1008&chat={USER_IDS.start + 8}")
    sent = datetime.fromtimestamp(history["messages"][0]["date"], UTC)
    assert sent - datetime.now(UTC) > timedelta(hours=23)  # the page shows the sandbox's time


async def test_as_new_shows_the_first_contact_and_registers_by_invite(running: Running) -> None:
    fresh = await running.post("/api/as-new", {"as": "T1008"})
    assert fresh["user_id"] != USER_IDS.start + 8
    link = fresh["first_contact"]
    assert link.startswith("https://t.me/TwoVisitsBot?start=")
    groups = [c for c in await running.get("/api/chats?as=T1008") if c["type"] == "group"]
    assert groups, "a newcomer stays in their school's group"
    newcomer = running.user(fresh["user_id"])
    await running.post("/api/send", {"as": "T1008", "chat": fresh["user_id"],
                                     "text": "/start " + link.rsplit("=", 1)[1]})
    welcome = await newcomer.next_message(timeout=20)
    assert "彭志" in welcome.text or "T1008" in welcome.text
    handle = await running.store()
    try:
        async with handle.sessions() as session:
            bound = await session.scalar(select(TelegramAccount.telegram_user_id).where(
                TelegramAccount.telegram_user_id == fresh["user_id"]))
    finally:
        await handle.close()
    assert bound == fresh["user_id"]


async def test_as_new_registers_by_sharing_the_phone_number(running: Running) -> None:
    fresh = await running.post("/api/as-new", {"as": "T1009"})
    newcomer = running.user(fresh["user_id"])
    await running.post("/api/send", {"as": "T1009", "chat": fresh["user_id"], "text": "/start"})
    await newcomer.next_message(timeout=20)
    history = await running.get(f"/api/history?as=T1009&chat={fresh['user_id']}")
    ((row, col),) = [(r, c) for r, buttons in enumerate(history["reply_keyboard"])
                     for c, button in enumerate(buttons) if button["contact"]]
    await running.post("/api/reply", {"as": "T1009", "chat": fresh["user_id"], "row": row, "col": col})
    assert "劉雨萱" in (await newcomer.next_message(timeout=20)).text


async def test_reset_goes_back_to_the_demo_data(running: Running) -> None:
    await running.post("/api/as-new", {"as": "T1008"})
    await running.post("/api/clock", {"seconds": 3600 * 5})
    await running.post("/api/send", {"as": "T1009", "chat": USER_IDS.start + 9, "text": "/start"})
    await running.user(USER_IDS.start + 9).next_message(timeout=20)
    await running.post("/api/reset", {})
    assert running.sandbox.ready.is_set()
    people = {p["key"]: p for p in await running.get("/api/people")}
    assert people["T1008"]["user_id"] == USER_IDS.start + 8 and people["T1008"]["first_contact"] is None
    history = await running.get(f"/api/history?as=T1009&chat={USER_IDS.start + 9}")
    assert history["messages"] == []
    assert running.sandbox.clock.offset == timedelta(0)
    # The bot answers again after the restart.
    await running.post("/api/send", {"as": "T1009", "chat": USER_IDS.start + 9, "text": "/my"})
    assert (await running.user(USER_IDS.start + 9).next_message(timeout=20)).text
    assert DISTRICT_GROUP_ID in running.sandbox.standin.directory.groups


async def test_refuses_a_database_with_real_telegram_accounts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "real.db"
    handle = await open_store(f"sqlite+aiosqlite:///{path}", clock=SettableClock())
    try:
        async with handle.sessions() as session:
            school = await add_school(session, "第一中學")
            staff = await add_staff(session, "T1", "王老師", school, ["head_teacher"])
            session.add(TelegramAccount(telegram_user_id=123456789, staff_id=staff,
                                        bound_at=datetime.now(UTC), bound_by="invite"))
            await session.commit()
    finally:
        await handle.close()
    before = path.read_bytes()
    code = await asyncio.to_thread(main, ["run", "--port", "0", "--database", str(path)])
    assert code != 0
    err = capsys.readouterr().err
    assert "Telegram" in err and "--database" in err and "\n" not in err.strip()
    assert path.read_bytes() == before


def test_page_strings_in_every_locale() -> None:
    from bot.sandbox_strings import PAGE_STRINGS, page_strings

    strings = page_strings()
    assert set(strings) == {"zh-Hant", "zh-Hans", "en"}
    assert strings["zh-Hant"]["reset"] != strings["zh-Hans"]["reset"] != PAGE_STRINGS["reset"]
    assert translator(Locale.ZH_HANT).gettext(PAGE_STRINGS["notice"]) == strings["zh-Hant"]["notice"]


def test_next_weekly_is_strictly_after_now_in_the_campaigns_zone() -> None:
    from bot.sandbox_clock import next_weekly

    shanghai = ZoneInfo("Asia/Shanghai")
    tuesday = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 on Tuesday in Shanghai
    assert next_weekly("THU 16:30", tuesday, shanghai) == datetime(2026, 12, 3, 16, 30, tzinfo=shanghai)
    assert next_weekly("TUE 10:00", tuesday, shanghai) == datetime(2026, 12, 8, 10, 0, tzinfo=shanghai)
    assert next_weekly("MON 08:00", tuesday, shanghai) == datetime(2026, 12, 7, 8, 0, tzinfo=shanghai)


async def test_next_scheduled_moves_the_clock_just_past_the_next_weekly_event(running: Running) -> None:
    before = running.sandbox.clock.now()
    moved = await running.post("/api/next-event", {})
    now = datetime.fromisoformat(moved["now"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert timedelta(0) < now - before <= timedelta(days=7, seconds=2)
    assert (now.weekday(), now.hour, now.minute) in ((0, 8, 0), (3, 16, 30)) and now.second <= 2
    assert "摘要" in moved["said"]["zh-Hant"] or "提醒" in moved["said"]["zh-Hant"]
    assert moved["said"]["en"].startswith("Moved to ")


async def _visits(sandbox: Sandbox) -> int:
    handle = await open_store(sandbox.database_url, clock=SettableClock())
    try:
        async with handle.sessions() as session:
            return int(await session.scalar(select(func.count(Visit.id))) or 0)
    finally:
        await handle.close()


async def test_a_second_start_keeps_the_sandbox_database(tmp_path: Path) -> None:
    options = SandboxOptions(port=0, database=tmp_path / "sandbox.db")
    first = Sandbox(options, Settings())
    task = await _started(first)
    await first.as_new("T1008")  # someone met the bot as new and has not registered yet
    demo_visits = await _visits(first)
    first.stop()
    await task
    campaign_file = (tmp_path / "sandbox.campaign.toml").read_text(encoding="utf-8")
    again = Sandbox(options, Settings())
    task = await _started(again)
    try:
        assert len(again.people.people) == 51  # the newcomer is back in Telegram, nobody twice
        assert (tmp_path / "sandbox.campaign.toml").read_text(encoding="utf-8") == campaign_file
        assert await _visits(again) == demo_visits > 0  # the demo's visits, not loaded a second time
    finally:
        again.stop()
        await task
