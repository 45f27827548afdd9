"""The bound district of ``tests/bot_district.py`` with opinions raised in visits, and a district office."""

from __future__ import annotations

from datetime import UTC, date, datetime

from store.installation import StoreHandle
from store.models import Opinion
from tests.bot_district import District, seed_district
from tests.builders import add_staff, add_visit

OPINIONS = ("食堂太擠", "飯堂排隊太久", "圖書館晚上不開", "操場燈壞了")


async def seed_opinions(store: StoreHandle) -> tuple[District, list[int]]:
    """The district, a district office (``staff["office"]``), and four opinions from a visit with 吳欣怡."""
    d = await seed_district(store)
    async with store.sessions() as session:
        d.staff["office"] = await add_staff(session, "D1", "區辦周", None, ["district_office"])
        visit = await add_visit(
            session, d.staff["head"], "student", students=[d.students["S1"]], visit_date=date(2026, 11, 30)
        )
        rows = [
            Opinion(visit_id=visit, text=t, category_id=None, created_at=datetime(2026, 12, 1, tzinfo=UTC))
            for t in OPINIONS
        ]
        session.add_all(rows)
        await session.commit()
        return d, [r.id for r in rows]
