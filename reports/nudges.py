"""Which classes are behind the pace, for the class nudges (pure, except :func:`class_paces`).

The pace: to reach the targets by the end of the visit phase, a class should have covered, by the end
of day ``d`` of an ``n``-day phase, ``d / n`` of each target: ``visited ≥ total × coverage target ×
d / n`` and ``one-on-one ≥ total × one-on-one target × d / n``. A class below either line is behind;
one with no counted students (all exempt) is never behind. Compared exactly, with fractions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from reports.coverage import DistrictCoverage, StudentFigures, coverage_report
from store.campaign import CampaignConfig, Targets


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


def paces(coverage: DistrictCoverage, share: Fraction, targets: Targets) -> list[ClassPace]:
    """Every class of the coverage against the pace line at ``share``, in the coverage's order."""
    out = []
    for school in coverage.schools:
        for grade in school.grades:
            for c in grade.classes:
                visited, one = pace_of(c.students, share, targets)
                out.append(ClassPace(c.class_id, c.name, grade.name, school.school_id, school.name,
                                     c.students, visited, one))
    return out


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
    """Every active class of the district against the pace line at the end of ``today`` (empty when
    the campaign has no visit phase). Aggregates only: names of classes and schools, counts."""
    phase = campaign.phase("visit")
    if phase is None:
        return []
    coverage = await coverage_report(session=session, scope=None, campaign=campaign, until=today)
    return paces(coverage, elapsed_share(phase.start, phase.end, today), campaign.targets)
