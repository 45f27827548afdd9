"""``twovisits purge``: a dry run counts and changes nothing; no purge before the district's archive is
exported (or after visits changed since) unless --force; a confirmation by the district's name or
--yes; afterwards no private note and no student name is left anywhere, and the purge is audited."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.cli import main
from store.clock import FixedClock
from store.installation import open_store
from store.models import AuditEntry, OutboxMessage, PersistedData, Staff, Student, Visit, VisitVersion
from store.scopes import scope_for
from store.visits import delete_visit
from tests.test_export import NOW, SECRET, sample_with_visits


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'purge.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


async def prepare(url: str) -> None:
    """The sample district's visits (all with private notes), one deleted (its old version keeps the
    notes) and a draft in progress with notes in the bot's persistence."""
    ids = await sample_with_visits(url)
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            cadre = await s.scalar(select(Staff.id).where(Staff.external_id == "T1006"))
            scope = await scope_for(session=s, staff_id=cadre)  # type: ignore[arg-type]
            assert scope is not None
            await delete_visit(session=s, scope=scope, visit_id=ids[2], now=NOW)
            s.add(PersistedData(kind="user_data", key="42", updated_at=NOW, data={
                "visit_draft": {"client_key": "d1", "visitee_ids": [1], "private_notes": SECRET}}))
            # A class nudge that went out and one still waiting: both name an unvisited student.
            for state in ("sent", "pending"):
                s.add(OutboxMessage(recipient_chat_id=7, kind="class_nudge", period=f"2026-W49-{state}",
                                    payload={"text": "Not visited yet (1): 吳欣怡"}, state=state,
                                    next_attempt_at=NOW, created_at=NOW, updated_at=NOW))
            await s.commit()
    finally:
        await handle.close()


async def snapshot(url: str) -> dict[str, object]:
    """Everything a purge touches, as text, and the audit's purges."""
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            notes = [n for n in (await s.scalars(select(Visit.private_notes))).all() if n]
            versions = json.dumps([v for v in (await s.scalars(select(VisitVersion.snapshot))).all()],
                                  ensure_ascii=False)
            drafts = json.dumps([d for d in (await s.scalars(select(PersistedData.data))).all()],
                                ensure_ascii=False)
            students = (await s.execute(select(Student.external_id, Student.name))).all()
            purges = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "purge"))).all()
            outbox = (await s.execute(select(OutboxMessage.state, OutboxMessage.payload)
                                      .order_by(OutboxMessage.id))).all()
        return {"notes": notes, "versions": versions, "drafts": drafts,
                "named": [ext for ext, name in students if ext != name], "students": len(students),
                "purges": [e.detail for e in purges], "outbox": [tuple(row) for row in outbox]}
    finally:
        await handle.close()


def test_dry_run_counts_refusals_change_nothing_and_a_confirmed_purge_leaves_no_note_or_name(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(prepare(db))
    before = asyncio.run(snapshot(db))
    assert len(before["notes"]) == 3 and SECRET in str(before["versions"]) and SECRET in str(before["drafts"])
    assert before["named"] and len(before["named"]) == before["students"]  # type: ignore[arg-type]

    assert main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert (f"3 次訪談、1 個舊版本及 1 份草稿的私人筆記；{before['students']} 名學生的姓名；"
            "發件箱中 2 則訊息的內容。") in out
    assert "試運行" in out
    assert asyncio.run(snapshot(db)) == before

    assert main(["purge", "--yes"]) != 0  # never exported
    assert "從未導出" in capsys.readouterr().err
    assert asyncio.run(snapshot(db)) == before

    assert main(["export", "--out", str(tmp_path / "archive.xlsx")]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("Not the district\n"))
    assert main(["purge"]) != 0
    assert "未確認" in capsys.readouterr().err
    assert asyncio.run(snapshot(db)) == before

    monkeypatch.setattr("sys.stdin", io.StringIO("District\n"))
    assert main(["purge"]) == 0
    assert "已清除" in capsys.readouterr().out
    after = asyncio.run(snapshot(db))
    assert after["notes"] == [] and after["named"] == []
    assert SECRET not in str(after["versions"]) and SECRET not in str(after["drafts"])
    assert "visit_draft" in str(after["drafts"])  # the draft stays, without its notes
    assert after["purges"] == [{"visit_notes": 3, "version_notes": 1, "draft_notes": 1,
                                "student_names": before["students"], "outbox_texts": 2, "situation_names": 0,
                                "forced": False}]
    assert after["outbox"] == [("sent", {"purged": True}), ("failed", {"purged": True})]

    assert main(["purge", "--dry-run"]) == 0  # a second purge has nothing left to do
    nothing_left = "0 次訪談、0 個舊版本及 0 份草稿的私人筆記；0 名學生的姓名；發件箱中 0 則訊息的內容。"
    assert nothing_left in capsys.readouterr().out


async def touch_a_visit(url: str) -> None:
    handle = await open_store(url, clock=FixedClock(NOW))
    try:
        async with handle.sessions() as s:
            await s.execute(update(Visit).where(Visit.id == 1)
                            .values(updated_at=datetime(2099, 1, 1, tzinfo=UTC)))
            await s.commit()
    finally:
        await handle.close()


def test_visits_changed_after_the_export_are_refused_unless_forced(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(prepare(db))
    assert main(["export", "--out", str(tmp_path / "archive.xlsx")]) == 0
    asyncio.run(touch_a_visit(db))
    capsys.readouterr()
    assert main(["purge", "--yes"]) != 0
    assert "之後訪談記錄有變動" in capsys.readouterr().err
    assert asyncio.run(snapshot(db))["notes"]
    assert main(["purge", "--yes", "--force"]) == 0
    after = asyncio.run(snapshot(db))
    assert after["notes"] == [] and after["named"] == []
    assert [p["forced"] for p in after["purges"]] == [True]  # type: ignore[index,union-attr]
