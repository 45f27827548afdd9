"""``python -m bench.review``: ``/review``'s sample and the review scores on a large synthetic district.

Seeds (bulk INSERTs, not through the product) 18 schools × 72 classes × 50 students = 64 800 students,
a head teacher per class, two school leaders per school, a supervisor, and 100 000 visits over 60 days
saved at random times between 08:00 and 18:00 (5 % teacher interviews, one in ten a group talk, an
opinion on one in five, a few of them pasted twice), and 5 000 reviews; then times, in-process against
the SQLite file: a supervisor's sample (the 2 000 newest candidates, their flags, 5 records), a school
leader's, and ``review_counts`` (the evaluation's input). Reports the median of ``--runs`` and the load
average. (``bench.export``'s seed predates follow-ups' person columns, so it is not reused.)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.export import CHUNK, CREATED, FIRST_DAY, SCHOOLS
from bench.stats import describe_machine, load_average
from store.campaign import ReviewConfig
from store.clock import FixedClock
from store.installation import ensure_district, load_campaign, open_store
from store.models import (
    Grade,
    Opinion,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffRole,
    Student,
    Visit,
    VisitReview,
    VisitStudent,
    VisitTeacher,
)
from store.reviews import draw_sample
from store.scopes import scope_for
from store.score_inputs import review_counts

NOW = datetime.combine(FIRST_DAY + timedelta(days=60), datetime.min.time(), tzinfo=UTC)
CLASSES, STUDENTS = 72, 50


async def seed(url: str, visits: int) -> None:
    rng = random.Random(11)
    handle = await open_store(url, clock=FixedClock(CREATED))
    try:
        campaign = await load_campaign(handle, None, bot_timezone="Asia/Shanghai")
        category = campaign.categories[0].id
        rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (
            School, Grade, SchoolClass, Staff, StaffRole, StaffClass, Student, Visit, VisitStudent,
            VisitTeacher, Opinion)}
        async with handle.sessions() as s:
            district = await ensure_district(session=s)
            head_of: dict[int, int] = {}
            school_of: dict[int, int] = {}
            pupils: dict[int, list[int]] = {}
            leaders: dict[int, list[int]] = {}
            sid = pid = 0
            for school in range(1, SCHOOLS + 1):
                rows[School].append({"id": school, "district_id": district, "name": f"School {school:02d}"})
                rows[Grade].append({"id": school, "school_id": school, "name": "Grade 7"})
                leaders[school] = []
                for _ in range(2):
                    sid += 1
                    rows[Staff].append({"id": sid, "external_id": f"T{sid:06d}", "name": f"Leader {sid}",
                                        "school_id": school})
                    rows[StaffRole].append({"staff_id": sid, "role": "school_leader"})
                    leaders[school].append(sid)
                for c in range(CLASSES):
                    cid = (school - 1) * CLASSES + c + 1
                    rows[SchoolClass].append({"id": cid, "school_id": school, "grade_id": school,
                                              "name": f"7-{c + 1}"})
                    sid += 1
                    rows[Staff].append({"id": sid, "external_id": f"T{sid:06d}", "name": f"Head {sid}",
                                        "school_id": school})
                    rows[StaffRole].append({"staff_id": sid, "role": "head_teacher"})
                    rows[StaffClass].append({"staff_id": sid, "class_id": cid, "link": "head"})
                    head_of[cid], school_of[cid], pupils[cid] = sid, school, []
                    for _ in range(STUDENTS):
                        pid += 1
                        rows[Student].append({"id": pid, "external_id": f"S{pid:07d}", "name": f"學生{pid}",
                                              "school_id": school, "class_id": cid})
                        pupils[cid].append(pid)
            for vid in range(1, visits + 1):
                day = FIRST_DAY + timedelta(days=rng.randrange(60))
                at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
                    seconds=rng.randrange(10 * 3600))
                row: dict[str, Any] = {"id": vid, "client_key": f"bench-{vid}", "visit_date": day,
                                       "created_at": at, "updated_at": at, "version": 1, "notable": False,
                                       "out_of_phase": vid % 50 == 0, "follow_up": "none",
                                       "form": "in_person"}
                cid = rng.randrange(1, SCHOOLS * CLASSES + 1)
                if vid % 20:
                    who = rng.sample(pupils[cid], 3 if vid % 10 == 1 else 1)
                    row.update(kind="student", visitor_id=head_of[cid], school_id=school_of[cid],
                               class_id=cid, place="classroom", one_on_one=len(who) == 1)
                    rows[VisitStudent].extend({"visit_id": vid, "student_id": p} for p in who)
                else:
                    school = school_of[cid]
                    row.update(kind="teacher", visitor_id=rng.choice(leaders[school]), school_id=school,
                               class_id=None, place="office", one_on_one=True)
                    rows[VisitTeacher].append({"visit_id": vid, "staff_id": head_of[cid]})
                rows[Visit].append(row)
                if vid % 5 == 0:
                    text = "學生反映宿舍晚上十點以後仍然很吵，影響休息，希望學校加強宿舍管理並安排老師巡查。"
                    rows[Opinion].append({"visit_id": vid, "category_id": category, "created_at": at,
                                          "text": text if vid % 500 == 0 else f"意見 {vid}：{text}"})
            for model, batch in rows.items():
                for i in range(0, len(batch), CHUNK):
                    await s.execute(insert(model), batch[i:i + CHUNK])
            await s.commit()
    finally:
        await handle.close()


async def _timed(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def measure(url: str, runs: int) -> list[str]:
    handle = await open_store(url, clock=FixedClock(CREATED))
    try:
        async with handle.sessions() as s:
            supervisor = Staff(external_id="D-SUP", name="督導", school_id=None)
            s.add(supervisor)
            await s.flush()
            s.add(StaffRole(staff_id=supervisor.id, role="supervisor"))
            leader = await s.scalar(select(StaffRole.staff_id).where(StaffRole.role == "school_leader"))
            ids = list((await s.scalars(select(Visit.id).order_by(Visit.id).limit(5000))).all())
            await s.execute(insert(VisitReview), [
                {"visit_id": v, "reviewer_id": supervisor.id, "outcome": "verified" if v % 4 else "returned",
                 "comment": None if v % 4 else "請補充", "visit_version": 1, "at": CREATED} for v in ids])
            await s.commit()
            sup_scope = await scope_for(session=s, staff_id=supervisor.id)
            lead_scope = await scope_for(session=s, staff_id=int(leader or 0))
        assert sup_scope is not None and lead_scope is not None
        config = ReviewConfig()
        lines = []
        reviewers = (("supervisor (18 schools)", sup_scope), ("school leader (1 school)", lead_scope))
        for label, scope in reviewers:
            async def sample(scope: Any = scope) -> Any:
                async with handle.sessions() as s:
                    return await draw_sample(session=s, scope=scope, config=config, now=NOW,
                                             rng=random.Random(1))
            seconds, records = await _timed(runs, sample)
            flagged = sum(1 for r in records if r.flags)
            lines.append(f"/review sample, {label}: {seconds * 1000:.0f} ms median of {runs} "
                         f"({len(records)} records, {flagged} flagged)")

        async def counts() -> Any:
            async with handle.sessions() as s:
                return await review_counts(session=s, start=FIRST_DAY)
        seconds, rows = await _timed(runs, counts)
        checked = sum(r.checked for r in rows)
        lines.append(f"review_counts (district): {seconds * 1000:.0f} ms median of {runs} "
                     f"({checked} checked)")
        return lines
    finally:
        await handle.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.review", description=__doc__)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(seed(url, args.visits))
        lines = asyncio.run(measure(url, args.runs))
    print(f"load average before: {load_average()}")
    for line in [*describe_machine().lines(), *lines]:
        print(line)
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
