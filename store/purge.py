"""After the campaign: purge what the law on minors' data says not to keep once the archive is filed.

One transaction: every visit's private notes (the current visit, its earlier versions' snapshots, and
drafts still in the bot's persistence) are erased, every student's name is replaced by their
roster id, also inside the shareable situation texts of visits and versions (each name of the
visit's class roster; a draft's situation, never saved, is erased like its notes), and the texts
kept in the outbox (class nudges list unvisited students by name) are
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
SITUATION_KEY = "situation"
DRAFT_TEXTS = frozenset({NOTES_KEY, SITUATION_KEY})  # what a draft in progress loses
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
    situation_names: int = 0  # visits and earlier versions whose situation named a student

    @property
    def total(self) -> int:
        return (self.visit_notes + self.version_notes + self.draft_notes + self.student_names
                + self.outbox_texts + self.situation_names)


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
    """``value`` with every non-empty ``private_notes`` and ``situation`` set to None, at any depth; and
    whether any was."""
    if isinstance(value, dict):
        found = False
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if k in DRAFT_TEXTS and v:
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


async def _drafts_with_notes(session: AsyncSession) -> list[tuple[str, str, Any]]:
    rows = (await session.execute(select(PersistedData.kind, PersistedData.key, PersistedData.data))).all()
    out = []
    for kind, key, data in rows:
        scrubbed, found = _scrub(data)
        if found:
            out.append((kind, key, scrubbed))
    return out


Roster = list[tuple[str, str]]  # (name, roster id) of a class's students, longest name first


async def _rosters(session: AsyncSession) -> dict[int, Roster]:
    rosters: dict[int, Roster] = {}
    for class_id, name, external_id in (await session.execute(
        select(Student.class_id, Student.name, Student.external_id).where(Student.name != Student.external_id)
    )).all():
        rosters.setdefault(class_id, []).append((name, external_id))
    for roster in rosters.values():
        roster.sort(key=lambda r: len(r[0]), reverse=True)
    return rosters


def _unnamed(text: str, roster: Roster) -> str:
    for name, external_id in roster:
        if name:
            text = text.replace(name, external_id)
    return text


async def _situations(session: AsyncSession, rosters: dict[int, Roster]) -> list[tuple[int, str]]:
    """Current visits whose situation names a student of their class, with the text unnamed."""
    rows = (await session.execute(
        select(Visit.id, Visit.class_id, Visit.situation)
        .where(Visit.situation.is_not(None), Visit.class_id.is_not(None))
    )).all()
    out = []
    for visit_id, class_id, text in rows:
        if text is None or class_id is None:
            continue
        unnamed = _unnamed(text, rosters.get(class_id, []))
        if unnamed != text:
            out.append((visit_id, unnamed))
    return out


async def _version_changes(session: AsyncSession, rosters: dict[int, Roster]
                           ) -> tuple[dict[int, dict[str, Any]], int, int]:
    """The snapshots to rewrite (notes erased, situations unnamed), and how many of each."""
    changes: dict[int, dict[str, Any]] = {}
    notes = situations = 0
    for version_id, snapshot in (await session.execute(select(VisitVersion.id, VisitVersion.snapshot))).all():
        if not isinstance(snapshot, dict):
            continue
        new = dict(snapshot)
        if new.get(NOTES_KEY):
            new[NOTES_KEY] = None
            notes += 1
        text, class_id = new.get(SITUATION_KEY), new.get("class_id")
        if isinstance(text, str) and isinstance(class_id, int):
            unnamed = _unnamed(text, rosters.get(class_id, []))
            if unnamed != text:
                new[SITUATION_KEY] = unnamed
                situations += 1
        if new != snapshot:
            changes[version_id] = new
    return changes, notes, situations


async def purge(*, session: AsyncSession, now: datetime, actor: str, dry_run: bool,
                forced: bool = False) -> PurgeCounts:
    """Count, and unless ``dry_run`` erase, every private note and every student's name (replaced by
    the roster's ``external_id``), in one transaction, audited (``action = 'purge'``) and committed.
    The caller has checked :func:`archive_state` (or was told to ``force``) and the confirmation."""
    with_notes = (Visit.private_notes.is_not(None)) & (Visit.private_notes != "")
    named = Student.name != Student.external_id
    visit_notes = int(await session.scalar(select(func.count(Visit.id)).where(with_notes)) or 0)
    students = int(await session.scalar(select(func.count(Student.id)).where(named)) or 0)
    rosters = await _rosters(session)
    situations = await _situations(session, rosters)
    versions, version_notes, version_situations = await _version_changes(session, rosters)
    drafts = await _drafts_with_notes(session)
    payloads = (await session.execute(select(OutboxMessage.id, OutboxMessage.payload))).all()
    outbox = [i for i, payload in payloads if payload != PURGED_PAYLOAD]
    counts = PurgeCounts(visit_notes, version_notes, len(drafts), students, len(outbox),
                         situation_names=len(situations) + version_situations)
    if dry_run:
        await session.rollback()
        return counts
    await session.execute(update(Visit).where(with_notes).values(private_notes=None))
    for visit_id, text in situations:  # before the names go: the rosters were read with them
        await session.execute(update(Visit).where(Visit.id == visit_id).values(situation=text))
    await session.execute(update(Student).where(named).values(name=Student.external_id))
    for version_id, snapshot in versions.items():
        await session.execute(update(VisitVersion).where(VisitVersion.id == version_id)
                              .values(snapshot=snapshot))
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
