"""Coverage counts (store) and figures (reports) on a district small enough to count by hand.

School A
  grade 7: C1 — s1..s5 counted (s5's exemption was revoked), s6 exempt, s7 inactive
           C2 — t1..t5
  grade 8: C3 — u1, u2;  C4 inactive (u3)
  teachers: head1 (head C1, teaches C1), subj1 (teaches C1, C2; focus), head2 (head C2),
            gh (grade head of 7 + subject teacher of C3), inactive subject teacher;
  cadres only: leader (school leader), cadre (middle cadre)
School B: grade 7: D1 — w1, w2; headB (focus), leaderB
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from reports.coverage import (
    DistrictCoverage,
    StudentFigures,
    TeacherFigures,
    check_targets,
    coverage_report,
    meets,
    ratio,
)
from store.campaign import CampaignInfo, Targets, current_campaign
from store.coverage import ClassCounts, class_coverage, teacher_coverage
from store.installation import StoreHandle
from store.scopes import scope_for
from tests.builders import (
    add_class,
    add_exemption,
    add_grade,
    add_school,
    add_staff,
    add_student,
    add_visit,
    edit_visit,
)

Ids = dict[str, int]
S, T = "student", "teacher"


def d(day: int) -> date:
    return date(2026, 12, day)


async def build(store: StoreHandle) -> Ids:
    """The district of the module docstring; returns ids by name."""
    i: Ids = {}
    async with store.sessions() as session:
        i["A"] = await add_school(session, "第一中學")
        i["B"] = await add_school(session, "第二中學")
        i["A7"] = await add_grade(session, i["A"], "七年級")
        i["A8"] = await add_grade(session, i["A"], "八年級")
        i["B7"] = await add_grade(session, i["B"], "七年級")
        i["C1"] = await add_class(session, i["A"], i["A7"], "七年級1班")
        i["C2"] = await add_class(session, i["A"], i["A7"], "七年級2班")
        i["C3"] = await add_class(session, i["A"], i["A8"], "八年級1班")
        i["C4"] = await add_class(session, i["A"], i["A8"], "八年級2班", active=False)
        i["D1"] = await add_class(session, i["B"], i["B7"], "七年級1班")
        focus = {"s1": ["psychological"], "s2": ["learning_difficulty"], "s6": ["student_cadre"],
                 "t5": ["financial_difficulty"]}
        for cls, names in (("C1", "s1 s2 s3 s4 s5 s6 s7"), ("C2", "t1 t2 t3 t4 t5"),
                           ("C3", "u1 u2"), ("C4", "u3"), ("D1", "w1 w2")):
            for n in names.split():
                i[n] = await add_student(session, n, n, i[cls], focus=focus.get(n, ()), active=n != "s7")
        await add_exemption(session, i["s6"])
        await add_exemption(session, i["s5"], revoked=True)

        async def person(key: str, school: str, roles: str, **links: Any) -> None:
            i[key] = await add_staff(session, key, key, i[school], roles.split(), **links)

        await person("head1", "A", "head_teacher subject_teacher", head_of=[i["C1"]], teaches=[i["C1"]])
        await person("subj1", "A", "subject_teacher", teaches=[i["C1"], i["C2"]], focus=["family_difficulty"])
        await person("head2", "A", "head_teacher", head_of=[i["C2"]])
        await person("gh", "A", "grade_head subject_teacher", grades=[i["A7"]], teaches=[i["C3"]])
        await person("gone", "A", "subject_teacher", active=False)
        await person("leader", "A", "school_leader", grades=[i["A7"]], focus=["talent"])
        await person("cadre", "A", "middle_cadre")
        await person("headB", "B", "head_teacher", head_of=[i["D1"]], focus=["talent"])
        await person("leaderB", "B", "school_leader")
        i["office"] = await add_staff(session, "office", "office", None, ["district_office"])

        # Student visits. C1: s1 o2o; s2+s3 group; s3 o2o on the 6th; s4 only in a deleted visit;
        # s5 visited, then the visit was edited to s1+s2; s6 exempt and s7 inactive visited o2o.
        await add_visit(session, i["head1"], S, students=[i["s1"]], visit_date=d(2))
        await add_visit(session, i["subj1"], S, students=[i["s2"], i["s3"]], form="phone", visit_date=d(3))
        await add_visit(session, i["head1"], S, students=[i["s3"]], form="home", visit_date=d(6))
        await add_visit(session, i["head1"], S, students=[i["s4"]], visit_date=d(2), deleted=True)
        edited = await add_visit(session, i["head1"], S, students=[i["s5"]], visit_date=d(4))
        await edit_visit(session, edited, at=datetime(2026, 12, 8, tzinfo=UTC), students=[i["s1"], i["s2"]])
        await add_visit(session, i["head1"], S, students=[i["s6"]], visit_date=d(2))
        await add_visit(session, i["head1"], S, students=[i["s7"]], visit_date=d(2))
        # C2: t1 o2o, logged under C1 by subj1; t2, t3 o2o; t4 o2o on the 7th; t4+t5 group.
        await add_visit(session, i["subj1"], S, students=[i["t1"]], class_id=i["C1"], visit_date=d(6))
        for n in ("t2", "t3"):
            await add_visit(session, i["head2"], S, students=[i[n]], visit_date=d(3))
        await add_visit(session, i["head2"], S, students=[i["t4"]], visit_date=d(7))
        await add_visit(session, i["head2"], S, students=[i["t4"], i["t5"]], visit_date=d(4))
        # C3: u1 o2o on the 20th; the inactive class's student too. D1: w1 o2o; w2 before the campaign.
        await add_visit(session, i["gh"], S, students=[i["u1"]], visit_date=d(20))
        await add_visit(session, i["gh"], S, students=[i["u3"]], visit_date=d(2))
        await add_visit(session, i["headB"], S, students=[i["w1"]], visit_date=d(4))
        await add_visit(session, i["headB"], S, students=[i["w2"]], visit_date=date(2026, 11, 30))

        # Teacher interviews.
        await add_visit(session, i["leader"], T, teachers=[i["head1"]], visit_date=d(3))
        await add_visit(session, i["cadre"], T, teachers=[i["subj1"], i["head2"]], visit_date=d(4))
        await add_visit(session, i["gh"], T, teachers=[i["head2"]], visit_date=d(6))
        await add_visit(session, i["gh"], T, teachers=[i["gh"]], visit_date=d(3))  # himself: no
        await add_visit(session, i["leader"], T, teachers=[i["cadre"]], visit_date=d(3))  # not a teacher
        await add_visit(session, i["leaderB"], T, teachers=[i["gh"]], visit_date=d(3))  # other school
        await add_visit(session, i["subj1"], T, teachers=[i["gh"]], visit_date=d(3))  # not a cadre
        await add_visit(session, i["leader"], T, teachers=[i["subj1"]], visit_date=d(3), deleted=True)
        await add_visit(session, i["leader"], T, teachers=[i["gone"]], visit_date=d(3))  # inactive
        await add_visit(session, i["leaderB"], T, teachers=[i["headB"]], visit_date=d(4))
        await session.commit()
    return i


@pytest.fixture
async def district(store: StoreHandle) -> Ids:
    return await build(store)


@pytest.fixture
async def campaign(store: StoreHandle) -> CampaignInfo:
    async with store.sessions() as session:
        info = await current_campaign(session=session)
    assert info is not None and info.config.start == d(1)
    return info


def counts(rows: list[ClassCounts]) -> dict[str, tuple[int, ...]]:
    """class name → (students, exempt, visited, one_on_one, focus, focus one-on-one)."""
    return {
        f"{r.school_name}/{r.class_name}": (
            r.students, r.exempt, r.visited, r.one_on_one, r.focus_students, r.focus_one_on_one
        )
        for r in rows
    }


ALL_TIME = {
    "第一中學/七年級1班": (5, 1, 3, 2, 2, 1),  # s1, s2, s3 visited; s1, s3 o2o; focus s1 ✓, s2 ✗
    "第一中學/七年級2班": (5, 0, 5, 4, 1, 0),
    "第一中學/八年級1班": (2, 0, 1, 1, 0, 0),
    "第二中學/七年級1班": (2, 0, 2, 2, 0, 0),  # w2's visit predates the campaign but no range was asked
}


async def test_class_counts_by_hand(store: StoreHandle, district: Ids) -> None:
    async with store.sessions() as session:
        rows = await class_coverage(session=session, scope=None)
    assert counts(rows) == ALL_TIME
    assert [r.grade_name for r in rows] == ["七年級", "七年級", "八年級", "七年級"]


async def test_date_range_counts_only_visits_dated_inside(store: StoreHandle, district: Ids) -> None:
    async with store.sessions() as session:
        rows = await class_coverage(session=session, scope=None, start=d(1), end=d(5))
        teachers = await teacher_coverage(session=session, scope=None, start=d(1), end=d(5))
    assert counts(rows) == {
        "第一中學/七年級1班": (5, 1, 3, 1, 2, 1),  # s3's one-on-one was on the 6th
        "第一中學/七年級2班": (5, 0, 4, 2, 1, 0),  # t1 (6th) and t4 alone (7th) fall outside
        "第一中學/八年級1班": (2, 0, 0, 0, 0, 0),
        "第二中學/七年級1班": (2, 0, 1, 1, 0, 0),
    }
    assert [(t.teachers, t.interviewed, t.one_on_one) for t in teachers] == [(4, 3, 1), (1, 1, 1)]


async def test_teacher_interviews_count_teachers_not_cadres(store: StoreHandle, district: Ids) -> None:
    async with store.sessions() as session:
        rows = await teacher_coverage(session=session, scope=None)
    a, b = rows
    # head1, subj1, head2, gh are teachers; leader and cadre only cadres; "gone" inactive.
    # Interviewed: head1 (o2o), subj1 and head2 (group), head2 o2o by gh; gh only by himself,
    # by another school's leader and by a non-cadre, so not interviewed.
    assert (a.school_name, a.teachers, a.interviewed, a.one_on_one) == ("第一中學", 4, 3, 2)
    assert (a.focus_teachers, a.focus_one_on_one) == (1, 0)  # subj1; the leader's tag is not a teacher's
    assert (b.teachers, b.interviewed, b.one_on_one, b.focus_teachers, b.focus_one_on_one) == (1, 1, 1, 1, 1)


async def test_report_rolls_up_grade_school_district(
    store: StoreHandle, district: Ids, campaign: CampaignInfo
) -> None:
    async with store.sessions() as session:
        report = await coverage_report(session=session, scope=None, campaign=campaign)
    a, b = report.schools
    grade7, grade8 = a.grades
    c1, c2 = grade7.classes
    assert c1.students == StudentFigures(total=5, exempt=1, visited=3, one_on_one=2, focus_total=2,
                                         focus_one_on_one=1)
    assert c1.students.coverage == 0.6 and c1.students.one_on_one_ratio == 0.4
    # The 80 % rule both ways: C2 has 4 of 5 one-on-one (exactly 80 %: met), C1 2 of 5 (missed).
    assert c2.check.student_one_on_one is True and c2.check.student_coverage is True
    assert c1.check.student_one_on_one is False and c1.check.student_coverage is False
    assert c1.check.teacher_coverage is None  # a class has no teacher figures
    assert grade7.students == StudentFigures(10, 1, 8, 6, 3, 1)
    assert grade8.students == StudentFigures(2, 0, 1, 1, 0, 0)
    assert a.students == StudentFigures(12, 1, 9, 7, 3, 1)
    assert a.teachers == TeacherFigures(total=4, interviewed=3, one_on_one=2, focus_total=1,
                                        focus_one_on_one=0)
    assert (a.focus_total, a.focus_one_on_one) == (4, 1)
    # School B: w2's visit of 30 November predates the campaign, so only w1 counts.
    assert b.students == StudentFigures(2, 0, 1, 1, 0, 0)
    assert b.check.teacher_coverage is True and b.check.teacher_one_on_one is True
    assert b.check.focus_one_on_one is True and b.check.student_coverage is False
    assert report.students == StudentFigures(14, 1, 10, 8, 3, 1)
    assert report.teachers == TeacherFigures(5, 4, 3, 2, 1)
    assert (report.focus_total, report.focus_one_on_one) == (5, 2)
    assert report.check.student_one_on_one is False and not report.check.all_met
    assert report.start == d(1) and report.end is None


async def test_report_until_a_date(store: StoreHandle, district: Ids, campaign: CampaignInfo) -> None:
    async with store.sessions() as session:
        report = await coverage_report(session=session, scope=None, campaign=campaign.config, until=d(5))
    assert report.students == StudentFigures(14, 1, 8, 4, 3, 1)
    assert report.teachers == TeacherFigures(5, 4, 2, 2, 1)


async def test_group_chat_of_one_school(store: StoreHandle, district: Ids, campaign: CampaignInfo) -> None:
    async with store.sessions() as session:
        report = await coverage_report(session=session, scope=None, campaign=campaign,
                                       school_id=district["B"])
    assert [s.name for s in report.schools] == ["第二中學"]
    assert report.teachers == TeacherFigures(1, 1, 1, 1, 1)


async def scoped(store: StoreHandle, staff_id: int, campaign: CampaignInfo) -> DistrictCoverage:
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=staff_id)
        assert scope is not None
        return await coverage_report(session=session, scope=scope, campaign=campaign)


async def test_a_teacher_sees_only_their_classes(
    store: StoreHandle, district: Ids, campaign: CampaignInfo
) -> None:
    head1 = await scoped(store, district["head1"], campaign)
    assert [c.name for s in head1.schools for g in s.grades for c in g.classes] == ["七年級1班"]
    assert head1.teachers is None and head1.schools[0].teachers is None
    assert head1.check.teacher_coverage is None
    assert head1.students == StudentFigures(5, 1, 3, 2, 2, 1)
    subj1 = await scoped(store, district["subj1"], campaign)
    assert subj1.students == StudentFigures(10, 1, 8, 6, 3, 1)


async def test_cadres_and_district_see_their_reach(
    store: StoreHandle, district: Ids, campaign: CampaignInfo
) -> None:
    leader = await scoped(store, district["leader"], campaign)
    assert [s.name for s in leader.schools] == ["第一中學"]
    assert leader.teachers == TeacherFigures(4, 3, 2, 1, 0)
    grade_head = await scoped(store, district["gh"], campaign)
    assert [g.name for s in grade_head.schools for g in s.grades] == ["七年級", "八年級"]
    assert grade_head.teachers is None  # grade heads do not see teachers' interviews
    office = await scoped(store, district["office"], campaign)
    assert office.students == StudentFigures(14, 1, 10, 8, 3, 1)
    assert office.teachers == TeacherFigures(5, 4, 3, 2, 1)


async def test_inactive_person_sees_nothing(
    store: StoreHandle, district: Ids, campaign: CampaignInfo
) -> None:
    gone = await scoped(store, district["gone"], campaign)
    assert gone.schools == () and gone.teachers is None
    assert gone.students == StudentFigures() and gone.check.all_met


def test_ratios_and_targets_without_a_denominator() -> None:
    assert ratio(0, 0) is None and meets(0, 0, 0.8) is None
    assert meets(4, 5, 0.8) is True and meets(3, 4, 0.8) is False and meets(8, 10, 0.8) is True
    everyone_exempt = StudentFigures(total=0, exempt=3)
    check = check_targets(everyone_exempt, None, Targets())
    assert check.student_coverage is None and check.student_one_on_one is None
    assert everyone_exempt.coverage is None and check.all_met
    assert check_targets(StudentFigures(5, 0, 5, 3), None, Targets(student_one_on_one=0.6)).all_met
