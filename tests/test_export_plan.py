"""The archive's 整改 sheets: every opinion with its handling and the item it became, and the
rectification plan with each item's state and whether it was done on time, checked cell by cell
against the store's own views (the opinion inbox, the items of /rectify), in Chinese and English."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.cli import main
from store.clock import FixedClock
from store.installation import open_store
from store.models import Staff
from store.opinions import OpinionStatus, get_opinions
from store.rectification import school_items
from store.scopes import scope_for
from store.visit_views import get_visit
from tests.archive_world import FAR, LATE, NEW_OPINION, PAST, Archive, with_rectification
from tests.test_export import INJECTION, NOW

OPINIONS, PLAN = 4, 5


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


async def store_view(url: str, archive: Archive) -> dict[str, Any]:
    """The opinions as the school leader's inbox shows them, their visits, and the items."""
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            leader_id = await s.scalar(Staff.__table__.select().with_only_columns(Staff.id)
                                       .where(Staff.external_id == "T1004"))
            leader = await scope_for(session=s, staff_id=leader_id)
            assert leader is not None
            opinions = await get_opinions(session=s, scope=leader,
                                          opinion_ids=sorted(archive.opinions.values()))
            visits = [await get_visit(session=s, scope=leader, visit_id=i) for i in archive.visits]
            items = await school_items(session=s, school_ids=None)
        visit_of = {o.id: v for v in visits if v is not None for o in v.opinions}
        return {"opinions": opinions, "visit_of": visit_of, "items": {i.id: i for i in items}}
    finally:
        await handle.close()


def rows(path: Path, index: int) -> list[tuple[Any, ...]]:
    return [tuple(c.value for c in row) for row in load_workbook(path).worksheets[index].iter_rows()]


def test_opinions_with_their_handling_and_the_plan_match_the_store(db: str, tmp_path: Path) -> None:
    archive = asyncio.run(with_rectification(db))
    out = tmp_path / "archive.xlsx"
    assert main(["export", "--out", str(out)]) == 0
    view = asyncio.run(store_view(db, archive))
    items = view["items"]
    item_of = {o: i.id for i in items.values() for o in i.opinion_ids}

    opinions = rows(out, OPINIONS)
    assert opinions[0] == ("編號", "日期", "學校", "班級", "來源", "記錄人", "類別", "意見建議內容",
                           "處理情況", "整改事項")
    want = []
    for o in view["opinions"]:
        visit = view["visit_of"][o.id]
        handling = {OpinionStatus.NEW: "尚未處理", OpinionStatus.ITEMISED: "已立項"}.get(o.status)
        if o.status is OpinionStatus.MERGED:
            handling = f"已合併到 #{o.merged_into_id}"
        elif o.status is OpinionStatus.DISMISSED:
            handling = f"不予採納：{o.dismissed_reason}"
        item = item_of.get(o.id) or item_of.get(o.merged_into_id or 0)
        want.append((o.id, midnight(o.visit_date), "第一中學", visit.class_name,
                     "學生訪談" if visit.kind == "student" else "教師訪談", visit.visitor_name,
                     o.category_name, o.text, handling, f"#{item} {items[item].title}" if item else None))
    assert opinions[1:] == want
    by_text = {r[7]: r for r in opinions[1:]}
    assert by_text["食堂的菜太鹹"][8:] == ("已立項", f"#{archive.items['on_time']} 改善食堂口味")
    # Merged into the canteen opinion: it became the same item.
    assert by_text["希望減少會議"][8:] == (f"已合併到 #{archive.opinions['食堂的菜太鹹']}",
                                       f"#{archive.items['on_time']} 改善食堂口味")
    assert by_text[INJECTION][8:] == ("不予採納：不屬本校範圍", None)
    assert by_text[NEW_OPINION][8:] == ("尚未處理", None)
    assert by_text["希望減少會議"][3] is None and by_text["希望減少會議"][4] == "教師訪談"

    plan = rows(out, PLAN)
    assert plan[0] == ("編號", "學校", "事項", "整改目標", "整改措施", "責任人", "完成時限", "層級", "狀態",
                       "完成日期", "是否按時完成", "意見建議")
    done = midnight(date(2026, 12, 2))  # a day after NOW, in Shanghai
    states = {
        "on_time": (FAR, "學校", "已驗收", done, "按時完成"),
        "late": (LATE, "學校", "已完成，待驗收", done, "逾期完成"),
        "overdue": (PAST, "區級", "待辦", None, "已逾期"),
        "open": (FAR, "學校", "待辦", None, None),
    }
    by_id = {r[0]: r for r in plan[1:]}
    assert set(by_id) == set(items) == set(archive.items.values())
    for key, (deadline, level, state, done_on, timing) in states.items():
        i = items[archive.items[key]]
        opinion_ids = "、".join(f"#{o}" for o in i.opinion_ids) or None
        assert by_id[i.id] == (i.id, i.school_name, i.title, i.goal, i.measures, i.owner_label,
                               midnight(deadline), level, state, done_on, timing, opinion_ids), key
    assert by_id[archive.items["on_time"]][5] == "總務處 · 劉雨萱"
    assert [r[2] for r in plan[1:]] == ["修繕操場", "整理圖書館", "改善食堂口味", "減少例會"]  # by deadline


def test_the_sheets_in_english_and_a_school_export_keeps_to_its_school(db: str, tmp_path: Path) -> None:
    archive = asyncio.run(with_rectification(db))
    out = tmp_path / "en.xlsx"
    assert main(["export", "--out", str(out), "--lang", "en"]) == 0
    book = load_workbook(out)
    assert book.sheetnames[4:6] == ["Opinions and their handling", "Rectification plan"]
    plan = rows(out, PLAN)
    assert plan[0][:3] == ("No.", "School", "Item")
    by_id = {r[0]: r for r in plan[1:]}
    assert by_id[archive.items["late"]][8:11] == ("done, awaiting verification", midnight(date(2026, 12, 2)),
                                                 "late")
    assert by_id[archive.items["overdue"]][7:11] == ("district", "open", None, "overdue")
    headers = rows(out, 0)[0]
    assert headers[9] == "Situation"
    situations = [row[9] for row in book.worksheets[0].iter_rows(min_row=2)]
    injected = [c for c in situations if c.value == INJECTION]
    assert len(injected) == 1 and injected[0].data_type == "s"  # text, never a formula

    other = tmp_path / "other.xlsx"
    assert main(["export", "--out", str(other), "--school", "實驗中學"]) == 0
    assert len(rows(other, OPINIONS)) == 1 and len(rows(other, PLAN)) == 1  # headers only
