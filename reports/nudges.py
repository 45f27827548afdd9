"""Which classes are behind the pace, for the class nudges (pure, except :func:`class_paces`).

The pace: to reach the targets by the end of the visit phase (the school's own dates where it set
them; a school outside its visit phase has no class to nudge), a class should have covered, by the end
of day ``d`` of an ``n``-day phase, ``d / n`` of each target: ``visited ≥ total × coverage target ×
d / n`` and ``one-on-one ≥ total × one-on-one target × d / n``. A class below either line is behind;
one with no counted students (all exempt) is never behind. Compared exactly, with fractions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from reports.coverage import DistrictCoverage, StudentFigures, coverage_report
from store.campaign import CampaignConfig, Targets
from store.phases import PhaseDates, own_phase_dates, phase_window, with_own

VISIT_PHASE = "visit"


def elapsed_share(start: date, end: date, today: date) -> Fraction:
    """The share of the phase gone by the end of ``today``: 0 before it starts, 1 from its last day."""
    days = (end - start).days + 1
    done = (today - start).days + 1
    return Fraction(min(max(done, 0), days), days)


@dataclass(frozen=True)
class ClassPace:
    """One class against the pace line. ``expected_*`` are the counts the line asks for today."""

    class_id: int
    class_name: str
    grade_name: str
    school_id: int
    school_name: str
    students: StudentFigures
    expected_visited: Fraction
    expected_one_on_one: Fraction
    phase_end: date | None = None  # the end of the class's school's visit phase

    @property
    def behind(self) -> bool:
        s = self.students
        return s.total > 0 and (s.visited < self.expected_visited or s.one_on_one < self.expected_one_on_one)

    @property
    def visited_percent(self) -> int:
        return self.students.visited * 100 // self.students.total if self.students.total else 0

    @property
    def one_on_one_percent(self) -> int:
        return self.students.one_on_one * 100 // self.students.total if self.students.total else 0


def pace_of(students: StudentFigures, share: Fraction, targets: Targets) -> tuple[Fraction, Fraction]:
    """The visited and one-on-one counts the pace line asks of these students at ``share``."""
    return (
        students.total * Fraction(str(targets.student_coverage)) * share,
        students.total * Fraction(str(targets.student_one_on_one)) * share,
    )


def paces(
    coverage: DistrictCoverage, config: CampaignConfig, own: Mapping[int, Mapping[str, PhaseDates]],
    today: date,
) -> list[ClassPace]:
    """The classes of the coverage whose school is in its visit phase on ``today`` (its own dates in
    ``own``, else the campaign's), each against its school's pace line, in the coverage's order.
    Before a school's visit phase and after it, its classes are nobody's to nudge."""
    out = []
    for school in coverage.schools:
        window = school_visit_window(config, own, school.school_id)
        if window is None or not window.start <= today <= window.end:
            continue
        share = elapsed_share(window.start, window.end, today)
        for grade in school.grades:
            for c in grade.classes:
                visited, one = pace_of(c.students, share, config.targets)
                out.append(ClassPace(c.class_id, c.name, grade.name, school.school_id, school.name,
                                     c.students, visited, one, window.end))
    return out


def school_visit_window(
    config: CampaignConfig, own: Mapping[int, Mapping[str, PhaseDates]], school_id: int | None
) -> PhaseDates | None:
    """A school's visit phase: its own dates if it set them, else the campaign's (None: no such phase)."""
    mine = own.get(school_id) if school_id is not None else None
    return phase_window(with_own(config, mine), VISIT_PHASE)


@dataclass(frozen=True)
class SchoolPace:
    """A school's classes: how many are on track, and the lagging ones (for leaders and groups)."""

    school_id: int
    school_name: str
    classes: int  # with counted students
    lagging: tuple[ClassPace, ...]

    @property
    def on_track(self) -> int:
        return self.classes - len(self.lagging)


def by_school(class_paces: Sequence[ClassPace]) -> list[SchoolPace]:
    """Roll the classes up per school (classes without counted students are left out)."""
    schools: dict[int, tuple[str, list[ClassPace]]] = {}
    for p in class_paces:
        if p.students.total:
            schools.setdefault(p.school_id, (p.school_name, []))[1].append(p)
    return [
        SchoolPace(sid, name, len(items), tuple(p for p in items if p.behind))
        for sid, (name, items) in schools.items()
    ]


async def class_paces(*, session: AsyncSession, campaign: CampaignConfig, today: date) -> list[ClassPace]:
    """Every active class of the district whose school is in its visit phase on ``today``, against
    its school's pace line at the end of that day (:func:`paces`). Aggregates only: names of classes
    and schools, counts."""
    if campaign.phase(VISIT_PHASE) is None:
        return []
    own = await own_phase_dates(session=session)
    coverage = await coverage_report(session=session, scope=None, campaign=campaign, until=today)
    return paces(coverage, campaign, own, today)
