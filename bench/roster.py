"""Rosters for the benchmarks: the visit bench's district, and the roster import benchmark.

:func:`seed_roster` writes the visit bench's district straight through the ORM models: one school;
``teachers`` classes spread over grades of ten; each class has one head teacher (bound to a simulated
Telegram user) and ``students_per_class`` students. Names are plain ASCII and unique, so the visit
flow's people buttons carry no namesake suffixes.

``python -m bench.roster`` imports a district of 100,800 students beside a bare ``csv`` → ``sqlite3``
floor (below; figures in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.roster_district import write_district, write_workbook
from bench.stats import cpu_seconds, describe_machine, load_average, peak_rss_mib
from store.installation import StoreHandle, ensure_district
from store.models import (
    Grade,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffRole,
    Student,
    TelegramAccount,
    Visit,
)
from store.vocab import Role

CLASSES_PER_GRADE = 10


@dataclass(frozen=True)
class SyntheticRoster:
    school_id: int
    class_ids: list[int]
    staff_ids: list[int]  # staff_ids[i] is the head teacher of class_ids[i], bound to telegram_ids[i]
    students: int


async def _add_grades(session: AsyncSession, school_id: int, count: int) -> list[int]:
    grades = [Grade(school_id=school_id, name=f"Grade {g + 1}") for g in range(count)]
    session.add_all(grades)
    await session.flush()
    return [g.id for g in grades]


async def seed_roster(
    store: StoreHandle, telegram_ids: Sequence[int], *, students_per_class: int, now: datetime
) -> SyntheticRoster:
    """One head teacher and one class per Telegram user; commits once at the end."""
    async with store.sessions() as session:
        district_id = await ensure_district(session=session)
        school = School(district_id=district_id, name="Bench Middle School")
        session.add(school)
        await session.flush()
        grade_ids = await _add_grades(session, school.id, -(-len(telegram_ids) // CLASSES_PER_GRADE))
        classes = [
            SchoolClass(school_id=school.id, grade_id=grade_ids[i // CLASSES_PER_GRADE],
                        name=f"Class {i + 1:03d}")
            for i in range(len(telegram_ids))
        ]
        staff = [Staff(external_id=f"BT{i + 1:04d}", name=f"Teacher {i + 1:03d}", school_id=school.id)
                 for i in range(len(telegram_ids))]
        session.add_all([*classes, *staff])
        await session.flush()
        session.add_all(StaffRole(staff_id=s.id, role=str(Role.HEAD_TEACHER)) for s in staff)
        session.add_all(
            StaffClass(staff_id=s.id, class_id=c.id, link="head") for s, c in zip(staff, classes, strict=True)
        )
        session.add_all(
            Student(external_id=f"BS{ci + 1:03d}-{k + 1:03d}", name=f"Student {ci + 1:03d}-{k + 1:03d}",
                    school_id=school.id, class_id=c.id)
            for ci, c in enumerate(classes)
            for k in range(students_per_class)
        )
        session.add_all(
            TelegramAccount(telegram_user_id=tid, staff_id=s.id, bound_at=now, bound_by="invite")
            for tid, s in zip(telegram_ids, staff, strict=True)
        )
        await session.commit()
        return SyntheticRoster(
            school_id=school.id,
            class_ids=[c.id for c in classes],
            staff_ids=[s.id for s in staff],
            students=len(classes) * students_per_class,
        )


async def visits_by_visitor(store: StoreHandle) -> dict[int, int]:
    """Live (not deleted) visits per visiting staff member."""
    async with store.sessions() as session:
        rows = await session.execute(
            select(Visit.visitor_id, func.count(Visit.id))
            .where(Visit.deleted_at.is_(None))
            .group_by(Visit.visitor_id)
        )
        return {int(visitor): int(n) for visitor, n in rows.all()}


# ---------------------------------------------------------------------------------------------------
# The roster import benchmark: ``python -m bench.roster [--schools 28] [--rounds 3]``.
#
# A synthetic district (bench/roster_district.py) is imported the way ``twovisits roster import`` does
# it, beside a floor: the same CSVs read with ``csv`` and inserted with one ``executemany`` per table
# through ``sqlite3`` into the same migrated schema. Each run is its own process, so start-up (Python,
# imports, migrations) is timed apart from the import, and each peak RSS is that run's alone.

FLOOR, IMPORT, REIMPORT, XLSX = "floor", "import", "reimport", "xlsx"
KINDS = (FLOOR, IMPORT, REIMPORT, XLSX)
WORKBOOK = "district.xlsx"


def _split(cell: str) -> list[str]:
    return [item for item in cell.split(";") if item]


def floor_import(folder: Path, database: Path, district_id: int, now: datetime) -> None:
    """The bare floor: no checks, ids counted in Python, one ``executemany`` per table, one commit."""
    import csv
    import sqlite3

    at = now.isoformat()
    schools: dict[str, int] = {}
    grades: dict[tuple[int, str], int] = {}
    classes: dict[tuple[int, str], tuple[int, int]] = {}  # (school, class) → (id, grade id)
    students: list[tuple[Any, ...]] = []
    student_focus: list[tuple[int, str]] = []
    with (folder / "students.csv").open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for n, (school, sid, name, grade, cls, focus) in enumerate(rows, start=1):
            s = schools.setdefault(school, len(schools) + 1)
            g = grades.setdefault((s, grade), len(grades) + 1)
            c = classes.setdefault((s, cls), (len(classes) + 1, g))[0]
            students.append((n, sid, name, s, c, at))
            student_focus.extend((n, tag) for tag in _split(focus))
    staff: list[tuple[Any, ...]] = []
    roles: list[tuple[int, str]] = []
    links: list[tuple[int, int, str]] = []
    linked: list[tuple[int, int]] = []
    staff_focus: list[tuple[int, str]] = []
    with (folder / "staff.csv").open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        for n, (school, sid, name, role_cell, head_of, teaches, grade_cell, phone, focus, lang) in enumerate(
            rows, start=1
        ):
            s_id = schools.get(school)
            staff.append((n, sid, name, s_id, phone or None, lang or None, at))
            roles.extend((n, role) for role in _split(role_cell))
            staff_focus.extend((n, tag) for tag in _split(focus))
            if s_id is not None:
                links.extend((n, classes[(s_id, c)][0], "head") for c in _split(head_of))
                links.extend((n, classes[(s_id, c)][0], "teaches") for c in _split(teaches))
                linked.extend((n, grades[(s_id, g)]) for g in _split(grade_cell))
    con = sqlite3.connect(database)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        con.execute(f"PRAGMA {pragma}")
    with con:
        con.executemany("INSERT INTO schools (id, district_id, name, active) VALUES (?, ?, ?, 1)",
                        [(i, district_id, name) for name, i in schools.items()])
        con.executemany("INSERT INTO grades (id, school_id, name, active) VALUES (?, ?, ?, 1)",
                        [(i, s, name) for (s, name), i in grades.items()])
        con.executemany("INSERT INTO classes (id, school_id, grade_id, name, active) VALUES (?, ?, ?, ?, 1)",
                        [(i, s, g, name) for (s, name), (i, g) in classes.items()])
        con.executemany("INSERT INTO students (id, external_id, name, school_id, class_id, active, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)", students)
        con.executemany("INSERT INTO student_focus (student_id, tag) VALUES (?, ?)", student_focus)
        con.executemany("INSERT INTO staff (id, external_id, name, school_id, phone, language, active, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)", staff)
        con.executemany("INSERT INTO staff_roles (staff_id, role) VALUES (?, ?)", roles)
        con.executemany("INSERT INTO staff_classes (staff_id, class_id, link) VALUES (?, ?, ?)", links)
        con.executemany("INSERT INTO staff_grades (staff_id, grade_id) VALUES (?, ?)", linked)
        con.executemany("INSERT INTO staff_focus (staff_id, tag) VALUES (?, ?)", staff_focus)
    con.close()


def _peak_rss_mib() -> float:
    """This process's peak RSS. ``VmHWM`` starts afresh at exec, where ``ru_maxrss`` keeps the
    parent's high-water mark (so a big parent would inflate every run's figure)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mib()


def _child(kind: str, folder: Path, database: Path) -> dict[str, float]:
    """One measured run inside this process: start-up (imports, migrations), then the import alone."""
    t0 = time.perf_counter()
    from bot.settings import Settings
    from store.clock import SystemClock
    from store.installation import load_campaign, open_store
    from store.roster import import_roster, read_roster_paths

    t1 = time.perf_counter()
    url = f"sqlite+aiosqlite:///{database}"
    settings = Settings(_env_file=None, database_url=url, campaign_file=None)

    async def run() -> dict[str, float]:
        handle = await open_store(settings.database_url, clock=SystemClock())
        try:
            await load_campaign(handle, None, bot_timezone=settings.bot_timezone)
            async with handle.sessions() as session:
                district_id = await ensure_district(session=session)
            t2, cpu2 = time.perf_counter(), cpu_seconds()
            rss_start = _peak_rss_mib()
            if kind == FLOOR:
                await handle.close()  # the floor writes through its own sqlite3 connection
                floor_import(folder, database, district_id, handle.clock.now())
            else:
                source = read_roster_paths([folder / WORKBOOK] if kind == XLSX else [folder])
                async with handle.sessions() as session:
                    report = await import_roster(session=session, source=source, now=handle.clock.now())
                if not report.accepted:
                    raise SystemExit(f"the synthetic roster was refused: {report.errors[:3]}")
            t3, cpu3 = time.perf_counter(), cpu_seconds()
        finally:
            await handle.close()
        return {"imports": t1 - t0, "migrations": t2 - t1, "import": t3 - t2, "cpu": cpu3 - cpu2,
                "rss_start": rss_start, "rss_peak": _peak_rss_mib()}

    return asyncio.run(run())


@dataclass(frozen=True)
class Run:
    kind: str
    wall: float  # the whole process, interpreter start included
    imports: float
    migrations: float
    seconds: float  # the import alone
    cpu: float  # CPU seconds of the import alone, all threads (aiosqlite runs SQLite in one)
    rss_start: float
    rss_peak: float

    @property
    def startup(self) -> float:
        return self.wall - self.seconds


def _measure(kind: str, folder: Path, database: Path) -> Run:
    # Run in the data folder (no .env or campaign.toml there), with this checkout importable.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.roster", "--child", kind, "--folder", str(folder),
         "--database", str(database)],
        capture_output=True, text=True, cwd=folder, env=env,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the {kind} run failed:\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(kind, wall, figures["imports"], figures["migrations"], figures["import"], figures["cpu"],
               figures["rss_start"], figures["rss_peak"])


def _span(values: Sequence[float], fmt: str) -> str:
    low, high = min(values), max(values)
    return format(low, fmt) if format(low, fmt) == format(high, fmt) else f"{low:{fmt}}–{high:{fmt}}"


def report(runs: Sequence[Run], schools: int, staff: int, students: int, loads: Sequence[str]) -> list[str]:
    lines = [*describe_machine().lines(),
             f"load:     {' → '.join(loads)} (1-minute average, before each round and at the end)",
             f"district: {schools} schools, {staff:,} staff, {students:,} students", ""]
    lines.append(f"{'run':<9}{'process':>12}{'start-up':>12}{'of it migr.':>12}{'import':>12}"
                 f"{'CPU':>12}{'RSS start':>11}{'RSS peak':>10}")
    for kind in KINDS:
        mine = [r for r in runs if r.kind == kind]
        if not mine:
            continue
        cols = (([r.wall for r in mine], ".2f", 12), ([r.startup for r in mine], ".2f", 12),
                ([r.migrations for r in mine], ".2f", 12), ([r.seconds for r in mine], ".2f", 12),
                ([r.cpu for r in mine], ".2f", 12),
                ([r.rss_start for r in mine], ".0f", 11), ([r.rss_peak for r in mine], ".0f", 10))
        lines.append(f"{kind:<9}" + "".join(f"{_span(v, fmt):>{w}}" for v, fmt, w in cols))
    floors = [r.seconds for r in runs if r.kind == FLOOR]
    imports = [r.seconds for r in runs if r.kind == IMPORT]
    if floors and imports:
        ratios = [i / f for f, i in zip(floors, imports, strict=False)]
        cpu = [i.cpu / f.cpu for f, i in zip([r for r in runs if r.kind == FLOOR],
                                             [r for r in runs if r.kind == IMPORT], strict=False)]
        lines.append("")
        lines.append(f"import / floor, round by round (start-up excluded): {_span(ratios, '.2f')}× wall, "
                     f"{_span(cpu, '.2f')}× CPU")
    lines.append("seconds; RSS in MiB (peak resident set of that process)")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.roster",
        description="Import a synthetic district beside a bare csv → sqlite3 floor, each run in its own "
        "process.",
    )
    parser.add_argument("--schools", type=int, default=28, help="3,600 students each (default 28: 100,800)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="floor, import, re-import per round (default 3)")
    parser.add_argument("--xlsx", action="store_true",
                        help="also import the same district from one XLSX workbook, once per round")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.folder, args.database)))
        return 0
    runs: list[Run] = []
    loads: list[str] = []
    with tempfile.TemporaryDirectory(prefix="twovisits-roster-bench-") as tmp:
        folder = Path(tmp)
        staff, students = write_district(folder, args.schools)
        if args.xlsx:
            write_workbook(folder, folder / WORKBOOK)
        for n in range(args.rounds):
            loads.append(load_average())
            runs.append(_measure(FLOOR, folder, folder / f"floor-{n}.db"))
            runs.append(_measure(IMPORT, folder, folder / f"import-{n}.db"))
            runs.append(_measure(REIMPORT, folder, folder / f"import-{n}.db"))
            if args.xlsx:
                runs.append(_measure(XLSX, folder, folder / f"xlsx-{n}.db"))
        loads.append(load_average())
    print("\n".join(report(runs, args.schools, staff, students, loads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
