"""Draw the coverage charts of the sample district (``twovisits demo``) with some visits, into docs/.

    python -m bench.sample_chart [--out docs]

A fresh SQLite database in a temporary folder: the bundled sample roster, then visits drawn with a
fixed seed over the first two weeks of the visit phase (most head teachers busy, a few classes
lagging), then the school, district and trend charts exactly as ``/coverage`` draws them.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.i18n import translator
from reports import coverage_view as cv
from reports.charts import render_coverage, render_trend
from store.clock import FixedClock
from store.installation import StoreHandle, load_campaign, open_store
from store.models import (
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffRole,
    Student,
    Visit,
    VisitStudent,
    VisitTeacher,
)
from store.roster.demo import import_sample_roster
from store.vocab import Locale, VisitForm, VisitKind, default_place

CREATED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # the default campaign: visit phase 16 Dec – 28 Feb
TODAY = date(2026, 12, 30)


async def add_sample_visits(store: StoreHandle, *, seed: int = 8, until: date = TODAY) -> int:
    """Visits by each class's head teacher, from the visit phase's start to ``until``; some classes lag."""
    rng = random.Random(seed)
    count = 0
    async with store.sessions() as session:
        heads = dict((await session.execute(
            select(StaffClass.class_id, StaffClass.staff_id).where(StaffClass.link == "head")
        )).all())
        classes = (await session.scalars(select(SchoolClass).order_by(SchoolClass.id))).all()
        start = date(2026, 12, 16)
        days = (until - start).days + 1
        for n, klass in enumerate(classes):
            visitor = heads.get(klass.id)
            if visitor is None:
                continue
            students = list((await session.scalars(
                select(Student.id).where(Student.class_id == klass.id).order_by(Student.id)
            )).all())
            share = (0.95, 0.8, 0.55, 0.35)[n % 4]  # busy, steady, lagging, far behind
            for student in students[: round(share * len(students))]:
                day = start + timedelta(days=rng.randrange(days))
                together = rng.random() < 0.25  # some group talks: visited, not one-on-one
                partner = [s for s in rng.sample(students, 2) if s != student][:1]
                group = [student, *partner] if together else [student]
                at = datetime.combine(day, time(9), tzinfo=UTC)
                visit = Visit(client_key=uuid.uuid4().hex, kind=VisitKind.STUDENT.value, visitor_id=visitor,
                              school_id=klass.school_id, class_id=klass.id, form=VisitForm.IN_PERSON.value,
                              place=default_place(VisitKind.STUDENT, VisitForm.IN_PERSON).value,
                              visit_date=day, one_on_one=len(group) == 1, created_at=at, updated_at=at)
                session.add(visit)
                await session.flush()
                session.add_all(VisitStudent(visit_id=visit.id, student_id=s) for s in group)
                count += 1
        # A few cadre interviews of teachers in each school.
        cadres = (await session.execute(
            select(Staff.id, Staff.school_id).join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(StaffRole.role == "school_leader")
        )).all()
        for cadre, school in cadres:
            teachers = (await session.scalars(
                select(Staff.id).join(StaffRole, StaffRole.staff_id == Staff.id)
                .where(Staff.school_id == school, StaffRole.role == "head_teacher")
            )).all()
            for teacher in teachers[: len(teachers) // 2]:
                at = datetime.combine(until, time(9), tzinfo=UTC)
                visit = Visit(client_key=uuid.uuid4().hex, kind=VisitKind.TEACHER.value, visitor_id=cadre,
                              school_id=school, class_id=None, form=VisitForm.IN_PERSON.value,
                              place=default_place(VisitKind.TEACHER, VisitForm.IN_PERSON).value,
                              visit_date=until - timedelta(days=rng.randrange(10)), one_on_one=True,
                              created_at=at, updated_at=at)
                session.add(visit)
                await session.flush()
                session.add(VisitTeacher(visit_id=visit.id, staff_id=teacher))
                count += 1
        await session.commit()
    return count


async def draw(locale: Locale = Locale.ZH_HANT) -> dict[str, bytes]:
    """The three charts as PNG bytes, by file name."""
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(CREATED)
        store = await open_store(f"sqlite+aiosqlite:///{folder}/sample.db", clock=clock)
        try:
            campaign = await load_campaign(store, None, bot_timezone="Asia/Shanghai")
            async with store.sessions() as session:
                await import_sample_roster(session=session, now=clock.now())
            await add_sample_visits(store)
            _ = translator(locale).gettext
            simplified = locale is Locale.ZH_HANS
            async with store.sessions() as session:
                school = await session.scalar(select(School.id).order_by(School.id).limit(1))
                assert school is not None
                base = cv.ViewRef(cv.ViewKind.SCHOOL, school)
            config = campaign.config
            sessions = store.sessions
            school_view, district_view = [
                await cv.load_view(sessions=sessions, scope=None, config=config, today=TODAY, base=b)
                for b in (base, cv.DISTRICT)
            ]
            assert school_view is not None and district_view is not None
            school_chart = cv.coverage_chart(school_view, _, simplified=simplified)
            district_chart = cv.coverage_chart(district_view, _, simplified=simplified)
            return {
                "coverage-school.png": render_coverage(school_chart),
                "coverage-district.png": render_coverage(district_chart),
                "coverage-trend.png": render_trend(cv.trend_chart(school_view, _, simplified=simplified)),
            }
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, png in asyncio.run(draw()).items():
        (args.out / name).write_bytes(png)
        print(args.out / name)


if __name__ == "__main__":
    main()
