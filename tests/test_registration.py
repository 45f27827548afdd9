"""Registration progress (store.registration): the counts equal the store's, the not-yet-joined codes are
those ``twovisits invites`` writes, and who sees which schools."""

from __future__ import annotations

from sqlalchemy import func, select

from store.clock import FixedClock
from store.installation import StoreHandle
from store.invites import issue_invites
from store.models import Staff, TelegramAccount
from store.registration import (
    Reach,
    district_office_staff,
    not_joined,
    registration_progress,
    registration_reach,
    under_target,
)
from store.scopes import scope_for
from tests.bot_district import District, seed_district
from tests.builders import add_school, add_staff


async def district(store: StoreHandle, clock: FixedClock) -> tuple[District, int, int]:
    """第一中學's four staff, of whom the leader and the head teacher joined; 第二中學's one teacher, not
    joined, and one who left the roster; the office (joined) and a district leader (not)."""
    d = await seed_district(store)
    async with store.sessions() as session:
        second = await add_school(session, "第二中學")
        await add_staff(session, "T2001", "鄭北", second, ["head_teacher"])
        gone = await add_staff(session, "T2002", "何南", second, ["subject_teacher"])
        (await session.get(Staff, gone)).active = False  # type: ignore[union-attr]
        office = await add_staff(session, "T0200", "吳雨萱", None, ["district_office"])
        await add_staff(session, "T0201", "周一", None, ["district_leader"])
        for n, staff_id in enumerate([d.staff["leader"], d.staff["head"], office], start=1):
            session.add(TelegramAccount(telegram_user_id=1000 + n, staff_id=staff_id, bound_at=clock.now(),
                                        bound_by="invite"))
        await session.commit()
    return d, second, office


async def test_the_counts_are_the_stores(store: StoreHandle, clock: FixedClock) -> None:
    d, second, office = await district(store, clock)
    async with store.sessions() as session:
        rows = await registration_progress(session=session, reach=Reach(district=True))
        assert [(r.school_name, r.joined, r.total) for r in rows] == [
            ("第一中學", 2, 4), ("第二中學", 0, 1), (None, 1, 2)]
        # The same figures, counted directly.
        for r in rows:
            where = [Staff.active.is_(True),
                     Staff.school_id.is_(None) if r.school_id is None else Staff.school_id == r.school_id]
            total = await session.scalar(select(func.count(Staff.id)).where(*where))
            joined = await session.scalar(
                select(func.count(Staff.id)).join(TelegramAccount, TelegramAccount.staff_id == Staff.id)
                .where(*where))
            assert (r.total, r.joined) == (total, joined)
        assert [r.school_name for r in under_target(rows)] == ["第一中學", "第二中學"]  # 50 %, 0 %
        assert await district_office_staff(session=session) == [office]

        leader = await scope_for(session=session, staff_id=d.staff["leader"])
        office_scope = await scope_for(session=session, staff_id=office)
        teacher = await scope_for(session=session, staff_id=d.staff["head"])
        assert leader is not None and office_scope is not None and teacher is not None
        assert registration_reach(office_scope) == Reach(district=True)
        assert registration_reach(leader) == Reach(school_id=d.school)
        assert not registration_reach(teacher).any
        mine = await registration_progress(session=session, reach=registration_reach(leader))
        assert [(r.school_name, r.joined, r.total) for r in mine] == [("第一中學", 2, 4)]
        assert Reach(school_id=d.school).covers(d.school) and not Reach(school_id=d.school).covers(second)


async def test_the_not_yet_joined_have_the_invite_lists_codes_and_none_is_rotated(
    store: StoreHandle, clock: FixedClock
) -> None:
    d, second, _ = await district(store, clock)
    async with store.sessions() as session:
        before = {r.staff_id: r.code for r in await issue_invites(session=session, now=clock.now())}
        pending = await not_joined(session=session, school_id=d.school, now=clock.now(), actor="staff:1")
        assert [(p.external_id, p.name) for p in pending] == [("T1006", "余柏翰"), ("T1009", "劉雨萱")]
        assert all(p.code == before[p.external_id] for p in pending)  # the CLI's links, kept
        again = {r.staff_id: r.code for r in await issue_invites(session=session, now=clock.now())}
        assert again == before
        assert [p.external_id for p in await not_joined(session=session, school_id=None, now=clock.now(),
                                                        actor="bot")] == ["T0201"]
        assert [p.name for p in await not_joined(session=session, school_id=second, now=clock.now(),
                                                 actor="bot")] == ["鄭北"]


def test_the_staff_list_button_round_trips_in_private_only() -> None:
    import pytest

    from bot.callback_data import StaffListTap, WrongChat, parse, staff_list_data

    assert parse(staff_list_data(7), "private") == StaffListTap(7)
    assert parse(staff_list_data(None), "private") == StaffListTap(0)
    with pytest.raises(WrongChat):
        parse(staff_list_data(7), "group")
