"""/ranking end to end: a district leader sees every school, a school leader their own school's
classes and teachers (and only its rank among the others), a teacher is refused; groups get no names."""

from __future__ import annotations

from datetime import date

from bot.app import BotApplication
from bot.commands.ranking import pack, ranking_messages
from bot.i18n import translator
from reports.scores import score_board, visible_board
from sandbox import World
from store.installation import StoreHandle
from store.vocab import Locale
from tests.bot_district import person
from tests.builders import add_staff, add_visit
from tests.conftest import FixedClock
from tests.visit_world import World as Roster
from tests.visit_world import build_world

DAY = date(2026, 12, 1)  # the conftest clock's day, the campaign's first


async def roster_with_visits(store: StoreHandle) -> tuple[Roster, int]:
    """The visit world (schools A and B, the office) with a district leader and a few visits:
    school A scores above school B, which has none."""
    r = await build_world(store)
    async with store.sessions() as s:
        chief = await add_staff(s, "T0300", "區<主任>", None, ["district_leader"])
        await add_visit(s, r.staff["head71"], "student", students=[r.students["wu"]], visit_date=DAY)
        await add_visit(s, r.staff["head71"], "student", students=[r.students["shen"], r.students["dai"]],
                        visit_date=DAY)
        await add_visit(s, r.staff["cadre"], "teacher", teachers=[r.staff["subj71"]], visit_date=DAY)
        await s.commit()
    return r, chief


async def test_a_district_leader_sees_every_school_ranked_with_its_parts(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r, chief = await roster_with_visits(store)
    leader = await person(world, store, clock, chief, "Chief")
    await leader.send("/ranking")
    answer = await leader.next_message()
    text = answer.text
    assert "Ranking of the schools on 2026-12-01" in text
    first, second = text.index("1. 第一中學"), text.index("2. 第二中學")
    assert first < second
    # School A: 3 of 6 students, 1 of 6 one-on-one, 1 of 6 teachers, focus 1 of 3, leaders 0 of 1.
    a_line = text[first:second]
    assert "students visited 3/6 · one-on-one 1/6 · teachers interviewed 1/6 · focus people 1/3" in a_line
    assert "follow-ups done — · rectification on time — · leaders in their grades 0/1 · reviews —" in a_line
    assert "— 27.8" in a_line  # 100 × (30·½ + 20·⅙ + 20·⅙ + 10·⅓ + 10·0) / 90
    assert "Weights: students visited 30 · one-on-one 20" in text
    assert "彭志" not in text  # schools only: no teacher's name
    assert "<b>第一中學</b>" in answer.html

    # In the district group too (aggregates: the same schools, no names of people).
    office = await person(world, store, clock, r.staff["office"], "Office")
    room = world.group("區 staff", members=[leader, office])
    await office.send("/bind@TwoVisitsBot district", chat=room)
    assert "district group" in (await room.next_message()).text
    await leader.send("/ranking@TwoVisitsBot", chat=room)
    in_group = (await room.next_message()).text
    assert "1. 第一中學" in in_group and "2. 第二中學" in in_group and "Teachers" not in in_group


async def test_a_school_leader_sees_own_rank_classes_and_teachers_not_other_schools(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r, _ = await roster_with_visits(store)
    async with store.sessions() as s:
        await add_visit(s, r.staff["headB"], "student", students=[r.students["bkid"]], visit_date=DAY)
        await s.commit()
    # School B (1 of 1 visited, one-on-one) now ranks first; A's leader sees that A is second.
    leader = await person(world, store, clock, r.staff["leader"], "Li")
    await leader.send("/ranking")
    text = (await leader.next_message()).text
    assert "第一中學 on 2026-12-01: rank 2 of 2, score 27.8." in text
    assert "第二中學" not in text and "鄭北" not in text
    assert "Classes" in text and "七年級1班 — " in text and "students visited 3/5" in text
    assert "Teachers (credited for the visits they recorded)" in text
    assert "彭志 — " in text and "co-visits 0" in text
    # Namesakes are told apart by the end of their staff id; a class with no one to count says so.
    assert "王芳 (…2001): nothing to count yet" in text and "王芳 (…3001)" in text
    assert "八年級1班: nothing to count yet" in text


async def test_a_teacher_and_a_stranger_are_refused_and_unbound_groups_told_how_to_bind(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r, _ = await roster_with_visits(store)
    teacher = await person(world, store, clock, r.staff["head71"], "Peng")
    await teacher.send("/ranking")
    assert "The ranking is for district leaders" in (await teacher.next_message()).text
    stranger = world.user("Someone")
    await stranger.send("/ranking")
    assert "I don't know you yet" in (await stranger.next_message()).text
    room = world.group("somewhere", members=[teacher])
    await teacher.send("/ranking@TwoVisitsBot", chat=room)
    assert "not bound yet" in (await room.next_message()).text


async def test_long_rankings_are_split_between_lines_under_telegrams_limit(store: StoreHandle) -> None:
    r, _ = await roster_with_visits(store)
    async with store.sessions() as s:
        for n in range(150):
            await add_staff(s, f"X{n:04d}", f"很長的名字老師{n:03d}" * 3, r.school_a, ["subject_teacher"],
                            teaches=[r.c71])
        await s.commit()
        board = await score_board(session=s, campaign=r.campaign, today=DAY)
    office = await r.scope("office")
    leader_view = visible_board(board, await r.scope("leader"))
    assert visible_board(board, office) is not None and leader_view is not None
    messages = ranking_messages(translator(Locale.ZH_HANT), leader_view)
    assert len(messages) > 1
    assert all(len(m.encode("utf-16-le")) // 2 <= 4000 for m in messages)
    assert sum(m.count("很長的名字老師") for m in messages) == 150 * 3  # nobody lost at a split
    assert pack([["a", "b"], ["c"]]) == ["a\nb\n\nc"]
