"""Roster facts the visit flow needs on many taps, kept in memory for the roster version: a class
(its school, name, active students with their labels and focus tags) and a staff member's name;
and the labels that tell namesakes apart (:func:`name_labels`, also :mod:`store.people`'s).

Only a roster import changes them, and every import changes the version
(:mod:`store.roster_version`), so a fact is read once per version and database: the people step's
pick check, the card's names, Save's checks and the saved card read nothing but the version that
every update reads anyway. Who may see a fact is the caller's to check (focus tags above all).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import SchoolClass, Staff, Student, StudentFocus
from store.roster_version import RosterCache


@dataclass(frozen=True)
class ClassFacts:
    """A class (active or not) and its active students."""

    id: int
    school_id: int
    name: str
    active: bool
    students: Mapping[int, tuple[str, str]]  # by id: (name, external_id)
    labels: Mapping[int, str]  # by id: the button label (namesakes in the class told apart)
    focus: Mapping[int, tuple[str, ...]]  # by id: focus tags, sorted (students with none left out)


MIN_ID_SUFFIX = 4


def name_labels(people: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """Button labels for ``(id, name, external_id)``: a name shared by several gets the end of its id.

    The suffix grows from four characters until the namesakes differ (SPEC.md, "Duplicate names").
    """
    by_name: dict[str, list[tuple[int, str]]] = {}
    for pid, name, external_id in people:
        by_name.setdefault(name, []).append((pid, external_id))
    labels: dict[int, str] = {}
    for name, group in by_name.items():
        if len(group) == 1:
            labels[group[0][0]] = name
            continue
        longest = max(len(ext) for _, ext in group)
        size = MIN_ID_SUFFIX
        while size < longest and len({ext[-size:] for _, ext in group}) < len(group):
            size += 1
        for pid, ext in group:
            tail = ext[-size:]
            labels[pid] = f"{name} ({tail})" if tail == ext else f"{name} (…{tail})"
    return labels


_CLASSES: RosterCache[ClassFacts | None] = RosterCache()
_STAFF_NAMES: RosterCache[str | None] = RosterCache()


async def _load_class(session: AsyncSession, class_id: int) -> ClassFacts | None:
    row = (await session.execute(
        select(SchoolClass.school_id, SchoolClass.name, SchoolClass.active).where(SchoolClass.id == class_id)
    )).first()
    if row is None:
        return None
    students = {
        sid: (name, ext)
        for sid, name, ext in (await session.execute(
            select(Student.id, Student.name, Student.external_id).where(
                Student.class_id == class_id, Student.active.is_(True)
            )
        )).all()
    }
    tags: dict[int, list[str]] = {}
    if students:
        for sid, tag in (await session.execute(
            select(StudentFocus.student_id, StudentFocus.tag)
            .join(Student, Student.id == StudentFocus.student_id)
            .where(Student.class_id == class_id, Student.active.is_(True))
        )).all():
            tags.setdefault(sid, []).append(tag)
    return ClassFacts(
        id=class_id,
        school_id=row.school_id,
        name=row.name,
        active=row.active,
        students=students,
        labels=name_labels((sid, name, ext) for sid, (name, ext) in students.items()),
        focus={sid: tuple(sorted(t)) for sid, t in tags.items()},
    )


async def class_facts(session: AsyncSession, class_id: int) -> ClassFacts | None:
    """The class with its active students; None if there is no such class."""
    return await _CLASSES.get(session, class_id, lambda: _load_class(session, class_id))


async def staff_name(session: AsyncSession, staff_id: int) -> str | None:
    """A staff member's name (active or not); None if there is no such staff member."""

    async def load() -> str | None:
        return await session.scalar(select(Staff.name).where(Staff.id == staff_id))

    return await _STAFF_NAMES.get(session, staff_id, load)
