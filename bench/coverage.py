"""``/coverage`` end to end for a district-sized database: command in, photo out.

    python -m bench.coverage [--requests 20] [--database PATH]

A synthetic district written straight into a fresh SQLite file: 30 schools × 6 grades × 8 classes of
45 students (64,800 students), 60 staff a school (1,800), 100,000 visits (95,000 with students, 85 %
one-on-one, dated over the visit phase so far; 5,000 cadre interviews). The real bot polls the
stand-in; a district office member asks in the bound district group (30 school bars over every
student) and a school leader in a bound school group (48 class rows, shown by grade). Each request's
time runs from the user's send to the photo's arrival in the stand-in; the bot's own time is split
into the query (``reports.coverage_view.load_view``: coverage counts and history) and the render
(``render_coverage``, in its worker thread).

The floor, in the same run: the same per-school figures computed by one bare SQL query on the same
file (sqlite3, no ORM), and the same chart drawn directly (no Telegram, no thread).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

import bot.commands.coverage as coverage_command
import reports.coverage_view as cv
from bench.harness import bench_settings, running
from bench.stats import describe_machine, load_average, peak_rss_mib, percentile
from bot.app import build_application
from bot.i18n import translator
from reports.charts import render_coverage
from sandbox import BotApiStandIn, Group, User
from store.clock import FixedClock
from store.installation import StoreHandle, ensure_district, load_campaign, open_store
from store.models import (
    Grade,
    GroupChat,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffRole,
    Student,
    TelegramAccount,
    Visit,
    VisitStudent,
    VisitTeacher,
)

SCHOOLS, GRADES, CLASSES_PER_GRADE, STUDENTS_PER_CLASS, STAFF_PER_SCHOOL = 30, 6, 8, 45, 60
STUDENT_VISITS, TEACHER_VISITS = 95_000, 5_000
CREATED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # visit phase from 16 December
NOW = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)
GRADE_NAMES = ("七年級", "八年級", "九年級", "高一", "高二", "高三")


@dataclass
class District:
    school_ids: list[int] = field(default_factory=list)
    office_staff_id: int = 0
    leader_staff_id: int = 0
    students: int = 0
    staff: int = 0
    visits: int = 0


async def _insert(store: StoreHandle, model: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    async with store.sessions() as session:
        for i in range(0, len(rows), chunk):
            await session.execute(insert(model), rows[i : i + chunk])
        await session.commit()


async def seed(store: StoreHandle, rng: random.Random) -> District:
    """The synthetic district (see the module's docstring); ids are assigned here, in order."""
    d = District()
    async with store.sessions() as session:
        district_id = await ensure_district(session=session)
    schools = [{"id": s + 1, "district_id": district_id, "name": f"第{s + 1}中學", "active": True}
               for s in range(SCHOOLS)]
    grades, classes, students, staff, roles, links = [], [], [], [], [], []
    class_of_head: dict[int, int] = {}
    students_of_class: dict[int, list[int]] = {}
    teachers_of_school: dict[int, list[int]] = {}
    cadres_of_school: dict[int, list[int]] = {}
    for school in schools:
        sid = school["id"]
        for g in range(GRADES):
            gid = len(grades) + 1
            grades.append({"id": gid, "school_id": sid, "name": GRADE_NAMES[g], "active": True})
            for c in range(CLASSES_PER_GRADE):
                cid = len(classes) + 1
                name = f"{GRADE_NAMES[g]}{c + 1}班"
                classes.append({"id": cid, "school_id": sid, "grade_id": gid, "name": name, "active": True})
                ids = []
                for _ in range(STUDENTS_PER_CLASS):
                    pid = len(students) + 1
                    students.append({"id": pid, "external_id": f"S{pid:06d}", "name": f"學生{pid}",
                                     "school_id": sid, "class_id": cid, "active": True})
                    ids.append(pid)
                students_of_class[cid] = ids
        school_classes = [c["id"] for c in classes if c["school_id"] == sid]
        for n in range(STAFF_PER_SCHOOL):
            pid = len(staff) + 1
            staff.append({"id": pid, "external_id": f"T{pid:05d}", "name": f"教師{pid}", "school_id": sid,
                          "active": True})
            if n < len(school_classes):
                roles += [{"staff_id": pid, "role": r} for r in ("head_teacher", "subject_teacher")]
                links.append({"staff_id": pid, "class_id": school_classes[n], "link": "head"})
                class_of_head[pid] = school_classes[n]
                teachers_of_school.setdefault(sid, []).append(pid)
            elif n < STAFF_PER_SCHOOL - 3:
                roles.append({"staff_id": pid, "role": "subject_teacher"})
                teachers_of_school.setdefault(sid, []).append(pid)
            else:
                roles.append({"staff_id": pid, "role": "school_leader" if n == STAFF_PER_SCHOOL - 1
                              else "middle_cadre"})
                cadres_of_school.setdefault(sid, []).append(pid)
    office = len(staff) + 1
    staff.append({"id": office, "external_id": "T-OFFICE", "name": "區辦", "school_id": None, "active": True})
    roles.append({"staff_id": office, "role": "district_office"})
    for model, rows in ((School, schools), (Grade, grades), (SchoolClass, classes), (Student, students),
                        (Staff, staff), (StaffRole, roles), (StaffClass, links)):
        await _insert(store, model, rows)

    start, days = date(2026, 12, 16), (NOW.date() - date(2026, 12, 16)).days + 1
    visits, visit_students, visit_teachers = [], [], []
    heads = list(class_of_head.items())
    for v in range(STUDENT_VISITS + TEACHER_VISITS):
        vid = v + 1
        day = start + timedelta(days=rng.randrange(days))
        at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
        if v < STUDENT_VISITS:
            head, klass = heads[rng.randrange(len(heads))]
            pupils = students_of_class[klass]
            group = [rng.choice(pupils)] if rng.random() < 0.85 else rng.sample(pupils, rng.choice((2, 3)))
            visit_students += [{"visit_id": vid, "student_id": p} for p in group]
            kind, visitor, cls, o2o = "student", head, klass, len(group) == 1
            school = classes[klass - 1]["school_id"]
        else:
            school = rng.randrange(SCHOOLS) + 1
            visitor = rng.choice(cadres_of_school[school])
            visit_teachers.append({"visit_id": vid, "staff_id": rng.choice(teachers_of_school[school])})
            kind, cls, o2o = "teacher", None, True
        visits.append({"id": vid, "client_key": uuid.uuid4().hex, "kind": kind, "visitor_id": visitor,
                       "school_id": school, "class_id": cls, "form": "in_person",
                       "place": "classroom" if kind == "student" else "office", "visit_date": day,
                       "one_on_one": o2o, "follow_up": "none", "notable": False, "out_of_phase": False,
                       "version": 1, "created_at": at, "updated_at": at})
    await _insert(store, Visit, visits)
    await _insert(store, VisitStudent, visit_students)
    await _insert(store, VisitTeacher, visit_teachers)
    d.school_ids = [s["id"] for s in schools]
    d.office_staff_id = office
    d.leader_staff_id = cadres_of_school[1][-1]
    d.students, d.staff, d.visits = len(students), len(staff), len(visits)
    return d


FLOOR_SQL = """
WITH covered AS (
    SELECT vs.student_id AS student_id, MAX(v.one_on_one) AS o2o
    FROM visit_students vs JOIN visits v ON v.id = vs.visit_id
    WHERE v.kind = 'student' AND v.deleted_at IS NULL AND v.visit_date BETWEEN ? AND ?
    GROUP BY vs.student_id
)
SELECT s.school_id, COUNT(*), COUNT(c.student_id), COALESCE(SUM(c.o2o), 0)
FROM students s
JOIN classes k ON k.id = s.class_id JOIN grades g ON g.id = k.grade_id JOIN schools sc ON sc.id = s.school_id
LEFT JOIN covered c ON c.student_id = s.id
WHERE s.active AND k.active AND g.active AND sc.active
  AND s.id NOT IN (SELECT student_id FROM exemptions WHERE revoked_at IS NULL)
GROUP BY s.school_id ORDER BY s.school_id
"""


def floor_query(path: Path, start: date, end: date) -> list[tuple[int, int, int, int]]:
    with closing(sqlite3.connect(path)) as db:
        return [tuple(row) for row in db.execute(FLOOR_SQL, (start.isoformat(), end.isoformat()))]


@dataclass
class Samples:
    total: list[float] = field(default_factory=list)
    query: list[float] = field(default_factory=list)
    render: list[float] = field(default_factory=list)


def _timed_async(target: Callable[..., Awaitable[Any]], into: list[float]) -> Callable[..., Awaitable[Any]]:
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await target(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - started)
    return timed


def _timed(target: Callable[..., Any], into: list[float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return target(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - started)
    return timed


async def ask(user: User, room: Group, requests: int, samples: Samples) -> bytes:
    photo = b""
    for _ in range(requests):
        started = time.perf_counter()
        await user.send("/coverage@BenchBot", chat=room)
        reply = await room.next_message(timeout=60)
        samples.total.append(time.perf_counter() - started)
        assert reply.kind == "photo" and reply.photo, reply.summary()
        photo = reply.photo
    return photo


def ms(values: Sequence[float], p: float) -> str:
    return f"{percentile(sorted(values), p) * 1000:.0f}"


async def run(requests: int, database: Path) -> list[str]:
    lines = [*describe_machine().lines(), f"load before: {load_average()}"]
    clock = FixedClock(CREATED)
    url = f"sqlite+aiosqlite:///{database}"
    store = await open_store(url, clock=clock)
    seeded = time.perf_counter()
    try:
        await load_campaign(store, None, bot_timezone="Asia/Shanghai")
        district = await seed(store, random.Random(20261201))
        clock.set(NOW)
        async with store.sessions() as session:
            session.add_all([
                TelegramAccount(telegram_user_id=900_000_001, staff_id=district.office_staff_id, bound_at=NOW,
                                bound_by="invite"),
                TelegramAccount(telegram_user_id=900_000_002, staff_id=district.leader_staff_id, bound_at=NOW,
                                bound_by="invite"),
            ])
            await session.commit()
    finally:
        await store.close()
    lines.append(f"district: {SCHOOLS} schools, {district.students} students, {district.staff} staff, "
                 f"{district.visits} visits (seeded in {time.perf_counter() - seeded:.0f} s)")

    results: dict[str, Samples] = {"district group": Samples(), "school group": Samples()}
    originals = (cv.load_view, coverage_command.render_coverage)
    async with BotApiStandIn(bot_username="BenchBot") as standin:
        settings = bench_settings(standin, url)
        app = build_application(settings, clock=clock)
        async with running(app):
            office = standin.world.user("Office", user_id=900_000_001, language_code="zh-hant")
            leader = standin.world.user("Leader", user_id=900_000_002, language_code="zh-hant")
            district_room = standin.world.group("區 group", members=[office])
            school_room = standin.world.group("第1中學 staff", members=[leader])
            services = app.bot_data.services
            async with services.store.sessions() as session:
                session.add_all([
                    GroupChat(chat_id=district_room.id, district_id=1, school_id=None, bound_at=NOW,
                              bound_by=district.office_staff_id, active=True),
                    GroupChat(chat_id=school_room.id, district_id=1, school_id=district.school_ids[0],
                              bound_at=NOW, bound_by=district.leader_staff_id, active=True),
                ])
                await session.commit()
            # One warm-up each (fonts, caches), not counted.
            for user, room in ((office, district_room), (leader, school_room)):
                await ask(user, room, 1, Samples())
            try:
                for samples, (user, room) in zip(
                    results.values(), ((office, district_room), (leader, school_room)), strict=True
                ):
                    cv.load_view = _timed_async(originals[0], samples.query)  # type: ignore[assignment]
                    coverage_command.render_coverage = _timed(originals[1], samples.render)  # type: ignore[assignment]
                    await ask(user, room, requests, samples)
            finally:
                cv.load_view, coverage_command.render_coverage = originals  # type: ignore[assignment]

            # The floor, in the same run and process: one bare query, the same chart drawn directly.
            config = services.campaign.config
            floor_q: list[float] = []
            figures: list[tuple[int, int, int, int]] = []
            for _ in range(requests):
                started = time.perf_counter()
                figures = await asyncio.to_thread(floor_query, database, config.start, NOW.date())
                floor_q.append(time.perf_counter() - started)
            view = await originals[0](sessions=services.store.sessions, scope=None, config=config,
                                      today=NOW.date(), base=cv.DISTRICT)
            assert view is not None
            same = [(r.students.total, r.students.visited, r.students.one_on_one) for r in view.rows]
            assert same == [f[1:] for f in figures], "the floor's figures differ from the bot's"
            chart = cv.coverage_chart(view, translator("zh-Hant").gettext)
            floor_r: list[float] = []
            for _ in range(requests):
                started = time.perf_counter()
                render_coverage(chart)
                floor_r.append(time.perf_counter() - started)

    lines.append(f"requests: {requests} per view after one warm-up, one at a time")
    lines.append("")
    lines.append("| | p50 ms | p95 ms | query p50 / p95 | render p50 / p95 |")
    lines.append("|---|---|---|---|---|")
    for label, s in results.items():
        lines.append(f"| /coverage, {label} (end to end) | {ms(s.total, 50)} | {ms(s.total, 95)} | "
                     f"{ms(s.query, 50)} / {ms(s.query, 95)} | {ms(s.render, 50)} / {ms(s.render, 95)} |")
    floor_total = sorted(q + r for q, r in zip(floor_q, floor_r, strict=True))
    lines.append(f"| floor: one bare SQL query + the same chart drawn | {ms(floor_total, 50)} | "
                 f"{ms(floor_total, 95)} | {ms(floor_q, 50)} / {ms(floor_q, 95)} | "
                 f"{ms(floor_r, 50)} / {ms(floor_r, 95)} |")
    worst = max(percentile(sorted(s.total), 95) for s in results.values())
    floor95 = percentile(floor_total, 95)
    lines.append("")
    within = "met" if worst <= 2 * floor95 else "MISSED"
    lines.append(f"worst p95 {worst * 1000:.0f} ms: target ≤ 1000 ms {'met' if worst <= 1 else 'MISSED'}, "
                 f"{worst / floor95:.2f}× the floor's p95 (target ≤ 2×: {within})")
    lines.append(f"load after: {load_average()}; peak RSS {peak_rss_mib():.0f} MiB")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="/coverage end to end on a district-sized database.")
    parser.add_argument("--requests", type=int, default=20, help="requests per view (default 20)")
    parser.add_argument("--database", type=Path, help="SQLite file to create (must not exist)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        database = args.database or Path(folder) / "coverage-bench.db"
        if database.exists():
            parser.error(f"{database} exists")
        for line in asyncio.run(run(args.requests, database)):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
