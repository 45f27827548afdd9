"""Writing a checked roster: one upsert keyed on the roster's ids, set-based, in the caller's transaction.

Every existing row of the district is loaded once into dictionaries, the differences are computed in
memory, and the changes go out as bulk INSERTs and executemany UPDATEs: a district of 100,000 students
costs a handful of statements, never one SELECT per row. Nobody is deleted: people missing from the
roster, and schools, grades and classes no longer named, are marked inactive, so their visits stay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import (
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
from store.roster.results import EntityCounts, ImportSummary
from store.roster.validate import CheckedRoster
from store.roster_version import bump_roster_version

CHUNK = 500  # ids per IN (...) list: far below every backend's bound-parameter limit
HEAD, TEACHES = "head", "teaches"


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    reactivated: int = 0

    def frozen(self) -> EntityCounts:
        return EntityCounts(self.added, self.updated, self.deactivated, self.reactivated)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


# Core statements on the tables, not ORM bulk operations: the ORM's per-row bookkeeping costs seconds
# at 100,000 rows, while a Core executemany goes straight to the driver.


async def _bulk_update(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """UPDATE rows by ``id``; rows with the same keys go out as one executemany."""
    table = model.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    for keys, group in groups.items():
        values: dict[str, Any] = {k: bindparam(f"v_{k}") for k in keys if k != "id"}
        stmt = update(table).where(table.c.id == bindparam("v_id")).values(values)
        await session.execute(stmt, [{f"v_{k}": v for k, v in row.items()} for row in group])


async def _bulk_insert(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(model.__table__), rows)


async def _set_active(session: AsyncSession, model: Any, ids: Collection[int], active: bool,
                      extra: Mapping[str, Any] | None = None) -> None:
    await _bulk_update(session, model, [{"id": i, "active": active, **(extra or {})} for i in ids])


async def _upsert_named(
    session: AsyncSession, model: Any, existing: Mapping[Any, tuple[int, bool]], wanted: Iterable[Any],
    new_row: Any,
) -> tuple[_Tally, set[Any]]:
    """Schools or grades, keyed by a natural key: insert the new, (re)activate and deactivate.

    ``existing`` maps key → (id, active); ``new_row(key)`` gives the INSERT values of a new key.
    Returns the tally and the keys inserted (their ids are read back by the caller).
    """
    tally = _Tally()
    wanted = set(wanted)
    added = wanted - existing.keys()
    await _bulk_insert(session, model, [new_row(k) for k in sorted(added)])
    back = [existing[k][0] for k in wanted & existing.keys() if not existing[k][1]]
    gone = [i for k, (i, active) in existing.items() if active and k not in wanted]
    await _set_active(session, model, back, True)
    await _set_active(session, model, gone, False)
    tally.added, tally.reactivated, tally.deactivated = len(added), len(back), len(gone)
    return tally, added


async def apply_roster(
    *, session: AsyncSession, roster: CheckedRoster, district_id: int, now: datetime
) -> ImportSummary:
    """Upsert an accepted roster into ``district_id``; flushes but leaves the commit to the caller."""
    # Schools.
    rows = (await session.execute(
        select(School.name, School.id, School.active).where(School.district_id == district_id)
    )).all()
    schools = {name: (i, active) for name, i, active in rows}
    school_tally, _ = await _upsert_named(
        session, School, schools, {s for s, _ in roster.classes},
        lambda name: {"district_id": district_id, "name": name, "active": True},
    )
    school_ids = dict((await session.execute(
        select(School.name, School.id).where(School.district_id == district_id)
    )).all())

    # Grades, keyed (school_id, name).
    in_district = select(School.id).where(School.district_id == district_id)
    grade_rows = (await session.execute(
        select(Grade.school_id, Grade.name, Grade.id, Grade.active).where(Grade.school_id.in_(in_district))
    )).all()
    grades = {(s, n): (i, active) for s, n, i, active in grade_rows}
    wanted_grades = {(school_ids[s], g) for (s, _), g in roster.classes.items()}
    grade_tally, _ = await _upsert_named(
        session, Grade, grades, wanted_grades,
        lambda key: {"school_id": key[0], "name": key[1], "active": True},
    )
    grade_ids = {(s, n): i for s, n, i in (await session.execute(
        select(Grade.school_id, Grade.name, Grade.id).where(Grade.school_id.in_(in_district))
    )).all()}

    class_tally, class_ids = await _apply_classes(session, roster, school_ids, grade_ids, in_district)
    student_tally = await _apply_students(session, roster, school_ids, class_ids, now)
    staff_tally = await _apply_staff(session, roster, school_ids, grade_ids, class_ids, now)
    await bump_roster_version(session=session)  # caches of who people are (the bot's) start again
    await session.flush()
    return ImportSummary(
        schools=school_tally.frozen(), grades=grade_tally.frozen(), classes=class_tally.frozen(),
        staff=staff_tally, students=student_tally,
    )


async def _apply_classes(
    session: AsyncSession, roster: CheckedRoster, school_ids: Mapping[str, int],
    grade_ids: Mapping[tuple[int, str], int], in_district: Any,
) -> tuple[_Tally, dict[tuple[int, str], int]]:
    rows = (await session.execute(
        select(
            SchoolClass.school_id, SchoolClass.name, SchoolClass.id, SchoolClass.grade_id, SchoolClass.active,
        ).where(SchoolClass.school_id.in_(in_district))
    )).all()
    existing = {(s, n): (i, g, active) for s, n, i, g, active in rows}
    wanted = {
        (school_ids[s], c): grade_ids[(school_ids[s], g)] for (s, c), g in roster.classes.items()
    }
    tally = _Tally()
    new = [{"school_id": k[0], "name": k[1], "grade_id": g, "active": True}
           for k, g in sorted(wanted.items()) if k not in existing]
    await _bulk_insert(session, SchoolClass, new)
    changes = []
    for key, (i, grade_id, active) in existing.items():
        if key not in wanted:
            if active:
                changes.append({"id": i, "grade_id": grade_id, "active": False})
                tally.deactivated += 1
        elif not active or wanted[key] != grade_id:
            changes.append({"id": i, "grade_id": wanted[key], "active": True})
            if not active:
                tally.reactivated += 1
            else:
                tally.updated += 1  # moved to another grade
    await _bulk_update(session, SchoolClass, changes)
    tally.added = len(new)
    ids = {(s, n): i for s, n, i in (await session.execute(
        select(SchoolClass.school_id, SchoolClass.name, SchoolClass.id)
        .where(SchoolClass.school_id.in_(in_district))
    )).all()}
    return tally, ids


async def _replace_links(
    session: AsyncSession, model: Any, owner_column: str, value_columns: tuple[str, ...],
    existing: Mapping[int, set[tuple[Any, ...]]], wanted: Mapping[int, set[tuple[Any, ...]]],
) -> set[int]:
    """Make the link rows of each owner in ``wanted`` equal its set; returns the owners that changed.

    Owners absent from ``wanted`` (people not in this import) keep their links untouched.
    """
    changed = [o for o, links in wanted.items() if existing.get(o, set()) != links]
    stale = sorted(o for o in changed if existing.get(o))
    owner = getattr(model, owner_column)
    for chunk in _chunks(stale):
        await session.execute(delete(model).where(owner.in_(chunk)))
    await _bulk_insert(session, model, [
        {owner_column: o, **dict(zip(value_columns, link, strict=True))}
        for o in changed for link in sorted(wanted[o])
    ])
    return set(changed)


async def _links(session: AsyncSession, *columns: Any) -> dict[int, set[tuple[Any, ...]]]:
    out: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    for owner, *rest in (await session.execute(select(*columns))).all():
        out[owner].add(tuple(rest))
    return out


async def _apply_students(
    session: AsyncSession, roster: CheckedRoster, school_ids: Mapping[str, int],
    class_ids: Mapping[tuple[int, str], int], now: datetime,
) -> EntityCounts:
    st = Student.__table__.c  # Core columns: plain rows, no ORM bookkeeping for 100,000 of them
    existing = {
        ext: (i, name, school, cls, active)
        for ext, i, name, school, cls, active in (await session.execute(select(
            st.external_id, st.id, st.name, st.school_id, st.class_id, st.active,
        ))).all()
    }
    tally = _Tally()
    new_rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    touched: dict[str, tuple[int, bool]] = {}  # external id → (id, counted already)
    for rec in roster.students:
        school_id = school_ids[rec.school]
        class_id = class_ids[(school_id, rec.class_name)]
        values = {"name": rec.name, "school_id": school_id, "class_id": class_id}
        old = existing.get(rec.external_id)
        if old is None:
            new_rows.append({"external_id": rec.external_id, **values, "active": True, "updated_at": now})
            continue
        i, name, school, cls, active = old
        counted = False
        if not active:
            tally.reactivated += 1
            counted = True
        elif (name, school, cls) != (rec.name, values["school_id"], values["class_id"]):
            tally.updated += 1
            counted = True
        if counted:
            changes.append({"id": i, **values, "active": True, "updated_at": now})
        touched[rec.external_id] = (i, counted)
    present = {rec.external_id for rec in roster.students}
    gone = [i for ext, (i, *_, active) in existing.items() if active and ext not in present]
    await _bulk_insert(session, Student, new_rows)
    await _bulk_update(session, Student, changes)
    await _set_active(session, Student, gone, False, {"updated_at": now})
    tally.added, tally.deactivated = len(new_rows), len(gone)

    if new_rows:
        ids = dict((await session.execute(select(st.external_id, st.id))).all())
    else:
        ids = {ext: old[0] for ext, old in existing.items()}
    focus_table = StudentFocus.__table__.c
    existing_focus = await _links(session, focus_table.student_id, focus_table.tag)
    wanted_focus = {ids[rec.external_id]: {(t,) for t in rec.focus} for rec in roster.students}
    changed = await _replace_links(
        session, StudentFocus, "student_id", ("tag",), existing_focus, wanted_focus
    )
    focus_only = [i for ext, (i, counted) in touched.items() if not counted and i in changed]
    await _bulk_update(session, Student, [{"id": i, "updated_at": now} for i in focus_only])
    tally.updated += len(focus_only)
    return tally.frozen()


async def _apply_staff(
    session: AsyncSession, roster: CheckedRoster, school_ids: Mapping[str, int],
    grade_ids: Mapping[tuple[int, str], int], class_ids: Mapping[tuple[int, str], int], now: datetime,
) -> EntityCounts:
    sf = Staff.__table__.c
    existing = {
        ext: (i, (name, school, phone, language), active)
        for ext, i, name, school, phone, language, active in (await session.execute(select(
            sf.external_id, sf.id, sf.name, sf.school_id, sf.phone, sf.language, sf.active,
        ))).all()
    }
    tally = _Tally()
    new_rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    touched: dict[str, tuple[int, bool]] = {}
    for rec in roster.staff:
        school_id = school_ids[rec.school] if rec.school is not None else None
        values = {"name": rec.name, "school_id": school_id, "phone": rec.phone, "language": rec.language}
        old = existing.get(rec.external_id)
        if old is None:
            new_rows.append({"external_id": rec.external_id, **values, "active": True, "updated_at": now})
            continue
        i, fields, active = old
        counted = not active or fields != tuple(values.values())
        if not active:
            tally.reactivated += 1
        elif counted:
            tally.updated += 1
        if counted:
            changes.append({"id": i, **values, "active": True, "updated_at": now})
        touched[rec.external_id] = (i, counted)
    present = {rec.external_id for rec in roster.staff}
    gone = [i for ext, (i, _, active) in existing.items() if active and ext not in present]
    await _bulk_insert(session, Staff, new_rows)
    await _bulk_update(session, Staff, changes)
    await _set_active(session, Staff, gone, False, {"updated_at": now})
    tally.added, tally.deactivated = len(new_rows), len(gone)

    if new_rows:
        ids = dict((await session.execute(select(sf.external_id, sf.id))).all())
    else:
        ids = {ext: old[0] for ext, old in existing.items()}
    roles: dict[int, set[tuple[Any, ...]]] = {}
    classes: dict[int, set[tuple[Any, ...]]] = {}
    grades: dict[int, set[tuple[Any, ...]]] = {}
    focus: dict[int, set[tuple[Any, ...]]] = {}
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
    changed |= await _replace_links(
        session, StaffRole, "staff_id", ("role",),
        await _links(session, StaffRole.staff_id, StaffRole.role), roles,
    )
    changed |= await _replace_links(
        session, StaffClass, "staff_id", ("class_id", "link"),
        await _links(session, StaffClass.staff_id, StaffClass.class_id, StaffClass.link), classes,
    )
    changed |= await _replace_links(
        session, StaffGrade, "staff_id", ("grade_id",),
        await _links(session, StaffGrade.staff_id, StaffGrade.grade_id), grades,
    )
    changed |= await _replace_links(
        session, StaffFocus, "staff_id", ("tag",),
        await _links(session, StaffFocus.staff_id, StaffFocus.tag), focus,
    )
    links_only = [i for i, counted in touched.values() if not counted and i in changed]
    await _bulk_update(session, Staff, [{"id": i, "updated_at": now} for i in links_only])
    tally.updated += len(links_only)
    return tally.frozen()
