"""The bundled sample district, for trying the bot out without a real roster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Staff, Student
from store.roster import RosterReport, check_roster, import_roster, read_roster_paths
from store.roster.sample import SAMPLE_ROSTER


async def people_outside_the_sample(*, session: AsyncSession) -> int:
    """Active staff and students whose ids are not the sample's: the demo would deactivate them."""
    sample = check_roster(read_roster_paths([SAMPLE_ROSTER]))
    staff_ids = {record.external_id for record in sample.staff}
    student_ids = {record.external_id for record in sample.students}
    staff = await session.scalar(
        select(func.count(Staff.id)).where(Staff.active.is_(True), Staff.external_id.not_in(staff_ids))
    )
    students = await session.scalar(
        select(func.count(Student.id)).where(
            Student.active.is_(True), Student.external_id.not_in(student_ids)
        )
    )
    return int(staff or 0) + int(students or 0)


async def import_sample_roster(*, session: AsyncSession, now: datetime) -> RosterReport:
    """Import the sample district (2 schools, 51 staff, 180 students) like any roster."""
    return await import_roster(
        session=session, source=read_roster_paths([SAMPLE_ROSTER]), now=now, actor="demo"
    )
