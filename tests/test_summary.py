"""The weekly summary's figures (reports.summary) against a small district, computed by hand."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import select

from reports import coverage_view as cv
from reports.summary import Unit, load_summary
from store.campaign import CampaignConfig, current_campaign
from store.installation import StoreHandle
from store.models import FollowUp, Opinion, OpinionCategory
from tests.bot_district import District, seed_district
from tests.builders import add_class, add_grade, add_school, add_student, add_visit

MONDAY = date(2026, 12, 21)  # the week: 15–21 December; the visit phase: 16 Dec – 28 Feb (75 days)


@dataclass
class Seeded:
    d: District
    second: int
    config: CampaignConfig


async def seeded(store: StoreHandle) -> Seeded:
    """Class A (S1–S5), B (S6), C (S7–S9, nobody visited) in 第一中學; 第二中學 with one student, unvisited.

    Visits: S4 one-on-one on 1 Dec, S1 one-on-one on 12 Dec, S2+S3 together on 16 Dec, S6 one-on-one
    on 17 Dec. Opinions: two 教學 on the 16th's visit, one 管理 on the 17th's, one on the 12th's (the
    week before). Follow-ups: due 20 Dec (overdue on the 21st), 25 Dec (due), 30 Dec (after the
    coming week).
    """
    d = await seed_district(store)
    now = datetime(2026, 12, 21, 0, 0, tzinfo=UTC)
    async with store.sessions() as session:
        categories = await session.scalars(select(OpinionCategory.id).order_by(OpinionCategory.position))
        teaching, management = list(categories)[:2]
        klass_c = await add_class(session, d.school, await _grade_of(session, d), "七年級3班")
        for ext, name in [("S7", "林一"), ("S8", "林二"), ("S9", "林三")]:
            await add_student(session, ext, name, klass_c)
        second = await add_school(session, "第二中學")
        g2 = await add_grade(session, second, "七年級")
        c2 = await add_class(session, second, g2, "七年級1班")
        await add_student(session, "S90", "何北", c2)
        s = d.students
        await add_visit(session, d.staff["head"], "student", students=[s["S4"]], visit_date=date(2026, 12, 1))
        v12 = await add_visit(session, d.staff["head"], "student", students=[s["S1"]],
                              visit_date=date(2026, 12, 12))
        v16 = await add_visit(session, d.staff["head"], "student", students=[s["S2"], s["S3"]],
                              visit_date=date(2026, 12, 16))
        v17 = await add_visit(session, d.staff["subject"], "student", students=[s["S6"]],
                              visit_date=date(2026, 12, 17))
        session.add_all([
            Opinion(visit_id=v16, category_id=teaching, text="a", created_at=now),
            Opinion(visit_id=v16, category_id=teaching, text="b", created_at=now),
            Opinion(visit_id=v17, category_id=management, text="c", created_at=now),
            Opinion(visit_id=v12, category_id=management, text="d", created_at=now),
            FollowUp(visit_id=v16, person_kind="student", person_id=s["S2"], due_date=date(2026, 12, 20)),
            FollowUp(visit_id=v17, person_kind="student", person_id=s["S6"], due_date=date(2026, 12, 25)),
            FollowUp(visit_id=v12, person_kind="student", person_id=s["S1"], due_date=date(2026, 12, 30)),
        ])
        await session.commit()
        campaign = await current_campaign(session=session)
    assert campaign is not None
    return Seeded(d, second, campaign.config)


async def _grade_of(session: object, d: District) -> int:
    from store.models import SchoolClass

    klass = await session.get(SchoolClass, d.class_a)  # type: ignore[attr-defined]
    return int(klass.grade_id)


async def test_a_schools_week_by_hand(store: StoreHandle) -> None:
    s = await seeded(store)
    summary = await load_summary(sessions=store.sessions, config=s.config, today=MONDAY,
                                 base=cv.ViewRef(cv.ViewKind.SCHOOL, s.d.school))
    assert summary is not None and not summary.district
    assert (summary.week_start, summary.day) == (date(2026, 12, 15), MONDAY)
    assert (summary.visits_week, summary.visits_total) == (2, 4)  # the 16th and 17th; and 1st, 12th
    st = summary.students
    assert (st.total, st.visited, st.one_on_one) == (9, 5, 3)
    assert (summary.visited_percent, summary.one_on_one_percent) == (56, 33)  # 5/9, 3/9
    # A week before (end of the 14th): S4 and S1, both one-on-one: 2/9 = 22 % each.
    assert (summary.coverage_points, summary.one_on_one_points) == (34, 11)
    # 6 of 75 days gone: class C (0 of 3 visited) is below 3 × 6/75; A and B are above the line.
    assert summary.units == (
        Unit("七年級1班", 80, 40, False), Unit("七年級2班", 100, 100, False), Unit("七年級3班", 0, 0, True),
    )
    assert summary.on_track == 2
    assert [(o.category, o.count) for o in summary.opinions] == [("教學", 2), ("管理", 1)]
    assert (summary.follow_ups.overdue, summary.follow_ups.due, summary.follow_ups_by) == (
        1, 1, date(2026, 12, 27))
    assert summary.view.change.visits == summary.visits_week  # the same 7 days as /coverage


async def test_the_districts_week_is_per_school(store: StoreHandle) -> None:
    s = await seeded(store)
    summary = await load_summary(sessions=store.sessions, config=s.config, today=MONDAY, base=cv.DISTRICT)
    assert summary is not None and summary.district
    assert (summary.students.total, summary.visited_percent, summary.one_on_one_percent) == (10, 50, 30)
    assert summary.units == (Unit("第一中學", 56, 33, False), Unit("第二中學", 0, 0, True))
    assert summary.opinions_total == 3 and summary.visits_total == 4


async def test_nothing_to_sum_up_in_an_empty_district(store: StoreHandle) -> None:
    async with store.sessions() as session:
        campaign = await current_campaign(session=session)
    assert campaign is not None
    empty = await load_summary(sessions=store.sessions, config=campaign.config, today=MONDAY,
                               base=cv.DISTRICT)
    assert empty is None


async def test_a_long_summary_keeps_the_caption_short_and_sends_the_rest_as_text(store: StoreHandle) -> None:
    from bot.i18n import translator
    from bot.summary import CAPTION_LIMIT, outbox_rows, render
    from store.vocab import Locale

    s = await seeded(store)
    summary = await load_summary(sessions=store.sessions, config=s.config, today=MONDAY, base=cv.DISTRICT)
    assert summary is not None
    many = replace(summary, units=tuple(Unit(f"第{n}中學", n % 100, n % 50, n % 3 == 0) for n in range(60)))
    parts = render(translator(Locale.EN), many, late_on=date(2026, 12, 21))
    assert len(parts.caption) <= CAPTION_LIMIT
    assert parts.caption.startswith("⏰ Late: this was due on 2026-12-21")
    assert "Schools on track: 40 of 60." not in parts.caption
    text = "\n".join(parts.texts)
    assert text.startswith("Schools on track: 40 of 60.\n⚠️ 第0中學")  # lagging schools first
    assert all(f"第{n}中學:" in text for n in range(60))
    rows = outbox_rows(-100, "2026-W52", parts)
    assert [(r.kind, r.period) for r in rows] == [("weekly_summary", "2026-W52")] + [
        ("weekly_summary", f"2026-W52:text{n}") for n in range(1, len(parts.texts) + 1)]
    assert "photo_b64" in rows[0].payload and rows[0].payload["caption"] == parts.caption
    short = render(translator(Locale.EN), summary)
    assert short.texts == () and "Schools on track: 1 of 2." in short.caption
