"""After the campaign: purge what the law on minors' data says not to keep once the archive is filed.

One transaction: every visit's private notes (the current visit, its earlier versions' snapshots, and
drafts still in the bot's persistence) are erased, every student's name is replaced by their
roster id, and the texts kept in the outbox (class nudges list unvisited students by name) are
dropped; a message not sent yet is marked failed, since it has nothing left to send. Counted first
(a dry run is the same count without the writes), audited once done.

A purge is refused unless the district's archive was exported (``action = 'export'`` of the
district in the audit log) after the last change to any visit, so nothing is purged that the
archive does not hold; the command line's ``--force`` overrides that.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditEntry, District, OutboxMessage, PersistedData, Student, Visit, VisitVersion

NOTES_KEY = "private_notes"
PURGED_PAYLOAD = {"purged": True}
_UNSENT = ("pending", "sending")  # store.outbox.OutboxState


@dataclass(frozen=True)
class PurgeCounts:
    """What a purge changes (or, in a dry run, would change)."""

    visit_notes: int  # visits whose private notes are erased
    version_notes: int  # earlier versions of visits whose snapshot holds private notes
    draft_notes: int  # persisted entries (drafts in progress) that hold private notes
    student_names: int  # students whose name becomes their roster id
    outbox_texts: int = 0  # messages of the outbox whose text is dropped

    @property
    def total(self) -> int:
        return (self.visit_notes + self.version_notes + self.draft_notes + self.student_names
                + self.outbox_texts)


@dataclass(frozen=True)
class ArchiveState:
    """The latest district export and the latest change to a visit (None: never)."""

    exported_at: datetime | None
    visits_changed_at: datetime | None

    @property
    def covers_visits(self) -> bool:
        """Whether the latest district export is newer than every visit's last change."""
        if self.exported_at is None:
            return False
        return self.visits_changed_at is None or self.exported_at >= self.visits_changed_at


def _scrub(value: Any) -> tuple[Any, bool]:
    """``value`` with every non-empty ``private_notes`` set to None, at any depth; and whether any was."""
    if isinstance(value, dict):
        found = False
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if k == NOTES_KEY and v:
                out[k], found = None, True
            else:
                out[k], inner = _scrub(v)
                found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_scrub(v) for v in value]
        return [v for v, _ in items], any(f for _, f in items)
    return value, False


async def district_name(*, session: AsyncSession) -> str | None:
    """The district's name, which a person types to confirm a purge."""
    return await session.scalar(select(District.name).order_by(District.id).limit(1))


async def archive_state(*, session: AsyncSession) -> ArchiveState:
    """When the district's archive was last exported, and when a visit last changed."""
    exported = await session.scalar(
        select(func.max(AuditEntry.at))
        .where(AuditEntry.action == "export", AuditEntry.object_type == "district")
    )
    changed = await session.scalar(select(func.max(func.coalesce(Visit.deleted_at, Visit.updated_at))))
    changed_versions = await session.scalar(select(func.max(VisitVersion.replaced_at)))
    latest = max((d for d in (changed, changed_versions) if d is not None), default=None)
    return ArchiveState(exported, latest)


async def _versions_with_notes(session: AsyncSession) -> list[tuple[int, dict[str, Any]]]:
    rows = (await session.execute(select(VisitVersion.id, VisitVersion.snapshot))).all()
    return [(i, s) for i, s in rows if isinstance(s, dict) and s.get(NOTES_KEY)]


async def _drafts_with_notes(session: AsyncSession) -> list[tuple[str, str, Any]]:
    rows = (await session.execute(select(PersistedData.kind, PersistedData.key, PersistedData.data))).all()
    out = []
    for kind, key, data in rows:
        scrubbed, found = _scrub(data)
        if found:
            out.append((kind, key, scrubbed))
    return out


async def purge(*, session: AsyncSession, now: datetime, actor: str, dry_run: bool,
                forced: bool = False) -> PurgeCounts:
    """Count, and unless ``dry_run`` erase, every private note and every student's name (replaced by
    the roster's ``external_id``), in one transaction, audited (``action = 'purge'``) and committed.
    The caller has checked :func:`archive_state` (or was told to ``force``) and the confirmation."""
    with_notes = (Visit.private_notes.is_not(None)) & (Visit.private_notes != "")
    named = Student.name != Student.external_id
    visit_notes = int(await session.scalar(select(func.count(Visit.id)).where(with_notes)) or 0)
    students = int(await session.scalar(select(func.count(Student.id)).where(named)) or 0)
    versions = await _versions_with_notes(session)
    drafts = await _drafts_with_notes(session)
    payloads = (await session.execute(select(OutboxMessage.id, OutboxMessage.payload))).all()
    outbox = [i for i, payload in payloads if payload != PURGED_PAYLOAD]
    counts = PurgeCounts(visit_notes, len(versions), len(drafts), students, len(outbox))
    if dry_run:
        await session.rollback()
        return counts
    await session.execute(update(Visit).where(with_notes).values(private_notes=None))
    await session.execute(update(Student).where(named).values(name=Student.external_id))
    for version_id, snapshot in versions:
        await session.execute(update(VisitVersion).where(VisitVersion.id == version_id)
                              .values(snapshot={**snapshot, NOTES_KEY: None}))
    for kind, key, data in drafts:
        await session.execute(update(PersistedData)
                              .where(PersistedData.kind == kind, PersistedData.key == key).values(data=data))
    if outbox:
        await session.execute(update(OutboxMessage).where(OutboxMessage.state.in_(_UNSENT))
                              .values(state="failed", last_error="purged"))
        await session.execute(update(OutboxMessage).values(payload=PURGED_PAYLOAD))
    session.add(AuditEntry(at=now, actor_staff_id=None, actor=actor, action="purge", object_type="district",
                           object_id=None, detail={**asdict(counts), "forced": forced}))
    await session.commit()
    return counts
