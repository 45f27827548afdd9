"""The phase everywhere, on a clock that travels through the campaign: a school's own visit phase
decides the out-of-phase flag, whether its classes are nudged and at what pace; the weekly summary
leads with the rectification items in the rectification phase and carries the evaluation figures in
the evaluation phase.

The default campaign (from 1 Dec 2026): visits 16 Dec – 28 Feb, rectification March, evaluation
1–20 April. 第一中學 keeps visiting until 14 March (its own dates) and rectifies 15–31 March;
第二中學 follows the campaign.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication
from bot.i18n import translator
from bot.summary import head_lines
from reports import coverage_view as cv
from reports.summary import load_summary
from sandbox import BotApiStandIn, User, World
from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import RectificationItem
from store.phases import set_school_phase
from store.schedule import CLASS_NUDGES
from store.scopes import scope_for
from store.visit_rules import VisitDraft
from store.visits import record_visit
from store.vocab import Locale, VisitKind
from tests.bot_district import District, seed_district
from tests.builders import add_class, add_grade, add_school, add_staff, add_student, add_visit
from tests.outbox_bot import english_speaker, fast_bot, tick

SHANGHAI = ZoneInfo("Asia/Shanghai")
OWN_VISIT_END = date(2027, 3, 14)


def at(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


@dataclass
class Two:
    d: District
    second: int
    class2: int
    head2: int
    student2: int


async def two_schools(store: StoreHandle) -> Two:
    """第一中學 (the small district, its own visit and rectification dates) and 第二中學 (one class,
    one student, its head teacher). Nobody is visited yet, except S1 of 第一中學 once in a group with S3."""
    d = await seed_district(store)
    async with store.sessions() as session:
        second = await add_school(session, "第二中學")
        grade = await add_grade(session, second, "七年級")
        class2 = await add_class(session, second, grade, "七年級1班")
        student2 = await add_student(session, "S90", "何北", class2)
        head2 = await add_staff(session, "T2001", "鄭北", second, ["head_teacher"], head_of=[class2])
        await add_visit(session, d.staff["head"], "student", students=[d.students["S1"], d.students["S3"]],
                        visit_date=date(2026, 12, 16))
        await session.commit()
        campaign = await current_campaign(session=session)
        assert campaign is not None
        for key, start, end in [("visit", date(2026, 12, 16), OWN_VISIT_END),
                                ("rectify", date(2027, 3, 15), date(2027, 3, 31))]:
            await set_school_phase(session=session, campaign=campaign, school_id=d.school, key=key,
                                   start=start, end=end, actor_staff_id=d.staff["leader"],
                                   now=datetime(2026, 12, 1, tzinfo=UTC))
    return Two(d, second, class2, head2, student2)


async def add_items(store: StoreHandle, t: Two) -> None:
    """第一中學's items: one done, one open past its deadline (10 March), one open due 30 March."""
    now = datetime(2027, 3, 1, tzinfo=UTC)
    leader = t.d.staff["leader"]
    async with store.sessions() as session:
        for title, deadline, status in [("a", date(2027, 3, 5), "done"), ("b", date(2027, 3, 10), "open"),
                                        ("c", date(2027, 3, 30), "in_progress")]:
            session.add(RectificationItem(
                school_id=t.d.school, title=title, public_title=title, goal="g", measures="m",
                owner_staff_id=leader, deadline=deadline, level="school", status=status,
                created_by=leader, created_at=now, updated_at=now))
        await session.commit()


async def test_the_out_of_phase_flag_follows_the_school_s_own_visit_phase(
    store: StoreHandle,
) -> None:
    t = await two_schools(store)
    now = at(2027, 3, 5, 10)
    async with store.sessions() as session:
        campaign = await current_campaign(session=session)
        assert campaign is not None
        head = await scope_for(session=session, staff_id=t.d.staff["head"])
        head2 = await scope_for(session=session, staff_id=t.head2)
        assert head is not None and head2 is not None
        mine = await record_visit(session=session, scope=head, campaign=campaign, now=now, draft=VisitDraft(
            client_key="own", kind=VisitKind.STUDENT, class_id=t.d.class_a,
            visitee_ids=(t.d.students["S2"],)))
        theirs = await record_visit(session=session, scope=head2, campaign=campaign, now=now,
                                    draft=VisitDraft(client_key="other", kind=VisitKind.STUDENT,
                                                     class_id=t.class2, visitee_ids=(t.student2,)))
    assert mine.details.visit_date == date(2027, 3, 5)
    assert not mine.details.out_of_phase  # inside 第一中學's own visit phase
    assert theirs.details.out_of_phase  # 第二中學's visit phase ended on 28 February


async def test_the_weekly_summary_says_what_the_phase_asks_for(store: StoreHandle) -> None:
    t = await two_schools(store)
    await add_items(store, t)
    async with store.sessions() as session:
        campaign = await current_campaign(session=session)
    assert campaign is not None
    config = campaign.config
    school = cv.ViewRef(cv.ViewKind.SCHOOL, t.d.school)
    tr = translator(Locale.EN)

    async def summary(day: date, base: cv.ViewRef) -> list[str]:
        s = await load_summary(sessions=store.sessions, config=config, today=day, base=base)
        assert s is not None
        return head_lines(tr, s, late_on=None)

    # 8 March: 第一中學 still visits (its own dates): no rectification figures; the district rectifies.
    visiting = await summary(date(2027, 3, 8), school)
    assert not any("Rectification" in line or "Evaluation" in line for line in visiting)
    district = await summary(date(2027, 3, 8), cv.DISTRICT)
    assert district[1] == "🛠 Rectification: 2 item(s) open, 0 of them overdue; 1 done."
    # 22 March: 第一中學 rectifies; its summary leads with the items, one of the open ones overdue.
    rectifying = await summary(date(2027, 3, 22), school)
    assert rectifying[0].startswith("📰 <b>第一中學</b> · weekly summary, 2027-03-16 to 2027-03-22")
    assert rectifying[1] == "🛠 Rectification: 2 item(s) open, 1 of them overdue; 1 done."
    assert rectifying[2].startswith("Visits: ")
    # 5 April: the evaluation phase: the school's score and rank; the district the top schools.
    evaluating = await summary(date(2027, 4, 5), school)
    assert not any("Rectification" in line for line in evaluating)
    assert evaluating[1].startswith("🏅 Evaluation: score ") and evaluating[1].endswith(
        " of 100, rank 1 of 2 schools.")
    top = await summary(date(2027, 4, 5), cv.DISTRICT)
    assert top[1] == "🏅 Evaluation: the top of the ranking (2 schools scored):"
    assert top[2].startswith("1. 第一中學 ") and top[3].startswith("2. 第二中學 ")
    # After the evaluation: neither.
    after = await summary(date(2027, 4, 26), school)
    assert not any("Rectification" in line or "Evaluation" in line for line in after)


@pytest.fixture
async def app(
    standin: BotApiStandIn, database_url: str, clock: FixedClock, store: StoreHandle
) -> AsyncIterator[BotApplication]:
    async with fast_bot(standin, database_url, clock) as application:
        yield application


def texts(user: User) -> list[str]:
    return [m.text for m in user.chat_log if m.from_bot and m.kind == "message"]


async def test_nudges_stop_with_each_school_s_own_visit_phase_and_the_rectification_reminders_run(
    world: World, store: StoreHandle, clock: FixedClock, standin: BotApiStandIn, database_url: str,
) -> None:
    t = await two_schools(store)
    await add_items(store, t)
    clock.set(at(2027, 2, 25, 16, 0))  # a Thursday, in both schools' visit phase
    async with fast_bot(standin, database_url, clock) as app:
        head = await english_speaker(world, store, clock, t.d.staff["head"], "Head A")
        head2 = await english_speaker(world, store, clock, t.head2, "Head B")
        leader = await english_speaker(world, store, clock, t.d.staff["leader"], "Leader")
        room = world.group("第一中學 staff", members=[leader])
        await leader.send("/bind@TwoVisitsBot", chat=room)
        await room.next_message()
        await tick(app)  # the first look at the schedules: nothing of the past is due

        clock.set(at(2027, 2, 25, 16, 30))
        assert CLASS_NUDGES in [r.kind for r in await tick(app)]
        (own,) = texts(head)
        assert "七年級1班 is behind the pace needed to reach the targets by 2027-03-14." in own
        (other,) = texts(head2)
        assert "七年級1班 is behind the pace needed to reach the targets by 2027-02-28." in other

        # 4 March: the campaign's visit phase is over; 第一中學's is not.
        clock.set(at(2027, 3, 4, 16, 30))
        assert CLASS_NUDGES in [r.kind for r in await tick(app)]
        assert len(texts(head)) == 2 and "by 2027-03-14" in texts(head)[-1]
        assert len(texts(head2)) == 1

        # 18 March: both visit phases are over: no class nudges; 第一中學 rectifies and the owner of
        # the item past its deadline is reminded.
        clock.set(at(2027, 3, 18, 16, 30))
        assert CLASS_NUDGES in [r.kind for r in await tick(app)]
        assert len(texts(head)) == 2 and len(texts(head2)) == 1
        reminder = texts(leader)[-1]
        assert reminder.startswith("⏰ Your rectification items past their deadline:") and "b" in reminder
        assert not any("behind the pace" in text for text in texts(leader)[-1:])

        # Monday 22 March: the school group's weekly summary (in zh-Hant) leads with the items.
        clock.set(at(2027, 3, 22, 8, 0))
        await tick(app)
        summary = [m for m in room.chat_log if m.from_bot and m.kind == "photo"][-1]
        lines = (summary.caption or "").splitlines()
        assert lines[0] == "📰 第一中學 · 每週小結，2027-03-16 至 2027-03-22"
        assert lines[1] == "🛠 整改：2 項未完成，其中 1 項已逾期；1 項已完成。"

        # Monday 5 April, the evaluation phase: the school's score and its rank among the two.
        clock.set(at(2027, 4, 5, 8, 0))
        await tick(app)
        summary = [m for m in room.chat_log if m.from_bot and m.kind == "photo"][-1]
        lines = (summary.caption or "").splitlines()
        assert lines[0] == "📰 第一中學 · 每週小結，2027-03-30 至 2027-04-05"
        assert lines[1].startswith("🏅 考評：得分 ") and lines[1].endswith("在 2 所學校中排第 1 名。")
        assert "第二中學" not in (summary.caption or "")  # a school group sees no other school
