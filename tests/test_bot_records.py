"""/my and /myvisits end to end: figures and names, paging, edit and delete, privacy in groups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import BotApplication
from bot.callback_data import saved_data
from bot.commands.records_views import MAX_TEXT, my_messages
from bot.i18n import translator
from sandbox import ChatMessage, User, World
from store.installation import StoreHandle
from store.people import ClassProgress, class_progress
from store.scopes import scope_for
from store.vocab import Locale
from tests.bot_district import District, answer_to, move_into_visit_phase, person, seed_district, visit_count
from tests.builders import add_student, add_visit
from tests.conftest import FixedClock

DAY = date(2026, 12, 18)


@pytest.fixture(autouse=True)
def _in_the_visit_phase(store: StoreHandle, clock: FixedClock) -> None:
    move_into_visit_phase(clock)


async def visits(
    store: StoreHandle, d: District, who: str, *groups: tuple[str, ...], day: date = DAY
) -> list[int]:
    """One visit by ``who`` per group of student ids (one id: one-on-one), logged in this order."""
    async with store.sessions() as session:
        ids = [
            await add_visit(session, d.staff[who], "student", students=[d.students[s] for s in group],
                            visit_date=day)
            for group in groups
        ]
        await session.commit()
    return ids


def unvisited_part(text: str, class_name: str) -> str:
    """The "Not visited yet" line of one class in a /my answer."""
    block = text.split(class_name, 1)[1]
    return next(line for line in block.splitlines() if line.startswith("Not visited yet"))


# --- /my ------------------------------------------------------------------------------------------


async def test_my_shows_each_class_with_figures_target_and_unvisited_names(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    async with store.sessions() as session:
        d.students["S7"] = await add_student(session, "S7", "李<小>&", d.class_b)  # escaped in HTML
        await session.commit()
    await visits(store, d, "head", ("S1",), ("S2", "S3"))
    await visits(store, d, "subject", ("S6",))
    teacher = await person(world, store, clock, d.staff["subject"])  # teaches both classes
    await teacher.send("/my")
    answer = await teacher.next_message()
    text = answer.text
    assert "Visited: 3 of 5 · one-on-one: 1 (20 %)" in text
    assert "One-on-one target 80 %: 3 more one-on-one visits needed." in text
    assert unvisited_part(text, "七年級1班") == "Not visited yet (2): 王小明 (S4), 王小明 (S5)"
    assert "Visited: 1 of 2 · one-on-one: 1 (50 %)" in text
    assert unvisited_part(text, "七年級2班") == "Not visited yet (1): 李<小>&"
    assert "李&lt;小&gt;&amp;" in answer.html
    # The class is complete once S7 is visited: every student visited, the target met.
    await visits(store, d, "subject", ("S7",))
    await teacher.send("/my")
    text = (await teacher.next_message()).text
    block = text.split("七年級2班", 1)[1]
    assert "✅ One-on-one target (80 %) met." in block and "Every student has been visited." in block


async def test_my_for_a_cadre_without_classes_counts_interviews(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    async with store.sessions() as session:
        await add_visit(session, d.staff["cadre"], "teacher", teachers=[d.staff["subject"]], visit_date=DAY)
        await session.commit()
    cadre = await person(world, store, clock, d.staff["cadre"])
    await cadre.send("/my")
    text = (await cadre.next_message()).text
    assert "Interviewed: 1 of 2 teachers (1 one-on-one)." in text  # the head and the subject teacher
    assert "Not interviewed yet (1): 彭志" in text and "/interview" in text


async def test_my_in_a_group_names_nobody_and_strangers_are_told_to_register(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    group = world.group("七年級 teachers", members=[teacher])
    for command in ("/my", "/myvisits"):
        await teacher.send(command, chat=group)
        reply = await group.next_message()
        assert "private" in reply.text and command in reply.text and "@TwoVisitsBot" in reply.text
        assert not any(name in reply.text for name in ("吳欣怡", "王小明", "七年級1班"))
        assert not reply.inline_buttons
    stranger = world.user("Stranger")
    await stranger.send("/my")
    assert "I don't know you yet" in (await stranger.next_message()).text
    await stranger.send("/myvisits")
    assert "I don't know you yet" in (await stranger.next_message()).text


def test_long_name_lists_are_cut_to_fit_telegram_messages() -> None:
    tr = translator(Locale.EN)
    names = tuple(f"學生{i:04d}" for i in range(2000))
    one = ClassProgress(1, "七年級1班", "七年級", True, 0, 0, 2000, names)
    [text] = my_messages(tr, [one], None, target=0.8)
    assert len(text.encode("utf-16-le")) // 2 <= MAX_TEXT
    assert "學生0000" in text and "… and " in text and text.rstrip().endswith("more")
    # Forty big classes do not fit one message: several messages, every class in one of them.
    many = [ClassProgress(i, f"班{i}", "七年級", False, 0, 0, 60, names[:60]) for i in range(40)]
    texts = my_messages(tr, many, None, target=0.8)
    assert len(texts) > 1 and all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    assert all(sum(f"<b>班{i}</b>" in t for t in texts) == 1 for i in range(40))


# --- /myvisits ------------------------------------------------------------------------------------


async def open_my_visits(user: User) -> ChatMessage:
    await user.send("/myvisits")
    return await user.next_message()


async def test_myvisits_lists_newest_first_and_pages(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    teacher = await person(world, store, clock, d.staff["head"])
    listing = await open_my_visits(teacher)
    assert "You have not logged any visits yet." in listing.text and "/visit" in listing.text
    first = (await visits(store, d, "head", ("S2", "S3"), day=date(2026, 12, 16)))[0]
    ids = await visits(store, d, "head", *[("S1",)] * 20)  # 21 visits: three pages
    listing = await open_my_visits(teacher)
    lines = [line for line in listing.text.splitlines() if line[:1].isdigit()]
    assert len(lines) == 10
    assert lines[0] == "1. 2026-12-18 · 吳欣怡 · 🗣 In person · 👤 one-on-one · 七年級1班"
    assert ("✏️ Edit 1", saved_data("ledit", ids[-1])) in listing.keyboard[0]
    assert sum(len(row) for row in listing.keyboard) <= 100 and all(len(r) <= 8 for r in listing.keyboard)
    assert all(len(data.encode()) <= 64 for row in listing.keyboard for _, data in row)
    assert "◀️ Newer" not in listing.buttons
    await teacher.tap("Older ▶️")
    page2 = await teacher.next_reply()
    assert "(page 2)" in page2.text and "◀️ Newer" in page2.buttons and "Older ▶️" in page2.buttons
    assert ("✏️ Edit 1", saved_data("ledit", ids[-11])) in page2.keyboard[0]
    await teacher.tap("Older ▶️")
    page3 = await teacher.next_reply()
    assert "1. 2026-12-16 · group talk of 2: 戴詩涵, 沈志明 · 🗣 In person · 七年級1班" in page3.text
    assert "one-on-one" not in page3.text and "Older ▶️" not in page3.buttons
    assert page3.keyboard[0][0][1] == saved_data("ledit", first)
    await teacher.tap("◀️ Newer")  # back from the third page: found by counting from the newest
    back = await teacher.next_reply()
    assert "(page 2)" in back.text and back.keyboard[0] == page2.keyboard[0]
    await teacher.tap("◀️ Newer")
    assert (await teacher.next_reply()).keyboard[0] == listing.keyboard[0]


async def test_edit_from_myvisits_opens_the_card_after_48_hours(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    async with store.sessions() as session:
        await add_visit(session, d.staff["head"], "student", students=[d.students["S1"]],
                        visit_date=date(2026, 12, 16), created_at=datetime(2026, 12, 16, 0, 0, tzinfo=UTC))
        await session.commit()
    teacher = await person(world, store, clock, d.staff["head"])  # 50 hours later
    await open_my_visits(teacher)
    await teacher.tap("✏️ Edit 1")
    card = await teacher.next_reply()
    assert "Editing the visit" in card.text and "With: 吳欣怡" in card.text and "💾 Save" in card.buttons


async def test_delete_asks_first_then_the_student_is_unvisited_again(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    await visits(store, d, "head", ("S1",), ("S2", "S3"))
    teacher = await person(world, store, clock, d.staff["head"])
    await teacher.send("/visit")  # a visit being logged does not swallow these buttons
    await teacher.next_message()
    await open_my_visits(teacher)
    await teacher.tap("🗑 Delete 2")  # the older: the one-on-one visit with 吳欣怡
    confirm = await teacher.next_reply()
    assert "Delete this visit?" in confirm.text and "吳欣怡" in confirm.text
    assert confirm.buttons == ["Yes, delete", "Keep it"]
    await teacher.tap("Keep it")
    kept = await teacher.next_reply()
    assert "(page 1)" in kept.text and await visit_count(store) == 2
    await teacher.tap("🗑 Delete 2")
    confirm = await teacher.next_reply()
    first = await teacher.tap("Yes, delete", message=confirm)
    second = await teacher.tap("Yes, delete", message=confirm)  # a double tap
    deleted = await teacher.next_reply()
    assert "The visit was deleted." in deleted.text and "吳欣怡" not in deleted.text
    assert (await answer_to(teacher, first)).text == "Deleted."
    assert (await answer_to(teacher, second)).text == "This visit has already been deleted."
    assert await visit_count(store) == 1 and await visit_count(store, deleted=True) == 1
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=d.staff["head"])
        assert scope is not None
        [progress] = await class_progress(session=session, scope=scope)
    assert "吳欣怡" in progress.unvisited and progress.visited == 2 and progress.one_on_one == 0
    await teacher.send("/my")
    assert "吳欣怡" in unvisited_part((await teacher.next_message()).text, "七年級1班")


async def test_stale_and_repeated_deletes_are_answered(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    await visits(store, d, "head", ("S1",))
    teacher = await person(world, store, clock, d.staff["head"])
    older_list = await open_my_visits(teacher)
    await open_my_visits(teacher)
    await teacher.tap("🗑 Delete 1")
    await teacher.next_reply()
    clock.set(clock.now() + timedelta(minutes=20))  # the confirmation waited too long
    stale = await teacher.tap("Yes, delete")
    assert "expired" in ((await answer_to(teacher, stale)).text or "")
    assert await visit_count(store) == 1
    await teacher.tap("Keep it")
    await teacher.next_reply()
    await teacher.tap("🗑 Delete 1")
    await teacher.next_reply()
    await teacher.tap("Yes, delete")
    assert "The visit was deleted." in (await teacher.next_reply()).text
    assert "You have not logged any visits yet." in teacher.messages[-1].text
    gone = await teacher.tap("🗑 Delete 1", message=older_list)  # an older list still shows it
    assert (await answer_to(teacher, gone)).text == "This visit has already been deleted."


async def test_myvisits_and_my_in_traditional_chinese(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    await visits(store, d, "head", ("S1",))
    teacher = await person(world, store, clock, d.staff["head"], language_code="zh-hant")
    listing = await open_my_visits(teacher)
    assert "我的訪談記錄，最新的在前（第 1 頁）" in listing.text and "👤 一對一" in listing.text
    assert listing.buttons == ["✏️ 修改 1", "🗑 刪除 1"]
    await teacher.tap("🗑 刪除 1")
    assert (await teacher.next_reply()).buttons == ["確定刪除", "保留"]
    await teacher.send("/my")
    text = (await teacher.next_message()).text
    assert "已訪：1／5 · 一對一：1（20%）" in text and "尚未訪談（4 人）：" in text
