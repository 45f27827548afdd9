"""What the running bot holds for its whole life: settings, clock, store, campaign."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.settings import Settings
from store.campaign import CampaignInfo
from store.clock import Clock
from store.installation import StoreHandle, load_campaign, open_store

if TYPE_CHECKING:
    from bot.outbox_sender import OutboxSender
    from bot.scheduler import Scheduler


@dataclass
class Services:
    settings: Settings
    clock: Clock
    _store: StoreHandle | None = None
    _campaign: CampaignInfo | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Started in post_init, stopped in post_stop (bot/app.py); None outside a running bot.
    outbox: OutboxSender | None = None
    scheduler: Scheduler | None = None

    def wake_outbox(self) -> None:
        """Something was enqueued: let the sender look at once (no-op when it is not running)."""
        if self.outbox is not None:
            self.outbox.wake()

    async def open(self) -> None:
        """Open the store and load the campaign once (persistence may ask before post_init)."""
        async with self._lock:
            if self._store is not None:
                return
            store = await open_store(self.settings.database_url, clock=self.clock)
            try:
                self._campaign = await load_campaign(
                    store, self.settings.resolved_campaign_file(), bot_timezone=self.settings.bot_timezone
                )
            except BaseException:
                await store.close()
                raise
            self._store = store

    async def close(self) -> None:
        async with self._lock:
            if self._store is not None:
                await self._store.close()
                self._store = None

    @property
    def store(self) -> StoreHandle:
        if self._store is None:
            raise RuntimeError("services are not open")
        return self._store

    @property
    def campaign(self) -> CampaignInfo:
        if self._campaign is None:
            raise RuntimeError("services are not open")
        return self._campaign
