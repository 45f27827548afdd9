"""Scores on the visit world, counted by hand; the two new ``[evaluation]`` keys; the ranking cut.

The visits (all dated today, 20 Dec 2026; the default weights 30/20/20/10/5/15/10/10):

- head71 visits 吳 alone (a follow-up due yesterday, not done) and 沈 (focus) with 戴 in a group
  talk (follow-up done; head72 and the school leader co-visit).
- the middle cadre interviews 林雅 (subj71, a focus teacher) one-on-one.

School A then: students 3 of 6 visited, 1 of 6 one-on-one; teachers 1 of 6 interviewed; focus
people 1 (林雅) of 3 one-on-one; follow-ups 1 of 2 done; the leader took part in 1 of 1 linked
grades; rectification (no item) and reviews (nothing checked yet) not applicable.
Score = 100 × (30·½ + 20·⅙ + 20·⅙ + 10·⅓ + 5·½ + 10·1) / (30+20+20+10+5+10) = 100 × 37.5 / 95.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from reports.coverage import StudentFigures, TeacherFigures
from reports.scores import (
    FollowUps,
    Part,
    SchoolScore,
    make_score,
    rank_schools,
    school_score,
    score_board,
    visible_board,
    weights_of,
)
from store.campaign import CampaignError, load_campaign_file
from store.models import FollowUp, InterviewConfirmation, RectificationItem, VisitCoVisitor, VisitReview
from tests.builders import add_visit
from tests.visit_world import NOW, TODAY, World, opened_world

EXAMPLE = Path(__file__).parent / "data" / "campaign.example.toml"


@pytest.fixture
async def world(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(tmp_path_factory.getbasetemp(), tmp_path) as fresh:
        yield fresh


async def visit_the_world(w: World) -> dict[str, int]:
    """The visits above; returns their ids by name."""
    wu = [w.students["wu"]]
    async with w.store.sessions() as s:
        alone = await add_visit(s, w.staff["head71"], "student", students=wu, visit_date=TODAY)
        group = await add_visit(s, w.staff["head71"], "student",
                                students=[w.students["shen"], w.students["dai"]], visit_date=TODAY)
        s.add_all([VisitCoVisitor(visit_id=group, staff_id=w.staff["head72"]),
                   VisitCoVisitor(visit_id=group, staff_id=w.staff["leader"])])
        s.add(FollowUp(visit_id=alone, person_kind="student", person_id=wu[0],
                       due_date=TODAY - timedelta(days=1)))
        s.add(FollowUp(visit_id=group, person_kind="student", person_id=w.students["shen"], due_date=TODAY,
                       done_at=NOW))
        # Not yet due, and cancelled: neither counts.
        later = await add_visit(s, w.staff["head71"], "student", students=wu, visit_date=TODAY)
        s.add(FollowUp(visit_id=later, person_kind="student", person_id=wu[0],
                       due_date=TODAY + timedelta(days=7)))
        gone = await add_visit(s, w.staff["head71"], "student", students=wu, visit_date=TODAY)
        s.add(FollowUp(visit_id=gone, person_kind="student", person_id=wu[0], due_date=TODAY,
                       cancelled_at=NOW))
        interview = await add_visit(s, w.staff["cadre"], "teacher", teachers=[w.staff["subj71"]],
                                    visit_date=TODAY)
        # Deleted: counts for nothing.
        deleted = await add_visit(s, w.staff["head71"], "student", students=[w.students["wang1"]],
                                  visit_date=TODAY, deleted=True)
        await s.commit()
    return {"alone": alone, "group": group, "later": later, "gone": gone, "interview": interview,
            "deleted": deleted}


async def test_school_class_and_teacher_scores_by_hand(world: World) -> None:
    await visit_the_world(world)
    async with world.store.sessions() as s:
        board = await score_board(session=s, campaign=world.campaign, today=TODAY)
    a = board.school(world.school_a)
    assert a is not None
    shares = {p.key: (p.done, p.total) for p in a.score.parts}
    assert shares == {
        Part.STUDENT_COVERAGE: (3, 6), Part.STUDENT_ONE_ON_ONE: (1, 6), Part.TEACHER_COVERAGE: (1, 6),
        Part.FOCUS_COVERAGE: (1, 3), Part.FOLLOW_UP_DONE: (1, 2), Part.RECTIFICATION_ON_TIME: (0, 0),
        Part.LEADER_PARTICIPATION: (1, 1), Part.REVIEW_OUTCOME: (0, 0),  # nothing checked yet
    }
    assert a.score.weight == 95
    assert a.score.value == pytest.approx(100 * 37.5 / 95)
    assert a.score.points(Part.STUDENT_COVERAGE) == pytest.approx(100 * 15 / 95)
    assert a.score.points(Part.RECTIFICATION_ON_TIME) is None
    assert a.rank == 1
    b = board.school(world.school_b)
    assert b is not None and b.score.value == 0 and b.rank == 2
    assert b.score.part(Part.FOCUS_COVERAGE).value is None  # school B has no focus people

    c71 = next(c for c in board.classes if c.class_id == world.c71)
    assert {p.key: (p.done, p.total) for p in c71.score.parts if p.total is not None} == {
        Part.STUDENT_COVERAGE: (3, 5), Part.STUDENT_ONE_ON_ONE: (1, 5), Part.FOCUS_COVERAGE: (0, 1),
        Part.FOLLOW_UP_DONE: (1, 2), Part.REVIEW_OUTCOME: (0, 0),
    }
    assert c71.score.value == pytest.approx(100 * (18 + 4 + 0 + 2.5) / 65)

    teachers = {t.staff_id: t for t in board.teachers}
    head71 = teachers[world.staff["head71"]]  # heads c71, teaches c72: 6 students, visited 3 of them
    assert (head71.score.part(Part.STUDENT_COVERAGE).done, head71.score.part(Part.STUDENT_COVERAGE).total) \
        == (3, 6)
    assert head71.score.value == pytest.approx(100 * (15 + 20 / 6 + 0 + 2.5) / 65)
    assert (head71.visits, head71.co_visits) == (4, 0)
    # A co-visitor is credited with participation only, never with coverage.
    head72 = teachers[world.staff["head72"]]
    assert head72.co_visits == 1 and head72.score.part(Part.STUDENT_COVERAGE).done == 0
    assert head72.score.value == 0
    assert world.staff["gone"] not in teachers and world.staff["leader"] not in teachers


async def test_review_outcomes_by_hand(world: World) -> None:
    """Reviews of the visits above: alone verified; the group talk returned; ``later`` returned, then
    verified after an edit; the interview never reviewed but confirmed by 林雅; the deleted visit
    verified (it counts for nothing). School A: 3 of 4 checked visits held up; c71 and head71: 2 of 3.
    Then 林雅 disputes the interview and a reviewer verifies it anyway: it no longer holds up."""
    v = await visit_the_world(world)
    reviewer = world.staff["leader"]

    def review(visit: str, outcome: str, n: int) -> VisitReview:
        return VisitReview(visit_id=v[visit], reviewer_id=reviewer, outcome=outcome, visit_version=1,
                           at=NOW + timedelta(minutes=n), comment="請補充" if outcome == "returned" else None)

    async with world.store.sessions() as s:
        s.add_all([review("alone", "verified", 1), review("group", "returned", 2),
                   review("later", "returned", 3), review("later", "verified", 4),
                   review("deleted", "verified", 5)])
        s.add(InterviewConfirmation(visit_id=v["interview"], staff_id=world.staff["subj71"], asked_at=NOW,
                                    answer="confirmed", answered_at=NOW))
        await s.commit()
        board = await score_board(session=s, campaign=world.campaign, today=TODAY)
    a = board.school(world.school_a)
    assert a is not None
    assert (a.score.part(Part.REVIEW_OUTCOME).done, a.score.part(Part.REVIEW_OUTCOME).total) == (3, 4)
    assert a.score.weight == 105
    assert a.score.value == pytest.approx(100 * (37.5 + 10 * 3 / 4) / 105)
    c71 = next(c for c in board.classes if c.class_id == world.c71)
    assert (c71.score.part(Part.REVIEW_OUTCOME).done, c71.score.part(Part.REVIEW_OUTCOME).total) == (2, 3)
    assert c71.score.value == pytest.approx(100 * (18 + 4 + 0 + 2.5 + 10 * 2 / 3) / 75)
    head71 = next(t for t in board.teachers if t.staff_id == world.staff["head71"])
    assert head71.score.value == pytest.approx(100 * (15 + 20 / 6 + 0 + 2.5 + 10 * 2 / 3) / 75)
    b = board.school(world.school_b)
    assert b is not None and b.score.part(Part.REVIEW_OUTCOME).value is None  # nothing checked there

    async with world.store.sessions() as s:
        row = await s.get(InterviewConfirmation, 1)
        assert row is not None
        row.answer = "disputed"
        s.add(review("interview", "verified", 6))
        await s.commit()
        board = await score_board(session=s, campaign=world.campaign, today=TODAY)
    a = board.school(world.school_a)
    assert a is not None
    assert (a.score.part(Part.REVIEW_OUTCOME).done, a.score.part(Part.REVIEW_OUTCOME).total) == (2, 4)


async def test_rectification_on_time_by_hand(world: World) -> None:
    """School A's plan: done the evening before its deadline (on time), done a day late, verified
    early (on time), overdue since yesterday, and one due next week (not due: counts for nothing).
    2 of 4 due items on time; school B has none due, so the part does not apply there. The campaign's zone is
    Asia/Shanghai: done at 2026-12-18 17:00 UTC is the 19th there."""
    await visit_the_world(world)
    leader = world.staff["leader"]

    def item(title: str, deadline: date, status: str, done_at: datetime | None = None) -> RectificationItem:
        return RectificationItem(
            school_id=world.school_a, title=title, public_title=title, goal="g", measures="m",
            owner_staff_id=leader, deadline=deadline, level="school", status=status, created_by=leader,
            created_at=NOW - timedelta(days=30), updated_at=NOW, done_at=done_at)

    async with world.store.sessions() as s:
        s.add_all([
            item("食堂", TODAY - timedelta(days=2), "done", datetime(2026, 12, 17, 15, 0, tzinfo=UTC)),
            item("宿舍", TODAY - timedelta(days=2), "done", datetime(2026, 12, 18, 17, 0, tzinfo=UTC)),
            item("課表", TODAY, "verified", datetime(2026, 12, 10, 2, 0, tzinfo=UTC)),
            item("路燈", TODAY - timedelta(days=1), "in_progress"),
            item("操場", TODAY + timedelta(days=7), "open"),
        ])
        await s.commit()
        board = await score_board(session=s, campaign=world.campaign, today=TODAY)
    a = board.school(world.school_a)
    assert a is not None
    part = a.score.part(Part.RECTIFICATION_ON_TIME)
    assert (part.done, part.total) == (2, 4)
    assert a.score.weight == 95 + 15
    assert a.score.value == pytest.approx(100 * (37.5 + 15 * 2 / 4) / 110)
    b = board.school(world.school_b)
    assert b is not None and b.score.part(Part.RECTIFICATION_ON_TIME).value is None
    c71 = next(c for c in board.classes if c.class_id == world.c71)
    assert c71.score.part(Part.RECTIFICATION_ON_TIME).total is None  # schools only


async def test_nothing_visited_yet_scores_zero_and_teachers_without_classes_have_no_score(
    world: World,
) -> None:
    async with world.store.sessions() as s:
        board = await score_board(session=s, campaign=world.campaign, today=TODAY)
    a = board.school(world.school_a)
    assert a is not None and a.score.value == 0
    assert a.score.part(Part.LEADER_PARTICIPATION).total == 1
    assert a.score.part(Part.FOLLOW_UP_DONE).value is None


def test_parts_not_applicable_or_weighted_zero_are_left_out_and_weights_renormalised() -> None:
    weights = {Part.STUDENT_COVERAGE: 30.0, Part.STUDENT_ONE_ON_ONE: 0.0, Part.RECTIFICATION_ON_TIME: 15.0,
               Part.TEACHER_COVERAGE: 10.0}
    score = make_score(weights, {Part.STUDENT_COVERAGE: (1, 2), Part.STUDENT_ONE_ON_ONE: (0, 2),
                                 Part.TEACHER_COVERAGE: (0, 0)})
    assert score.value == pytest.approx(50.0)  # only student coverage counts: 30·½ / 30
    assert make_score(weights, {}).value is None
    school = school_score(weights_of(_example()), StudentFigures(total=4, visited=4, one_on_one=4),
                          TeacherFigures(total=2, interviewed=1, one_on_one=1), FollowUps())
    # 30·1 + 20·1 + 20·½ over 70 (focus, follow-ups, leaders, rectification, reviews do not apply).
    assert school.value == pytest.approx(100 * 60 / 70)


def _example():  # type: ignore[no-untyped-def]
    config, _ = load_campaign_file(EXAMPLE, created_on=TODAY)
    return config


def test_equal_scores_share_a_rank_and_unscored_schools_come_last() -> None:
    w = {Part.STUDENT_COVERAGE: 1.0}

    def school(i: int, name: str, done: int, total: int) -> SchoolScore:
        return SchoolScore(i, name, make_score(w, {Part.STUDENT_COVERAGE: (done, total)}))

    ranked = rank_schools([school(1, "丙", 1, 3), school(2, "甲", 2, 4), school(3, "乙", 1, 2),
                           school(4, "丁", 0, 0), school(5, "戊", 3, 3)])
    assert [(s.name, s.rank) for s in ranked] == [("戊", 1), ("乙", 2), ("甲", 2), ("丙", 4), ("丁", None)]


async def test_the_ranking_cut_by_scope(world: World) -> None:
    await visit_the_world(world)
    async with world.store.sessions() as s:
        board = await score_board(session=s, campaign=world.campaign, today=TODAY)
    office = visible_board(board, await world.scope("office"))
    assert office is not None and office.district
    assert {s.school_id for s in office.schools} == {world.school_a, world.school_b}
    assert office.classes == () and office.teachers == ()  # schools only
    leader = visible_board(board, await world.scope("leader"))
    assert leader is not None and not leader.district and leader.of_schools == 2
    assert [s.school_id for s in leader.schools] == [world.school_a]
    assert {c.school_id for c in leader.classes} == {world.school_a}
    assert world.staff["headB"] not in {t.staff_id for t in leader.teachers}
    assert world.staff["head71"] in {t.staff_id for t in leader.teachers}
    assert visible_board(board, await world.scope("leader"), with_people=False).teachers == ()  # type: ignore[union-attr]
    for who in ("head71", "cadre", "grade7", "headB"):
        assert visible_board(board, await world.scope(who)) is None, who


def test_the_evaluation_keys_have_defaults_and_unknown_ones_are_refused(tmp_path: Path) -> None:
    config = _example()
    assert (config.evaluation.leader_participation, config.evaluation.review_outcome) == (10, 10)
    path = tmp_path / "campaign.toml"
    path.write_text("[evaluation]\nleader_participation = 3\nreview_outcome = 0\n", encoding="utf-8")
    config, _ = load_campaign_file(path, created_on=TODAY)
    weights = weights_of(config)
    assert (weights[Part.LEADER_PARTICIPATION], weights[Part.REVIEW_OUTCOME]) == (3, 0)
    assert weights[Part.STUDENT_COVERAGE] == 30
    for wrong, message in [("leader_participaton = 3", "evaluation.leader_participaton: unknown key"),
                           ("review_outcome = -1", "evaluation.review_outcome")]:
        path.write_text(f"[evaluation]\n{wrong}\n", encoding="utf-8")
        with pytest.raises(CampaignError, match=message.replace(".", r"\.")):
            load_campaign_file(path, created_on=TODAY)
