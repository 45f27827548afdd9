"""The roster version changes with every accepted import, and the bot's cache of people follows it."""

from __future__ import annotations

from bot.person import PersonCache
from store.installation import StoreHandle
from store.models import TelegramAccount
from store.roster import import_roster, read_roster_files
from store.roster_version import NEVER_IMPORTED, roster_version
from tests.bot_district import seed_district, take_off_roster
from tests.builders_roster import small_files


async def version(store: StoreHandle) -> str:
    async with store.sessions() as session:
        return await roster_version(session=session)


async def test_every_accepted_import_changes_the_version(store: StoreHandle) -> None:
    assert await version(store) == NEVER_IMPORTED
    seen = {NEVER_IMPORTED}
    for _ in range(2):  # the same roster twice: still a new version (cheap to be safe)
        async with store.sessions() as session:
            report = await import_roster(
                session=session, source=read_roster_files(small_files()), now=store.clock.now()
            )
        assert report.accepted
        seen.add(await version(store))
    assert len(seen) == 3
    refused = read_roster_files({"staff.csv": b"nonsense\r\n", "students.csv": b"x\r\n"})
    async with store.sessions() as session:
        assert not (await import_roster(session=session, source=refused, now=store.clock.now())).accepted
    assert len(seen | {await version(store)}) == 3  # a refused import changes nothing


async def test_people_are_read_once_per_roster_version(store: StoreHandle) -> None:
    d = await seed_district(store)
    async with store.sessions() as session:
        session.add(TelegramAccount(telegram_user_id=42, staff_id=d.staff["head"], bound_at=store.clock.now(),
                                    bound_by="invite"))
        await session.commit()
    cache = PersonCache()
    async with store.sessions() as session:
        first = await cache.get(session, 42)
        assert first.account is not None and first.scope is not None
        assert await cache.get(session, 42) is first  # from memory
    await take_off_roster(store, d.staff["head"])  # another process's import
    async with store.sessions() as session:
        again = await cache.get(session, 42)
    assert again.account is None and again.left_roster
    cache.drop(42)
    async with store.sessions() as session:
        assert (await cache.get(session, 42)) is not again
