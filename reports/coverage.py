"""Coverage figures: class counts from the store rolled up into grades, schools and the district.

Everything here is plain data and pure functions, except :func:`coverage_report`, which asks the store
for the counts and rolls them up.

Ratios are ``None`` when their denominator is 0 (a class whose students are all exempt, a school
without teachers, a scope that sees no teachers): there is nothing to cover, so there is no figure,
and a target check on it is ``None`` too ("not applicable"), never a pass or a fail. Surfaces show "—".
Targets are met when ``covered / total >= target``, compared exactly (4 of 5 meets 80 %).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from reports.ordering import natural_key
from store.campaign import CampaignConfig, CampaignInfo, Targets
from store.coverage import ClassCounts, SchoolTeacherCounts, class_coverage, teacher_coverage
from store.scopes import Scope


def ratio(part: int, total: int) -> float | None:
    """``part / total``, or ``None`` when ``total`` is 0."""
    return part / total if total else None


def meets(part: int, total: int, target: float) -> bool | None:
    """Whether ``part / total >= target`` (exact, no float rounding); ``None`` when ``total`` is 0."""
    if not total:
        return None
    return Fraction(part, total) >= Fraction(str(target))


def shortfall(part: int, total: int, target: float) -> int:
    """How many more of ``total`` must be covered for ``part / total`` to meet ``target`` (0 if met)."""
    needed = Fraction(str(target)) * total
    return max(0, -(-needed.numerator // needed.denominator) - part)


def whole_percent(part: int, total: int) -> int | None:
    """``part / total`` in whole percent, rounded down (never shows a target met that is not)."""
    return part * 100 // total if total else None


@dataclass(frozen=True)
class StudentFigures:
    """Students of a class, grade, school or the district. ``total`` is net of exempt students."""

    total: int = 0
    exempt: int = 0
    visited: int = 0
    one_on_one: int = 0
    focus_total: int = 0
    focus_one_on_one: int = 0

    @property
    def coverage(self) -> float | None:
        """Share of (non-exempt) students visited at least once."""
        return ratio(self.visited, self.total)

    @property
    def one_on_one_ratio(self) -> float | None:
        """Share of (non-exempt) students visited one-on-one at least once: the 80 % rule."""
        return ratio(self.one_on_one, self.total)

    @property
    def unvisited(self) -> int:
        return self.total - self.visited

    def __add__(self, other: StudentFigures) -> StudentFigures:
        return StudentFigures(
            self.total + other.total, self.exempt + other.exempt, self.visited + other.visited,
            self.one_on_one + other.one_on_one, self.focus_total + other.focus_total,
            self.focus_one_on_one + other.focus_one_on_one,
        )


@dataclass(frozen=True)
class TeacherFigures:
    """Head and subject teachers of a school or the district, and their interviews by cadres."""

    total: int = 0
    interviewed: int = 0
    one_on_one: int = 0
    focus_total: int = 0
    focus_one_on_one: int = 0

    @property
    def coverage(self) -> float | None:
        return ratio(self.interviewed, self.total)

    @property
    def one_on_one_ratio(self) -> float | None:
        return ratio(self.one_on_one, self.total)

    def __add__(self, other: TeacherFigures) -> TeacherFigures:
        return TeacherFigures(
            self.total + other.total, self.interviewed + other.interviewed,
            self.one_on_one + other.one_on_one, self.focus_total + other.focus_total,
            self.focus_one_on_one + other.focus_one_on_one,
        )


@dataclass(frozen=True)
class TargetCheck:
    """Each campaign target: met (True), missed (False) or not applicable (None: nothing to count)."""

    student_coverage: bool | None
    student_one_on_one: bool | None  # the 80 % rule
    teacher_coverage: bool | None
    teacher_one_on_one: bool | None
    focus_one_on_one: bool | None

    @property
    def all_met(self) -> bool:
        """No target missed (targets that do not apply are ignored)."""
        return all(v is not False for v in (
            self.student_coverage, self.student_one_on_one, self.teacher_coverage,
            self.teacher_one_on_one, self.focus_one_on_one,
        ))


def check_targets(
    students: StudentFigures, teachers: TeacherFigures | None, targets: Targets
) -> TargetCheck:
    """Check figures against the campaign's targets.

    Focus people are focus students plus focus teachers, each needing a one-on-one visit.
    ``teachers=None`` (not visible, or a class or grade) makes the teacher checks ``None``.
    """
    t = teachers or TeacherFigures()
    return TargetCheck(
        student_coverage=meets(students.visited, students.total, targets.student_coverage),
        student_one_on_one=meets(students.one_on_one, students.total, targets.student_one_on_one),
        teacher_coverage=meets(t.interviewed, t.total, targets.teacher_coverage),
        teacher_one_on_one=meets(t.one_on_one, t.total, targets.teacher_one_on_one),
        focus_one_on_one=meets(
            students.focus_one_on_one + t.focus_one_on_one, students.focus_total + t.focus_total,
            targets.focus_one_on_one,
        ),
    )


@dataclass(frozen=True)
class ClassCoverage:
    class_id: int
    name: str
    students: StudentFigures
    check: TargetCheck


@dataclass(frozen=True)
class GradeCoverage:
    grade_id: int
    name: str
    classes: tuple[ClassCoverage, ...]
    students: StudentFigures
    check: TargetCheck


@dataclass(frozen=True)
class SchoolCoverage:
    """One school. ``teachers`` is None when the scope does not see this school's teachers."""

    school_id: int
    name: str
    grades: tuple[GradeCoverage, ...]
    students: StudentFigures
    teachers: TeacherFigures | None
    check: TargetCheck

    @property
    def focus_total(self) -> int:
        """Focus people (students and teachers) of the school."""
        return self.students.focus_total + (self.teachers.focus_total if self.teachers else 0)

    @property
    def focus_one_on_one(self) -> int:
        """Focus people visited one-on-one."""
        return self.students.focus_one_on_one + (self.teachers.focus_one_on_one if self.teachers else 0)


@dataclass(frozen=True)
class DistrictCoverage:
    """Everything a scope sees, with totals over it. ``teachers`` is None when it sees no teachers."""

    schools: tuple[SchoolCoverage, ...]
    students: StudentFigures
    teachers: TeacherFigures | None
    check: TargetCheck
    start: date | None = None
    end: date | None = None

    @property
    def focus_total(self) -> int:
        return sum(s.focus_total for s in self.schools)

    @property
    def focus_one_on_one(self) -> int:
        return sum(s.focus_one_on_one for s in self.schools)


def student_figures(row: ClassCounts) -> StudentFigures:
    """The figures of one class row from the store."""
    return StudentFigures(
        total=row.students, exempt=row.exempt, visited=row.visited, one_on_one=row.one_on_one,
        focus_total=row.focus_students, focus_one_on_one=row.focus_one_on_one,
    )


def teacher_figures(row: SchoolTeacherCounts) -> TeacherFigures:
    """The figures of one school's teacher row from the store."""
    return TeacherFigures(
        total=row.teachers, interviewed=row.interviewed, one_on_one=row.one_on_one,
        focus_total=row.focus_teachers, focus_one_on_one=row.focus_one_on_one,
    )


def _total_students(parts: Iterable[StudentFigures]) -> StudentFigures:
    return sum(parts, StudentFigures())


def roll_up(
    class_rows: Sequence[ClassCounts],
    teacher_rows: Sequence[SchoolTeacherCounts],
    targets: Targets,
    *,
    start: date | None = None,
    end: date | None = None,
) -> DistrictCoverage:
    """Roll class and school rows up into grades, schools and the district; schools keep the rows'
    order, grades and classes within them go by the numbers in their names (七年級 before 八年級, 2班
    before 10班: :func:`reports.ordering.natural_key`).

    A school appears if it has a class row or a teacher row; a school only seen through its teachers
    has no grades and zero students.
    """
    school_names: dict[int, str] = {}
    grades_of: dict[int, dict[int, tuple[str, list[ClassCoverage]]]] = {}
    for row in class_rows:
        school_names.setdefault(row.school_id, row.school_name)
        figures = student_figures(row)
        grade = grades_of.setdefault(row.school_id, {}).setdefault(row.grade_id, (row.grade_name, []))
        grade[1].append(ClassCoverage(row.class_id, row.class_name, figures,
                                      check_targets(figures, None, targets)))
    teachers_of = {t.school_id: teacher_figures(t) for t in teacher_rows}
    for t in teacher_rows:
        school_names.setdefault(t.school_id, t.school_name)

    schools: list[SchoolCoverage] = []
    for school_id, name in school_names.items():
        grades: list[GradeCoverage] = []
        by_name = sorted(grades_of.get(school_id, {}).items(), key=lambda g: natural_key(g[1][0]))
        for grade_id, (grade_name, classes) in by_name:
            classes.sort(key=lambda c: natural_key(c.name))
            figures = _total_students(c.students for c in classes)
            grades.append(GradeCoverage(grade_id, grade_name, tuple(classes), figures,
                                        check_targets(figures, None, targets)))
        students = _total_students(g.students for g in grades)
        teachers = teachers_of.get(school_id)
        schools.append(SchoolCoverage(school_id, name, tuple(grades), students, teachers,
                                      check_targets(students, teachers, targets)))
    students = _total_students(s.students for s in schools)
    seen = [s.teachers for s in schools if s.teachers is not None]
    teachers_total = sum(seen, TeacherFigures()) if seen else None
    return DistrictCoverage(
        schools=tuple(schools), students=students, teachers=teachers_total,
        check=check_targets(students, teachers_total, targets), start=start, end=end,
    )


async def coverage_report(
    *,
    session: AsyncSession,
    scope: Scope | None,
    campaign: CampaignInfo | CampaignConfig,
    until: date | None = None,
    school_id: int | None = None,
) -> DistrictCoverage:
    """Coverage from the campaign's start until ``until`` (inclusive; None: every visit so far).

    ``scope`` limits what is counted to what that person sees; ``scope=None`` gives the aggregates a
    group chat may see (of one school when ``school_id`` is given). The figures hold counts and the
    names of schools, grades and classes only.
    """
    config = campaign.config if isinstance(campaign, CampaignInfo) else campaign
    start = config.start
    class_rows = await class_coverage(session=session, scope=scope, start=start, end=until,
                                      school_id=school_id)
    teacher_rows = await teacher_coverage(session=session, scope=scope, start=start, end=until,
                                          school_id=school_id)
    return roll_up(class_rows, teacher_rows, config.targets, start=start, end=until)
