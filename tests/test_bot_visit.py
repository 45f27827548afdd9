"""The visit conversation end to end: taps, the card, saving exactly once, stale buttons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import BotApplication
from sandbox import World
from store.installation import StoreHandle
from store.models import Opinion, Staff, Visit, VisitCoVisitor, VisitStudent, VisitVersion
from tests.bot_district import answer_to, move_into_visit_phase, person, seed_district, visit_count
from tests.conftest import FixedClock


@pytest.fixture(autouse=True)
def _in_the_visit_phase(store: StoreHandle, clock: FixedClock) -> None:
    move_into_visit_phase(clock)


async def test_one_on_one_visit_in_five_taps(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send("/visit")
    people = await teacher.next_message()
    assert "Which student did you visit? (七年級1班)" in people.text  # the only class is skipped
    assert people.buttons[0] == "沈志明 ⭐"  # all unvisited: the focus student first
    assert any("王小明 (S4)" in b for b in people.buttons) and any("王小明 (S5)" in b for b in people.buttons)
    taps = 0
    for label in ["吳欣怡", "🗣 In person", "⬜ 學習情況", "Continue ➡️"]:
        await teacher.tap(label)
        taps += 1
        await teacher.next_reply()
    card = teacher.messages[-1]
    assert "With: 吳欣怡" in card.text and "Date: 2026-12-18" in card.text and "Classroom" in card.text
    await teacher.tap("💾 Save")
    taps += 1
    saved = await teacher.next_reply()
    assert saved.text.startswith("✅ Saved.")
    assert taps <= 5
    assert "✏️ Edit" in saved.buttons and "➕ Another in this class" in saved.buttons
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert visit.one_on_one and visit.form == "in_person" and visit.place == "classroom"
        assert not visit.out_of_phase


async def test_group_talk_with_card_edits(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send("/visit")
    await teacher.next_message()
    await teacher.tap("👥 Several at once (group talk)")
    await teacher.next_reply()
    await teacher.tap("戴詩涵", partial=True)
    await teacher.next_reply()
    await teacher.tap("吳欣怡", partial=True)
    chosen = await teacher.next_reply()
    assert "Continue (2 chosen) ➡️" in chosen.buttons
    await teacher.tap("Continue (2 chosen) ➡️")
    await teacher.next_reply()
    await teacher.tap("🏠 Home visit")
    await teacher.next_reply()
    await teacher.tap("Continue ➡️")
    card = await teacher.next_reply()
    assert "Group talk (2)" in card.text and "Place: Home" in card.text
    # An opinion with a category.
    await teacher.tap("💬 Add opinion")
    await teacher.next_reply()
    await teacher.send("食堂的飯菜<太鹹>")
    await teacher.next_message()
    await teacher.tap("後勤(食堂/宿舍)")
    card = await teacher.next_reply()
    assert "[後勤(食堂/宿舍)] 食堂的飯菜<太鹹>" in card.text
    # Yesterday, a follow-up in two weeks, notable, private notes.
    await teacher.tap("📅 Date")
    await teacher.next_reply()
    await teacher.tap("Yesterday")
    assert "Date: 2026-12-17" in (await teacher.next_reply()).text
    await teacher.tap("🔁 Follow-up")
    await teacher.next_reply()
    await teacher.tap("In 2 weeks")
    await teacher.next_reply()
    await teacher.tap("☆ Notable: no")
    assert "Notable case: yes" in (await teacher.next_reply()).text
    await teacher.tap("📝 Private notes")
    await teacher.next_reply()
    await teacher.send("家長很配合")
    await teacher.next_message()
    await teacher.tap("👥 Co-visitors")
    assert "Who else took part" in (await teacher.next_reply()).text
    await teacher.tap("⬜ 劉雨萱")
    await teacher.next_reply()
    await teacher.tap("Done ✔️")
    assert "Co-visitors: 劉雨萱" in (await teacher.next_reply()).text
    await teacher.tap("💾 Save")
    assert (await teacher.next_reply()).text.startswith("✅ Saved.")
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert not visit.one_on_one and visit.notable and visit.private_notes == "家長很配合"
        assert visit.follow_up == "2w" and visit.visit_date.isoformat() == "2026-12-17"
        assert len((await session.scalars(select(VisitStudent))).all()) == 2
        assert (await session.scalars(select(Opinion.text))).one() == "食堂的飯菜<太鹹>"
        assert (await session.scalars(select(VisitCoVisitor.staff_id))).one() == d.staff["subject"]


async def test_teacher_interview_by_a_cadre(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    cadre = await person(world, store, clock, d.staff["cadre"])
    await cadre.send("/visit")
    assert "/interview" in (await cadre.next_message()).text  # no classes; pointed to /interview
    await cadre.send("/interview")
    people = await cadre.next_message()
    assert "Which teacher did you interview?" in people.text
    assert "余柏翰" not in " ".join(people.buttons)  # never oneself
    assert "李詩涵" not in " ".join(people.buttons)  # a school leader is not interviewed as a teacher
    for label in ["劉雨萱", "🗣 In person", "⬜ 教學工作", "Continue ➡️"]:
        await cadre.tap(label)
        await cadre.next_reply()
    assert "Office" in cadre.messages[-1].text
    await cadre.tap("💾 Save")
    assert (await cadre.next_reply()).text.startswith("✅ Saved.")
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert visit.kind == "teacher" and visit.one_on_one


async def test_back_and_cancel(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["subject"])  # two classes: the class step shows
    await teacher.send("/visit")
    assert "Which class" in (await teacher.next_message()).text
    await teacher.tap("七年級2班")
    assert "簡宜蓁" in " ".join((await teacher.next_reply()).buttons)
    await teacher.tap("簡宜蓁")
    await teacher.next_reply()
    await teacher.tap("⬅️ Back")
    assert "Which student" in (await teacher.next_reply()).text
    await teacher.tap("⬅️ Back")
    assert "Which class" in (await teacher.next_reply()).text
    await teacher.tap("✖️ Cancel")
    assert "Cancelled. Nothing was saved." in (await teacher.next_reply()).text
    # /cancel as a command works mid-way too.
    await teacher.send("/visit")
    await teacher.next_message()
    await teacher.send("/cancel")
    assert "Cancelled" in (await teacher.next_message()).text
    assert await visit_count(store) == 0


async def test_double_tap_duplicate_update_and_stale_buttons(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send("/visit")
    await teacher.next_message()
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️"]:
        await teacher.tap(label)
        await teacher.next_reply()
    card = teacher.messages[-1]
    await teacher.tap("💾 Save", message=card)
    double = await teacher.tap("💾 Save", message=card)  # the double tap, before the first is answered
    saved = await teacher.next_reply()
    assert saved.text.startswith("✅ Saved.")
    assert "expired" in ((await answer_to(teacher, double)).text or "")
    await teacher.redeliver_last()  # the same Save update delivered once more
    assert "expired" in ((await answer_to(teacher, double)).text or "")
    assert await visit_count(store) == 1
    # A tap on an abandoned flow's message is answered and changes nothing.
    await teacher.send("/visit")
    abandoned = await teacher.next_message()
    await teacher.send("/visit")
    await teacher.next_message()
    old = await teacher.tap("沈志明", partial=True, message=abandoned)
    assert "expired" in ((await answer_to(teacher, old)).text or "")
    await teacher.expect_no_reply()


async def test_typed_text_at_a_button_step_and_over_long_text(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send("/visit")
    await teacher.next_message()
    await teacher.send("王")  # typing at the people step searches
    found = await teacher.next_message()
    assert "Search: 王 (2 found)" in found.text and len([b for b in found.buttons if "王小明" in b]) == 2
    await teacher.tap("王小明 (S5)", partial=True)
    await teacher.next_reply()
    await teacher.send("in person please")  # a word where a button was expected
    hint = await teacher.next_message()
    assert "Please use the buttons" in hint.text
    again = await teacher.next_message()
    assert "How did it happen?" in again.text
    await teacher.tap("📞 Phone")
    await teacher.next_reply()
    await teacher.tap("Continue ➡️")
    await teacher.next_reply()
    await teacher.tap("💬 Add opinion")
    await teacher.next_reply()
    await teacher.send("很" * 501)
    refused = await teacher.next_message()
    assert "at most 500" in refused.text
    await teacher.next_message()  # the same step again
    await teacher.tap("⬅️ Back")
    await teacher.next_reply()
    await teacher.tap("📅 Date")
    await teacher.next_reply()
    await teacher.send("2027-01-01")
    assert "between" in (await teacher.next_message()).text
    await teacher.next_message()
    await teacher.send("12月3日")
    assert "Date: 2026-12-03" in (await teacher.next_message()).text
    await teacher.tap("💾 Save")
    assert (await teacher.next_reply()).text.startswith("✅ Saved.")


async def test_edit_from_the_saved_card_keeps_the_earlier_version(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send("/visit")
    await teacher.next_message()
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️", "💾 Save"]:
        await teacher.tap(label)
        await teacher.next_reply()
    await teacher.tap("✏️ Edit")
    editing = await teacher.next_reply()
    assert "Editing the visit" in editing.text
    await teacher.tap("☆ Notable: no")
    await teacher.next_reply()
    await teacher.tap("💾 Save")
    assert (await teacher.next_reply()).text.startswith("✅ Changes saved.")
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert visit.notable and visit.version == 2
        assert len((await session.scalars(select(VisitVersion))).all()) == 1


async def test_traditional_chinese_flow_and_ten_long_opinions_fit_the_card(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"], language_code="zh-hant")
    await teacher.send("/visit")
    assert "訪談了哪位學生？（七年級1班）" in (await teacher.next_message()).text
    for label in ["吳欣怡", "🗣 當面", "下一步 ➡️"]:
        await teacher.tap(label)
        await teacher.next_reply()
    for n in range(10):
        await teacher.tap("💬 添加意見")
        await teacher.next_reply()
        await teacher.send(str(n) + "意" * 499)
        await teacher.next_message()
        await teacher.tap("教學")
        card = await teacher.next_reply()
    assert "10. [教學]" in card.text and len(card.text) <= 4096
    eleventh = await teacher.tap("💬 添加意見")
    assert "最多記錄 10 條意見" in ((await answer_to(teacher, eleventh)).text or "")
    await teacher.tap("💾 儲存")
    assert (await teacher.next_reply()).text.startswith("✅ 已儲存。")
    async with store.sessions() as session:
        assert len((await session.scalars(select(Opinion))).all()) == 10


async def test_a_teacher_taken_off_the_roster_mid_visit_is_told_and_nothing_is_saved(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send("/visit")
    await teacher.next_message()
    async with store.sessions() as session:
        (await session.get(Staff, d.staff["head"])).active = False  # type: ignore[union-attr]
        await session.commit()
    tap = await teacher.tap("吳欣怡")
    assert "I don't know you yet" in ((await answer_to(teacher, tap)).text or "")
    await teacher.send("/visit")
    assert "I don't know you yet" in (await teacher.next_message()).text
    assert await visit_count(store) == 0
