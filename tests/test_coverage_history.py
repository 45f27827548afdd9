"""Coverage over time: per-day history from the store, the 7-day change, the forecast, the trend.

The store half uses the hand-counted district of ``tests/test_coverage.py``; the pure half uses
hand-made histories.
"""

from __future__ import annotations

from datetime import date

from reports.pace import cumulative, forecast, needed, week_change, weekly_trend
from store.coverage import class_coverage
from store.coverage_history import DayCounts, student_history
from store.installation import StoreHandle
from store.scopes import scope_for
from tests.test_coverage import Ids, d, district  # noqa: F401  (the fixture)


def rows(history: list[DayCounts]) -> dict[int, tuple[int, int, int]]:
    return {h.day.day: (h.visits, h.newly_visited, h.newly_one_on_one) for h in history}


async def test_school_history_by_hand(store: StoreHandle, district: Ids) -> None:  # noqa: F811
    async with store.sessions() as session:
        a = await student_history(session=session, scope=None, start=d(1), end=d(31), school_id=district["A"])
        b = await student_history(session=session, scope=None, start=d(1), end=d(31), school_id=district["B"])
        c2 = await student_history(session=session, scope=None, start=d(1), end=d(31),
                                   class_id=district["C2"])
        g8 = await student_history(session=session, scope=None, start=d(1), end=d(31),
                                   grade_id=district["A8"])
        early = await student_history(session=session, scope=None, start=d(1), end=d(5),
                                      school_id=district["A"])
        totals = await class_coverage(session=session, scope=None, start=d(1), school_id=district["A"])
    # Deleted, exempt, inactive and edited-away visits do not count; s2 is only ever in group talks.
    assert rows(a) == {2: (1, 1, 1), 3: (3, 4, 2), 4: (2, 2, 0), 6: (2, 1, 2), 7: (1, 0, 1), 20: (1, 1, 1)}
    assert rows(b) == {4: (1, 1, 1)}  # w2's visit is dated before the campaign
    assert rows(c2) == {3: (2, 2, 2), 4: (1, 2, 0), 6: (1, 1, 1), 7: (1, 0, 1)}
    assert rows(g8) == {20: (1, 1, 1)}
    assert rows(early) == {2: (1, 1, 1), 3: (3, 4, 2), 4: (2, 2, 0)}
    # The running totals end where the coverage counts are.
    _, visited, one_on_one = cumulative(a, d(31))
    assert (visited, one_on_one) == (sum(r.visited for r in totals), sum(r.one_on_one for r in totals))


async def test_history_follows_the_scope(store: StoreHandle, district: Ids) -> None:  # noqa: F811
    async with store.sessions() as session:
        head2 = await scope_for(session=session, staff_id=district["head2"])
        gone = await scope_for(session=session, staff_id=district["gone"])
        mine = await student_history(session=session, scope=head2, start=d(1), end=d(31))
        nothing = await student_history(session=session, scope=gone, start=d(1), end=d(31))
    assert rows(mine) == {3: (2, 2, 2), 4: (1, 2, 0), 6: (1, 1, 1), 7: (1, 0, 1)}  # class C2 only
    assert nothing == []


HISTORY = [
    DayCounts(date(2026, 12, 1), visits=3, newly_visited=2, newly_one_on_one=1),
    DayCounts(date(2026, 12, 10), visits=4, newly_visited=3, newly_one_on_one=2),
    DayCounts(date(2026, 12, 15), visits=2, newly_visited=1, newly_one_on_one=1),
]
TODAY = date(2026, 12, 16)


def test_needed_is_exact() -> None:
    assert needed(5, 0.8) == 4 and needed(10, 0.8) == 8 and needed(7, 1.0) == 7 and needed(0, 0.8) == 0
    assert needed(3, 0.8) == 3  # 2 of 3 is 66 %


def test_week_change_by_hand() -> None:
    change = week_change(HISTORY, 10, TODAY)
    # The 7 days ending on the 16th are the 10th to the 16th.
    assert (change.visits, change.visited, change.one_on_one) == (6, 4, 3)
    assert (change.coverage_points, change.one_on_one_points) == (40, 30)  # 20 → 60 %, 10 → 40 %


def test_forecast_by_hand() -> None:
    late = forecast(HISTORY, 10, TODAY, coverage_target=1.0, one_on_one_target=0.8,
                    phase_end=date(2026, 12, 31))
    # 14 days: +4 visited (6 of 10 now: 4 missing → 14 days), +3 one-on-one (4 of 8: 4 missing → 19 days).
    assert late.visited_by == date(2026, 12, 30)
    assert late.one_on_one_by == date(2027, 1, 4)
    assert late.both_by == date(2027, 1, 4)
    assert not late.on_track and late.reachable and not late.met
    on_time = forecast(HISTORY, 10, TODAY, coverage_target=1.0, one_on_one_target=0.8,
                       phase_end=date(2027, 1, 31))
    assert on_time.on_track


def test_forecast_met_and_stalled() -> None:
    met = forecast(HISTORY, 5, TODAY, coverage_target=1.0, one_on_one_target=0.8, phase_end=TODAY)
    assert met.met and met.on_track and met.both_by is None  # 6 visited of 5 ≥ 100 %, 4 of 5 = 80 %
    stalled = forecast(HISTORY, 10, date(2027, 1, 31), coverage_target=1.0, one_on_one_target=0.8,
                       phase_end=date(2027, 2, 28))
    assert stalled.visited_by is None and not stalled.reachable and not stalled.on_track
    assert stalled.both_by is None


def test_weekly_trend_by_hand() -> None:
    trend = weekly_trend(HISTORY, date(2026, 12, 1), TODAY)
    got = [(p.day.day, p.visited, p.one_on_one) for p in trend]
    assert got == [(1, 2, 1), (8, 2, 1), (15, 6, 4), (16, 6, 4)]
    assert [p.day.day for p in weekly_trend(HISTORY, date(2026, 12, 1), date(2026, 12, 8))] == [1, 8]
