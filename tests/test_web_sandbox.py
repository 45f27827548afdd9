"""The web chat on the stand-in: its API as the page uses it, then the page itself in headless Chromium.

The first tests play the bot with plain Bot API calls, so they check the page's side of the wire
alone: formatting entities, buttons, taps, the contact button, files, edits and toasts pushed by
server-sent events. The browser test runs the whole sandbox (``twovisits run`` without a token) and
is skipped where Debian's ``chromium`` and ``chromium-driver`` are not installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox import BotApiStandIn
from sandbox.web import Person, WebChat

TOKEN = "123456:web-chat-test"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
       b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00"
       b"IEND\xaeB`\x82")


class Page:
    """The page's HTTP calls, and the bot's, against one stand-in with the web chat attached."""

    def __init__(self, standin: BotApiStandIn, web: WebChat, http: aiohttp.ClientSession) -> None:
        self.standin, self.web, self.http = standin, web, http

    async def call(self, method: str, **params: Any) -> Any:
        """The bot's side: one Bot API call."""
        url = f"{self.standin.base_url}{TOKEN}/{method}"
        async with self.http.post(url, json=params) as response:
            body = await response.json()
            assert body["ok"], body
            return body["result"]

    async def get(self, path: str) -> Any:
        async with self.http.get(self.standin.url + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, **body: Any) -> Any:
        async with self.http.post(self.standin.url + path, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def updates(self) -> list[dict[str, Any]]:
        updates: list[dict[str, Any]] = await self.call("getUpdates", timeout=5)
        if updates:
            await self.call("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
        return updates


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    standin = BotApiStandIn(bot_username="TwoVisitsBot", token=TOKEN)
    wang = Person(key="T1", user_id=501, name="王老師", roles={"en": "head teacher"}, phone="13800000001")
    li = Person(key="T2", user_id=502, name="李校長", roles={"en": "school leader"})
    web = WebChat(standin, [wang, li], strings={"en": {"title": "Sandbox"}})
    for person in (wang, li):
        web.user_of(person)
    standin.world.group("第一中學 staff group").add(standin.world.user(user_id=501),
                                                   standin.world.user(user_id=502))
    await standin.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Page(standin, web, http)
    finally:
        await standin.stop()


async def _events(page: Page, who: str) -> AsyncIterator[dict[str, Any]]:
    async with page.http.get(f"{page.standin.url}/api/events?as={who}") as response:
        async for line in response.content:
            if line.startswith(b"data: "):
                yield json.loads(line[6:])


async def test_the_page_and_its_strings_are_served(page: Page) -> None:
    async with page.http.get(page.standin.url + "/") as response:
        assert response.status == 200 and "<script src=\"/static/app.js\">" in await response.text()
    async with page.http.get(page.standin.url + "/static/app.js") as response:
        assert response.status == 200 and response.content_type == "text/javascript"
    async with page.http.get(page.standin.url + "/static/chat.py") as response:
        assert response.status == 404  # the page's three files only
    config = await page.get("/api/config")
    assert config["strings"]["en"]["title"] == "Sandbox" and config["bot"]["username"] == "TwoVisitsBot"
    people = await page.get("/api/people")
    assert [p["name"] for p in people] == ["王老師", "李校長"]
    chats = await page.get("/api/chats?as=T1")
    assert [c["type"] for c in chats] == ["private", "group"]


async def test_formatting_arrives_as_entities_and_buttons_tap(page: Page) -> None:
    html = ('<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>c</code> <pre>p</pre> '
            '<a href="https://example.org">a</a> <tg-spoiler>x</tg-spoiler> &lt;not a tag&gt;')
    keyboard = {"inline_keyboard": [[{"text": "✅ Yes", "callback_data": "v1:yes"},
                                     {"text": "✅ Yes", "callback_data": "v1:yes2"}]]}
    sent = await page.call("sendMessage", chat_id=501, text=html, parse_mode="HTML", reply_markup=keyboard)
    history = await page.get("/api/history?as=T1&chat=501")
    (message,) = history["messages"]
    assert message["text"].endswith("<not a tag>")  # plain text: the page escapes it
    kinds = {e["type"] for e in message["entities"]}
    assert kinds == {"bold", "italic", "underline", "strikethrough", "code", "pre", "text_link", "spoiler"}
    assert message["inline"][0][1] == {"label": "✅ Yes", "url": None, "callback": True}
    await page.post("/api/tap", **{"as": "T1", "chat": 501, "message_id": sent["message_id"], "row": 0,
                                   "col": 1})
    (update,) = await page.updates()
    assert update["callback_query"]["data"] == "v1:yes2" and update["callback_query"]["from"]["id"] == 501


async def test_share_my_phone_number_sends_the_persons_own_contact(page: Page) -> None:
    keyboard = {"keyboard": [[{"text": "📱 Share my phone number", "request_contact": True}]],
                "one_time_keyboard": True}
    await page.call("sendMessage", chat_id=501, text="Who are you?", reply_markup=keyboard)
    history = await page.get("/api/history?as=T1&chat=501")
    assert history["reply_keyboard"] == [[{"text": "📱 Share my phone number", "contact": True}]]
    await page.post("/api/reply", **{"as": "T1", "chat": 501, "row": 0, "col": 0})
    (update,) = await page.updates()
    contact = update["message"]["contact"]
    assert contact == {"phone_number": "13800000001", "first_name": "王老師", "user_id": 501}
    assert (await page.get("/api/history?as=T1&chat=501"))["reply_keyboard"] == []  # one-time


async def test_a_group_member_sends_a_command_and_others_may_not_post(page: Page) -> None:
    group = next(iter(page.standin.directory.groups))
    await page.post("/api/send", **{"as": "T2", "chat": group, "text": "/coverage"})
    (update,) = await page.updates()
    assert update["message"]["chat"]["id"] == group and update["message"]["text"] == "/coverage"
    async with page.http.post(page.standin.url + "/api/send",
                              json={"as": "T1", "chat": 999, "text": "hi"}) as response:
        assert response.status == 403


async def test_photos_documents_edits_and_toasts_are_pushed(page: Page) -> None:
    events = _events(page, "T1")
    assert (await anext(events))["type"] == "hello"
    form = aiohttp.FormData()
    form.add_field("chat_id", "501")
    form.add_field("photo", PNG, filename="coverage.png", content_type="image/png")
    async with page.http.post(f"{page.standin.base_url}{TOKEN}/sendPhoto", data=form) as response:
        assert (await response.json())["ok"]
    photo = (await anext(events))["message"]
    async with page.http.get(page.standin.url + photo["photo"]) as response:
        assert await response.read() == PNG
    form = aiohttp.FormData()
    form.add_field("chat_id", "501")
    form.add_field("document", b"a,b\n1,2\n", filename="visits.csv", content_type="text/csv")
    async with page.http.post(f"{page.standin.base_url}{TOKEN}/sendDocument", data=form) as response:
        assert (await response.json())["ok"]
    document = (await anext(events))["message"]["document"]
    async with page.http.get(page.standin.url + document["url"]) as response:
        assert 'filename="visits.csv"' in response.headers["Content-Disposition"]
        assert await response.read() == b"a,b\n1,2\n"
    sent = await page.call("sendMessage", chat_id=501, text="Pick one",
                           reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    assert (await anext(events))["message"]["id"] == sent["message_id"]
    await page.call("editMessageText", chat_id=501, message_id=sent["message_id"], text="Picked A")
    edit = (await anext(events))["message"]
    assert (edit["kind"], edit["id"], edit["text"], edit["edited"]) == ("edit", sent["message_id"],
                                                                       "Picked A", True)
    await page.call("editMessageText", chat_id=501, message_id=sent["message_id"], text="Pick",
                    reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    await anext(events)
    await page.post("/api/tap", **{"as": "T1", "chat": 501, "message_id": sent["message_id"], "row": 0,
                                   "col": 0})
    (update,) = await page.updates()
    await page.call("answerCallbackQuery", callback_query_id=update["callback_query"]["id"], text="Saved")
    assert await anext(events) == {"type": "answer", "text": "Saved", "alert": False}
    await events.aclose()


# --- the page in a real browser ------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PHONE, LAPTOP = (390, 844), (1366, 900)


def _driver(size: tuple[int, int]) -> Any:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={size[0]},{size[1]}", "--lang=zh-TW"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    # The window includes the browser's own bars: make the page's viewport exactly this size.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600})
    return driver


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
                    "chromium-driver)")
async def test_in_a_browser_a_head_teacher_logs_a_visit_and_a_leader_asks_for_coverage(
    tmp_path: Path,
) -> None:
    from bot.sandbox_launcher import Sandbox, SandboxOptions
    from bot.settings import Settings
    from tests.browser_flow import run_browser_flow
    from tests.test_sandbox_launcher import _started

    sandbox = Sandbox(SandboxOptions(port=0, database=tmp_path / "sandbox.db"), Settings())
    task = await _started(sandbox)
    try:
        shots = Path(os.environ["SANDBOX_SCREENSHOTS"]) if os.environ.get("SANDBOX_SCREENSHOTS") else None
        outcome = await asyncio.to_thread(run_browser_flow, sandbox, _driver, PHONE, LAPTOP, shots)
    finally:
        sandbox.stop()
        await task
    if outcome.skipped:
        pytest.skip(outcome.skipped)


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="needs Debian's chromium and chromium-driver")
async def test_in_a_browser_formatting_is_drawn_and_everything_else_escaped(page: Page) -> None:
    html = ('<b>bold <i>both</i></b> <a href="https://example.org/x">link</a> '
            '<tg-spoiler>secret</tg-spoiler> <code>c</code> &lt;img src=x onerror=alert(1)&gt;')
    await page.call("sendMessage", chat_id=501, text=html, parse_mode="HTML",
                    reply_markup={"inline_keyboard": [[{"text": "Tap me", "callback_data": "t"}]]})

    def look() -> dict[str, Any]:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        driver = _driver(PHONE)
        try:
            driver.get(f"{page.standin.url}/?as=T1&chat=501")
            text = WebDriverWait(driver, 30).until(
                lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, ".msg.bot .text")), None))
            button = driver.find_element(By.CSS_SELECTOR, ".msg.bot .ikb button")
            found = {
                "bold": text.find_element(By.CSS_SELECTOR, "b").text,
                "nested": text.find_element(By.CSS_SELECTOR, "b i").text,
                "href": text.find_element(By.CSS_SELECTOR, "a").get_attribute("href"),
                "spoiler": text.find_element(By.CSS_SELECTOR, ".spoiler").text,
                "code": text.find_element(By.CSS_SELECTOR, "code").text,
                "images": len(text.find_elements(By.CSS_SELECTOR, "img")),
                "plain": text.text,
            }
            button.click()
            return found
        finally:
            driver.quit()

    found = await asyncio.to_thread(look)
    assert found["bold"] == "bold both" and found["nested"] == "both" and found["code"] == "c"
    assert found["href"] == "https://example.org/x" and found["spoiler"] == "secret"
    assert found["images"] == 0 and "<img src=x onerror=alert(1)>" in found["plain"]
    (update,) = await page.updates()
    assert update["callback_query"]["data"] == "t"
