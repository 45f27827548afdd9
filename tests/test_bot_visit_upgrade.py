"""A visit in progress stored by an earlier version of the bot (one flat dictionary) survives the
update: converted when read; one that cannot be read is dropped and the teacher told."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from bot.callback_data import flow_data
from sandbox import BotApiStandIn, User, World
from store.installation import StoreHandle
from store.models import Opinion, Visit
from store.persistence import save_persisted
from tests.bot_district import District, bind, move_into_visit_phase, say, seed_district
from tests.conftest import FixedClock, no_error_logged
from tests.e2e import bot_settings, running_bot

CARD = 5  # Step.CARD, as stored


@pytest.fixture(autouse=True)
def _in_the_visit_phase(store: StoreHandle, clock: FixedClock) -> None:
    move_into_visit_phase(clock)


@pytest.fixture
async def d(store: StoreHandle) -> District:
    return await seed_district(store)


async def stored_before_start(store: StoreHandle, clock: FixedClock, user: User, draft: object) -> None:
    async with store.sessions() as session:
        await save_persisted(
            session=session,
            entries=[
                ("conv:visit", json.dumps([user.id, user.id]), CARD),
                ("user_data", str(user.id), {"visit": draft}),
            ],
            now=clock.now(),
        )


@pytest.fixture
async def teacher(world: World, store: StoreHandle, clock: FixedClock, d: District) -> User:
    user = world.user("Teacher", language_code="en")
    await bind(store, clock, d.staff["head"], user)
    return user


async def test_an_old_shaped_draft_is_converted_and_saves(
    standin: BotApiStandIn,
    database_url: str,
    store: StoreHandle,
    clock: FixedClock,
    d: District,
    teacher: User,
) -> None:
    old = {
        "kind": "student",
        "flow": "a1b2c3",
        "key": "old-key-123",
        "class_id": d.class_a,
        "visitees": [d.students["S1"]],
        "group": False,
        "page": 0,
        "query": None,
        "form": "home",
        "topics": [],
        "place": None,
        "day": "2026-12-17",
        "co_visitors": [],
        "co_page": 0,
        "opinions": [["食堂太擠", 1]],
        "pending_opinion": None,
        "follow_up": "none",
        "follow_up_date": None,
        "notable": True,
        "notes": "私人",
        "edit_id": None,
        "several_classes": False,
    }
    await stored_before_start(store, clock, teacher, old)
    async with upgraded_bot(standin, database_url, clock):
        await tap_on_resume(teacher, flow_data("a1b2c3", CARD, "save"))
        saved = await teacher.next_reply()
    assert (
        saved.text.startswith("✅ Saved.")
        and "With: 吳欣怡" in saved.text
        and "Date: 2026-12-17" in saved.text
    )
    async with store.sessions() as session:
        visit = (await session.scalars(select(Visit))).one()
        assert (visit.client_key, visit.form, visit.notable, visit.private_notes) == (
            "old-key-123",
            "home",
            True,
            "私人",
        )
        assert [o.text for o in (await session.scalars(select(Opinion))).all()] == ["食堂太擠"]


async def test_an_unreadable_draft_is_dropped_and_the_teacher_told(
    standin: BotApiStandIn,
    database_url: str,
    store: StoreHandle,
    clock: FixedClock,
    d: District,
    teacher: User,
) -> None:
    await stored_before_start(store, clock, teacher, {"kind": "student", "something": "else"})
    async with upgraded_bot(standin, database_url, clock):
        await tap_on_resume(teacher, flow_data("a1b2c3", CARD, "save"))
        told = await teacher.next_reply()
        assert "could not keep the visit" in told.text and "/visit" in told.text
        assert "Which student" in (await say(teacher, "/visit")).text  # a new visit starts as usual
    async with store.sessions() as session:
        assert (await session.scalars(select(Visit))).all() == []


@asynccontextmanager
async def upgraded_bot(standin: BotApiStandIn, database_url: str, clock: FixedClock) -> AsyncIterator[None]:
    """The (new) bot, started on what the old one stored."""
    with no_error_logged():
        async with running_bot(bot_settings(standin, database_url), clock):
            yield


async def tap_on_resume(teacher: User, data: str) -> None:
    """Tap ``data`` (a button of the old card) on the bot's latest message."""
    await say(teacher, "/help")
    await teacher.tap_data(data, message=teacher.messages[-1])
