"""The /coverage views: what words name, and that a view never reaches outside its base."""

from __future__ import annotations

from reports import coverage_view as cv
from store.campaign import CampaignInfo
from store.installation import StoreHandle
from tests.test_coverage import Ids, campaign, d, district  # noqa: F401  (fixtures)

SCHOOL, GRADE, CLASS = cv.ViewKind.SCHOOL, cv.ViewKind.GRADE, cv.ViewKind.CLASS


async def view(store: StoreHandle, config: CampaignInfo, base: cv.ViewRef, *words: str,
               ref: cv.ViewRef | None = None) -> cv.CoverageView | None:
    return await cv.load_view(sessions=store.sessions, scope=None, config=config.config, today=d(31),
                              base=base, words=words, ref=ref)


async def test_words_name_a_school_grade_or_class(
    store: StoreHandle, district: Ids, campaign: CampaignInfo  # noqa: F811
) -> None:
    a = cv.ViewRef(SCHOOL, district["A"])
    school = await view(store, campaign, a)
    assert school is not None and school.name == "第一中學" and school.rows_kind is CLASS
    assert [r.label for r in school.rows] == ["七年級1班", "七年級2班", "八年級1班"]
    assert (school.students.total, school.students.visited, school.students.one_on_one) == (12, 9, 7)
    grade = await view(store, campaign, a, "七年級")
    assert grade is not None and grade.ref == cv.ViewRef(GRADE, district["A7"]) and grade.teachers is None
    klass = await view(store, campaign, a, "七年級2班")
    assert klass is not None and klass.school_name == "第一中學" and klass.students.visited == 5
    assert await view(store, campaign, cv.DISTRICT, "七年級") is None  # in both schools: ambiguous
    both = await view(store, campaign, cv.DISTRICT, "第二中學", "七年級1班")
    assert both is not None and both.ref == cv.ViewRef(CLASS, district["D1"])
    assert await view(store, campaign, a, "第二中學") is None  # another school, from a school's chat


async def test_a_forged_button_cannot_leave_its_chats_view(
    store: StoreHandle, district: Ids, campaign: CampaignInfo  # noqa: F811
) -> None:
    a = cv.ViewRef(SCHOOL, district["A"])
    assert await view(store, campaign, a, ref=cv.DISTRICT) is None
    assert await view(store, campaign, a, ref=cv.ViewRef(CLASS, district["D1"])) is None
    assert await view(store, campaign, a, ref=cv.ViewRef(SCHOOL, district["B"])) is None
    mine = await view(store, campaign, a, ref=cv.ViewRef(CLASS, district["C1"]))
    assert mine is not None and mine.name == "七年級1班"
    everything = await view(store, campaign, cv.DISTRICT, ref=cv.DISTRICT)
    assert everything is not None and [r.label for r in everything.rows] == ["第一中學", "第二中學"]
