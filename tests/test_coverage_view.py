"""The /coverage views: what words name, and that a view never reaches outside its base."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reports import coverage_view as cv
from store.campaign import CampaignInfo
from store.installation import StoreHandle
from store.phases import PhaseDates, set_school_phase
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


async def test_the_forecast_is_held_against_the_school_s_own_visit_phase(
    store: StoreHandle, district: Ids, campaign: CampaignInfo  # noqa: F811
) -> None:
    """A school that shifted its visit phase is measured against its own end, in every view inside
    it; the district view and the other school keep the district's."""
    district_end = campaign.config.phase("visit")
    assert district_end is not None
    own_end = district_end.end + timedelta(days=10)
    assert own_end <= campaign.config.end
    async with store.sessions() as session:
        shifted = await set_school_phase(
            session=session, campaign=campaign, school_id=district["A"], key="visit",
            start=district_end.start, end=own_end, actor_staff_id=district["leader"],
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )
    assert isinstance(shifted, PhaseDates) and shifted.end == own_end
    a = cv.ViewRef(SCHOOL, district["A"])
    school = await view(store, campaign, a)
    klass = await view(store, campaign, a, "七年級2班")
    assert school is not None and klass is not None
    assert school.phase_end == klass.phase_end == own_end
    assert school.forecast.phase_end == own_end
    other = await view(store, campaign, cv.ViewRef(SCHOOL, district["B"]))
    everything = await view(store, campaign, cv.DISTRICT)
    assert other is not None and everything is not None
    assert other.phase_end == everything.phase_end == district_end.end
