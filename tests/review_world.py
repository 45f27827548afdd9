"""The bound district of ``tests/bot_district.py`` with a second school and the reviewers of both:
a supervisor (any school), each school's leader (their own), a district leader (no reviews), and a
grade head of school A (who may visit classes they do not teach)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select

from store.campaign import current_campaign
from store.installation import StoreHandle
from store.models import Grade, Opinion, Student, Visit
from store.scopes import Scope, scope_for
from store.visit_rules import OpinionDraft, VisitDraft
from store.visits import record_visit
from store.vocab import VisitKind
from tests.bot_district import District, seed_district
from tests.builders import add_class, add_grade, add_school, add_staff, add_student


async def seed_reviews(store: StoreHandle) -> District:
    """``staff``: head, subject, leader, cadre (school A, from bot_district), grade_head (A), teacher_b,
    leader_b (school B), supervisor, district_leader; ``students``: S1…S6 (A), B1 (B)."""
    d = await seed_district(store)
    async with store.sessions() as session:
        grade_a = await session.scalar(select(Grade.id).where(Grade.school_id == d.school))
        assert grade_a is not None
        d.staff["grade_head"] = await add_staff(session, "T1010", "周年段", d.school, ["grade_head"],
                                                grades=[grade_a])
        school_b = await add_school(session, "第二中學")
        grade_b = await add_grade(session, school_b, "七年級")
        class_b = await add_class(session, school_b, grade_b, "七年級1班")
        d.staff["teacher_b"] = await add_staff(session, "T2001", "孫老師", school_b,
                                               ["head_teacher", "subject_teacher"], head_of=[class_b],
                                               teaches=[class_b])
        d.staff["leader_b"] = await add_staff(session, "T2002", "錢校長", school_b, ["school_leader"],
                                              grades=[grade_b])
        d.staff["supervisor"] = await add_staff(session, "D9", "督導趙", None, ["supervisor"])
        d.staff["district_leader"] = await add_staff(session, "D8", "區領導", None, ["district_leader"])
        d.students["B1"] = await add_student(session, "B1", "鄭同學", class_b)
        await session.commit()
    return d


async def scope_of(store: StoreHandle, staff_id: int) -> Scope:
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=staff_id)
    assert scope is not None
    return scope


async def log_visit(
    store: StoreHandle, visitor_id: int, *, at: datetime, students: tuple[int, ...] = (),
    teachers: tuple[int, ...] = (), class_id: int | None = None, visit_date: date | None = None,
    opinion: str | None = None, situation: str | None = None,
) -> int:
    """A visit saved through the store as the bot saves it, at ``at`` (its created_at)."""
    scope = await scope_of(store, visitor_id)
    async with store.sessions() as session:
        campaign = await current_campaign(session=session)
        assert campaign is not None
        kind = VisitKind.STUDENT if students else VisitKind.TEACHER
        if students and class_id is None:
            class_id = await session.scalar(select(Student.class_id).where(Student.id == students[0]))
        opinions = ((OpinionDraft(text=opinion, category_id=campaign.categories[0].id),) if opinion else ())
        draft = VisitDraft(client_key=uuid.uuid4().hex, kind=kind,
                           class_id=class_id, visitee_ids=students or teachers, visit_date=visit_date,
                           opinions=opinions)
        saved = await record_visit(session=session, scope=scope, draft=draft, campaign=campaign, now=at)
        if situation is not None:
            # The visit flow's situation step is another branch's; the column is already there (0005).
            visit = await session.get(Visit, saved.id)
            assert visit is not None
            visit.situation = situation
            await session.commit()
    return saved.id


async def opinion_texts(store: StoreHandle, visit_id: int) -> list[str]:
    async with store.sessions() as session:
        return list((await session.scalars(select(Opinion.text).where(Opinion.visit_id == visit_id))).all())
