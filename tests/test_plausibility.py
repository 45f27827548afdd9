"""Each plausibility flag raised by a crafted case and not by an honest one (store/plausibility.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from store.campaign import ReviewConfig
from store.clock import FixedClock
from store.installation import StoreHandle
from store.plausibility import Flag, burst_members, visit_flags
from store.reviews import ConfirmationAnswer, answer_confirmation, interviews_to_confirm, record_asks
from tests.review_world import log_visit, scope_of, seed_reviews

T0 = datetime(2026, 12, 18, 2, 0, tzinfo=UTC)  # in the visit phase (16 December on)
CONFIG = ReviewConfig(burst_visits=5, burst_minutes=10, pasted_min_chars=40)
LONG = "學生反映宿舍晚上十點以後仍然很吵，影響休息，希望學校加強宿舍管理並安排老師巡查。"


async def flags_of(store: StoreHandle, visit_ids: list[int]) -> dict[int, frozenset[Flag]]:
    async with store.sessions() as session:
        return await visit_flags(session=session, visit_ids=visit_ids, config=CONFIG)


def test_a_burst_is_a_run_of_count_within_the_window() -> None:
    t = T0
    saved = [(1, t), (2, t + timedelta(minutes=3)), (3, t + timedelta(minutes=9)),
             (4, t + timedelta(hours=1))]
    assert burst_members(saved, count=3, window=timedelta(minutes=10)) == {1, 2, 3}
    assert burst_members(saved, count=3, window=timedelta(minutes=5)) == set()


async def test_many_one_on_one_visits_saved_within_minutes_are_flagged(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    students = [d.students[s] for s in ("S1", "S2", "S3", "S4", "S5")]
    rushed = [await log_visit(store, d.staff["head"], at=T0 + timedelta(minutes=2 * n), students=(s,))
              for n, s in enumerate(students)]
    # The same five visits by another teacher, half an hour apart, and a group talk in between.
    honest = [await log_visit(store, d.staff["subject"], at=T0 + timedelta(minutes=30 * n), students=(s,))
              for n, s in enumerate(students)]
    group = await log_visit(store, d.staff["subject"], at=T0 + timedelta(minutes=31),
                            students=tuple(students))
    flags = await flags_of(store, [*rushed, *honest, group])
    assert all(flags[v] == {Flag.BURST} for v in rushed)
    assert all(flags[v] == frozenset() for v in [*honest, group])


async def test_a_visit_dated_outside_the_visit_phase_is_flagged(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    early = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],),
                            visit_date=date(2026, 12, 10))
    inside = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S2"],),
                             visit_date=date(2026, 12, 17))
    flags = await flags_of(store, [early, inside])
    assert flags == {early: {Flag.OUT_OF_PHASE}, inside: frozenset()}


async def test_identical_long_texts_in_two_visits_of_one_visitor_are_flagged(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    hour = timedelta(hours=1)
    first = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],), opinion=LONG)
    second = await log_visit(store, d.staff["head"], at=T0 + hour, students=(d.students["S2"],),
                             situation=LONG)
    # Honest: a short text repeated ("沒有意見" is what many say), the long one by a colleague once.
    short_a = await log_visit(store, d.staff["head"], at=T0 + 2 * hour, students=(d.students["S3"],),
                              opinion="沒有意見")
    short_b = await log_visit(store, d.staff["head"], at=T0 + 3 * hour, students=(d.students["S4"],),
                              opinion="沒有意見")
    colleague = await log_visit(store, d.staff["subject"], at=T0, students=(d.students["S6"],), opinion=LONG)
    flags = await flags_of(store, [first, second, short_a, short_b, colleague])
    assert flags[first] == flags[second] == {Flag.PASTED}
    assert flags[short_a] == flags[short_b] == flags[colleague] == frozenset()


async def test_a_visit_outside_the_visitors_classes_is_flagged(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    # The grade head may visit any class of their grade, though they teach none of them.
    outside = await log_visit(store, d.staff["grade_head"], at=T0, students=(d.students["S1"],))
    own = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S2"],))
    taught = await log_visit(store, d.staff["subject"], at=T0, students=(d.students["S6"],))
    flags = await flags_of(store, [outside, own, taught])
    assert flags == {outside: {Flag.OUTSIDE_CLASSES}, own: frozenset(), taught: frozenset()}


async def test_an_interview_the_teacher_disputes_is_flagged(store: StoreHandle, clock: FixedClock) -> None:
    d = await seed_reviews(store)
    clock.set(T0)
    disputed = await log_visit(store, d.staff["cadre"], at=T0, teachers=(d.staff["head"],))
    confirmed = await log_visit(store, d.staff["cadre"], at=T0, teachers=(d.staff["subject"],))
    async with store.sessions() as session:
        await record_asks(session=session, asks=await interviews_to_confirm(session=session, now=T0), now=T0)
        await session.commit()
    for teacher, visit, answer in ((d.staff["head"], disputed, ConfirmationAnswer.DISPUTED),
                                   (d.staff["subject"], confirmed, ConfirmationAnswer.CONFIRMED)):
        scope = await scope_of(store, teacher)
        async with store.sessions() as session:
            await answer_confirmation(session=session, scope=scope, visit_id=visit, answer=answer, now=T0)
    flags = await flags_of(store, [disputed, confirmed])
    assert flags == {disputed: {Flag.DISPUTED}, confirmed: frozenset()}
