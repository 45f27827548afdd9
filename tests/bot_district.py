"""A small bound district for the bot's end-to-end tests: one school, two classes, a few people."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from sandbox import CallbackAnswer, ChatMessage, User, World
from store.installation import StoreHandle
from store.models import Staff, TelegramAccount, Visit
from store.roster_version import bump_roster_version
from tests.builders import add_class, add_grade, add_school, add_staff, add_student
from tests.conftest import FixedClock


@dataclass
class District:
    school: int = 0
    class_a: int = 0
    class_b: int = 0
    staff: dict[str, int] = field(default_factory=dict)  # by external id
    students: dict[str, int] = field(default_factory=dict)


async def seed_district(store: StoreHandle) -> District:
    d = District()
    async with store.sessions() as session:
        d.school = await add_school(session, "第一中學")
        grade = await add_grade(session, d.school, "七年級")
        d.class_a = await add_class(session, d.school, grade, "七年級1班")
        d.class_b = await add_class(session, d.school, grade, "七年級2班")
        d.staff["head"] = await add_staff(
            session,
            "T1008",
            "彭志",
            d.school,
            ["head_teacher", "subject_teacher"],
            head_of=[d.class_a],
            teaches=[d.class_a],
        )
        d.staff["subject"] = await add_staff(
            session, "T1009", "劉雨萱", d.school, ["subject_teacher"], teaches=[d.class_a, d.class_b]
        )
        d.staff["leader"] = await add_staff(
            session, "T1004", "李詩涵", d.school, ["school_leader"], grades=[grade]
        )
        d.staff["cadre"] = await add_staff(session, "T1006", "余柏翰", d.school, ["middle_cadre"])
        for ext, name, klass, focus in [
            ("S1", "吳欣怡", d.class_a, ()),
            ("S2", "沈志明", d.class_a, ("psychological",)),
            ("S3", "戴詩涵", d.class_a, ()),
            ("S4", "王小明", d.class_a, ()),
            ("S5", "王小明", d.class_a, ()),  # a namesake: labels add the end of the id
            ("S6", "簡宜蓁", d.class_b, ()),
        ]:
            d.students[ext] = await add_student(session, ext, name, klass, focus=focus)
        await session.commit()
    return d


async def bind(store: StoreHandle, clock: FixedClock, staff_id: int, user: User) -> None:
    async with store.sessions() as session:
        session.add(
            TelegramAccount(
                telegram_user_id=user.id, staff_id=staff_id, bound_at=clock.now(), bound_by="invite"
            )
        )
        await session.commit()


async def person(
    world: World,
    store: StoreHandle,
    clock: FixedClock,
    staff_id: int,
    name: str = "Teacher",
    language_code: str = "en",
) -> User:
    user = world.user(name, language_code=language_code)
    await bind(store, clock, staff_id, user)
    return user


async def visit_count(store: StoreHandle, *, deleted: bool = False) -> int:
    async with store.sessions() as session:
        query = select(func.count(Visit.id))
        query = query.where(Visit.deleted_at.is_not(None) if deleted else Visit.deleted_at.is_(None))
        return int(await session.scalar(query) or 0)


def move_into_visit_phase(clock: FixedClock) -> None:
    """The test database is created on 1 December; visits then happen on the 18th, in the visit phase."""
    clock.set(datetime(2026, 12, 18, 2, 0, tzinfo=UTC))


async def answer_to(user: User, query_id: object) -> CallbackAnswer:
    """The bot's answer to one particular tap (earlier taps' answers are skipped)."""
    while True:
        answer = await user.callback_answer()
        if answer.query_id == query_id:
            return answer


async def step(user: User, label: str, **tap: Any) -> ChatMessage:
    """Tap a button and return the bot's answer to it (an edit or a new message)."""
    await user.tap(label, **tap)
    return await user.next_reply()


async def say(user: User, text: str) -> ChatMessage:
    """Send ``text`` and return the bot's next new message."""
    await user.send(text)
    return await user.next_message()


async def take_off_roster(store: StoreHandle, staff_id: int) -> None:
    """What a roster import without this person does: deactivate them and change the roster version."""
    async with store.sessions() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None
        staff.active = False
        await bump_roster_version(session=session)
        await session.commit()
