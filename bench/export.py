"""``python -m bench.export``: the archive export of a large synthetic district, timed and measured.

Seeds (once; ``--database`` keeps the file for reruns) a district of 18 schools × 6 grades × 12 classes
× 50 students = 64 800 students, a head teacher per class and 20 subject teachers and 5 cadres per
school, then 100 000 visits: 95 % student visits (one in ten a group talk of three) and 5 % teacher
interviews, with topics, opinions on one visit in five, a co-visitor on one in ten, follow-ups on
one in ten and a situation text on one in three; 40 rectification items per school, each answering
one opinion, in every state (a tenth of the other opinions dismissed). Rows go in with bulk INSERTs
(Core ``executemany``), not through the product.

Then runs the real command, ``python -m bot export --out FILE``, as a child process, and reports its
wall time and peak RSS (that child's own ``wait4`` usage), the rows written and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.stats import describe_machine, load_average
from store.clock import FixedClock
from store.installation import ensure_district, load_campaign, open_store
from store.models import (
    FollowUp,
    Grade,
    Opinion,
    OpinionHandling,
    RectificationItem,
    RectificationOpinion,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffGrade,
    StaffRole,
    Student,
    Visit,
    VisitCoVisitor,
    VisitStudent,
    VisitTeacher,
    VisitTopic,
)

SCHOOLS, GRADES, CLASSES_PER_GRADE, STUDENTS_PER_CLASS = 18, 6, 12, 50
SUBJECT_TEACHERS, CADRES = 20, 5
ITEMS_PER_SCHOOL = 40
ITEM_STATES = ("open", "in_progress", "done", "verified", "returned")
CREATED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 12, 16)
CHUNK = 5000


async def _bulk(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[i:i + CHUNK])


async def seed(url: str, visits: int, seed_value: int = 7) -> None:
    rng = random.Random(seed_value)
    handle = await open_store(url, clock=FixedClock(CREATED))
    try:
        campaign = await load_campaign(handle, None, bot_timezone="Asia/Shanghai")
        student_topics = [t.id for t in campaign.student_topics]
        teacher_topics = [t.id for t in campaign.teacher_topics]
        categories = [c.id for c in campaign.categories]
        async with handle.sessions() as s:
            district = await ensure_district(session=s)
            await _bulk(s, School, [{"id": n + 1, "district_id": district, "name": f"School {n + 1:02d}"}
                                    for n in range(SCHOOLS)])
            grades, classes, staff, roles, links, glinks, students = [], [], [], [], [], [], []
            class_students: dict[int, list[int]] = {}
            heads: dict[int, int] = {}
            teachers_of: dict[int, list[int]] = {}
            cadres_of: dict[int, list[int]] = {}
            school_of_class: dict[int, int] = {}
            gid = cid = sid = pid = 0
            for school in range(1, SCHOOLS + 1):
                teachers_of[school], cadres_of[school] = [], []
                school_classes = []
                for g in range(GRADES):
                    gid += 1
                    grades.append({"id": gid, "school_id": school, "name": f"Grade {g + 7}"})
                    for c in range(CLASSES_PER_GRADE):
                        cid += 1
                        school_of_class[cid] = school
                        school_classes.append(cid)
                        classes.append({"id": cid, "school_id": school, "grade_id": gid,
                                        "name": f"{g + 7}-{c + 1}"})
                        sid += 1
                        staff.append({"id": sid, "external_id": f"T{sid:06d}", "name": f"Head {sid}",
                                      "school_id": school})
                        roles.append({"staff_id": sid, "role": "head_teacher"})
                        links.append({"staff_id": sid, "class_id": cid, "link": "head"})
                        heads[cid] = sid
                        teachers_of[school].append(sid)
                        class_students[cid] = []
                        for _ in range(STUDENTS_PER_CLASS):
                            pid += 1
                            students.append({"id": pid, "external_id": f"S{pid:07d}", "name": f"學生{pid}",
                                             "school_id": school, "class_id": cid})
                            class_students[cid].append(pid)
                for n in range(SUBJECT_TEACHERS):
                    sid += 1
                    staff.append({"id": sid, "external_id": f"T{sid:06d}", "name": f"Teacher {sid}",
                                  "school_id": school})
                    roles.append({"staff_id": sid, "role": "subject_teacher"})
                    for cls in school_classes[n::SUBJECT_TEACHERS]:
                        links.append({"staff_id": sid, "class_id": cls, "link": "teaches"})
                    teachers_of[school].append(sid)
                for n in range(CADRES):
                    sid += 1
                    staff.append({"id": sid, "external_id": f"T{sid:06d}", "name": f"Cadre {sid}",
                                  "school_id": school})
                    roles.append({"staff_id": sid, "role": "school_leader" if n < 2 else "middle_cadre"})
                    if n < 2:
                        glinks.append({"staff_id": sid, "grade_id": gid - GRADES + 1 + n})
                    cadres_of[school].append(sid)
            for model, rows in ((Grade, grades), (SchoolClass, classes), (Staff, staff), (StaffRole, roles),
                                (StaffClass, links), (StaffGrade, glinks), (Student, students)):
                await _bulk(s, model, rows)

            visit_rows, vs, vt, topics, opinions, co, follow = [], [], [], [], [], [], []
            opinion_school: list[tuple[int, int]] = []  # per opinion: its school and a leader there
            class_ids = list(class_students)
            for vid in range(1, visits + 1):
                day = FIRST_DAY + timedelta(days=rng.randrange(60))
                at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
                row: dict[str, Any] = {"id": vid, "client_key": f"bench-{vid}", "visit_date": day,
                                       "created_at": at, "updated_at": at, "version": 1, "notable": False,
                                       "out_of_phase": False, "follow_up": "none",
                                       "private_notes": "private" if vid % 7 == 0 else None,
                                       "situation": f"情況 {vid}：家長反映孩子的作業和睡眠，已約好下次再談。"
                                       if vid % 3 == 0 else None}
                if vid % 20:  # a student visit
                    cls = rng.choice(class_ids)
                    who = rng.sample(class_students[cls], 3 if vid % 10 == 1 else 1)
                    row.update(kind="student", visitor_id=heads[cls], school_id=school_of_class[cls],
                               class_id=cls, form="in_person", place="classroom", one_on_one=len(who) == 1)
                    vs.extend({"visit_id": vid, "student_id": p} for p in who)
                    topics.extend({"visit_id": vid, "topic_id": t} for t in rng.sample(student_topics, 2))
                    school = school_of_class[cls]
                else:
                    school = rng.randrange(1, SCHOOLS + 1)
                    row.update(kind="teacher", visitor_id=rng.choice(cadres_of[school]), school_id=school,
                               class_id=None, form="in_person", place="office", one_on_one=True)
                    vt.append({"visit_id": vid, "staff_id": rng.choice(teachers_of[school])})
                    topics.append({"visit_id": vid, "topic_id": rng.choice(teacher_topics)})
                if vid % 5 == 0:
                    opinions.append({"id": len(opinions) + 1, "visit_id": vid,
                                     "category_id": rng.choice(categories),
                                     "text": f"意見 {vid}：希望改善食堂和宿舍的條件。", "created_at": at})
                    opinion_school.append((school, cadres_of[school][0]))
                if vid % 10 == 3:
                    co.append({"visit_id": vid, "staff_id": rng.choice(cadres_of[school])})
                if vid % 10 == 4:
                    row["follow_up"] = "1w"
                    # One follow-up per person visited (migration 0004).
                    people = ([("student", p) for p in who] if row["kind"] == "student"
                              else [("teacher", vt[-1]["staff_id"])])
                    follow.extend({"visit_id": vid, "person_kind": kind, "person_id": person,
                                   "due_date": day + timedelta(days=7),
                                   "done_at": at + timedelta(days=6) if vid % 20 == 4 else None}
                                  for kind, person in people)
                visit_rows.append(row)
            for model, rows in ((Visit, visit_rows), (VisitStudent, vs), (VisitTeacher, vt),
                                (VisitTopic, topics), (Opinion, opinions), (VisitCoVisitor, co),
                                (FollowUp, follow)):
                await _bulk(s, model, rows)
            items, answers, handling = _plan(rng, opinion_school, teachers_of)
            for model, rows in ((RectificationItem, items), (RectificationOpinion, answers),
                                (OpinionHandling, handling)):
                await _bulk(s, model, rows)
            await s.commit()
    finally:
        await handle.close()


def _plan(rng: random.Random, opinion_school: list[tuple[int, int]], teachers_of: dict[int, list[int]]
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Items answering each school's first opinions, in every state; a tenth of the rest dismissed."""
    items: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    handling: list[dict[str, Any]] = []
    per_school: dict[int, int] = {}
    for oid, (school, leader) in enumerate(opinion_school, start=1):
        n = per_school.get(school, 0)
        if n < ITEMS_PER_SCHOOL:
            per_school[school] = n + 1
            iid = len(items) + 1
            state = ITEM_STATES[n % len(ITEM_STATES)]
            deadline = FIRST_DAY + timedelta(days=20 + 3 * n)
            done = (datetime.combine(deadline, datetime.min.time(), tzinfo=UTC)
                    + timedelta(days=rng.choice((-5, 2)))) if state in ("done", "verified") else None
            items.append({"id": iid, "school_id": school, "title": f"整改 {iid}",
                          "public_title": f"整改 {iid}",
                          "goal": "改善食堂和宿舍條件", "measures": "每週檢查一次", "level": "school",
                          "owner_staff_id": rng.choice(teachers_of[school]), "deadline": deadline,
                          "status": state, "created_by": leader, "created_at": CREATED, "updated_at": CREATED,
                          "done_at": done})
            answers.append({"item_id": iid, "opinion_id": oid})
            handling.append({"opinion_id": oid, "status": "itemised", "handled_by": leader,
                             "handled_at": CREATED})
        elif oid % 10 == 0:
            handling.append({"opinion_id": oid, "status": "dismissed", "dismissed_reason": "不屬本校範圍",
                             "handled_by": leader, "handled_at": CREATED})
    return items, answers, handling


async def counts(url: str) -> tuple[int, int]:
    handle = await open_store(url, clock=FixedClock(CREATED))
    try:
        async with handle.sessions() as s:
            students = await s.scalar(select(func.count()).select_from(Student))
            visits = await s.scalar(select(func.count()).select_from(Visit))
        return int(students or 0), int(visits or 0)
    finally:
        await handle.close()


def run_export(url: str, out: Path, workdir: Path) -> tuple[float, float, float, str]:
    """``python -m bot export`` in a child process: wall seconds, its CPU seconds, its peak RSS (MiB),
    what it printed."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for name in ("CAMPAIGN_FILE", "TELEGRAM_BOT_TOKEN"):
        env.pop(name, None)
    started = time.perf_counter()
    with (workdir / "stdout").open("w+") as stdout, (workdir / "stderr").open("w+") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "bot", "export", "--out", str(out)], env=env,
                                 cwd=workdir, stdout=stdout, stderr=stderr)
        # This child's own usage (RUSAGE_CHILDREN would take the largest of all children, the seeder's).
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        code = child.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if code != 0:
            raise SystemExit(f"export failed ({code}): {stderr.read()}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout.read().strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000, help="visits to seed (default 100 000)")
    parser.add_argument("--database", type=Path, default=None,
                        help="SQLite file; seeded if it does not exist, reused if it does (default: temp)")
    parser.add_argument("--time-target", type=float, default=30.0)
    parser.add_argument("--memory-target", type=float, default=300.0, help="MiB")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="twovisits-bench-export-") as tmp:
        database = args.database.resolve() if args.database else Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{database}"
        seeded = 0.0
        if args.seed_only:
            asyncio.run(seed(url, args.visits))
            return 0
        if not database.exists():
            # Seeded by a child of its own: a child forked from a parent that holds the seed's rows
            # would start with their resident pages and report them as the export's peak RSS.
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bench.export", "--seed-only", "--database", str(database),
                            "--visits", str(args.visits)], check=True)
            seeded = time.perf_counter() - started
        students, visits = asyncio.run(counts(url))
        load_before = load_average()
        wall, cpu, peak, printed = run_export(url, Path(tmp) / "archive.xlsx", Path(tmp))
        size = (Path(tmp) / "archive.xlsx").stat().st_size / 2**20
        lines = [
            *describe_machine().lines(),
            f"district: {students} students, {visits} visits"
            + (f" (seeded in {seeded:.1f} s)" if seeded else ""),
            f"export:   {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.0f} MiB, file {size:.1f} MiB",
            f"          {printed}",
            f"load:     {load_before} before, {load_average()} after (1-minute average)",
        ]
    print("\n".join(lines))
    ok = wall <= args.time_target and peak <= args.memory_target
    print(f"target {args.time_target:.0f} s / {args.memory_target:.0f} MiB: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
