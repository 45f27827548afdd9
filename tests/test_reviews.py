"""Supervision in the store: who draws which sample, decisions, the reopened edit window, audits,
the interviewed teacher's confirmation (store/reviews.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from store.campaign import ReviewConfig
from store.installation import StoreHandle
from store.models import AuditEntry
from store.reviews import (
    MAX_COMMENT_CHARS,
    ConfirmationAnswer,
    ReviewOutcome,
    ReviewRejected,
    answer_confirmation,
    choose,
    decide,
    draw_sample,
    interviews_to_confirm,
    record_asks,
)
from store.visit_views import get_visit, recent_visits
from tests.builders import edit_visit
from tests.review_world import log_visit, scope_of, seed_reviews

T0 = datetime(2026, 12, 18, 2, 0, tzinfo=UTC)
CONFIG = ReviewConfig(sample_size=10)


async def sample(store: StoreHandle, staff_id: int, now: datetime = T0, size: int | None = None,
                 seed: int = 1) -> list[int]:
    scope = await scope_of(store, staff_id)
    async with store.sessions() as session:
        records = await draw_sample(session=session, scope=scope, config=CONFIG, now=now,
                                    rng=random.Random(seed), size=size)
    assert all(r.details.private_notes is None for r in records)
    return [r.details.id for r in records]


async def test_each_reviewer_samples_their_scope_and_others_none(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    in_a = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],))
    interview_a = await log_visit(store, d.staff["leader"], at=T0, teachers=(d.staff["head"],))
    in_b = await log_visit(store, d.staff["teacher_b"], at=T0, students=(d.students["B1"],))
    old = await log_visit(store, d.staff["head"], at=T0 - timedelta(days=15), students=(d.students["S2"],))
    now = T0 + timedelta(hours=1)
    assert set(await sample(store, d.staff["supervisor"], now)) == {in_a, interview_a, in_b}
    # A school leader: their own school, not the interview they logged themselves.
    assert set(await sample(store, d.staff["leader"], now)) == {in_a}
    assert set(await sample(store, d.staff["leader_b"], now)) == {in_b}
    for nobody in ("head", "subject", "cadre", "district_leader", "grade_head"):
        assert await sample(store, d.staff[nobody], now) == []
    assert old not in await sample(store, d.staff["supervisor"], now)


def test_the_sample_prefers_flagged_visits_and_is_seeded() -> None:
    pool = list(range(1, 21))
    picked = choose(pool, {7, 13}, 5, random.Random(3))
    assert set(picked[:2]) == {7, 13} and len(set(picked)) == 5
    assert picked == choose(pool, {7, 13}, 5, random.Random(3))
    assert choose(pool, set(), 3, random.Random(3)) != choose(pool, set(), 3, random.Random(4))


async def test_verify_return_and_a_stale_tap(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    one = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],))
    two = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S2"],))
    supervisor = await scope_of(store, d.staff["supervisor"])
    now = T0 + timedelta(hours=1)
    async with store.sessions() as session:
        done = await decide(session=session, scope=supervisor, visit_id=one, outcome=ReviewOutcome.VERIFIED,
                            seen_reviews=0, seen_version=1, now=now)
        assert done.outcome is ReviewOutcome.VERIFIED and done.reopened_until is None
        with pytest.raises(ReviewRejected) as stale:  # the same button again, or a second reviewer
            await decide(session=session, scope=supervisor, visit_id=one, outcome=ReviewOutcome.VERIFIED,
                         seen_reviews=0, seen_version=1, now=now)
        assert stale.value.code == "stale"
        with pytest.raises(ReviewRejected) as long:
            await decide(session=session, scope=supervisor, visit_id=two, outcome=ReviewOutcome.RETURNED,
                         seen_reviews=0, seen_version=1, now=now, comment="太" * (MAX_COMMENT_CHARS + 1))
        assert long.value.code == "comment_too_long"
        returned = await decide(session=session, scope=supervisor, visit_id=two,
                                outcome=ReviewOutcome.RETURNED, seen_reviews=0, seen_version=1, now=now,
                                comment=" 日期寫錯了嗎？ ")
        assert returned.comment == "日期寫錯了嗎？" and returned.visitor_id == d.staff["head"]
    for who in ("head", "leader_b", "district_leader"):  # the visitor, another school's leader, no role
        with pytest.raises(ReviewRejected) as refused:
            async with store.sessions() as session:
                await decide(session=session, scope=await scope_of(store, d.staff[who]), visit_id=two,
                             outcome=ReviewOutcome.VERIFIED, seen_reviews=1, seen_version=1, now=now)
        assert refused.value.code == "not_allowed", who
    assert await sample(store, d.staff["supervisor"], now) == []
    # Returned and edited since: back in the sample.
    async with store.sessions() as session:
        await edit_visit(session, two, at=now + timedelta(minutes=5), by=d.staff["head"])
        await session.commit()
    assert await sample(store, d.staff["supervisor"], now + timedelta(minutes=6)) == [two]
    async with store.sessions() as session:
        audits = (await session.execute(
            select(AuditEntry.action, AuditEntry.object_id, AuditEntry.actor_staff_id)
            .where(AuditEntry.action.like("visit_%ed"))
        )).all()
    assert ("visit_verified", one, d.staff["supervisor"]) in audits
    assert ("visit_returned", two, d.staff["supervisor"]) in audits


async def test_a_return_reopens_the_edit_window_for_48_hours(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    visit = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],))
    other = await log_visit(store, d.staff["head"], at=T0, students=(d.students["S2"],))
    teacher = await scope_of(store, d.staff["head"])
    leader = await scope_of(store, d.staff["leader"])
    returned_at = T0 + timedelta(hours=72)  # the normal 48 hours are over
    async with store.sessions() as session:
        before = await get_visit(session=session, scope=teacher, visit_id=visit)
        assert before is not None and not before.editable(returned_at)
        await decide(session=session, scope=leader, visit_id=visit, outcome=ReviewOutcome.RETURNED,
                     seen_reviews=0, seen_version=1, now=returned_at, comment="請補充談話內容")
        after = await get_visit(session=session, scope=teacher, visit_id=visit)
        untouched = await get_visit(session=session, scope=teacher, visit_id=other)
        listed = {v.id: v.editable for v in await recent_visits(
            session=session, scope=teacher, now=returned_at + timedelta(hours=47))}
    assert after is not None and untouched is not None
    assert after.editable(returned_at + timedelta(hours=47))
    assert not after.editable(returned_at + timedelta(hours=48))
    assert not untouched.editable(returned_at)
    assert listed == {visit: True, other: False}


async def test_an_interviewed_teacher_is_asked_once_and_answers_once(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    interview = await log_visit(store, d.staff["cadre"], at=T0, teachers=(d.staff["head"],))
    await log_visit(store, d.staff["head"], at=T0, students=(d.students["S1"],))  # not an interview
    async with store.sessions() as session:
        asks = await interviews_to_confirm(session=session, now=T0)
        assert [(a.visit_id, a.teacher_id, a.visitor_name) for a in asks] == [
            (interview, d.staff["head"], "余柏翰")]
        await record_asks(session=session, asks=asks, now=T0)
        await record_asks(session=session, asks=asks, now=T0)  # a second tick racing: still one row
        await session.commit()
        assert await interviews_to_confirm(session=session, now=T0) == []
    head, subject = await scope_of(store, d.staff["head"]), await scope_of(store, d.staff["subject"])
    async with store.sessions() as session:
        with pytest.raises(ReviewRejected) as not_asked:
            await answer_confirmation(session=session, scope=subject, visit_id=interview,
                                      answer=ConfirmationAnswer.DISPUTED, now=T0)
        assert not_asked.value.code == "not_found"
        done = await answer_confirmation(session=session, scope=head, visit_id=interview,
                                         answer=ConfirmationAnswer.DISPUTED, now=T0)
        assert done.school_id == d.school and done.visitor_name == "余柏翰" and done.teacher_name == "彭志"
        with pytest.raises(ReviewRejected) as again:
            await answer_confirmation(session=session, scope=head, visit_id=interview,
                                      answer=ConfirmationAnswer.CONFIRMED, now=T0)
        assert again.value.code == "answered"
    # Older interviews are not asked about.
    async with store.sessions() as session:
        late = await log_visit(store, d.staff["cadre"], at=T0, teachers=(d.staff["subject"],))
        assert [a.visit_id for a in await interviews_to_confirm(session=session, now=T0 + timedelta(days=15))
                ] == []
        assert [a.visit_id for a in await interviews_to_confirm(session=session, now=T0)] == [late]


async def test_the_review_section_of_the_campaign_file(store: StoreHandle, tmp_path: Path) -> None:
    from store.campaign import CampaignError, current_campaign, load_campaign_file
    from store.installation import load_campaign

    path = tmp_path / "campaign.toml"
    path.write_text("[review]\nsample_size = 3\nburst_visits = 8\n", encoding="utf-8")
    await load_campaign(store, path, bot_timezone="Asia/Shanghai")
    async with store.sessions() as session:
        info = await current_campaign(session=session)
    assert info is not None
    assert (info.config.review.sample_size, info.config.review.burst_visits) == (3, 8)
    assert info.config.review.burst_minutes == ReviewConfig().burst_minutes  # the default
    path.write_text("[review]\nsample_sise = 3\n", encoding="utf-8")
    with pytest.raises(CampaignError, match=r"review\.sample_sise: unknown key"):
        load_campaign_file(path, created_on=T0.date())
    path.write_text("[review]\nsample_size = 0\n", encoding="utf-8")
    with pytest.raises(CampaignError, match=r"review\.sample_size"):
        load_campaign_file(path, created_on=T0.date())


async def test_an_interview_disputed_after_it_was_verified_is_drawn_again(store: StoreHandle) -> None:
    d = await seed_reviews(store)
    interview = await log_visit(store, d.staff["cadre"], at=T0, teachers=(d.staff["head"],))
    supervisor, head = await scope_of(store, d.staff["supervisor"]), await scope_of(store, d.staff["head"])
    async with store.sessions() as session:
        await record_asks(session=session, asks=await interviews_to_confirm(session=session, now=T0), now=T0)
        await session.commit()
        await decide(session=session, scope=supervisor, visit_id=interview, outcome=ReviewOutcome.VERIFIED,
                     seen_reviews=0, seen_version=1, now=T0 + timedelta(minutes=1))
    assert await sample(store, d.staff["supervisor"], T0 + timedelta(minutes=2)) == []
    async with store.sessions() as session:
        await answer_confirmation(session=session, scope=head, visit_id=interview,
                                  answer=ConfirmationAnswer.DISPUTED, now=T0 + timedelta(minutes=3))
    assert await sample(store, d.staff["supervisor"], T0 + timedelta(minutes=4)) == [interview]
