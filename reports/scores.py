"""Scores (考評): per school, class and teacher, from the campaign's ``[evaluation]`` weights.

Every score is a weighted mean of *parts*, each a share ``done / total`` between 0 and 1:

- ``student_coverage``: non-exempt students visited at least once (as in ``reports/coverage.py``).
- ``student_one_on_one``: non-exempt students visited one-on-one at least once (the 80 % rule).
- ``teacher_coverage``: head and subject teachers interviewed by a cadre of their school (schools only).
- ``focus_coverage``: focus people visited one-on-one (a school: focus students and focus teachers;
  a class or a teacher: focus students).
- ``follow_up_done``: follow-ups done, of those not cancelled that are done or due by ``today``.
- ``rectification_on_time`` (schools only: an item belongs to its school): of the school's items that
  are due (done, or past their deadline), those done by their deadline, as ``reports/plan_status.py``
  defines them for the archive and the summary report; an item whose deadline has not come yet
  counts for nothing either way.
- ``leader_participation`` (schools only): (school leader, linked grade) pairs where the leader
  recorded or co-visited at least one student visit in a class of that grade.
- ``review_outcome``: of the visits supervision checked (a reviewer decided on it, or the
  interviewed teacher answered the confirmation), those that held up: latest review *verified*, or
  never reviewed and confirmed by the teacher. A return and a dispute count against (checked, not
  held up); plausibility flags count only through the reviewer's decision (they are never applied
  by themselves). A school: all its visits; a class: its student visits; a teacher: the student
  visits they recorded.

A part is *not applicable* (``value`` None, shown "—") when its denominator is 0, when it does not
apply to the level (teacher coverage of a class), or when its data does not exist yet (no item
due yet; reviews before the first check).
A part that is not applicable, or whose weight is 0, is left out of the weighted sum and the other
weights are renormalised: ``score = 100 × Σ wᵢ·vᵢ / Σ wᵢ`` over the parts that count. With no part
counting, there is no score (None). Weights need not sum to anything.

A teacher's score credits the visitor: their students' coverage counts only visits they recorded.
Joining a visit as a co-visitor counts for participation only (``co_visits``, and a school leader's
``leader_participation``), never for coverage.

Schools are ranked by score, highest first; equal scores share a rank (1, 2, 2, 4); schools without
a score come last, unranked. Everything is computed from the campaign's start to ``today``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from reports.coverage import StudentFigures, TeacherFigures, student_figures, teacher_figures
from reports.plan_status import PlanStatus, plan_status
from store.archive_rows import PlanRow, plan_rows
from store.campaign import CampaignConfig, CampaignInfo
from store.coverage import class_coverage, teacher_coverage
from store.scopes import Scope
from store.score_inputs import (
    FollowUpCounts,
    LeaderParticipation,
    ReviewCounts,
    TeacherCounts,
    follow_up_counts,
    leader_participation,
    review_counts,
    teacher_counts,
)
from store.vocab import VisitKind


class Part(StrEnum):
    """The parts of a score; the values are the campaign's ``[evaluation]`` keys."""

    STUDENT_COVERAGE = "student_coverage"
    STUDENT_ONE_ON_ONE = "student_one_on_one"
    TEACHER_COVERAGE = "teacher_coverage"
    FOCUS_COVERAGE = "focus_coverage"
    FOLLOW_UP_DONE = "follow_up_done"
    RECTIFICATION_ON_TIME = "rectification_on_time"
    LEADER_PARTICIPATION = "leader_participation"
    REVIEW_OUTCOME = "review_outcome"


@dataclass(frozen=True)
class ScorePart:
    """One part: ``done`` of ``total`` (``total`` None: no data for this part at this level)."""

    key: Part
    weight: float
    done: int = 0
    total: int | None = None

    @property
    def value(self) -> float | None:
        """The share ``done / total``; None when not applicable."""
        return self.done / self.total if self.total else None

    @property
    def counts(self) -> bool:
        """Whether the part enters the weighted sum (applicable, with a positive weight)."""
        return self.value is not None and self.weight > 0


@dataclass(frozen=True)
class Score:
    """A score and its parts, in the order of :class:`Part`."""

    parts: tuple[ScorePart, ...]

    @property
    def weight(self) -> float:
        """The sum of the weights that count (the renormalisation's denominator)."""
        return sum(p.weight for p in self.parts if p.counts)

    @property
    def value(self) -> float | None:
        """``100 × Σ wᵢ·vᵢ / Σ wᵢ`` over the parts that count; None when none counts."""
        total = self.weight
        if not total:
            return None
        return 100 * sum(p.weight * (p.value or 0.0) for p in self.parts if p.counts) / total

    def points(self, key: Part) -> float | None:
        """What one part adds to :attr:`value` (out of 100); None when it does not count."""
        part = self.part(key)
        return 100 * part.weight * (part.value or 0.0) / self.weight if part.counts else None

    def part(self, key: Part) -> ScorePart:
        return next(p for p in self.parts if p.key is key)


def weights_of(campaign: CampaignInfo | CampaignConfig) -> dict[Part, float]:
    """The campaign's ``[evaluation]`` weights by part."""
    config = campaign.config if isinstance(campaign, CampaignInfo) else campaign
    values = config.evaluation.model_dump()
    return {part: float(values[part.value]) for part in Part}


def make_score(weights: Mapping[Part, float], shares: Mapping[Part, tuple[int, int]]) -> Score:
    """A score from ``(done, total)`` per part; parts missing from ``shares`` are not applicable."""
    parts = []
    for key in Part:
        done, total = shares[key] if key in shares else (0, None)
        parts.append(ScorePart(key, weights.get(key, 0.0), done, total))
    return Score(tuple(parts))


@dataclass(frozen=True)
class FollowUps:
    due: int = 0
    done: int = 0

    def __add__(self, other: FollowUps) -> FollowUps:
        return FollowUps(self.due + other.due, self.done + other.done)


@dataclass(frozen=True)
class Checks:
    """Supervision's checks (``store.score_inputs.ReviewCounts``): visits checked, and held up."""

    checked: int = 0
    good: int = 0

    def __add__(self, other: Checks) -> Checks:
        return Checks(self.checked + other.checked, self.good + other.good)


def _student_shares(s: StudentFigures) -> dict[Part, tuple[int, int]]:
    return {
        Part.STUDENT_COVERAGE: (s.visited, s.total),
        Part.STUDENT_ONE_ON_ONE: (s.one_on_one, s.total),
        Part.FOCUS_COVERAGE: (s.focus_one_on_one, s.focus_total),
    }


def class_score(weights: Mapping[Part, float], students: StudentFigures, follow_ups: FollowUps,
                checks: Checks = Checks()) -> Score:
    """A class: its students' coverage, one-on-one share, focus students, and follow-ups and review
    outcomes of visits logged in the class."""
    shares = _student_shares(students)
    shares[Part.FOLLOW_UP_DONE] = (follow_ups.done, follow_ups.due)
    shares[Part.REVIEW_OUTCOME] = (checks.good, checks.checked)
    return make_score(weights, shares)


def school_score(
    weights: Mapping[Part, float],
    students: StudentFigures,
    teachers: TeacherFigures,
    follow_ups: FollowUps,
    leaders: Iterable[LeaderParticipation] = (),
    checks: Checks = Checks(),
    plan: PlanStatus | None = None,
) -> Score:
    """A school: every part; focus people are its focus students and focus teachers together; its
    rectification plan's items done on time of those due."""
    shares = _student_shares(students)
    shares[Part.TEACHER_COVERAGE] = (teachers.interviewed, teachers.total)
    shares[Part.FOCUS_COVERAGE] = (
        students.focus_one_on_one + teachers.focus_one_on_one, students.focus_total + teachers.focus_total
    )
    shares[Part.FOLLOW_UP_DONE] = (follow_ups.done, follow_ups.due)
    leaders = list(leaders)
    shares[Part.LEADER_PARTICIPATION] = (
        sum(p.grades_taken_part for p in leaders), sum(p.grades for p in leaders)
    )
    shares[Part.REVIEW_OUTCOME] = (checks.good, checks.checked)
    if plan is not None:
        shares[Part.RECTIFICATION_ON_TIME] = (plan.done_on_time, plan.due)
    return make_score(weights, shares)


def teacher_score(weights: Mapping[Part, float], counts: TeacherCounts, follow_ups: FollowUps,
                  checks: Checks = Checks()) -> Score:
    """A teacher: their classes' students covered by visits *they recorded*, their follow-ups, and
    the review outcomes of the student visits they recorded."""
    return make_score(weights, {
        Part.STUDENT_COVERAGE: (counts.visited, counts.students),
        Part.STUDENT_ONE_ON_ONE: (counts.one_on_one, counts.students),
        Part.FOCUS_COVERAGE: (counts.focus_one_on_one, counts.focus_students),
        Part.FOLLOW_UP_DONE: (follow_ups.done, follow_ups.due),
        Part.REVIEW_OUTCOME: (checks.good, checks.checked),
    })


NO_PLAN = PlanStatus(items=0, open=0, done=0, overdue=0, done_on_time=0, due=0)


@dataclass(frozen=True)
class SchoolScore:
    school_id: int
    name: str
    score: Score
    rank: int | None = None


@dataclass(frozen=True)
class ClassScore:
    class_id: int
    name: str
    grade_name: str
    school_id: int
    score: Score


@dataclass(frozen=True)
class TeacherScore:
    staff_id: int
    external_id: str
    name: str
    school_id: int
    score: Score
    visits: int
    co_visits: int


def rank_schools(schools: Sequence[SchoolScore]) -> tuple[SchoolScore, ...]:
    """Highest score first; equal scores share a rank; schools without a score last, unranked.

    Scores are compared rounded to 1e-9, so equal inputs in another order never split a tie.
    """
    scored = sorted((s for s in schools if s.score.value is not None),
                    key=lambda s: (-round(s.score.value or 0.0, 9), s.name, s.school_id))
    out: list[SchoolScore] = []
    previous: float | None = None
    rank = 0
    for position, school in enumerate(scored, start=1):
        value = round(school.score.value or 0.0, 9)
        if value != previous:
            rank, previous = position, value
        out.append(SchoolScore(school.school_id, school.name, school.score, rank))
    unscored = sorted((s for s in schools if s.score.value is None), key=lambda s: (s.name, s.school_id))
    return (*out, *unscored)


@dataclass(frozen=True)
class ScoreBoard:
    """Every school (ranked), class and teacher of the district (or one school), on ``day``."""

    day: date
    schools: tuple[SchoolScore, ...]
    classes: tuple[ClassScore, ...]
    teachers: tuple[TeacherScore, ...]

    def school(self, school_id: int | None) -> SchoolScore | None:
        return next((s for s in self.schools if s.school_id == school_id), None)


def build_board(
    weights: Mapping[Part, float],
    day: date,
    class_rows: Sequence[StudentFiguresRow],
    teacher_rows: Mapping[int, TeacherFigures],
    school_names: Mapping[int, str],
    follow_ups: Sequence[FollowUpCounts],
    leaders: Sequence[LeaderParticipation],
    teachers: Sequence[TeacherCounts],
    reviews: Sequence[ReviewCounts] = (),
    plans: Mapping[int, PlanStatus] | None = None,
) -> ScoreBoard:
    """The board from plain rows (pure; :func:`score_board` fetches them)."""
    by_class: dict[int | None, FollowUps] = defaultdict(FollowUps)
    by_school: dict[int, FollowUps] = defaultdict(FollowUps)
    by_visitor: dict[int, FollowUps] = defaultdict(FollowUps)
    for f in follow_ups:
        counts = FollowUps(f.due, f.done)
        by_school[f.school_id] += counts
        if f.kind is VisitKind.STUDENT:
            by_class[f.class_id] += counts
            by_visitor[f.visitor_id] += counts
    checks_of_class: dict[int | None, Checks] = defaultdict(Checks)
    checks_of_school: dict[int, Checks] = defaultdict(Checks)
    checks_of_visitor: dict[int, Checks] = defaultdict(Checks)
    for rc in reviews:
        checks = Checks(rc.checked, rc.good)
        checks_of_school[rc.school_id] += checks
        if rc.kind is VisitKind.STUDENT:
            checks_of_class[rc.class_id] += checks
            checks_of_visitor[rc.visitor_id] += checks
    leaders_of: dict[int, list[LeaderParticipation]] = defaultdict(list)
    for p in leaders:
        leaders_of[p.school_id].append(p)

    classes = tuple(
        ClassScore(r.class_id, r.class_name, r.grade_name, r.school_id,
                   class_score(weights, r.figures, by_class[r.class_id], checks_of_class[r.class_id]))
        for r in class_rows
    )
    students_of: dict[int, StudentFigures] = defaultdict(StudentFigures)
    for r in class_rows:
        students_of[r.school_id] += r.figures
    schools = [
        SchoolScore(school_id, name, school_score(
            weights, students_of[school_id], teacher_rows.get(school_id, TeacherFigures()),
            by_school[school_id], leaders_of[school_id], checks_of_school[school_id],
            (plans or {}).get(school_id, NO_PLAN),
        ))
        for school_id, name in school_names.items()
    ]
    teacher_scores = tuple(
        TeacherScore(t.staff_id, t.external_id, t.name, t.school_id,
                     teacher_score(weights, t, by_visitor[t.staff_id], checks_of_visitor[t.staff_id]),
                     t.visits, t.co_visits)
        for t in teachers
    )
    return ScoreBoard(day, rank_schools(schools), classes, teacher_scores)


@dataclass(frozen=True)
class StudentFiguresRow:
    """A class's student figures with its names (from ``store.coverage.ClassCounts``)."""

    class_id: int
    class_name: str
    grade_name: str
    school_id: int
    school_name: str
    figures: StudentFigures


async def score_board(
    *, session: AsyncSession, campaign: CampaignInfo | CampaignConfig, today: date,
    school_id: int | None = None,
) -> ScoreBoard:
    """Scores of every active school, class and teacher (of one school when ``school_id`` is given),
    from the campaign's start to ``today``. The board holds staff names: who may see which rows is
    the caller's to decide with a scope (:func:`visible_board`)."""
    config = campaign.config if isinstance(campaign, CampaignInfo) else campaign
    start = config.start
    weights = weights_of(config)
    class_rows = await class_coverage(session=session, scope=None, start=start, end=today,
                                      school_id=school_id)
    teacher_rows = await teacher_coverage(session=session, scope=None, start=start, end=today,
                                          school_id=school_id)
    names = {r.school_id: r.school_name for r in class_rows}
    names.update({t.school_id: t.school_name for t in teacher_rows})
    rows = [StudentFiguresRow(r.class_id, r.class_name, r.grade_name, r.school_id, r.school_name,
                              student_figures(r)) for r in class_rows]
    return build_board(
        weights, today, rows, {t.school_id: teacher_figures(t) for t in teacher_rows}, names,
        await follow_up_counts(session=session, today=today, start=start, end=today, school_id=school_id),
        await leader_participation(session=session, start=start, end=today, school_id=school_id),
        await teacher_counts(session=session, start=start, end=today, school_id=school_id),
        await review_counts(session=session, start=start, end=today, school_id=school_id),
        plans_by_school(await plan_rows(session=session, school_id=school_id), today, config.zone),
    )


def plans_by_school(items: Iterable[PlanRow], today: date, zone: tzinfo) -> dict[int, PlanStatus]:
    """Each school's rectification plan status as of ``today`` (schools without items: absent)."""
    of_school: dict[int, list[PlanRow]] = defaultdict(list)
    for item in items:
        of_school[item.school_id].append(item)
    return {school_id: plan_status(rows, today, zone) for school_id, rows in of_school.items()}


@dataclass(frozen=True)
class RankingView:
    """What one person may see of a board.

    ``schools``: every school with its parts (district roles) or only the asker's own school with
    its rank (a school leader); ``classes`` and ``teachers``: of a school leader's own school.
    ``of_schools`` is the number of schools ranked, so "rank 2 of 5" can be said without the others.
    """

    day: date
    schools: tuple[SchoolScore, ...]
    classes: tuple[ClassScore, ...]
    teachers: tuple[TeacherScore, ...]
    of_schools: int
    district: bool


def visible_board(board: ScoreBoard, scope: Scope, *, with_people: bool = True) -> RankingView | None:
    """The part of ``board`` that ``scope`` sees (None: nothing, e.g. a teacher).

    District roles see every school with its parts; a school leader sees their own school (with its
    rank among all) and its classes and teachers. ``with_people=False`` drops the teachers (group
    chats: aggregates only, no one's name).
    """
    ranked = sum(1 for s in board.schools if s.rank is not None)
    if scope.ranks_schools:
        schools = board.schools
    elif scope.ranks_within(scope.school_id):
        schools = tuple(s for s in board.schools if s.school_id == scope.school_id)
    else:
        return None
    # District roles get the schools only (a district's teachers would be thousands of lines); a
    # school's classes and teachers are for its own leaders.
    within = set() if scope.ranks_schools else {scope.school_id}
    return RankingView(
        day=board.day,
        schools=schools,
        classes=tuple(c for c in board.classes if c.school_id in within),
        teachers=tuple(t for t in board.teachers if t.school_id in within) if with_people else (),
        of_schools=ranked,
        district=scope.ranks_schools,
    )
