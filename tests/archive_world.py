"""The sample district with visits (tests/test_export.py) and what became of their opinions, made
through the store's own functions: one opinion itemised, one merged into it, one dismissed, one left
new (its visit's situation a formula-like text); four rectification items, one in each state the
plan tells apart (done on time, done late, overdue, open). Deadlines sit far from today's date, so
the states hold whatever day the tests run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import open_store
from store.models import Opinion, Staff, Student
from store.opinions import dismiss, merge
from store.rectification import ItemDraft, ItemLevel, ItemStatus, create_item, owner_update, review
from store.scopes import scope_for
from store.visit_rules import OpinionDraft
from store.visits import VisitDraft, record_visit
from store.vocab import VisitForm, VisitKind
from tests.test_export import INJECTION, NOW, sample_with_visits

FAR = date(2099, 6, 30)  # a deadline that has not come
PAST = date(2026, 11, 20)  # a deadline gone by (the database starts on 1 December 2026)
LATE = date(2026, 11, 25)
NEW_OPINION = "希望多開社團活動"


@dataclass(frozen=True)
class Archive:
    visits: list[int]
    opinions: dict[str, int]  # by text
    items: dict[str, int]  # on_time, late, overdue, open


async def with_rectification(url: str) -> Archive:
    ids = await sample_with_visits(url)
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            campaign = await current_campaign(session=s)
            assert campaign is not None
            staff = dict((await s.execute(select(Staff.external_id, Staff.id))).all())
            shen = await s.scalar(select(Student.id).where(Student.external_id == "S100002"))
            c71 = await s.scalar(select(Student.class_id).where(Student.id == shen))
            peng = await scope_for(session=s, staff_id=staff["T1008"])
            leader = await scope_for(session=s, staff_id=staff["T1004"])
            owner = await scope_for(session=s, staff_id=staff["T1009"])
            assert peng is not None and leader is not None and owner is not None and shen and c71
            saved = await record_visit(session=s, scope=peng, campaign=campaign, now=NOW, draft=VisitDraft(
                client_key="v4", kind=VisitKind.STUDENT, class_id=c71, visitee_ids=(shen,),
                form=VisitForm.IN_PERSON, visit_date=NOW.date(), situation=INJECTION,
                opinions=(OpinionDraft(text=NEW_OPINION, category_id=campaign.categories[0].id),),
            ))
            ids.append(saved.id)
            opinions = dict((await s.execute(select(Opinion.text, Opinion.id))).all())
            canteen, meetings = opinions["食堂的菜太鹹"], opinions["希望減少會議"]
            injection = next(oid for text, oid in opinions.items() if text.startswith("=HYPERLINK"))

            def draft(title: str, deadline: date, *opinion_ids: int,
                      level: ItemLevel = ItemLevel.SCHOOL) -> ItemDraft:
                return ItemDraft(title=title, public_title=title, goal=f"{title}的目標",
                                 measures=f"{title}的措施", owner_staff_id=staff["T1009"], deadline=deadline,
                                 level=level, owner_unit="總務處" if opinion_ids else None,
                                 opinion_ids=opinion_ids)

            items = {}
            for key, title, deadline, of, level in (
                ("on_time", "改善食堂口味", FAR, (canteen,), ItemLevel.SCHOOL),
                ("late", "整理圖書館", LATE, (), ItemLevel.SCHOOL),
                ("overdue", "修繕操場", PAST, (), ItemLevel.DISTRICT),
                ("open", "減少例會", FAR, (), ItemLevel.SCHOOL),
            ):
                items[key] = (await create_item(session=s, scope=leader, draft=draft(title, deadline, *of,
                                                                                     level=level),
                                                now=NOW)).id
            await merge(session=s, scope=leader, opinion_id=meetings, into_id=canteen, now=NOW)
            await dismiss(session=s, scope=leader, opinion_id=injection, reason="不屬本校範圍", now=NOW)
            later = NOW + timedelta(days=1)
            for key in ("on_time", "late"):
                await owner_update(session=s, scope=owner, item_id=items[key], status=ItemStatus.DONE,
                                   note="已完成", now=later)
            await review(session=s, scope=leader, item_id=items["on_time"], verify=True, comment="",
                         now=later)
        return Archive(visits=ids, opinions=opinions, items=items)
    finally:
        await handle.close()
