"""Schedules in the campaign's time zone, quiet hours, and the pace line of the class nudges, on
hand-computed cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from reports.coverage import StudentFigures
from reports.nudges import ClassPace, by_school, elapsed_share, pace_of
from store.campaign import CampaignConfig, Targets, default_dates, parse_campaign
from store.schedule import (
    CLASS_NUDGES,
    WEEKLY_SUMMARY,
    latest_occurrence,
    parse_quiet_hours,
    period_key,
    quiet_until,
)
from store.schedule import due_runs as _due_runs

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The default campaign of a database created in December 2026: visit phase 16 Dec – 28 Feb (75 days).
CAMPAIGN: CampaignConfig = parse_campaign(default_dates(date(2026, 12, 1)), created_on=date(2026, 12, 1),
                                          source="test")


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def due(now: datetime, since: datetime = local(2026, 12, 1), done: tuple[tuple[str, str], ...] = ()
        ) -> list[tuple[str, str, bool]]:
    return [(r.kind, r.period, r.late) for r in _due_runs(CAMPAIGN, now=now, since=since, done=done)]


def test_the_latest_occurrence_is_in_the_campaigns_time_zone() -> None:
    at = local(2026, 12, 17, 16, 30)
    assert latest_occurrence("THU 16:30", at, SHANGHAI) == at  # the very minute counts
    assert latest_occurrence("THU 16:30", at - timedelta(minutes=1), SHANGHAI) == local(2026, 12, 10, 16, 30)
    # 08:29 UTC on Thursday is 16:29 in Shanghai: not yet.
    utc = datetime(2026, 12, 17, 8, 29, tzinfo=UTC)
    assert latest_occurrence("THU 16:30", utc, SHANGHAI) == local(2026, 12, 10, 16, 30)
    assert latest_occurrence("MON 08:00", local(2026, 12, 20, 12), SHANGHAI) == local(2026, 12, 14, 8)
    assert period_key(local(2026, 12, 17, 16, 30), SHANGHAI) == "2026-W51"
    assert period_key(local(2027, 1, 1), SHANGHAI) == "2026-W53"  # ISO weeks cross the new year


@pytest.mark.parametrize(("now", "until"), [
    (local(2026, 12, 1, 22, 15), local(2026, 12, 2, 7, 0)),
    (local(2026, 12, 2, 6, 59), local(2026, 12, 2, 7, 0)),
    (local(2026, 12, 1, 21, 30), local(2026, 12, 2, 7, 0)),
    (local(2026, 12, 1, 21, 29), None),
    (local(2026, 12, 2, 7, 0), None),
    (local(2026, 12, 2, 12, 0), None),
])
def test_quiet_hours_span_midnight(now: datetime, until: datetime | None) -> None:
    assert quiet_until(CAMPAIGN, now) == until


def test_a_quiet_window_inside_one_day() -> None:
    window = parse_quiet_hours("12:00-13:30")
    assert window.contains(local(2026, 1, 1, 12, 0).time())
    assert not window.contains(local(2026, 1, 1, 13, 30).time())


def test_what_is_due_comes_from_the_runs_done_and_the_campaign() -> None:
    # Thursday 17 December, 16:31: the nudges of week 51 (visit phase), and Monday's summary of week 51.
    now = local(2026, 12, 17, 16, 31)
    assert due(now) == [(CLASS_NUDGES, "2026-W51", False), (WEEKLY_SUMMARY, "2026-W51", True)]
    # Done ones are not due again; nor occurrences before the installation looked at its schedules.
    assert due(now, done=((CLASS_NUDGES, "2026-W51"), (WEEKLY_SUMMARY, "2026-W51"))) == []
    assert due(now, since=local(2026, 12, 17, 16, 31)) == []
    # The nudge run spans the campaign (each school is nudged inside its own visit phase, which the
    # job decides; reminders of rectification items ride on it later): Thursday 10 December too.
    assert due(local(2026, 12, 10, 17)) == [
        (CLASS_NUDGES, "2026-W50", True), (WEEKLY_SUMMARY, "2026-W50", True)]
    # After downtime only the latest occurrence is caught up, marked late.
    assert due(local(2027, 1, 1, 9), done=((WEEKLY_SUMMARY, "2026-W53"),)) == [
        (CLASS_NUDGES, "2026-W53", True)
    ]
    # After the campaign (30 April) no more nudge runs; the summary reports the last week.
    assert [k for k, _, _ in due(local(2027, 3, 4, 17))] == [CLASS_NUDGES, WEEKLY_SUMMARY]
    assert [k for k, _, _ in due(local(2027, 5, 6, 17))] == [WEEKLY_SUMMARY]


def test_the_share_of_the_visit_phase_gone_by() -> None:
    start, end = date(2026, 12, 16), date(2027, 2, 28)
    assert elapsed_share(start, end, date(2026, 12, 15)) == 0
    assert elapsed_share(start, end, date(2026, 12, 16)) == Fraction(1, 75)
    assert elapsed_share(start, end, date(2026, 12, 24)) == Fraction(9, 75)
    assert elapsed_share(start, end, date(2027, 3, 1)) == 1


def pace(visited: int, one: int, total: int, share: Fraction = Fraction(9, 75)) -> ClassPace:
    figures = StudentFigures(total=total, visited=visited, one_on_one=one)
    expected_visited, expected_one = pace_of(figures, share, Targets())
    return ClassPace(1, "七年級1班", "七年級", 1, "第一中學", figures, expected_visited, expected_one)


@pytest.mark.parametrize(("visited", "one", "total", "behind"), [
    # 24 December, day 9 of 75: 25 students need 25 × 9/75 = 3 visited and 25 × 0.8 × 9/75 = 2.4
    # one-on-one.
    (3, 3, 25, False),
    (3, 2, 25, True),  # 2 < 2.4
    (2, 2, 25, True),  # 2 < 3 visited
    (25, 20, 25, False),  # the targets met
    (0, 0, 0, False),  # everybody exempt: nothing to cover
])
def test_behind_the_pace(visited: int, one: int, total: int, behind: bool) -> None:
    assert pace(visited, one, total).behind is behind


def test_a_school_counts_its_classes_on_track() -> None:
    schools = by_school([pace(3, 3, 25), pace(0, 0, 25), pace(0, 0, 0)])
    assert [(s.classes, s.on_track, len(s.lagging)) for s in schools] == [(2, 1, 1)]
    lagging = schools[0].lagging[0]
    assert (lagging.visited_percent, lagging.one_on_one_percent) == (0, 0)
    assert (pace(7, 3, 21).visited_percent, pace(7, 3, 21).one_on_one_percent) == (33, 14)
