"""The store's side of 整改: the inbox (categorise, merge, dismiss), an item from two opinions through
its states, the district's answer, overdue items and follow-ups, the audit trail, and follow-ups one per
person visited (also when 0004 converts the rows of 0003)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from store.campaign import current_campaign
from store.db import create_engine, migrate
from store.followups import close_follow_ups, my_follow_ups, open_for, overdue_follow_ups
from store.installation import StoreHandle
from store.models import AuditEntry, Opinion
from store.opinions import OpinionRejected, OpinionStatus, dismiss, inbox, merge, set_category
from store.rectification import (
    ItemDraft,
    ItemLevel,
    ItemRejected,
    ItemStatus,
    create_item,
    district_answer,
    overdue_items,
    owner_update,
    review,
)
from store.scopes import Scope, scope_for
from store.vocab import VisitKind
from tests.bot_district import District, seed_district
from tests.builders import add_staff, add_visit
from tests.test_migrations import _downgrade

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


async def _scope(store: StoreHandle, staff_id: int) -> Scope:
    async with store.sessions() as session:
        scope = await scope_for(session=session, staff_id=staff_id)
    assert scope is not None
    return scope


async def _opinions(store: StoreHandle, d: District) -> list[int]:
    async with store.sessions() as session:
        visit = await add_visit(session, d.staff["head"], "student", students=[d.students["S1"]],
                                visit_date=date(2026, 12, 5))
        rows = [Opinion(visit_id=visit, text=t, category_id=None, created_at=NOW)
                for t in ("食堂太擠", "飯堂排隊太久", "圖書館晚上不開")]
        session.add_all(rows)
        await session.commit()
        return [r.id for r in rows]


async def test_the_inbox_and_an_item_from_two_opinions(store: StoreHandle) -> None:
    d = await seed_district(store)
    first, duplicate, other = await _opinions(store, d)
    leader, cadre, subject = [await _scope(store, d.staff[k]) for k in ("leader", "cadre", "subject")]
    async with store.sessions() as session:
        campaign = await current_campaign(session=session)
        assert campaign is not None
        category = campaign.categories[0].id
        with pytest.raises(OpinionRejected):
            await inbox(session=session, scope=subject)
        page = await inbox(session=session, scope=leader)
        assert [o.id for o in page.opinions] == [other, duplicate, first]
        assert page.opinions[0].raised_by == ("吳欣怡",)  # a leader sees the whole school's students
        await set_category(session=session, scope=leader, opinion_id=first, category_id=category, now=NOW)
        await merge(session=session, scope=cadre, opinion_id=duplicate, into_id=first, now=NOW)
        await dismiss(session=session, scope=leader, opinion_id=other, reason="已經開放", now=NOW)
        with pytest.raises(OpinionRejected, match="handled"):
            await dismiss(session=session, scope=leader, opinion_id=other, reason="again", now=NOW)
        by_category = await inbox(session=session, scope=leader, category_id=category)
        assert [o.id for o in by_category.opinions] == [first]
        dismissed = await inbox(session=session, scope=leader, status=OpinionStatus.DISMISSED)
        assert [(o.id, o.dismissed_reason) for o in dismissed.opinions] == [(other, "已經開放")]

        draft = ItemDraft(title="食堂擁擠", public_title="食堂就餐秩序", goal="十分鐘內取餐",
                          measures="分批就餐",
                          owner_staff_id=d.staff["cadre"], owner_unit="總務處", deadline=date(2026, 12, 20),
                          opinion_ids=(first, duplicate))
        with pytest.raises(ItemRejected):
            await create_item(session=session, scope=subject, draft=draft, now=NOW)
        with pytest.raises(OpinionRejected, match="handled"):  # the duplicate is merged already
            await create_item(session=session, scope=leader, draft=draft, now=NOW)
        await session.rollback()
        item = await create_item(session=session, scope=leader,
                                 draft=ItemDraft(**{**draft.__dict__, "opinion_ids": (first,)}), now=NOW)
        assert item.opinion_ids == (first,) and item.owner_label == "總務處 · 余柏翰"
        assert item.status is ItemStatus.OPEN
        with pytest.raises(ItemRejected):
            await owner_update(session=session, scope=leader, item_id=item.id, status=ItemStatus.DONE,
                               note="x", now=NOW)
        done, changed = await owner_update(session=session, scope=cadre, item_id=item.id,
                                           status=ItemStatus.DONE, note="已分三批", now=NOW)
        assert changed and done.status is ItemStatus.DONE
        back, _ = await review(session=session, scope=leader, item_id=item.id, verify=False, comment="還是擠",
                               now=NOW)
        assert back.status is ItemStatus.RETURNED and back.notes[-1].text == "還是擠"
        assert (await overdue_items(session=session, school_ids=[d.school], today=date(2026, 12, 23)))[0] \
            .days_overdue(date(2026, 12, 23)) == 3
        await owner_update(session=session, scope=cadre, item_id=item.id, status=ItemStatus.DONE,
                           note="四批", now=NOW)
        verified, _ = await review(session=session, scope=leader, item_id=item.id, verify=True, comment="",
                                   now=NOW)
        assert verified.status is ItemStatus.VERIFIED
        assert await overdue_items(session=session, school_ids=[d.school], today=date(2026, 12, 23)) == []
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        assert actions[-9:] == ["opinion_categorised", "opinion_merged", "opinion_dismissed",
                                "opinion_itemised", "item_created", "item_done", "item_sent_back",
                                "item_done", "item_verified"]


async def test_an_escalated_item_and_the_district_office(store: StoreHandle) -> None:
    d = await seed_district(store)
    async with store.sessions() as session:
        office = await add_staff(session, "D1", "區辦", None, ["district_office"])
        await session.commit()
    leader, office_scope = await _scope(store, d.staff["leader"]), await _scope(store, office)
    async with store.sessions() as session:
        item = await create_item(session=session, scope=leader, now=NOW, draft=ItemDraft(
            title="校舍維修", public_title="校舍維修", goal="修好", measures="申請經費",
            owner_staff_id=d.staff["leader"], deadline=date(2026, 12, 31), level=ItemLevel.DISTRICT))
        with pytest.raises(ItemRejected):
            await district_answer(session=session, scope=leader, item_id=item.id, action="accept", now=NOW)
        accepted, changed = await district_answer(session=session, scope=office_scope, item_id=item.id,
                                                  action="accept", now=NOW)
        assert changed and accepted.escalation is not None and accepted.escalation.value == "accepted"
        moved, _ = await district_answer(session=session, scope=office_scope, item_id=item.id,
                                         action="reassign", owner_staff_id=office, now=NOW)
        assert moved.owner_staff_id == office
        returned, _ = await district_answer(session=session, scope=office_scope, item_id=item.id,
                                            action="return", comment="學校自行解決", now=NOW)
        assert returned.level is ItemLevel.SCHOOL and returned.notes[-1].text == "學校自行解決"


async def test_follow_ups_one_per_student_and_closed_by_a_visit(store: StoreHandle) -> None:
    from store.models import FollowUp
    d = await seed_district(store)
    head = await _scope(store, d.staff["head"])
    s1, s3 = d.students["S1"], d.students["S3"]
    async with store.sessions() as session:
        group = await add_visit(session, d.staff["head"], "student", students=[s1, s3],
                                visit_date=date(2026, 12, 1))
        session.add_all([FollowUp(visit_id=group, person_kind="student", person_id=s,
                                  due_date=date(2026, 12, 8)) for s in (s1, s3)])
        later = await add_visit(session, d.staff["head"], "student", students=[s1],
                                visit_date=date(2026, 12, 9))
        await session.commit()
        assert len(await my_follow_ups(session=session, scope=head, by=date(2026, 12, 10))) == 2
        counts = await overdue_follow_ups(session=session, school_ids=[d.school], today=date(2026, 12, 10))
        assert counts.by_class == {d.class_a: 2}
        offered = await open_for(session=session, scope=head, kind=VisitKind.STUDENT, person_ids=[s1])
        assert [f.person_name for f in offered] == ["吳欣怡"]
        assert await close_follow_ups(session=session, scope=head, follow_up_ids=[offered[0].id],
                                      visit_id=later, now=NOW) == 1
        counts = await overdue_follow_ups(session=session, school_ids=[d.school], today=date(2026, 12, 10))
        assert counts.by_class == {d.class_a: 1}


async def test_0004_splits_a_group_talks_follow_up_per_student(store: StoreHandle) -> None:
    d = await seed_district(store)
    async with store.sessions() as session:
        group = await add_visit(session, d.staff["head"], "student",
                                students=[d.students["S1"], d.students["S3"]], visit_date=date(2026, 12, 1))
        await session.commit()
    engine = store.engine
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, "0003")
        await conn.execute(text("INSERT INTO follow_ups (visit_id, due_date) VALUES (:v, '2026-12-08')"),
                           {"v": group})
    await migrate(engine)
    async with store.sessions() as session:
        from store.models import FollowUp
        people = (await session.scalars(select(FollowUp.person_id).where(FollowUp.visit_id == group)
                                        .order_by(FollowUp.person_id))).all()
        assert list(people) == sorted([d.students["S1"], d.students["S3"]])
        assert await session.scalar(select(func.count(FollowUp.id))) == 2
    assert create_engine  # the module's engine factory is what migrate() runs on
