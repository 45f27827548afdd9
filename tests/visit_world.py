"""One small school district for the visit and picker tests, built through tests.builders.

School A (第一中學): grade 7 with classes c71 and c72, grade 8 with c81. School B: class b71.
Class c71 has two students called 王明 whose ids end alike, an inactive student and a focus student.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from store.campaign import CampaignInfo, current_campaign
from store.clock import FixedClock
from store.installation import StoreHandle, load_campaign, open_store
from store.scopes import Scope, scope_for
from store.visits import OpinionDraft, VisitDraft
from store.vocab import VisitForm, VisitKind
from tests.builders import add_class, add_grade, add_school, add_staff, add_student

# In the default campaign's visit phase (16 Dec 2026 – 28 Feb 2027); 10:00 on 20 Dec in Shanghai.
NOW = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 12, 20)


@dataclass
class World:
    store: StoreHandle
    campaign: CampaignInfo
    school_a: int
    school_b: int
    g7: int
    c71: int
    c72: int
    c81: int
    b71: int
    staff: dict[str, int]
    students: dict[str, int]

    async def scope(self, who: str) -> Scope:
        async with self.store.sessions() as session:
            scope = await scope_for(session=session, staff_id=self.staff[who])
        assert scope is not None
        return scope

    def student_topic(self, n: int = 0) -> int:
        return self.campaign.student_topics[n].id

    def teacher_topic(self, n: int = 0) -> int:
        return self.campaign.teacher_topics[n].id

    def category(self, n: int = 0) -> int:
        return self.campaign.categories[n].id


async def build_world(store: StoreHandle) -> World:
    async with store.sessions() as s:
        a = await add_school(s, "第一中學")
        b = await add_school(s, "第二中學")
        g7 = await add_grade(s, a, "七年級")
        g8 = await add_grade(s, a, "八年級")
        gb = await add_grade(s, b, "七年級")
        c71 = await add_class(s, a, g7, "七年級1班")
        c72 = await add_class(s, a, g7, "七年級2班")
        c81 = await add_class(s, a, g8, "八年級1班")
        b71 = await add_class(s, b, gb, "七年級1班")
        staff = {
            "head71": await add_staff(s, "T0001", "彭志", a, ["head_teacher"], head_of=[c71], teaches=[c72]),
            "subj71": await add_staff(s, "T0002", "林雅", a, ["subject_teacher"], teaches=[c71],
                                      focus=["talent"]),
            "head72": await add_staff(s, "T0003", "陳杰", a, ["head_teacher"], head_of=[c72]),
            "grade7": await add_staff(s, "T0004", "許文", a, ["grade_head"], grades=[g7]),
            "leader": await add_staff(s, "T0005", "李詩涵", a, ["school_leader"], grades=[g7]),
            "cadre": await add_staff(s, "T0006", "張強", a, ["middle_cadre", "subject_teacher"],
                                     teaches=[c81]),
            "wang1": await add_staff(s, "T12001", "王芳", a, ["subject_teacher"], teaches=[c81],
                                     focus=["family_difficulty"]),
            "wang2": await add_staff(s, "T13001", "王芳", a, ["subject_teacher"], teaches=[c81]),
            "gone": await add_staff(s, "T0009", "周退", a, ["subject_teacher"], teaches=[c81], active=False),
            "headB": await add_staff(s, "T0100", "鄭北", b, ["head_teacher"], head_of=[b71]),
            "office": await add_staff(s, "T0200", "吳雨萱", None, ["district_office"]),
        }
        students = {
            "wu": await add_student(s, "S100001", "吳欣怡", c71),
            "shen": await add_student(s, "S100002", "沈志明", c71, focus=["psychological"]),
            "dai": await add_student(s, "S100003", "戴詩涵", c71),
            "left": await add_student(s, "S100004", "莊婉婷", c71, active=False),
            "wang1": await add_student(s, "S100005", "王明", c71),
            "wang2": await add_student(s, "S200005", "王明", c71),
            "c72kid": await add_student(s, "S100010", "黃小", c72),
            "bkid": await add_student(s, "S900001", "何北", b71),
        }
        await s.commit()
        campaign = await current_campaign(session=s)
    assert campaign is not None
    return World(store, campaign, a, b, g7, c71, c72, c81, b71, staff, students)


_templates: dict[Path, World] = {}


@asynccontextmanager
async def opened_world(base: Path, tmp_path: Path) -> AsyncIterator[World]:
    """A fresh copy of the world for one test.

    The world is built once per test session into ``base`` and copied for each test: migrating and
    building take most of a test's time otherwise.
    """
    template = base / "visit-world.db"
    if template not in _templates:
        clock = FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # as conftest's clock
        handle = await open_store(f"sqlite+aiosqlite:///{template}", clock=clock)
        try:
            await load_campaign(handle, None, bot_timezone="Asia/Shanghai")
            _templates[template] = await build_world(handle)
        finally:
            await handle.close()
    copy = tmp_path / "world.db"
    shutil.copyfile(template, copy)
    handle = await open_store(f"sqlite+aiosqlite:///{copy}", clock=FixedClock(NOW))
    try:
        yield replace(_templates[template], store=handle)
    finally:
        await handle.close()


def _draft(values: dict[str, object]) -> VisitDraft:
    """Opinions may be given as (text, category id) pairs, for short tables."""
    opinions = values.get("opinions")
    if isinstance(opinions, list | tuple):
        values["opinions"] = tuple(
            OpinionDraft(text=o[0], category_id=o[1]) if isinstance(o, tuple | list) else o for o in opinions
        )
    return VisitDraft.model_validate(values)


def student_draft(world: World, key: str, *students: str, **changes: object) -> VisitDraft:
    """A valid one-on-one (or group) visit draft in class c71, dated today."""
    values: dict[str, object] = {
        "client_key": key,
        "kind": VisitKind.STUDENT,
        "class_id": world.c71,
        "visitee_ids": tuple(world.students[s] for s in students or ("wu",)),
        "form": VisitForm.IN_PERSON,
        "visit_date": TODAY,
        "topic_ids": (world.student_topic(0),),
    }
    values.update(changes)
    return _draft(values)


def teacher_draft(world: World, key: str, *teachers: str, **changes: object) -> VisitDraft:
    """A valid interview draft in school A, dated today."""
    values: dict[str, object] = {
        "client_key": key,
        "kind": VisitKind.TEACHER,
        "visitee_ids": tuple(world.staff[t] for t in teachers or ("subj71",)),
        "form": VisitForm.IN_PERSON,
        "visit_date": TODAY,
        "topic_ids": (world.teacher_topic(0),),
    }
    values.update(changes)
    return _draft(values)
