"""What a step of the visit conversation shows, in one read each: the people to pick and the names a
draft's card needs. Built on :mod:`store.people`, so labels (namesakes told apart) are the same.

Class names and the students of a class change only with a roster import: they are kept in memory
for the roster version (:mod:`store.roster_facts`), so the taps that only check a pick or label a
card read nothing but the version the update reads anyway."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from store.people import (
    StudentOption,
    TeacherOption,
    class_students,
    co_visitor_options,
    interviewable_teachers,
)
from store.roster_facts import class_facts
from store.scopes import Scope
from store.visit_rules import VisitDraft
from store.vocab import VisitKind


@dataclass(frozen=True)
class PeopleChoice:
    """The people step: whom the asker may pick (students of the class, or teachers), and the class."""

    class_name: str | None
    people: tuple[StudentOption | TeacherOption, ...]


@dataclass(frozen=True)
class DraftLabels:
    """Names for a draft's card: the class, the visitees and the co-visitors, by id."""

    class_name: str | None
    visitees: dict[int, str] = field(default_factory=dict)
    co_visitors: dict[int, str] = field(default_factory=dict)


async def _class_name(session: AsyncSession, scope: Scope, class_id: int | None) -> str | None:
    if class_id is None or not scope.may_visit_class(class_id):
        return None
    facts = await class_facts(session, class_id)
    return facts.name if facts is not None and facts.active else None


async def _students_of(session: AsyncSession, class_id: int) -> Mapping[int, str]:
    """Labels of the class's active students, by id (the same for every asker: scope is checked
    by the callers)."""
    facts = await class_facts(session, class_id)
    return facts.labels if facts is not None else {}


async def people_to_pick(
    *, session: AsyncSession, scope: Scope, kind: VisitKind, class_id: int | None, query: str | None = None
) -> PeopleChoice:
    """Students of ``class_id`` (a student visit) or the teachers the asker interviews, ``query``
    narrowing by name or id; see :func:`store.people.class_students` for the order."""
    if kind is VisitKind.TEACHER:
        return PeopleChoice(
            None, tuple(await interviewable_teachers(session=session, scope=scope, query=query))
        )
    if class_id is None:
        return PeopleChoice(None, ())
    people = await class_students(session=session, scope=scope, class_id=class_id, query=query)
    return PeopleChoice(await _class_name(session, scope, class_id), tuple(people))


async def may_pick(
    *, session: AsyncSession, scope: Scope, kind: VisitKind, class_id: int | None, person_id: int
) -> bool:
    """Whether the people step offers ``person_id`` (for a student, from memory while the roster
    version holds)."""
    if kind is VisitKind.TEACHER:
        return person_id in {t.id for t in await interviewable_teachers(session=session, scope=scope)}
    if class_id is None or not (scope.sees_students_of(class_id) or class_id in scope.visit_class_ids):
        return False
    return person_id in await _students_of(session, class_id)


async def _student_labels(session: AsyncSession, scope: Scope, class_id: int | None) -> Mapping[int, str]:
    if class_id is None or not (scope.may_visit_class(class_id) or scope.sees_students_of(class_id)):
        return {}
    return await _students_of(session, class_id)


async def draft_labels(*, session: AsyncSession, scope: Scope, draft: VisitDraft) -> DraftLabels:
    """The names a draft's card shows, only as far as ``scope`` may see them (unknown ids get none)."""
    visitees: Mapping[int, str]
    if draft.kind is VisitKind.TEACHER:
        visitees = {t.id: t.label for t in await interviewable_teachers(session=session, scope=scope)}
    else:
        visitees = await _student_labels(session, scope, draft.class_id)
    co: Sequence[tuple[int, str]] = ()
    if draft.co_visitor_ids:
        co = [(s.id, s.label) for s in await co_visitor_options(session=session, scope=scope)]
    return DraftLabels(
        class_name=await _class_name(session, scope, draft.class_id),
        visitees={i: visitees[i] for i in draft.visitee_ids if i in visitees},
        co_visitors={i: label for i, label in co if i in draft.co_visitor_ids},
    )
