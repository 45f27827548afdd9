"""Roster import: read the office's files, check every row, then upsert all or nothing.

``read_roster_files`` (uploaded bytes by file name) or ``read_roster_paths`` (the command line) give a
:class:`RosterSource` (the tables found, their headers; rows are parsed later, once);
:func:`import_roster` checks every row in one pass and, only when no row is wrong, writes it in one
transaction with bulk statements. Answers are codes (:class:`Finding`); the bot and the command
line word them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from store.installation import ensure_district
from store.roster.apply import ImportAudit, apply_roster
from store.roster.read import RosterSource, read_roster_files, read_roster_paths
from store.roster.results import FINDING_CODES, EntityCounts, Finding, ImportSummary, RosterReport, Severity
from store.roster.validate import CheckedRoster, check_roster

__all__ = [
    "FINDING_CODES",
    "CheckedRoster",
    "EntityCounts",
    "Finding",
    "ImportSummary",
    "RosterReport",
    "RosterSource",
    "Severity",
    "check_roster",
    "import_roster",
    "read_roster_files",
    "read_roster_paths",
]

def _ordered(findings: list[Finding]) -> list[Finding]:
    """Whole-file findings first, then by file (in the order met) and row; stable otherwise."""
    files: dict[str, int] = {}
    for f in findings:
        files.setdefault(f.file, len(files))
    return sorted(findings, key=lambda f: (f.row is not None, files[f.file], f.row or 0))


async def import_roster(
    *,
    session: AsyncSession,
    source: RosterSource,
    now: datetime,
    actor: str = "cli",
    actor_staff_id: int | None = None,
    district_id: int | None = None,
) -> RosterReport:
    """Check ``source`` and, if no finding is an error, upsert it and write an audit entry.

    All or nothing: a refused roster leaves the database untouched; an accepted one is committed in
    one transaction (:func:`store.roster.apply.apply_roster`). ``district_id`` defaults to the
    installation's district.
    """
    # The one pass over the rows (parsing included) takes a second for a big district: off the event
    # loop, so a bot keeps answering others meanwhile.
    checked = await asyncio.to_thread(check_roster, source)
    findings = _ordered(checked.findings)
    if not checked.accepted:
        return RosterReport(findings=findings, accepted=False, encodings=dict(source.encodings))
    if district_id is None:
        district_id = await ensure_district(session=session)
    audit = ImportAudit(actor=actor, actor_staff_id=actor_staff_id, detail={
        "files": list(source.files),
        "encodings": dict(source.encodings),
        "warnings": len([f for f in findings if not f.is_error]),
    })
    summary = await apply_roster(
        session=session, roster=checked, district_id=district_id, now=now, audit=audit
    )
    return RosterReport(findings=findings, accepted=True, encodings=dict(source.encodings), summary=summary)
