"""Phases: where a school stands (pure), a school's own dates inside the campaign's (audited), and
/phase end to end: a teacher sees the current phase, a school leader shifts the school's dates, a
teacher may not, a bound group sees its school's phases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.app import BotApplication
from reports.phase_status import phase_status
from sandbox import World
from store.installation import StoreHandle
from store.models import AuditEntry
from store.phases import PhaseDates, PhaseRefusal, phases_of, reset_school_phase, set_school_phase
from tests.bot_district import person
from tests.conftest import FixedClock
from tests.visit_world import build_world

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PHASES = [PhaseDates("mobilize", date(2026, 4, 1), date(2026, 4, 15)),
          PhaseDates("visit", date(2026, 4, 16), date(2026, 6, 30)),
          PhaseDates("rectify", date(2026, 7, 1), date(2026, 7, 31))]


def test_the_status_counts_today_in_the_days_left_and_finds_the_next_phase() -> None:
    s = phase_status(PHASES, date(2026, 6, 30))
    assert s.current == PHASES[1] and s.days_left == 1
    assert s.next == PHASES[2] and s.days_to_next == 1 and not s.finished
    before = phase_status(PHASES, date(2026, 3, 30))
    assert before.current is None and before.next == PHASES[0] and before.days_to_next == 2
    after = phase_status(PHASES, date(2026, 8, 1))
    assert after.current is None and after.next is None and after.finished
    gap = [PHASES[0], PhaseDates("visit", date(2026, 4, 20), date(2026, 6, 30))]
    assert phase_status(gap, date(2026, 4, 17)).current is None


async def test_a_school_shifts_its_own_dates_inside_the_campaign_and_it_is_audited(
    store: StoreHandle,
) -> None:
    r = await build_world(store)
    leader = r.staff["leader"]
    async with store.sessions() as s:
        visit = next(p for p in await phases_of(session=s, campaign=r.campaign, school_id=None)
                     if p.key == "visit")
        assert visit == PhaseDates("visit", date(2026, 12, 16), date(2027, 2, 28))
        common = {"session": s, "campaign": r.campaign, "school_id": r.school_a, "actor_staff_id": leader,
                  "now": NOW}
        assert await set_school_phase(key="visit", start=date(2026, 12, 1), end=date(2026, 11, 30),
                                      **common) is PhaseRefusal.START_AFTER_END
        assert await set_school_phase(key="visit", start=date(2026, 11, 1), end=date(2026, 12, 30),
                                      **common) is PhaseRefusal.OUTSIDE_CAMPAIGN
        assert await set_school_phase(key="party", start=date(2026, 12, 1), end=date(2026, 12, 30),
                                      **common) is PhaseRefusal.UNKNOWN_PHASE
        shifted = await set_school_phase(key="visit", start=date(2026, 12, 10), end=date(2027, 2, 15),
                                         **common)
        assert shifted == PhaseDates("visit", date(2026, 12, 10), date(2027, 2, 15), own=True)
        mine = await phases_of(session=s, campaign=r.campaign, school_id=r.school_a)
        other = await phases_of(session=s, campaign=r.campaign, school_id=r.school_b)
        assert [p for p in mine if p.own] == [shifted]
        assert not any(p.own for p in other)
        assert await reset_school_phase(session=s, campaign=r.campaign, school_id=r.school_a, key="visit",
                                        actor_staff_id=leader, now=NOW)
        assert not any(p.own for p in await phases_of(session=s, campaign=r.campaign, school_id=r.school_a))
        entries = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "phase_dates")
                                   .order_by(AuditEntry.id))).all()
    assert [(e.actor_staff_id, e.object_id, (e.detail or {}).get("reset", False)) for e in entries] == [
        (leader, r.school_a, False), (leader, r.school_a, True)]


async def test_phase_in_private_and_in_a_group(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    r = await build_world(store)
    teacher = await person(world, store, clock, r.staff["head71"], "Peng")
    await teacher.send("/phase")
    text = (await teacher.next_message()).text
    assert "第一中學 · phases on 2026-12-01" in text
    assert "Now: Mobilisation (宣傳發動), 2026-12-01 – 2026-12-15; 15 day(s) left" in text
    assert "Next: Visits (訪談交流) from 2026-12-16, in 15 day(s)." in text
    assert "/phase set" not in text
    await teacher.send("/phase set 1 2026-12-01 2026-12-10")
    assert "set by its school leaders" in (await teacher.next_message()).text

    leader = await person(world, store, clock, r.staff["leader"], "Li")
    await leader.send("/phase")
    assert "/phase set 2" in (await leader.next_message()).text
    await leader.send("/phase set visit 2026-11-01 2027-01-15")
    assert "inside the campaign's: 2026-12-01 to 2027-04-30" in (await leader.next_message()).text
    await leader.send("/phase set mobilize 2026-12-01 2026-12-10")
    saved = (await leader.next_message()).text
    assert saved.startswith("Saved.")
    assert "2026-12-01 – 2026-12-10; 10 day(s) left" in saved and "(the school's own dates)" in saved

    await teacher.send("/phase")
    assert "10 day(s) left" in (await teacher.next_message()).text
    office = await person(world, store, clock, r.staff["office"], "Office")
    await office.send("/phase")
    district = (await office.next_message()).text
    assert "The district · phases on" in district and "15 day(s) left" in district

    room = world.group("區 staff", members=[office, teacher])
    await office.send("/bind@TwoVisitsBot district", chat=room)
    await room.next_message()
    await teacher.send("/phase@TwoVisitsBot", chat=room)
    in_group = (await room.next_message()).text
    assert "The district · phases on" in in_group and "/phase set" not in in_group
