"""A school's own interview outline (訪談提綱): its student and teacher topics, set by its school
leaders (SPEC: "a school may replace them with its own").

A school without rows of its own (``outline_topics.school_id`` set, active) for an audience uses the
campaign's list. Its first change copies the campaign's active topics into rows of its own, then
changes those; restoring the campaign's list retires them. A topic some visit refers to is never
deleted, only hidden (``active`` False), so saved visits still show it; an unused one is deleted.
Every change is audited (``action = 'outline_topics'``) and committed; a refusal changes nothing.
The campaign's list is the one loaded at start (:class:`store.campaign.CampaignInfo`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.campaign import CampaignInfo, TopicInfo
from store.models import AuditEntry, OutlineTopic, VisitTopic
from store.roster_version import RosterCache, bump_roster_version
from store.scopes import Scope
from store.vocab import VisitKind

MAX_TOPIC_CHARS = 30  # a topic is a button's label
MAX_TOPICS = 24  # two per row: the topic step stays one screen


class TopicRefusal(StrEnum):
    NOT_ALLOWED = "not_allowed"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"
    TOO_MANY = "too_many"
    NOT_FOUND = "not_found"
    LAST_TOPIC = "last_topic"


@dataclass(frozen=True)
class Outline:
    """A school's topics for one audience; ``own``: its own list, not the campaign's."""

    audience: VisitKind
    own: bool
    topics: tuple[TopicInfo, ...]


def _info(rows: Iterable[OutlineTopic]) -> tuple[TopicInfo, ...]:
    return tuple(TopicInfo(id=r.id, name=r.name, audience=VisitKind(r.audience)) for r in rows)


async def _rows(
    session: AsyncSession, campaign: CampaignInfo, school_id: int | None, audience: VisitKind
) -> list[OutlineTopic]:
    query = (
        select(OutlineTopic)
        .where(OutlineTopic.campaign_id == campaign.id, OutlineTopic.audience == audience.value,
               OutlineTopic.active.is_(True))
        .order_by(OutlineTopic.position, OutlineTopic.id)
    )
    query = query.where(OutlineTopic.school_id.is_(None) if school_id is None
                        else OutlineTopic.school_id == school_id)
    return list((await session.scalars(query)).all())


# Every school's own outline, read in one statement and kept for the roster version: the visit
# flow's topic step then reads nothing. A change of an outline gives the roster a new version (rare:
# a leader at the start of the campaign), so every process sees it at its next update.
_OWN: RosterCache[Mapping[tuple[int, str], tuple[TopicInfo, ...]]] = RosterCache()


async def _own_outlines(
    session: AsyncSession, campaign_id: int
) -> Mapping[tuple[int, str], tuple[TopicInfo, ...]]:
    async def load() -> Mapping[tuple[int, str], tuple[TopicInfo, ...]]:
        rows = (await session.scalars(
            select(OutlineTopic)
            .where(OutlineTopic.campaign_id == campaign_id, OutlineTopic.school_id.is_not(None),
                   OutlineTopic.active.is_(True))
            .order_by(OutlineTopic.position, OutlineTopic.id)
        )).all()
        out: dict[tuple[int, str], list[OutlineTopic]] = {}
        for r in rows:
            assert r.school_id is not None
            out.setdefault((r.school_id, r.audience), []).append(r)
        return {key: _info(topics) for key, topics in out.items()}

    return await _OWN.get(session, campaign_id, load)


async def school_outline(
    *, session: AsyncSession, campaign: CampaignInfo, school_id: int | None, audience: VisitKind
) -> Outline:
    """The topics a visit of ``school_id`` offers (None: the campaign's), in their order."""
    if school_id is not None:
        own = (await _own_outlines(session, campaign.id)).get((school_id, audience.value))
        if own:
            return Outline(audience, True, own)
    return Outline(audience, False, tuple(campaign.topics(audience)))


async def topic_names(*, session: AsyncSession, topic_ids: Iterable[int]) -> dict[int, str]:
    """The names of topics by id, hidden ones included (what a draft's card shows)."""
    ids = list(topic_ids)
    if not ids:
        return {}
    rows = await session.execute(select(OutlineTopic.id, OutlineTopic.name).where(OutlineTopic.id.in_(ids)))
    return {topic_id: name for topic_id, name in rows.all()}


async def _own_rows(
    session: AsyncSession, campaign: CampaignInfo, school_id: int, audience: VisitKind
) -> list[OutlineTopic]:
    """The school's own active rows; copied from the campaign's list on the first change. Retired
    rows of the same name are brought back rather than copied twice."""
    own = await _rows(session, campaign, school_id, audience)
    if own:
        return own
    retired = {
        r.name: r for r in (await session.scalars(select(OutlineTopic).where(
            OutlineTopic.campaign_id == campaign.id, OutlineTopic.school_id == school_id,
            OutlineTopic.audience == audience.value))).all()
    }
    out = []
    for position, topic in enumerate(await _rows(session, campaign, None, audience)):
        row = retired.get(topic.name)
        if row is None:
            row = OutlineTopic(campaign_id=campaign.id, school_id=school_id, audience=audience.value,
                               name=topic.name, position=position, active=True)
            session.add(row)
        else:
            row.position, row.active = position, True
        out.append(row)
    await session.flush()
    return out


def _audit(session: AsyncSession, scope: Scope, school_id: int, now: datetime, **detail: object) -> None:
    session.add(AuditEntry(
        at=now, actor_staff_id=scope.staff_id, actor=f"staff:{scope.staff_id}", action="outline_topics",
        object_type="school", object_id=school_id, detail=detail,
    ))


async def _used(session: AsyncSession, topic_id: int) -> bool:
    count = await session.scalar(
        select(func.count()).select_from(VisitTopic).where(VisitTopic.topic_id == topic_id))
    return bool(count)


def clean_name(text: str) -> str | TopicRefusal:
    """A typed topic, stripped and on one line, or why it cannot be one."""
    name = " ".join(text.split())
    if not name:
        return TopicRefusal.EMPTY
    if len(name) > MAX_TOPIC_CHARS:
        return TopicRefusal.TOO_LONG
    return name


async def add_topic(
    *, session: AsyncSession, scope: Scope, campaign: CampaignInfo, school_id: int, audience: VisitKind,
    name: str, now: datetime,
) -> Outline | TopicRefusal:
    """Add a topic at the end of the school's list."""
    if not scope.may_change_settings_of(school_id):
        return TopicRefusal.NOT_ALLOWED
    cleaned = clean_name(name)
    if isinstance(cleaned, TopicRefusal):
        return cleaned
    current = await school_outline(session=session, campaign=campaign, school_id=school_id, audience=audience)
    if any(t.name == cleaned for t in current.topics):
        return TopicRefusal.DUPLICATE
    if len(current.topics) >= MAX_TOPICS:
        return TopicRefusal.TOO_MANY
    own = await _own_rows(session, campaign, school_id, audience)
    position = max((r.position for r in own), default=-1) + 1
    retired = await session.scalar(select(OutlineTopic).where(
        OutlineTopic.campaign_id == campaign.id, OutlineTopic.school_id == school_id,
        OutlineTopic.audience == audience.value, OutlineTopic.name == cleaned))
    if retired is not None:
        retired.active, retired.position = True, position
    else:
        session.add(OutlineTopic(campaign_id=campaign.id, school_id=school_id, audience=audience.value,
                                 name=cleaned, position=position, active=True))
    _audit(session, scope, school_id, now, audience=audience.value, op="add", name=cleaned)
    await bump_roster_version(session=session)
    await session.commit()
    return await school_outline(session=session, campaign=campaign, school_id=school_id, audience=audience)


async def remove_topic(
    *, session: AsyncSession, scope: Scope, campaign: CampaignInfo, school_id: int, audience: VisitKind,
    topic_id: int, now: datetime,
) -> Outline | TopicRefusal:
    """Take a topic off the school's list (``topic_id`` as the list shows it: the campaign's while
    the school has none of its own): deleted if no visit used it, else hidden. The last topic stays:
    the campaign's list is one tap away."""
    if not scope.may_change_settings_of(school_id):
        return TopicRefusal.NOT_ALLOWED
    current = await school_outline(session=session, campaign=campaign, school_id=school_id, audience=audience)
    shown = next((t for t in current.topics if t.id == topic_id), None)
    if shown is None:
        return TopicRefusal.NOT_FOUND
    if len(current.topics) <= 1:
        return TopicRefusal.LAST_TOPIC
    own = await _own_rows(session, campaign, school_id, audience)
    row = next(r for r in own if r.name == shown.name)
    hidden = await _used(session, row.id)
    if hidden:
        row.active = False
    else:
        await session.delete(row)
    _audit(session, scope, school_id, now, audience=audience.value, op="remove", name=shown.name,
           hidden=hidden)
    await bump_roster_version(session=session)
    await session.commit()
    return await school_outline(session=session, campaign=campaign, school_id=school_id, audience=audience)


async def restore_outline(
    *, session: AsyncSession, scope: Scope, campaign: CampaignInfo, school_id: int, audience: VisitKind,
    now: datetime,
) -> Outline | TopicRefusal:
    """Back to the campaign's list: the school's own topics are deleted, or hidden where used."""
    if not scope.may_change_settings_of(school_id):
        return TopicRefusal.NOT_ALLOWED
    own = await _rows(session, campaign, school_id, audience)
    for row in own:
        if await _used(session, row.id):
            row.active = False
        else:
            await session.delete(row)
    if own:
        _audit(session, scope, school_id, now, audience=audience.value, op="restore")
        await bump_roster_version(session=session)
    await session.commit()
    return await school_outline(session=session, campaign=campaign, school_id=school_id, audience=audience)
