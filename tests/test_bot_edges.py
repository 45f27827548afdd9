"""Safe at the edges: personal buttons only in private chats, forged and huge callback data, people
who left the roster, and the "log a visit in this class" button."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import BotApplication
from bot.callback_data import visit_class_data
from sandbox import BotApiStandIn, User, World
from store.installation import StoreHandle
from tests.bot_district import (
    District,
    answer_to,
    move_into_visit_phase,
    person,
    say,
    seed_district,
    step,
    take_off_roster,
    visit_count,
)
from tests.builders import add_visit
from tests.conftest import FixedClock

PRIVATE_ONLY = "This button works only in a private chat with me."
LEFT = "no longer on the district's roster"


@pytest.fixture(autouse=True)
def _in_the_visit_phase(store: StoreHandle, clock: FixedClock) -> None:
    move_into_visit_phase(clock)


@pytest.fixture
async def d(store: StoreHandle) -> District:
    return await seed_district(store)


@pytest.fixture
async def teacher(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, d: District
) -> User:
    return await person(world, store, clock, d.staff["head"])


async def a_visit(store: StoreHandle, d: District) -> int:
    async with store.sessions() as session:
        visit_id = await add_visit(
            session, d.staff["head"], "student", students=[d.students["S1"]], visit_date=date(2026, 12, 18)
        )
        await session.commit()
    return visit_id


async def test_forged_personal_taps_in_a_group_show_nothing(
    standin: BotApiStandIn, world: World, store: StoreHandle, d: District, teacher: User
) -> None:
    visit_id = await a_visit(store, d)
    group = world.group("七年級 teachers", members=[teacher])
    await teacher.send("/lang@TwoVisitsBot", chat=group)
    keyboard = await group.next_message()
    for data in (
        "v1:rec:pg:0:0",
        f"v1:rec:del:{visit_id}:0:0",
        f"v1:vs:ledit:{visit_id}",
        f"v1:vs:edit:{visit_id}",
        visit_class_data(d.class_a),
        "v1:visit:pick:abcdef:2:1",
    ):
        tap = await teacher.tap_data(data, message=keyboard, chat=group)
        assert (await answer_to(teacher, tap)).text == PRIVATE_ONLY, data
    await group.expect_no_reply()
    assert not [c for c in standin.calls("editMessageText") if c.get("chat_id") == group.id]
    # The message tapped on (in an unbound group, /lang says how to bind) is left as it was.
    assert group.messages[-1].text == keyboard.text


async def test_huge_and_garbled_numbers_are_stale(
    standin: BotApiStandIn, store: StoreHandle, d: District, teacher: User
) -> None:
    await a_visit(store, d)
    listing = await say(teacher, "/myvisits")
    for data in ("v1:rec:pg:99999999999999999999:0", "v1:rec:del:1e3:0:0", "v1:vs:edit:-", "v1:vc:x"):
        tap = await teacher.tap_data(data, message=listing)
        assert "expired" in ((await answer_to(teacher, tap)).text or ""), data
    await teacher.expect_no_reply()


async def test_the_visit_in_this_class_button_starts_at_the_people_step(
    standin: BotApiStandIn, store: StoreHandle, d: District, teacher: User
) -> None:
    assert visit_class_data(d.class_a) == f"v1:vc:{d.class_a}"
    listing = await say(teacher, "/myvisits")
    await teacher.tap_data(visit_class_data(d.class_a), message=listing)
    people = await teacher.next_message()
    assert "Which student did you visit? (七年級1班)" in people.text
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️"]:
        await step(teacher, label)
    assert (await step(teacher, "💾 Save")).text.startswith("✅ Saved.")
    # A class the teacher does not visit: refused, nothing started.
    tap = await teacher.tap_data(visit_class_data(d.class_b), message=listing)
    assert "not linked to this class" in ((await answer_to(teacher, tap)).text or "")
    await teacher.expect_no_reply()


async def test_someone_who_left_the_roster_is_told_so_wherever_they_knock(
    store: StoreHandle, d: District, teacher: User
) -> None:
    await a_visit(store, d)
    listing = await say(teacher, "/myvisits")
    await take_off_roster(store, d.staff["head"])
    for command in ("/visit", "/my", "/myvisits", "/help", "/start", "hello", "/export", "/report", "/phase",
                    "/ranking", "/staff", "/opinions", "/rectify", "/followups", "/exempt", "/coverage",
                    "/summary", "/overdue", "/board"):
        assert LEFT in (await say(teacher, command)).text, command
    tap = await teacher.tap("Older ▶️", message=listing) if "Older ▶️" in listing.buttons else None
    tap = tap or await teacher.tap_data("v1:rec:pg:0:0", message=listing)
    assert LEFT in ((await answer_to(teacher, tap)).text or "")
    tap = await teacher.tap("🗑 Delete 1", message=listing)
    assert LEFT in ((await answer_to(teacher, tap)).text or "")


async def test_save_after_leaving_the_roster_is_refused_and_saves_nothing(
    store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️"]:
        await step(teacher, label)
    await take_off_roster(store, d.staff["head"])
    tap = await teacher.tap("💾 Save")
    assert LEFT in ((await answer_to(teacher, tap)).text or "")
    assert await visit_count(store) == 0
    assert "Cancelled" not in teacher.messages[-1].text and teacher.messages[-1].buttons  # left as it was
