"""Demo data beyond the roster: a campaign dated around today, and a few weeks of uneven visits.

The sandbox (``twovisits run`` without a token) loads these after the sample district, so progress,
charts, nudges and summaries have something to show on a first try. Visits go through
:func:`store.visits.record_visit`, like the bot's own, each dated and saved on its own day.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.campaign import CampaignInfo
from store.installation import StoreHandle
from store.people import class_students, interviewable_teachers, visitable_classes
from store.scopes import Scope, scope_for
from store.training import StaffEntry, staff_directory
from store.visits import VisitDraft, VisitRejected, record_visit
from store.vocab import Role, VisitForm, VisitKind

WEEKS_BEHIND = 3  # of the visit phase, before today
# How far each class (in roster order) has got: uneven on purpose, so charts show laggards.
CLASS_SHARES = (0.85, 0.55, 0.35, 0.7, 0.2, 0.6, 0.45, 0.1, 0.75, 0.3)
TEACHER_SHARES = (0.6, 0.35)
FORMS = (VisitForm.IN_PERSON,) * 6 + (VisitForm.HOME,) * 2 + (VisitForm.PHONE, VisitForm.ONLINE)


def demo_campaign_toml(today: date, *, timezone: str, name: str = "兩訪兩創 (demo)") -> str:
    """A campaign file whose visit phase began ``WEEKS_BEHIND`` weeks before ``today`` and runs on for
    two months, the other phases around it in the seed's order."""
    visit_start = today - timedelta(weeks=WEEKS_BEHIND, days=3)
    mobilize = (visit_start - timedelta(days=14), visit_start - timedelta(days=1))
    visit_end = today + timedelta(weeks=8)
    rectify = (visit_end + timedelta(days=1), visit_end + timedelta(days=30))
    evaluate = (rectify[1] + timedelta(days=1), rectify[1] + timedelta(days=20))
    commend = (evaluate[1] + timedelta(days=1), evaluate[1] + timedelta(days=10))
    phases = [("mobilize", *mobilize), ("visit", visit_start, visit_end), ("rectify", *rectify),
              ("evaluate", *evaluate), ("commend", *commend)]
    lines = [
        "# Written by the sandbox for its demo district: today falls inside the visit phase.",
        f'name = "{name}"',
        f'timezone = "{timezone}"',
        f"start = {mobilize[0].isoformat()}",
        f"end = {commend[1].isoformat()}",
    ]
    for key, start, end in phases:
        lines += ["", "[[phases]]", f'key = "{key}"', f"start = {start.isoformat()}",
                  f"end = {end.isoformat()}"]
    return "\n".join(lines) + "\n"


def _visit_days(campaign: CampaignInfo, today: date) -> list[date]:
    phase = campaign.config.phase("visit")
    first = phase.start if phase else today - timedelta(weeks=WEEKS_BEHIND)
    days = [first + timedelta(days=n) for n in range((today - first).days)]
    return [d for d in days if d.weekday() < 5] or [today - timedelta(days=1)]


def _at(day: date, zone: ZoneInfo, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), zone)


async def _save(handle: StoreHandle, scope: Scope, draft: VisitDraft, campaign: CampaignInfo,
                when: datetime) -> bool:
    async with handle.sessions() as session:
        try:
            return (await record_visit(session=session, scope=scope, draft=draft, campaign=campaign,
                                       now=when)).created
        except VisitRejected:
            return False


async def _student_visits(handle: StoreHandle, entry: StaffEntry, scope: Scope, campaign: CampaignInfo,
                          days: list[date], rng: random.Random, share: float) -> int:
    zone = campaign.config.zone
    saved = 0
    async with handle.sessions() as session:
        classes = [c for c in await visitable_classes(session=session, scope=scope) if c.head]
        pupils = {c.id: await class_students(session=session, scope=scope, class_id=c.id) for c in classes}
    topics = [t.id for t in campaign.student_topics]
    for klass in classes:
        chosen = [s.id for s in pupils[klass.id] if not s.exempt]
        rng.shuffle(chosen)
        chosen = chosen[: round(len(chosen) * share)]
        while chosen:
            size = 1 if rng.random() < 0.8 else min(len(chosen), rng.randint(2, 4))
            group, chosen = chosen[:size], chosen[size:]
            day = rng.choice(days)
            draft = VisitDraft(
                client_key=f"demo-s{entry.staff_id}-{saved}", kind=VisitKind.STUDENT, class_id=klass.id,
                visitee_ids=tuple(group), form=rng.choice(FORMS), visit_date=day,
                topic_ids=tuple(rng.sample(topics, k=min(2, len(topics)))),
            )
            saved += await _save(handle, scope, draft, campaign, _at(day, zone, rng))
    return saved


async def _teacher_interviews(handle: StoreHandle, entry: StaffEntry, scope: Scope, campaign: CampaignInfo,
                              days: list[date], rng: random.Random, share: float) -> int:
    async with handle.sessions() as session:
        teachers = [t.id for t in await interviewable_teachers(session=session, scope=scope)
                    if not t.interviewed]
    rng.shuffle(teachers)
    topics = [t.id for t in campaign.teacher_topics]
    saved = 0
    for teacher in teachers[: round(len(teachers) * share)]:
        day = rng.choice(days)
        draft = VisitDraft(
            client_key=f"demo-t{entry.staff_id}-{saved}", kind=VisitKind.TEACHER,
            visitee_ids=(teacher,),
            form=VisitForm.IN_PERSON, visit_date=day, topic_ids=(rng.choice(topics),),
        )
        saved += await _save(handle, scope, draft, campaign, _at(day, campaign.config.zone, rng))
    return saved


async def record_demo_visits(handle: StoreHandle, campaign: CampaignInfo, today: date) -> int:
    """A few weeks of visits before ``today``: head teachers' classes at uneven shares, some cadres'
    teacher interviews. Deterministic (a fixed seed). Returns how many visits were saved."""
    rng = random.Random(2012)
    days = _visit_days(campaign, today)
    async with handle.sessions() as session:
        people = await staff_directory(session=session)
    saved = heads = cadres = 0
    for entry in people:
        async with handle.sessions() as session:
            scope = await scope_for(session=session, staff_id=entry.staff_id)
        if scope is None:
            continue
        if Role.HEAD_TEACHER in entry.roles:
            share = CLASS_SHARES[heads % len(CLASS_SHARES)]
            heads += 1
            saved += await _student_visits(handle, entry, scope, campaign, days, rng, share)
        if Role.SCHOOL_LEADER in entry.roles or Role.MIDDLE_CADRE in entry.roles:
            share = TEACHER_SHARES[cadres % len(TEACHER_SHARES)]
            cadres += 1
            saved += await _teacher_interviews(handle, entry, scope, campaign, days, rng, share)
    return saved
