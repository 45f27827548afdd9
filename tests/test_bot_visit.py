"""The visit conversation end to end: taps, the card, saving exactly once, stale buttons."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from bot.app import BotApplication
from sandbox import User, World
from store.installation import StoreHandle
from store.models import Opinion, Visit, VisitCoVisitor, VisitStudent, VisitVersion
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
from tests.conftest import FixedClock


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
    """The head teacher of 七年級1班, bound, writing in English."""
    return await person(world, store, clock, d.staff["head"])


async def test_one_on_one_visit_in_five_taps(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    people = await say(teacher, "/visit")
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
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    await step(teacher, "👥 Several at once (group talk)")
    await step(teacher, "戴詩涵", partial=True)
    chosen = await step(teacher, "吳欣怡", partial=True)
    assert "Continue (2 chosen) ➡️" in chosen.buttons
    await step(teacher, "Continue (2 chosen) ➡️")
    await step(teacher, "🏠 Home visit")
    card = await step(teacher, "Continue ➡️")
    assert "Group talk (2)" in card.text and "Place: Home" in card.text
    # An opinion with a category.
    await step(teacher, "💬 Add opinion")
    await say(teacher, "食堂的飯菜<太鹹>")
    card = await step(teacher, "後勤(食堂/宿舍)")
    assert "[後勤(食堂/宿舍)] 食堂的飯菜<太鹹>" in card.text
    # Yesterday, a follow-up in two weeks, notable, private notes.
    await step(teacher, "📅 Date")
    assert "Date: 2026-12-17" in (await step(teacher, "Yesterday")).text
    await step(teacher, "🔁 Follow-up")
    await step(teacher, "In 2 weeks")
    assert "Notable case: yes" in (await step(teacher, "☆ Notable: no")).text
    await step(teacher, "📝 Private notes")
    await say(teacher, "家長很配合")
    assert "Who else took part" in (await step(teacher, "👥 Co-visitors")).text
    await step(teacher, "⬜ 劉雨萱")
    assert "Co-visitors: 劉雨萱" in (await step(teacher, "Done ✔️")).text
    assert (await step(teacher, "💾 Save")).text.startswith("✅ Saved.")
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert not visit.one_on_one and visit.notable and visit.private_notes == "家長很配合"
        assert visit.follow_up == "2w" and visit.visit_date.isoformat() == "2026-12-17"
        assert len((await session.scalars(select(VisitStudent))).all()) == 2
        assert (await session.scalars(select(Opinion.text))).one() == "食堂的飯菜<太鹹>"
        assert (await session.scalars(select(VisitCoVisitor.staff_id))).one() == d.staff["subject"]


async def test_teacher_interview_by_a_cadre(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, d: District
) -> None:
    cadre = await person(world, store, clock, d.staff["cadre"])
    assert "/interview" in (await say(cadre, "/visit")).text  # no classes; pointed to /interview
    people = await say(cadre, "/interview")
    assert "Which teacher did you interview?" in people.text
    assert "余柏翰" not in " ".join(people.buttons)  # never oneself
    assert "李詩涵" not in " ".join(people.buttons)  # a school leader is not interviewed as a teacher
    for label in ["劉雨萱", "🗣 In person", "⬜ 教學工作", "Continue ➡️"]:
        await step(cadre, label)
    assert "Office" in cadre.messages[-1].text
    assert (await step(cadre, "💾 Save")).text.startswith("✅ Saved.")
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert visit.kind == "teacher" and visit.one_on_one


async def test_back_and_cancel(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, d: District
) -> None:
    teacher = await person(world, store, clock, d.staff["subject"])  # two classes: the class step shows
    assert "Which class" in (await say(teacher, "/visit")).text
    assert "簡宜蓁" in " ".join((await step(teacher, "七年級2班")).buttons)
    await step(teacher, "簡宜蓁")
    assert "Which student" in (await step(teacher, "⬅️ Back")).text
    assert "Which class" in (await step(teacher, "⬅️ Back")).text
    assert "Cancelled. Nothing was saved." in (await step(teacher, "✖️ Cancel")).text
    # /cancel as a command works mid-way too.
    await say(teacher, "/visit")
    assert "Cancelled" in (await say(teacher, "/cancel")).text
    assert await visit_count(store) == 0


async def test_double_tap_duplicate_update_and_stale_buttons(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️"]:
        await step(teacher, label)
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
    abandoned = await say(teacher, "/visit")
    await say(teacher, "/visit")
    old = await teacher.tap("沈志明", partial=True, message=abandoned)
    assert "expired" in ((await answer_to(teacher, old)).text or "")
    await teacher.expect_no_reply()


async def test_typed_text_at_a_button_step_and_over_long_text(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    await teacher.send("王")  # typing at the people step searches
    found = await teacher.next_message()
    assert "Search: 王 (2 found)" in found.text and len([b for b in found.buttons if "王小明" in b]) == 2
    await step(teacher, "王小明 (S5)", partial=True)
    await teacher.send("in person please")  # a word where a button was expected
    hint = await teacher.next_message()
    assert "Please use the buttons" in hint.text
    again = await teacher.next_message()
    assert "How did it happen?" in again.text
    await step(teacher, "📞 Phone")
    await step(teacher, "Continue ➡️")
    await step(teacher, "💬 Add opinion")
    refused = await say(teacher, "很" * 501)
    assert "at most 500" in refused.text
    await teacher.next_message()  # the same step again
    await step(teacher, "⬅️ Back")
    await step(teacher, "📅 Date")
    assert "between" in (await say(teacher, "2027-01-01")).text
    await teacher.next_message()
    assert "Date: 2026-12-03" in (await say(teacher, "12月3日")).text
    assert (await step(teacher, "💾 Save")).text.startswith("✅ Saved.")


async def test_edit_from_the_saved_card_keeps_the_earlier_version(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    for label in ["吳欣怡", "🗣 In person", "Continue ➡️", "💾 Save"]:
        await step(teacher, label)
    editing = await step(teacher, "✏️ Edit")
    assert "Editing the visit" in editing.text
    await step(teacher, "☆ Notable: no")
    assert (await step(teacher, "💾 Save")).text.startswith("✅ Changes saved.")
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert visit.notable and visit.version == 2
        assert len((await session.scalars(select(VisitVersion))).all()) == 1


async def test_traditional_chinese_flow_and_ten_long_opinions_fit_the_card(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, d: District
) -> None:
    teacher = await person(world, store, clock, d.staff["head"], language_code="zh-hant")
    assert "訪談了哪位學生？（七年級1班）" in (await say(teacher, "/visit")).text
    for label in ["吳欣怡", "🗣 當面", "下一步 ➡️"]:
        await step(teacher, label)
    for n in range(10):
        await step(teacher, "💬 添加意見")
        await say(teacher, str(n) + "意" * 499)
        card = await step(teacher, "教學")
    assert "10. [教學]" in card.text and len(card.text) <= 4096
    eleventh = await teacher.tap("💬 添加意見")
    assert "最多記錄 10 條意見" in ((await answer_to(teacher, eleventh)).text or "")
    assert (await step(teacher, "💾 儲存")).text.startswith("✅ 已儲存。")
    async with store.sessions() as session:
        assert len((await session.scalars(select(Opinion))).all()) == 10


async def test_a_teacher_taken_off_the_roster_mid_visit_is_told_and_nothing_is_saved(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    await take_off_roster(store, d.staff["head"])
    tap = await teacher.tap("吳欣怡")
    assert "no longer on the district's roster" in ((await answer_to(teacher, tap)).text or "")
    assert "no longer on the district's roster" in (await say(teacher, "/visit")).text
    assert await visit_count(store) == 0


async def test_a_tap_does_not_read_who_the_teacher_is_again(
    bot: BotApplication, store: StoreHandle, d: District, teacher: User
) -> None:
    await say(teacher, "/visit")
    await step(teacher, "吳欣怡")
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = bot.bot_data.services.store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert "Which topics" in (await step(teacher, "🗣 In person")).text
    finally:
        event.remove(engine, "before_cursor_execute", record)
    ours = [s for s in statements if "bot_persistence" not in s]
    assert not [s for s in ours if "telegram_account" in s or "staff" in s or "user_preference" in s]
    # The schools' own outlines are read once per roster version (store.school_settings) for the
    # topic step; apart from them, the roster version and nothing else: the form step loads nothing.
    outlines = [s for s in ours if "outline_topics" in s]
    assert len(outlines) <= 1, outlines
    assert len(ours) - len(outlines) <= 1, ours
