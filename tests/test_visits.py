"""Recording, editing, deleting and reading visits (store side of /visit, /interview, /myvisits)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

import store.visits as visits_module
from store.models import AuditEntry, FollowUp, Opinion, OutlineTopic, Visit, VisitVersion
from store.people import class_students
from store.visits import (
    VisitDraft,
    VisitRejected,
    delete_visit,
    edit_visit,
    get_visit,
    recent_visits,
    record_visit,
    visit_versions,
)
from store.vocab import FollowUpWish, Place, VisitForm, VisitKind
from tests.visit_world import NOW, TODAY, World, opened_world, student_draft, teacher_draft


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


async def _record(world: World, who: str, draft: VisitDraft, now: datetime = NOW) -> Any:
    scope = await world.scope(who)
    async with world.store.sessions() as session:
        return await record_visit(session=session, scope=scope, draft=draft, campaign=world.campaign, now=now)


async def _count(world: World, model: Any) -> int:
    async with world.store.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _visited(world: World, who: str = "head71") -> dict[str, bool]:
    scope = await world.scope(who)
    async with world.store.sessions() as session:
        options = await class_students(session=session, scope=scope, class_id=world.c71)
    ids = {v: k for k, v in world.students.items()}
    return {ids[o.id]: o.visited for o in options}


async def test_a_one_on_one_visit_is_saved_with_defaults_follow_up_and_audit(world: World) -> None:
    draft = student_draft(
        world, "k1", "shen", form=VisitForm.HOME, follow_up=FollowUpWish.ONE_WEEK, notable=True,
        opinions=[("  食堂太擠  ", world.category(2))], co_visitor_ids=(world.staff["subj71"],),
        private_notes="  家裡有困難  ",
    )
    saved = await _record(world, "head71", draft)
    assert saved.created
    d = saved.details
    assert (d.kind, d.class_name, d.one_on_one, d.place) == (VisitKind.STUDENT, "七年級1班", True, Place.HOME)
    assert [p.name for p in d.visitees] == ["沈志明"]
    assert d.visitees[0].focus == ("psychological",)
    assert [p.name for p in d.co_visitors] == ["林雅"]
    category = world.campaign.categories[2].name
    assert [(o.text, o.category_name) for o in d.opinions] == [("食堂太擠", category)]
    assert [t.name for t in d.topics] == ["學習情況"]
    assert d.follow_up_due == TODAY + timedelta(days=7)
    assert d.private_notes == "家裡有困難"
    assert (d.notable, d.out_of_phase, d.version) == (True, False, 1)
    assert d.editable_until == NOW + timedelta(hours=48)
    assert d.editable(NOW + timedelta(hours=47)) and not d.editable(NOW + timedelta(hours=48))
    async with world.store.sessions() as session:
        audit = (await session.scalars(select(AuditEntry))).all()
    assert [(a.action, a.object_id, a.actor_staff_id) for a in audit] == [
        ("visit_recorded", saved.id, world.staff["head71"])
    ]


async def test_several_students_make_a_group_talk(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "g", "wu", "dai", "wu"))
    assert not saved.details.one_on_one
    assert sorted(p.name for p in saved.details.visitees) == ["吳欣怡", "戴詩涵"]


async def test_follow_up_wishes_set_the_due_date(world: World) -> None:
    two = await _record(world, "head71", student_draft(world, "a", follow_up=FollowUpWish.TWO_WEEKS))
    on = await _record(world, "head71", student_draft(
        world, "b", follow_up=FollowUpWish.DATE, follow_up_date=date(2027, 1, 3)))
    none = await _record(world, "head71", student_draft(world, "c"))
    assert two.details.follow_up_due == TODAY + timedelta(days=14)
    assert on.details.follow_up_due == date(2027, 1, 3)
    assert none.details.follow_up_due is None
    assert await _count(world, FollowUp) == 2


async def test_a_visit_outside_the_visit_phase_is_kept_and_flagged(world: World) -> None:
    early = await _record(world, "head71", student_draft(world, "early", visit_date=date(2026, 12, 5)))
    inside = await _record(world, "head71", student_draft(world, "in", visit_date=date(2026, 12, 16)))
    assert early.created and early.details.out_of_phase
    assert not inside.details.out_of_phase


async def test_today_is_the_campaigns_today(world: World) -> None:
    # 17:00 UTC on 20 Dec is already 21 Dec in Shanghai.
    late = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)
    saved = await _record(world, "head71", student_draft(world, "tz", visit_date=date(2026, 12, 21)), late)
    assert saved.details.visit_date == date(2026, 12, 21)


async def test_a_cadre_interviews_a_teacher(world: World) -> None:
    saved = await _record(world, "cadre", teacher_draft(world, "i1", "wang1"))
    d = saved.details
    assert (d.kind, d.class_id, d.school_id, d.one_on_one, d.place) == (
        VisitKind.TEACHER, None, world.school_a, True, Place.OFFICE)
    assert [(p.label, p.focus) for p in d.visitees] == [("王芳", ("family_difficulty",))]


REJECTIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    # (code, who, draft kind, changes)
    ("not_allowed", "leader", "student", {}),
    ("not_allowed", "office", "teacher", {}),
    ("class_not_visitable", "head71", "student", {"class_id": "c81"}),
    ("class_not_visitable", "head71", "student", {"class_id": None}),
    ("student_not_in_class", "head71", "student", {"visitee_ids": ["c72kid"]}),
    ("student_not_in_class", "head71", "student", {"visitee_ids": [999_999]}),
    ("student_inactive", "head71", "student", {"visitee_ids": ["left"]}),
    ("teacher_not_interviewable", "cadre", "teacher", {"visitee_ids": ["cadre"]}),
    ("teacher_not_interviewable", "cadre", "teacher", {"visitee_ids": ["leader"]}),
    ("teacher_not_interviewable", "cadre", "teacher", {"visitee_ids": ["headB"]}),
    ("teacher_not_interviewable", "cadre", "teacher", {"visitee_ids": ["gone"]}),
    ("date_before_campaign", "head71", "student", {"visit_date": date(2026, 11, 30)}),
    ("date_in_future", "head71", "student", {"visit_date": TODAY + timedelta(days=1)}),
    ("unknown_topic", "head71", "student", {"topic_ids": "teacher_topic"}),
    ("unknown_topic", "head71", "student", {"topic_ids": [999_999]}),
    ("unknown_topic", "head71", "student", {"topic_ids": "inactive"}),
    ("unknown_category", "head71", "student", {"opinions": [("text", 999_999)]}),
    ("co_visitor_invalid", "head71", "student", {"co_visitor_ids": ["head71"]}),
    ("co_visitor_invalid", "head71", "student", {"co_visitor_ids": ["headB"]}),
    ("co_visitor_invalid", "head71", "student", {"co_visitor_ids": ["gone"]}),
    ("too_many_visitees", "head71", "student", {"visitee_ids": list(range(1, 62))}),
    ("text_too_long", "head71", "student", {"private_notes": "字" * 1001}),
    ("text_too_long", "head71", "student", {"situation": "字" * 1001}),
    ("text_too_long", "head71", "student", {"opinions": [("字" * 501, "cat")]}),
    ("text_too_long", "head71", "student", {"opinions": [("x", "cat")] * 11}),
    ("opinion_empty", "head71", "student", {"opinions": [("   ", "cat")]}),
    ("follow_up_date_invalid", "head71", "student", {"follow_up": FollowUpWish.DATE}),
    ("follow_up_date_invalid", "head71", "student",
     {"follow_up": FollowUpWish.DATE, "follow_up_date": TODAY}),
    ("follow_up_date_invalid", "head71", "student",
     {"follow_up": FollowUpWish.DATE, "follow_up_date": TODAY + timedelta(days=400)}),
    ("no_visitees", "head71", "student", {"visitee_ids": []}),
    ("no_visitees", "cadre", "teacher", {"visitee_ids": []}),
]


async def _resolve(world: World, changes: dict[str, Any], kind: str) -> dict[str, Any]:
    """Names in the table above become ids of the world (visitees: students or staff, by kind)."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "class_id" and isinstance(value, str):
            value = getattr(world, value)
        elif key == "visitee_ids" and kind == "student":
            value = tuple(world.students[v] if isinstance(v, str) else v for v in value)
        elif key in ("visitee_ids", "co_visitor_ids"):
            value = tuple(world.staff[v] for v in value)
        elif key == "topic_ids" and value == "teacher_topic":
            value = (world.teacher_topic(),)
        elif key == "topic_ids" and value == "inactive":
            async with world.store.sessions() as session:
                last = world.campaign.student_topics[-1].id
                await session.execute(
                    update(OutlineTopic).where(OutlineTopic.id == last).values(active=False)
                )
                await session.commit()
            value = (last,)
        elif key == "opinions":
            value = [(text, world.category() if cat == "cat" else cat) for text, cat in value]
        out[key] = value
    return out


@pytest.mark.parametrize(("code", "who", "kind", "changes"), REJECTIONS)
async def test_every_rejection_has_its_code(
    world: World, code: str, who: str, kind: str, changes: dict[str, Any]
) -> None:
    resolved = await _resolve(world, changes, kind)
    make = student_draft if kind == "student" else teacher_draft
    with pytest.raises(VisitRejected) as caught:
        await _record(world, who, make(world, "rejected", **resolved))
    assert caught.value.code == code
    assert await _count(world, Visit) == 0


async def test_text_limits_name_the_field(world: World) -> None:
    with pytest.raises(VisitRejected) as caught:
        await _record(world, "head71", student_draft(world, "t", private_notes="x" * 1001))
    assert caught.value.params == {"field": "private_notes", "limit": 1000}


async def test_saving_twice_with_one_key_writes_one_visit(world: World) -> None:
    first = await _record(world, "head71", student_draft(world, "same"))
    # A redelivered update may even carry a changed draft: the conversation's key decides.
    again = await _record(world, "head71", student_draft(world, "same", "dai"))
    assert (first.created, again.created, again.id) == (True, False, first.id)
    assert [p.name for p in again.details.visitees] == ["吳欣怡"]
    assert await _count(world, Visit) == 1
    assert await _count(world, AuditEntry) == 1


async def test_another_persons_key_is_refused(world: World) -> None:
    await _record(world, "head71", student_draft(world, "mine"))
    with pytest.raises(VisitRejected, match="not_allowed"):
        await _record(world, "subj71", student_draft(world, "mine"))


async def test_concurrent_saves_on_two_sessions_write_one_visit(world: World) -> None:
    scope = await world.scope("head71")
    draft = student_draft(world, "race", opinions=[("意見", world.category())])

    async def save() -> Any:
        async with world.store.sessions() as session:
            return await record_visit(session=session, scope=scope, draft=draft, campaign=world.campaign,
                                      now=NOW)

    results = await asyncio.gather(save(), save())
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].id == results[1].id
    assert (await _count(world, Visit), await _count(world, Opinion)) == (1, 1)


async def test_losing_the_race_on_the_unique_key_returns_the_winner(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = await _record(world, "head71", student_draft(world, "race"))
    # No look before writing (it would cost every save a statement): the loser's insert fails on the
    # unique key, it rolls back, looks once and returns the winner.
    real = visits_module._visit_by_key
    looks: list[str] = []

    async def counted(session: Any, key: str) -> Visit | None:
        looks.append(key)
        return await real(session, key)

    monkeypatch.setattr(visits_module, "_visit_by_key", counted)
    late = student_draft(world, "race", opinions=[("意見", world.category())])
    loser = await _record(world, "head71", late)
    assert (loser.created, loser.id, looks) == (False, winner.id, ["race"])
    assert loser.details.opinions == ()  # the winner's content, not the loser's
    assert (await _count(world, Visit), await _count(world, Opinion)) == (1, 0)
    assert await _count(world, AuditEntry) == 1


async def test_a_saved_key_stands_even_when_its_draft_would_now_be_refused(world: World) -> None:
    first = await _record(world, "head71", student_draft(world, "kept"))
    # Redelivered with a draft that no longer passes (a student not in the class): still the visit.
    again = await _record(world, "head71", student_draft(world, "kept", "c72kid"))
    assert (again.created, again.id) == (False, first.id)
    assert await _count(world, Visit) == 1


async def _edit(world: World, who: str, visit_id: int, draft: VisitDraft, now: datetime = NOW) -> Any:
    scope = await world.scope(who)
    async with world.store.sessions() as session:
        return await edit_visit(session=session, scope=scope, visit_id=visit_id, draft=draft,
                                campaign=world.campaign, now=now)


async def test_an_edit_keeps_the_earlier_version_and_coverage_follows_the_current_one(world: World) -> None:
    saved = await _record(world, "head71", student_draft(
        world, "e", "wu", opinions=[("保留", world.category()), ("刪去", world.category())],
        follow_up=FollowUpWish.ONE_WEEK, private_notes="秘密"))
    kept_opinion = saved.details.opinions[0].id
    assert (await _visited(world))["wu"]
    later = NOW + timedelta(hours=1)
    edited = await _edit(world, "head71", saved.id, student_draft(
        world, "ignored", "dai", "shen", opinions=[("保留", world.category()), ("新增", world.category(1))],
        follow_up=FollowUpWish.NONE), later)
    assert (edited.version, edited.one_on_one, edited.updated_at) == (2, False, later)
    assert sorted(p.name for p in edited.visitees) == ["戴詩涵", "沈志明"]
    assert [o.text for o in edited.opinions] == ["保留", "新增"]
    assert edited.opinions[0].id == kept_opinion  # unchanged opinions keep their row
    assert edited.follow_up_due is None and await _count(world, FollowUp) == 0
    visited = await _visited(world)
    assert (visited["wu"], visited["dai"], visited["shen"]) == (False, True, True)

    scope = await world.scope("head71")
    async with world.store.sessions() as session:
        versions = await visit_versions(session=session, scope=scope, visit_id=saved.id)
    assert [v.version for v in versions] == [1]
    old = versions[0].snapshot
    assert old["visitee_ids"] == [world.students["wu"]]
    assert old["opinions"] == sorted([["保留", world.category()], ["刪去", world.category()]])
    assert (old["follow_up"], old["private_notes"], old["one_on_one"]) == ("1w", "秘密", True)
    async with world.store.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert actions == ["visit_recorded", "visit_edited"]


async def test_submitting_the_same_edit_again_makes_no_new_version(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "e"))
    draft = student_draft(world, "e", "dai", follow_up=FollowUpWish.TWO_WEEKS,
                          opinions=[("a", world.category()), ("b", world.category())])
    first = await _edit(world, "head71", saved.id, draft)
    reordered = draft.model_copy(update={"opinions": tuple(reversed(draft.opinions))})
    second = await _edit(world, "head71", saved.id, reordered)
    assert first.version == second.version == 2
    assert await _count(world, VisitVersion) == 1
    # The saved card's own content, as a draft, is no change either.
    third = await _edit(world, "head71", saved.id, second.as_draft("x"))
    assert third.version == 2


async def test_only_the_visitor_edits_and_deleted_visits_are_gone(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "e"))
    with pytest.raises(VisitRejected, match="not_yours"):
        await _edit(world, "subj71", saved.id, student_draft(world, "e"))
    with pytest.raises(VisitRejected, match="kind_mismatch"):
        await _edit(world, "head71", saved.id, teacher_draft(world, "e"))
    with pytest.raises(VisitRejected, match="not_found"):
        await _edit(world, "head71", 999_999, student_draft(world, "e"))
    scope = await world.scope("head71")
    async with world.store.sessions() as session:
        await delete_visit(session=session, scope=scope, visit_id=saved.id, now=NOW)
    with pytest.raises(VisitRejected, match="not_found"):
        await _edit(world, "head71", saved.id, student_draft(world, "e", "dai"))


async def test_an_edit_is_checked_like_a_new_visit(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "e"))
    with pytest.raises(VisitRejected, match="student_inactive"):
        await _edit(world, "head71", saved.id, student_draft(world, "e", "left"))
    moved = await _edit(world, "head71", saved.id, student_draft(world, "e", visit_date=date(2026, 12, 2)))
    assert moved.out_of_phase


async def test_delete_is_soft_cancels_the_follow_up_and_uncovers_the_student(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "d", follow_up=FollowUpWish.ONE_WEEK))
    scope = await world.scope("head71")
    with pytest.raises(VisitRejected, match="not_yours"):
        async with world.store.sessions() as session:
            await delete_visit(session=session, scope=await world.scope("subj71"), visit_id=saved.id, now=NOW)
    async with world.store.sessions() as session:
        await delete_visit(session=session, scope=scope, visit_id=saved.id, now=NOW)
        await delete_visit(session=session, scope=scope, visit_id=saved.id, now=NOW)  # again: nothing
        assert await get_visit(session=session, scope=scope, visit_id=saved.id) is None
        visit = await session.get(Visit, saved.id)
        follow_up = await session.scalar(select(FollowUp))
        versions = await visit_versions(session=session, scope=scope, visit_id=saved.id)
        recent = await recent_visits(session=session, scope=scope, now=NOW)
    assert visit is not None and visit.deleted_at == NOW and visit.version == 2
    assert follow_up is not None and follow_up.cancelled_at == NOW
    assert [v.version for v in versions] == [1]
    assert recent == []
    assert not (await _visited(world))["wu"]


async def test_who_may_read_a_visit(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "r", "shen", private_notes="秘密"))
    interview = await _record(world, "cadre", teacher_draft(world, "i", "subj71", private_notes="談話"))

    async def read(who: str, visit_id: int) -> Any:
        async with world.store.sessions() as session:
            return await get_visit(session=session, scope=await world.scope(who), visit_id=visit_id)

    own = await read("head71", saved.id)
    assert own is not None and own.private_notes == "秘密"
    colleague = await read("subj71", saved.id)  # teaches the class: sees the visit, not the notes
    assert colleague is not None and colleague.private_notes is None
    assert colleague.visitees[0].focus == ("psychological",)
    assert await read("head72", saved.id) is None  # another class
    assert await read("headB", saved.id) is None  # another school
    grade_head = await read("grade7", saved.id)
    assert grade_head is not None and grade_head.private_notes is None

    assert (await read("cadre", interview.id)).private_notes == "談話"
    leader_view = await read("leader", interview.id)
    assert leader_view is not None and leader_view.visitees[0].focus == ("talent",)
    assert await read("grade7", interview.id) is None  # grade heads do not see teachers' interviews
    assert await read("subj71", interview.id) is None  # not even the interviewed teacher
    district = await read("office", interview.id)
    assert district is not None and district.private_notes is None


async def test_the_situation_is_shared_stripped_and_an_edit_of_it_alone_is_a_version(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "s", situation="  家裡有困難  ",
                                                         private_notes="秘密"))
    assert saved.details.situation == "家裡有困難"
    async with world.store.sessions() as session:
        colleague = await get_visit(session=session, scope=await world.scope("subj71"), visit_id=saved.id)
    assert colleague is not None and colleague.situation == "家裡有困難" and colleague.private_notes is None
    same = await _edit(world, "head71", saved.id, saved.details.as_draft("x"))
    assert same.version == 1  # nothing changed
    edited = await _edit(world, "head71", saved.id, student_draft(world, "s", situation="已好轉",
                                                                  private_notes="秘密"))
    assert (edited.version, edited.situation) == (2, "已好轉")


async def test_versions_hide_private_notes_from_others(world: World) -> None:
    saved = await _record(world, "head71", student_draft(world, "v", private_notes="秘密"))
    await _edit(world, "head71", saved.id, student_draft(world, "v", "dai", private_notes="秘密"))
    async with world.store.sessions() as session:
        theirs = await visit_versions(session=session, scope=await world.scope("subj71"), visit_id=saved.id)
        stranger = await visit_versions(session=session, scope=await world.scope("headB"), visit_id=saved.id)
    assert [v.snapshot["private_notes"] for v in theirs] == [None]
    assert stranger == []


async def test_recent_visits_are_own_newest_first_paged_and_editable_for_48_hours(world: World) -> None:
    old = await _record(world, "head71", student_draft(world, "1", visit_date=date(2026, 12, 17)),
                        NOW - timedelta(days=3))
    group = await _record(world, "head71", student_draft(world, "2", "wu", "dai", "shen", "wang1", "wang2"))
    await _record(world, "subj71", student_draft(world, "3"))
    scope = await world.scope("head71")
    async with world.store.sessions() as session:
        page = await recent_visits(session=session, scope=scope, now=NOW, limit=1)
        rest = await recent_visits(session=session, scope=scope, now=NOW, limit=5, before_id=page[-1].id)
    assert [v.id for v in page] == [group.id] and [v.id for v in rest] == [old.id]
    newest = page[0]
    assert (newest.visitee_count, len(newest.visitee_names), newest.one_on_one) == (5, 3, False)
    assert newest.class_name == "七年級1班" and newest.editable
    assert not rest[0].editable and rest[0].one_on_one
