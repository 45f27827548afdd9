"""Writing a checked roster: one upsert keyed on the roster's ids, set-based, in one transaction.

What the district holds is read once into dictionaries (a few columns per row, no ORM objects), the
differences are computed in memory, and the changes go out as one executemany per kind of change
(:mod:`store.roster.bulk`): a district of 100,000 students costs a few dozen statements whatever its
size. Nobody is deleted: people missing from the roster, and schools, grades and classes no longer
named, are marked inactive, so their visits stay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
    AuditEntry,
    Grade,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffFocus,
    StaffGrade,
    StaffRole,
    Student,
    StudentFocus,
)
from store.roster.bulk import executemany
from store.roster.results import EntityCounts, ImportSummary
from store.roster.validate import CheckedRoster
from store.roster_version import bump_roster_version

HEAD, TEACHES = "head", "teaches"
Link = tuple[Any, ...]

SCHOOLS: Table = School.__table__  # type: ignore[assignment]
GRADES: Table = Grade.__table__  # type: ignore[assignment]
CLASSES: Table = SchoolClass.__table__  # type: ignore[assignment]
STUDENTS: Table = Student.__table__  # type: ignore[assignment]
STUDENT_FOCUS: Table = StudentFocus.__table__  # type: ignore[assignment]
STAFF: Table = Staff.__table__  # type: ignore[assignment]
STAFF_LINKS: dict[Table, tuple[str, ...]] = {  # link table → its columns besides staff_id
    StaffRole.__table__: ("role",),  # type: ignore[dict-item]
    StaffClass.__table__: ("class_id", "link"),  # type: ignore[dict-item]
    StaffGrade.__table__: ("grade_id",),  # type: ignore[dict-item]
    StaffFocus.__table__: ("tag",),  # type: ignore[dict-item]
}


@dataclass(frozen=True)
class ImportAudit:
    """Who imported and what the audit entry says besides the summary."""

    actor: str
    actor_staff_id: int | None
    detail: Mapping[str, Any]


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0

    def frozen(self) -> EntityCounts:
        return EntityCounts(self.added, self.updated, self.deactivated, self.reactivated)


async def apply_roster(
    *, session: AsyncSession, roster: CheckedRoster, district_id: int, now: datetime, audit: ImportAudit
) -> ImportSummary:
    """Upsert an accepted roster into ``district_id`` and commit it with its audit entry.

    One transaction: on any failure nothing is written.
    """
    try:
        summary = await _upsert(session, roster, district_id, now)
        session.add(AuditEntry(
            at=now, actor=audit.actor, actor_staff_id=audit.actor_staff_id, action="roster_import",
            object_type="district", object_id=district_id,
            detail={**audit.detail, "summary": summary.as_dict()},
        ))
        # Whatever must change together with the roster is written here, before the one commit.
        await bump_roster_version(session=session)  # caches of who people are (the bot's) start again
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return summary


def _p(table: Table, column: str) -> Any:
    """A parameter typed as ``table``'s column, named after it."""
    return bindparam(column, type_=table.c[column].type)


def _insert(table: Table, columns: Sequence[str]) -> Any:
    return insert(table).values({c: _p(table, c) for c in columns})


def _update(table: Table, columns: Sequence[str]) -> Any:
    """UPDATE … SET columns WHERE id = :row_id."""
    return (
        update(table)
        .where(table.c.id == bindparam("row_id", type_=table.c.id.type))
        .values({c: _p(table, c) for c in columns})
    )


async def _set_active(
    session: AsyncSession, table: Table, ids: Iterable[int], active: bool, now: datetime | None = None
) -> None:
    """Mark the rows ``ids`` active or inactive in one executemany (and stamp them when ``now``)."""
    shared: dict[str, Any] = {"active": active} | ({"updated_at": now} if now is not None else {})
    await executemany(session, _update(table, list(shared)), ["row_id"], [(i,) for i in ids], shared)


async def _upsert_named(
    session: AsyncSession, table: Table, owner: str, existing: Mapping[tuple[int, str], tuple[int, bool]],
    wanted: set[tuple[int, str]],
) -> _Tally:
    """Schools or grades, keyed (owner id, name): insert the new, (re)activate and deactivate."""
    added = sorted(wanted - existing.keys())
    await executemany(session, _insert(table, [owner, "name", "active"]), [owner, "name"], added,
                      {"active": True})
    back = [existing[k][0] for k in wanted & existing.keys() if not existing[k][1]]
    gone = [i for k, (i, active) in existing.items() if active and k not in wanted]
    await _set_active(session, table, back, True)
    await _set_active(session, table, gone, False)
    return _Tally(added=len(added), reactivated=len(back), deactivated=len(gone))


def _named(rows: Iterable[Any]) -> dict[tuple[int, str], tuple[int, bool]]:
    return {(owner, name): (i, active) for owner, name, i, active in rows}


async def _upsert(
    session: AsyncSession, roster: CheckedRoster, district_id: int, now: datetime
) -> ImportSummary:
    existing_schools = _named(await session.execute(
        select(SCHOOLS.c.district_id, SCHOOLS.c.name, SCHOOLS.c.id, SCHOOLS.c.active)
        .where(SCHOOLS.c.district_id == district_id)
    ))
    school_tally = await _upsert_named(
        session, SCHOOLS, "district_id", existing_schools, {(district_id, s) for s, _ in roster.classes}
    )
    school_ids: dict[str, int] = dict((await session.execute(
        select(SCHOOLS.c.name, SCHOOLS.c.id).where(SCHOOLS.c.district_id == district_id)
    )).all())

    in_district = select(SCHOOLS.c.id).where(SCHOOLS.c.district_id == district_id)
    existing_grades = _named(await session.execute(
        select(GRADES.c.school_id, GRADES.c.name, GRADES.c.id, GRADES.c.active)
        .where(GRADES.c.school_id.in_(in_district))
    ))
    grade_tally = await _upsert_named(
        session, GRADES, "school_id", existing_grades,
        {(school_ids[s], g) for (s, _), g in roster.classes.items()},
    )
    grade_ids = {(s, n): i for s, n, i in (await session.execute(
        select(GRADES.c.school_id, GRADES.c.name, GRADES.c.id).where(GRADES.c.school_id.in_(in_district))
    )).all()}

    class_tally, class_ids = await _apply_classes(session, roster, school_ids, grade_ids, in_district)
    student_tally = await _apply_students(session, roster, school_ids, class_ids, now)
    staff_tally = await _apply_staff(session, roster, school_ids, grade_ids, class_ids, now)
    return ImportSummary(
        schools=school_tally.frozen(), grades=grade_tally.frozen(), classes=class_tally.frozen(),
        staff=staff_tally, students=student_tally,
    )


async def _apply_classes(
    session: AsyncSession, roster: CheckedRoster, school_ids: Mapping[str, int],
    grade_ids: Mapping[tuple[int, str], int], in_district: Any,
) -> tuple[_Tally, dict[tuple[int, str], int]]:
    c = CLASSES.c
    rows = (await session.execute(
        select(c.school_id, c.name, c.id, c.grade_id, c.active).where(c.school_id.in_(in_district))
    )).all()
    existing = {(s, n): (i, g, active) for s, n, i, g, active in rows}
    wanted = {
        (school_ids[s], name): grade_ids[(school_ids[s], g)] for (s, name), g in roster.classes.items()
    }
    tally = _Tally()
    new = [(*key, g) for key, g in sorted(wanted.items()) if key not in existing]
    await executemany(session, _insert(CLASSES, ["school_id", "name", "grade_id", "active"]),
                      ["school_id", "name", "grade_id"], new, {"active": True})
    changes: list[tuple[int, int, bool]] = []
    for key, (i, grade_id, active) in existing.items():
        if key not in wanted:
            if active:
                changes.append((i, grade_id, False))
                tally.deactivated += 1
        elif not active or wanted[key] != grade_id:
            changes.append((i, wanted[key], True))
            if not active:
                tally.reactivated += 1
            else:
                tally.updated += 1  # moved to another grade
    await executemany(session, _update(CLASSES, ["grade_id", "active"]), ["row_id", "grade_id", "active"],
                      changes)
    tally.added = len(new)
    ids = {(s, n): i for s, n, i in (await session.execute(
        select(c.school_id, c.name, c.id).where(c.school_id.in_(in_district))
    )).all()}
    return tally, ids


async def _links(
    session: AsyncSession, table: Table, owner: str, columns: Sequence[str]
) -> dict[int, set[Link]]:
    out: dict[int, set[Link]] = defaultdict(set)
    for row in (await session.execute(select(table.c[owner], *(table.c[k] for k in columns)))).all():
        out[row[0]].add(tuple(row[1:]))
    return out


async def _replace_links(
    session: AsyncSession, table: Table, owner: str, columns: Sequence[str],
    existing: Mapping[int, set[Link]], wanted: Mapping[int, set[Link]],
) -> set[int]:
    """Make the link rows of each owner in ``wanted`` equal its set; returns the owners that changed.

    Owners absent from ``wanted`` (people not in this import) keep their links untouched.
    """
    changed = [o for o, links in wanted.items() if existing.get(o, set()) != links]
    stale = sorted(o for o in changed if existing.get(o))
    await executemany(session, delete(table).where(table.c[owner] == _p(table, owner)), [owner],
                      [(o,) for o in stale])
    await executemany(session, _insert(table, [owner, *columns]), [owner, *columns],
                      [(o, *link) for o in changed for link in sorted(wanted[o])])
    return set(changed)


async def _apply_students(
    session: AsyncSession, roster: CheckedRoster, school_ids: Mapping[str, int],
    class_ids: Mapping[tuple[int, str], int], now: datetime,
) -> EntityCounts:
    st = STUDENTS.c
    existing = {
        ext: (i, name, school, cls, active)
        for ext, i, name, school, cls, active in (await session.execute(select(
            st.external_id, st.id, st.name, st.school_id, st.class_id, st.active,
        ))).all()
    }
    existing_focus = await _links(session, STUDENT_FOCUS, "student_id", ("tag",))
    tally = _Tally()
    new_rows: list[tuple[str, str, int, int]] = []
    new_focus: list[tuple[str, str]] = []  # (external id, tag): the new rows' ids are the database's
    changes: list[tuple[int, str, int, int]] = []
    focus_changed: dict[int, set[Link]] = {}
    focus_only: list[tuple[int]] = []
    class_of = {(s, name): (school_ids[s], class_ids[(school_ids[s], name)]) for s, name in roster.classes}
    for rec in roster.students:
        school_id, class_id = class_of[(rec.school, rec.class_name)]
        old = existing.get(rec.external_id)
        if old is None:
            new_rows.append((rec.external_id, rec.name, school_id, class_id))
            new_focus.extend((rec.external_id, tag) for tag in sorted(rec.focus))
            continue
        i, name, school, cls, active = old
        tags = {(t,) for t in rec.focus}
        links_differ = existing_focus.get(i, set()) != tags
        if links_differ:
            focus_changed[i] = tags
        if not active:
            tally.reactivated += 1
        elif (name, school, cls) != (rec.name, school_id, class_id):
            tally.updated += 1
        elif links_differ:
            tally.updated += 1
            focus_only.append((i,))
            continue
        else:
            continue
        changes.append((i, rec.name, school_id, class_id))
    present = {rec.external_id for rec in roster.students}
    gone = [i for ext, (i, *_, active) in existing.items() if active and ext not in present]

    shared = {"active": True, "updated_at": now}
    await executemany(session, _insert(STUDENTS, ["external_id", "name", "school_id", "class_id", *shared]),
                      ["external_id", "name", "school_id", "class_id"], new_rows, shared)
    await executemany(session, _update(STUDENTS, ["name", "school_id", "class_id", *shared]),
                      ["row_id", "name", "school_id", "class_id"], changes, shared)
    await _set_active(session, STUDENTS, gone, False, now)
    await executemany(session, _update(STUDENTS, ["updated_at"]), ["row_id"], focus_only, {"updated_at": now})
    await _replace_links(session, STUDENT_FOCUS, "student_id", ("tag",), existing_focus, focus_changed)
    # New students' tags, their ids looked up by the database itself rather than read back.
    await executemany(
        session,
        insert(STUDENT_FOCUS).from_select(
            ["student_id", "tag"],
            select(st.id, _p(STUDENT_FOCUS, "tag")).where(st.external_id == _p(STUDENTS, "external_id")),
        ),
        ["tag", "external_id"], [(tag, ext) for ext, tag in new_focus],
    )
    tally.added, tally.deactivated = len(new_rows), len(gone)
    return tally.frozen()


async def _apply_staff(
    session: AsyncSession, roster: CheckedRoster, school_ids: Mapping[str, int],
    grade_ids: Mapping[tuple[int, str], int], class_ids: Mapping[tuple[int, str], int], now: datetime,
) -> EntityCounts:
    sf = STAFF.c
    existing = {
        ext: (i, (name, school, phone, language), active)
        for ext, i, name, school, phone, language, active in (await session.execute(select(
            sf.external_id, sf.id, sf.name, sf.school_id, sf.phone, sf.language, sf.active,
        ))).all()
    }
    tally = _Tally()
    new_rows: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    touched: dict[str, tuple[int, bool]] = {}
    for rec in roster.staff:
        school_id = school_ids[rec.school] if rec.school is not None else None
        values = (rec.name, school_id, rec.phone, rec.language)
        old = existing.get(rec.external_id)
        if old is None:
            new_rows.append((rec.external_id, *values))
            continue
        i, fields, active = old
        counted = not active or fields != values
        if not active:
            tally.reactivated += 1
        elif counted:
            tally.updated += 1
        if counted:
            changes.append((i, *values))
        touched[rec.external_id] = (i, counted)
    present = {rec.external_id for rec in roster.staff}
    gone = [i for ext, (i, _, active) in existing.items() if active and ext not in present]
    columns = ["name", "school_id", "phone", "language"]
    shared = {"active": True, "updated_at": now}
    await executemany(session, _insert(STAFF, ["external_id", *columns, *shared]), ["external_id", *columns],
                      new_rows, shared)
    await executemany(session, _update(STAFF, [*columns, *shared]), ["row_id", *columns], changes, shared)
    await _set_active(session, STAFF, gone, False, now)
    tally.added, tally.deactivated = len(new_rows), len(gone)

    # A district has a few thousand staff: reading their ids back is cheaper than a lookup per link.
    ids = dict((await session.execute(select(sf.external_id, sf.id))).all()) if new_rows else {
        ext: old[0] for ext, old in existing.items()
    }
    wanted: dict[Table, dict[int, set[Link]]] = {table: {} for table in STAFF_LINKS}
    roles, classes, grades, focus = wanted.values()
    for rec in roster.staff:
        i = ids[rec.external_id]
        roles[i] = {(r,) for r in rec.roles}
        focus[i] = {(t,) for t in rec.focus}
        if rec.school is None:
            classes[i], grades[i] = set(), set()
            continue
        s = school_ids[rec.school]
        classes[i] = {(class_ids[(s, c)], HEAD) for c in rec.head_of}
        classes[i] |= {(class_ids[(s, c)], TEACHES) for c in rec.teaches}
        grades[i] = {(grade_ids[(s, g)],) for g in rec.grades}
    changed: set[int] = set()
    for table, columns_of in STAFF_LINKS.items():
        existing_links = await _links(session, table, "staff_id", columns_of)
        changed |= await _replace_links(session, table, "staff_id", columns_of, existing_links, wanted[table])
    links_only = [(i,) for i, counted in touched.values() if not counted and i in changed]
    await executemany(session, _update(STAFF, ["updated_at"]), ["row_id"], links_only, {"updated_at": now})
    tally.updated += len(links_only)
    return tally.frozen()
