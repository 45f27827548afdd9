"""Binding group chats: who may, moving to a supergroup, the group's language, the audit trail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from store.groups import (
    GroupOutcome,
    bind_group,
    bot_removed,
    bound_groups,
    group_binding,
    migrate_group,
    set_group_locale,
    unbind_group,
)
from store.installation import StoreHandle
from store.models import AuditEntry
from store.scopes import Scope, scope_for
from store.vocab import Locale
from tests.builders import add_class, add_grade, add_school, add_staff
from tests.conftest import FixedClock

CHAT = -4_000_000_001
SUPER = -1_000_000_000_001


async def _people(store: StoreHandle) -> dict[str, Scope]:
    async with store.sessions() as s:
        a = await add_school(s, "第一中學")
        b = await add_school(s, "第二中學")
        ga = await add_grade(s, a, "七年級")
        ca = await add_class(s, a, ga, "七年級1班")
        ids = {
            "leader": await add_staff(s, "T1", "李詩涵", a, ["school_leader"]),
            "cadre": await add_staff(s, "T2", "余柏翰", a, ["middle_cadre"]),
            "head": await add_staff(s, "T3", "彭志", a, ["head_teacher"], head_of=[ca]),
            "leader_b": await add_staff(s, "T4", "鄭北", b, ["school_leader"]),
            "office": await add_staff(s, "T5", "吳雨萱", None, ["district_office"]),
            "dleader": await add_staff(s, "T6", "周區", None, ["district_leader"]),
        }
        await s.commit()
        scopes = {}
        for who, sid in ids.items():
            scope = await scope_for(session=s, staff_id=sid)
            assert scope is not None
            scopes[who] = scope
    return scopes


async def _audit(store: StoreHandle) -> list[str]:
    async with store.sessions() as s:
        return list((await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())


async def test_bind_unbind_and_rebind(store: StoreHandle, clock: FixedClock) -> None:
    p = await _people(store)
    async with store.sessions() as s:
        refused = await bind_group(session=s, chat_id=CHAT, scope=p["head"], now=clock.now())
        assert refused.outcome is GroupOutcome.NOT_ALLOWED
        assert await group_binding(session=s, chat_id=CHAT) is None
        bound = await bind_group(session=s, chat_id=CHAT, scope=p["leader"], now=clock.now(), title="staff")
        assert bound.outcome is GroupOutcome.BOUND and bound.binding is not None
        assert (bound.binding.school_name, bound.binding.is_district) == ("第一中學", False)
        again = await bind_group(session=s, chat_id=CHAT, scope=p["cadre"], now=clock.now())
        assert again.outcome is GroupOutcome.ALREADY_BOUND
        # A leader of another school may not take the group over, nor unbind it.
        other = await bind_group(session=s, chat_id=CHAT, scope=p["leader_b"], now=clock.now())
        assert other.outcome is GroupOutcome.BOUND_ELSEWHERE
        assert other.binding is not None and other.binding.school_name == "第一中學"
        assert (await unbind_group(session=s, chat_id=CHAT, scope=p["leader_b"], now=clock.now())
                ).outcome is GroupOutcome.NOT_ALLOWED
        assert (await unbind_group(session=s, chat_id=CHAT, scope=p["head"], now=clock.now())
                ).outcome is GroupOutcome.NOT_ALLOWED
        clock.advance(timedelta(hours=1))
        assert (await unbind_group(session=s, chat_id=CHAT, scope=p["cadre"], now=clock.now())
                ).outcome is GroupOutcome.UNBOUND
        assert await group_binding(session=s, chat_id=CHAT) is None
        assert (await unbind_group(session=s, chat_id=CHAT, scope=p["cadre"], now=clock.now())
                ).outcome is GroupOutcome.NOT_BOUND
        # Once unbound, school B's leader may bind it to school B.
        moved = await bind_group(session=s, chat_id=CHAT, scope=p["leader_b"], now=clock.now())
        assert moved.outcome is GroupOutcome.BOUND and moved.binding is not None
        assert moved.binding.school_name == "第二中學"
    assert await _audit(store) == ["group_bound", "group_unbound", "group_bound"]


async def test_the_district_office_binds_the_district_group(store: StoreHandle, clock: FixedClock) -> None:
    p = await _people(store)
    async with store.sessions() as s:
        assert (await bind_group(session=s, chat_id=CHAT, scope=p["dleader"], now=clock.now())
                ).outcome is GroupOutcome.NOT_ALLOWED  # read-only district role
        bound = await bind_group(session=s, chat_id=CHAT, scope=p["office"], now=clock.now())
        assert bound.binding is not None and bound.binding.is_district and bound.binding.school_name is None
        await bind_group(session=s, chat_id=SUPER, scope=p["leader"], now=clock.now())
        groups = await bound_groups(session=s)
    assert [(g.chat_id, g.school_name) for g in groups] == [(CHAT, None), (SUPER, "第一中學")]


async def test_migration_follows_the_new_chat_id_once(store: StoreHandle, clock: FixedClock) -> None:
    p = await _people(store)
    async with store.sessions() as s:
        await bind_group(session=s, chat_id=CHAT, scope=p["leader"], now=clock.now())
        await set_group_locale(session=s, chat_id=CHAT, scope=p["leader"], locale=Locale.ZH_HANS,
                               now=clock.now())
        assert await migrate_group(session=s, old_chat_id=CHAT, new_chat_id=SUPER, now=clock.now())
        assert not await migrate_group(session=s, old_chat_id=CHAT, new_chat_id=SUPER, now=clock.now())
        assert await group_binding(session=s, chat_id=CHAT) is None
        moved = await group_binding(session=s, chat_id=SUPER)
    assert moved is not None and moved.school_name == "第一中學" and moved.locale is Locale.ZH_HANS
    assert await _audit(store) == ["group_bound", "group_locale_set", "group_migrated"]


async def test_group_language_is_set_by_those_who_may_bind(store: StoreHandle, clock: FixedClock) -> None:
    p = await _people(store)
    async with store.sessions() as s:
        assert (await set_group_locale(session=s, chat_id=CHAT, scope=p["leader"], locale=Locale.EN,
                                       now=clock.now())).outcome is GroupOutcome.NOT_BOUND
        await bind_group(session=s, chat_id=CHAT, scope=p["leader"], now=clock.now())
        assert (await set_group_locale(session=s, chat_id=CHAT, scope=p["head"], locale=Locale.EN,
                                       now=clock.now())).outcome is GroupOutcome.NOT_ALLOWED
        done = await set_group_locale(session=s, chat_id=CHAT, scope=p["cadre"], locale=Locale.EN,
                                      now=clock.now())
        assert done.outcome is GroupOutcome.LOCALE_SET and done.binding is not None
        assert done.binding.locale is Locale.EN


async def test_bot_removed_ends_the_binding(store: StoreHandle, clock: FixedClock) -> None:
    p = await _people(store)
    async with store.sessions() as s:
        await bind_group(session=s, chat_id=CHAT, scope=p["leader"], now=clock.now())
        assert await bot_removed(session=s, chat_id=CHAT, now=clock.now())
        assert not await bot_removed(session=s, chat_id=CHAT, now=clock.now())
        assert await group_binding(session=s, chat_id=CHAT) is None
    assert await _audit(store) == ["group_bound", "group_unbound_bot_removed"]
