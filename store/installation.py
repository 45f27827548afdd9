"""Opening the store: migrate, remember when the database was created, load the campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.campaign import CampaignInfo, load_campaign_file, store_campaign
from store.clock import Clock
from store.db import create_engine, make_sessionmaker, migrate
from store.models import AppMeta, District

CREATED_AT = "database_created_at"
DEFAULT_DISTRICT_NAME = "District"


@dataclass
class StoreHandle:
    """The engine and the session factory of one running application."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    async def close(self) -> None:
        await self.engine.dispose()


async def database_created_at(*, session: AsyncSession, now: datetime) -> datetime:
    """When this database was created; recorded on first call."""
    row = await session.get(AppMeta, CREATED_AT)
    if row is None:
        row = AppMeta(key=CREATED_AT, value=now.isoformat())
        session.add(row)
        await session.commit()
    return datetime.fromisoformat(row.value)


async def ensure_district(*, session: AsyncSession) -> int:
    """The installation's district (one per database), created if missing. Returns its id."""
    district = await session.scalar(select(District).order_by(District.id).limit(1))
    if district is None:
        district = District(name=DEFAULT_DISTRICT_NAME)
        session.add(district)
        await session.commit()
    return district.id


async def open_store(database_url: str, *, clock: Clock) -> StoreHandle:
    """Create the engine and bring the schema to the newest migration."""
    engine = create_engine(database_url)
    await migrate(engine)
    handle = StoreHandle(engine=engine, sessions=make_sessionmaker(engine), clock=clock)
    async with handle.sessions() as session:
        await database_created_at(session=session, now=clock.now())
        await ensure_district(session=session)
    return handle


async def load_campaign(
    handle: StoreHandle, campaign_file: Path | None, *, bot_timezone: str
) -> CampaignInfo:
    """Load the campaign file (or the defaults, dated from the database's creation) into the store.

    Raises ``CampaignError`` for a missing or wrong file.
    """
    async with handle.sessions() as session:
        created = await database_created_at(session=session, now=handle.clock.now())
        created_on: date = created.astimezone(ZoneInfo(bot_timezone)).date()
        config, source = load_campaign_file(campaign_file, created_on=created_on)
        if campaign_file is None and config.timezone != bot_timezone:
            config = config.model_copy(update={"timezone": bot_timezone})
        return await store_campaign(session=session, config=config, source=source, now=handle.clock.now())
