"""The purge and the shareable situation text: a student's name typed into a visit's situation (or an
earlier version's) becomes their roster id with the rest; a draft's unsaved situation is erased."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from store.campaign import current_campaign
from store.clock import FixedClock
from store.installation import open_store
from store.models import PersistedData, Staff, Visit, VisitVersion
from store.purge import purge
from store.scopes import scope_for
from store.visit_views import get_visit
from store.visits import edit_visit
from tests.test_export import NOW, sample_with_visits

NAMED = "吳欣怡的家長說，沈志明常來家裡一起寫作業"


async def test_names_in_situations_become_roster_ids_and_draft_situations_go(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    ids = await sample_with_visits(url)
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            peng = await scope_for(session=s, staff_id=await s.scalar(
                select(Staff.id).where(Staff.external_id == "T1008")))  # type: ignore[arg-type]
            campaign = await current_campaign(session=s)
            assert peng is not None and campaign is not None
            first = await get_visit(session=s, scope=peng, visit_id=ids[0])
            assert first is not None
            draft = first.as_draft("x").model_copy(update={"situation": NAMED})
            await edit_visit(session=s, scope=peng, visit_id=ids[0], draft=draft, campaign=campaign, now=NOW)
            await edit_visit(session=s, scope=peng, visit_id=ids[0], campaign=campaign, now=NOW,
                             draft=draft.model_copy(update={"situation": "沈志明也在"}))
            s.add(PersistedData(kind="user_data", key="42", updated_at=NOW, data={
                "visit": {"shape": 2, "draft": {"client_key": "d1", "situation": "吳欣怡說…"}}}))
            await s.commit()

            counts = await purge(session=s, now=NOW, actor="test", dry_run=False, forced=True)
            current = await s.scalar(select(Visit.situation).where(Visit.id == ids[0]))
            snapshots = (await s.scalars(select(VisitVersion.snapshot)
                                         .where(VisitVersion.visit_id == ids[0])
                                         .order_by(VisitVersion.version))).all()
            drafts = json.dumps((await s.scalars(select(PersistedData.data))).all(), ensure_ascii=False)
    finally:
        await handle.close()
    assert current == "S100002也在"
    assert [v["situation"] for v in snapshots] == ["家長反映孩子作業多，晚上睡得晚",
                                                   "S100001的家長說，S100002常來家裡一起寫作業"]
    assert counts.situation_names == 2  # the current visit and the version that named both
    assert "吳欣怡" not in drafts and '"situation": null' in drafts and counts.draft_notes == 1
