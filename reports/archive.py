"""The archive export as one call: stream the store's visits and opinions into the workbook, add
the rectification plan, coverage and scores, save. The district (``school_id=None``) or one school;
the caller has checked the scope (``Scope.may_export``) and records the export in the audit log
(``store.export_rows.record_export``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from reports.coverage import coverage_report
from reports.export_xlsx import ArchiveWorkbook, Gettext
from reports.scores import score_board
from store.archive_rows import opinion_rows, plan_rows
from store.campaign import CampaignInfo
from store.export_rows import visit_records
from store.vocab import VisitKind

Progress = Callable[[int], Awaitable[None]]
YIELD_EVERY = 100


@dataclass(frozen=True)
class ExportSummary:
    visits: int
    rows: int


async def export_archive(
    *, session: AsyncSession, campaign: CampaignInfo, today: date, gettext: Gettext, out: IO[bytes],
    school_id: int | None = None, progress: Progress | None = None, every: int = 5000,
) -> ExportSummary:
    """Write the archive workbook into ``out``; ``progress(visits so far)`` every ``every`` visits."""
    book = ArchiveWorkbook(gettext, campaign.config.zone)
    visits = 0
    for kind in (VisitKind.STUDENT, VisitKind.TEACHER):
        async for record in visit_records(session=session, kind=kind, school_id=school_id):
            book.add_visit(record)
            visits += 1
            if visits % YIELD_EVERY == 0:
                # Writing rows is CPU work between the store's awaits: let the bot's other chats
                # run every few milliseconds instead of waiting for the whole workbook.
                await asyncio.sleep(0)
            if progress is not None and visits % every == 0:
                await progress(visits)
    async for opinion in opinion_rows(session=session, school_id=school_id):
        book.add_opinion(opinion)
    for item in await plan_rows(session=session, school_id=school_id):
        book.add_plan_item(item, today)
    coverage = await coverage_report(session=session, scope=None, campaign=campaign, until=today,
                                     school_id=school_id)
    book.add_coverage(coverage)
    board = await score_board(session=session, campaign=campaign, today=today)
    schools = [s for s in board.schools if school_id is None or s.school_id == school_id]
    classes = [c for c in board.classes if school_id is None or c.school_id == school_id]
    teachers = [t for t in board.teachers if school_id is None or t.school_id == school_id]
    book.add_scores(schools, classes, teachers, board)
    # Zipping the sheets takes about a second for a large district: off the event loop.
    await asyncio.to_thread(book.save, out)
    return ExportSummary(visits=visits, rows=book.rows)
