"""What the visit conversation offers to pick, and /my's class progress."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store.models import StaffClass
from store.people import (
    class_progress,
    class_students,
    co_visitor_options,
    interview_school,
    interviewable_teachers,
    name_labels,
    visitable_classes,
)
from store.visits import VisitDraft, edit_visit, record_visit
from tests.builders import add_exemption
from tests.visit_world import NOW, World, opened_world, student_draft, teacher_draft


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


async def _record(world: World, who: str, draft: VisitDraft) -> int:
    scope = await world.scope(who)
    async with world.store.sessions() as session:
        saved = await record_visit(
            session=session, scope=scope, draft=draft, campaign=world.campaign, now=NOW
        )
    return saved.id


async def _ask(world: World, who: str, fn: Any, **kwargs: Any) -> Any:
    scope = await world.scope(who)
    async with world.store.sessions() as session:
        return await fn(session=session, scope=scope, **kwargs)


def test_namesakes_get_the_end_of_their_id_long_enough_to_differ() -> None:
    labels = name_labels([(1, "王明", "S100005"), (2, "王明", "S200005"), (3, "吳欣怡", "S100001"),
                          (4, "李", "A1"), (5, "李", "B1234")])
    assert labels == {1: "王明 (…100005)", 2: "王明 (…200005)", 3: "吳欣怡", 4: "李 (A1)", 5: "李 (…1234)"}
    assert name_labels([(1, "陳", "T12001"), (2, "陳", "T13001")]) == {1: "陳 (…2001)", 2: "陳 (…3001)"}


async def test_visitable_classes_put_the_head_class_first(world: World) -> None:
    classes = await _ask(world, "head71", visitable_classes)
    assert [(c.name, c.head, c.grade_name, c.school_name) for c in classes] == [
        ("七年級1班", True, "七年級", "第一中學"), ("七年級2班", False, "七年級", "第一中學")]
    assert await _ask(world, "leader", visitable_classes) == []
    grade_head = await _ask(world, "grade7", visitable_classes)
    assert [c.id for c in grade_head] == [world.c71, world.c72]


async def test_class_students_order_unvisited_then_focus_then_name(world: World) -> None:
    students = await _ask(world, "head71", class_students, class_id=world.c71)
    assert [s.label for s in students] == [
        "沈志明", "吳欣怡", "戴詩涵", "王明 (…100005)", "王明 (…200005)"]  # the inactive one is not offered
    assert students[0].focus == ("psychological",)
    await _record(world, "subj71", student_draft(world, "a", "shen"))
    await _record(world, "head71", student_draft(world, "b", "wu", "dai"))
    students = await _ask(world, "head71", class_students, class_id=world.c71)
    assert [(s.name, s.visited, s.visited_one_on_one) for s in students] == [
        ("王明", False, False), ("王明", False, False),
        ("沈志明", True, True), ("吳欣怡", True, False), ("戴詩涵", True, False)]  # focus first again


async def test_class_students_search_by_part_of_a_name_or_id(world: World) -> None:
    found = await _ask(world, "head71", class_students, class_id=world.c71, query=" 王 ")
    assert [s.label for s in found] == ["王明 (…100005)", "王明 (…200005)"]  # labels from the whole class
    by_id = await _ask(world, "head71", class_students, class_id=world.c71, query="s2000")
    assert [s.external_id for s in by_id] == ["S200005"]
    assert await _ask(world, "head71", class_students, class_id=world.c71, query="nobody") == []


async def test_class_students_mark_the_exempt_and_stay_in_scope(world: World) -> None:
    async with world.store.sessions() as session:
        await add_exemption(session, world.students["dai"])
        await session.commit()
    students = await _ask(world, "head71", class_students, class_id=world.c71)
    assert {s.name for s in students if s.exempt} == {"戴詩涵"}
    assert await _ask(world, "head72", class_students, class_id=world.c71) == []
    assert await _ask(world, "headB", class_students, class_id=world.c71) == []
    grade_head = await _ask(world, "grade7", class_students, class_id=world.c71)
    assert any(s.focus for s in grade_head)


async def test_focus_tags_only_for_those_who_see_the_class(world: World) -> None:
    # A teacher linked to the class only as its visitor still sees it (teachers see their classes).
    async with world.store.sessions() as session:
        session.add(StaffClass(staff_id=world.staff["head72"], class_id=world.c71, link="teaches"))
        await session.commit()
    students = await _ask(world, "head72", class_students, class_id=world.c71)
    assert [s.focus for s in students if s.name == "沈志明"] == [("psychological",)]


async def test_interviewable_teachers_exclude_oneself_and_show_focus_to_those_entitled(world: World) -> None:
    teachers = await _ask(world, "cadre", interviewable_teachers)
    # Focus teachers first; the cadre, the inactive teacher and the grade head are not offered.
    assert [t.label for t in teachers] == [
        "林雅", "王芳 (…2001)", "彭志", "王芳 (…3001)", "陳杰"]
    assert [t.focus for t in teachers[:2]] == [("talent",), ("family_difficulty",)]
    grade_head = await _ask(world, "grade7", interviewable_teachers)
    assert {t.label for t in grade_head} == {t.label for t in teachers} | {"張強"}
    assert all(t.focus == () for t in grade_head)
    assert await _ask(world, "head71", interviewable_teachers) == []
    school = await _ask(world, "grade7", interview_school)
    assert school is not None and school.name == "第一中學"
    assert await _ask(world, "head71", interview_school) is None


async def test_interviewed_teachers_go_last_and_search_works(world: World) -> None:
    await _record(world, "leader", teacher_draft(world, "i", "subj71"))
    await _record(world, "leader", teacher_draft(world, "g", "wang1", "wang2"))
    teachers = await _ask(world, "cadre", interviewable_teachers)
    assert [(t.label, t.interviewed, t.interviewed_one_on_one) for t in teachers] == [
        ("彭志", False, False), ("陳杰", False, False),
        ("林雅", True, True), ("王芳 (…2001)", True, False), ("王芳 (…3001)", True, False)]
    found = await _ask(world, "cadre", interviewable_teachers, query="T0001")
    assert [t.name for t in found] == ["彭志"]


async def test_co_visitors_are_active_colleagues_of_the_same_school(world: World) -> None:
    options = await _ask(world, "head71", co_visitor_options)
    ids = {o.id for o in options}
    assert world.staff["subj71"] in ids and world.staff["leader"] in ids
    assert not ids & {world.staff["head71"], world.staff["gone"], world.staff["headB"], world.staff["office"]}
    assert {o.label for o in options if o.name == "王芳"} == {"王芳 (…2001)", "王芳 (…3001)"}
    assert await _ask(world, "office", co_visitor_options) == []


async def test_class_progress_counts_net_of_exempt_and_names_the_unvisited(world: World) -> None:
    async with world.store.sessions() as session:
        await add_exemption(session, world.students["dai"])
        await add_exemption(session, world.students["wu"], revoked=True)
        await session.commit()
    await _record(world, "head71", student_draft(world, "one", "shen"))
    group = await _record(world, "subj71", student_draft(world, "group", "wang1", "dai"))
    progress = await _ask(world, "head71", class_progress)
    c71, c72 = progress
    assert (c71.class_name, c71.head, c71.visited, c71.one_on_one, c71.total) == ("七年級1班", True, 2, 1, 4)
    assert c71.unvisited == ("吳欣怡", "王明 (…200005)")
    assert (c72.class_name, c72.head, c72.visited, c72.total) == ("七年級2班", False, 0, 1)
    assert c72.unvisited == ("黃小",)

    # Coverage follows the edited visit: the group talk becomes one-on-one with the other 王明.
    scope = await world.scope("subj71")
    async with world.store.sessions() as session:
        await edit_visit(session=session, scope=scope, visit_id=group,
                         draft=student_draft(world, "group", "wang2", visit_date=date(2026, 12, 19)),
                         campaign=world.campaign, now=NOW)
    c71 = (await _ask(world, "head71", class_progress))[0]
    assert (c71.visited, c71.one_on_one, c71.unvisited) == (2, 2, ("吳欣怡", "王明 (…100005)"))
    assert await _ask(world, "leader", class_progress) == []
