"""A school's own interview outline (store.school_settings): the campaign's list until the first
change, then the school's own; a used topic is hidden (saved visits still show it), an unused one
deleted; the campaign's list restored; limits; only the school's leaders; every change audited."""

from __future__ import annotations

from sqlalchemy import select

from store.installation import StoreHandle
from store.models import AuditEntry, OutlineTopic
from store.school_settings import (
    MAX_TOPIC_CHARS,
    MAX_TOPICS,
    Outline,
    TopicRefusal,
    add_topic,
    remove_topic,
    restore_outline,
    school_outline,
)
from store.visit_rules import VisitRejected
from store.visit_views import get_visit
from store.visits import edit_visit, record_visit
from store.vocab import VisitKind
from tests.visit_world import NOW, build_world, student_draft

S = VisitKind.STUDENT


def names(outline: Outline | TopicRefusal) -> list[str]:
    assert isinstance(outline, Outline), outline
    return [t.name for t in outline.topics]


async def test_a_school_edits_its_outline_and_saved_visits_keep_their_topics(store: StoreHandle) -> None:
    w = await build_world(store)
    leader, teacher = await w.scope("leader"), await w.scope("head71")
    campaign_names = [t.name for t in w.campaign.student_topics]
    common = {"campaign": w.campaign, "school_id": w.school_a, "audience": S, "now": NOW}
    async with store.sessions() as s:
        start = await school_outline(session=s, campaign=w.campaign, school_id=w.school_a, audience=S)
        assert not start.own and names(start) == campaign_names
        added = await add_topic(session=s, scope=leader, name="  網絡  使用 ", **common)
        assert isinstance(added, Outline) and added.own
        assert names(added) == [*campaign_names, "網絡 使用"]
        ours = added.topics[-1].id
        # The other school and the teacher interviews still have the campaign's.
        other = await school_outline(session=s, campaign=w.campaign, school_id=w.school_b, audience=S)
        assert not other.own and names(other) == campaign_names
        interviews = await school_outline(session=s, campaign=w.campaign, school_id=w.school_a,
                                          audience=VisitKind.TEACHER)
        assert not interviews.own

    # A teacher saves a visit with the school's own topic and with a copied campaign topic.
    copied = next(t.id for t in added.topics if t.name == campaign_names[1])
    async with store.sessions() as s:
        saved = await record_visit(session=s, scope=teacher, campaign=w.campaign, now=NOW,
                                   draft=student_draft(w, "k1", "wu", topic_ids=(ours, copied)))
    async with store.sessions() as s:
        hidden = await remove_topic(session=s, scope=leader, topic_id=ours, **common)
        assert names(hidden) == campaign_names
        unused = next(t.id for t in added.topics if t.name == campaign_names[0])
        assert names(await remove_topic(session=s, scope=leader, topic_id=unused, **common)) == \
            campaign_names[1:]
        rows = {r.name: r.active for r in (await s.scalars(select(OutlineTopic).where(
            OutlineTopic.school_id == w.school_a))).all()}
        assert rows["網絡 使用"] is False  # used: hidden, not deleted
        assert campaign_names[0] not in rows  # unused: deleted
        details = await get_visit(session=s, scope=teacher, visit_id=saved.details.id)
        assert details is not None and {t.name for t in details.topics} == {"網絡 使用", campaign_names[1]}
        # An edit of that visit keeps the hidden topic.
        edited = await edit_visit(session=s, scope=teacher, visit_id=saved.details.id, campaign=w.campaign,
                                  now=NOW, draft=student_draft(w, "k1", "wu", topic_ids=(ours, copied),
                                                               notable=True))
        assert edited.notable and {t.name for t in edited.topics} == {"網絡 使用", campaign_names[1]}

    # A hidden topic cannot be chosen for a new visit.
    async with store.sessions() as s:
        try:
            await record_visit(session=s, scope=teacher, campaign=w.campaign, now=NOW,
                               draft=student_draft(w, "k2", "dai", topic_ids=(ours,)))
        except VisitRejected as rejected:
            assert rejected.code == "unknown_topic"
        else:
            raise AssertionError("a hidden topic was accepted")

    async with store.sessions() as s:
        back = await restore_outline(session=s, scope=leader, **common)
        assert isinstance(back, Outline) and not back.own and names(back) == campaign_names
        # Adding again after the restore brings the hidden row back rather than copying it twice.
        again = await add_topic(session=s, scope=leader, name="網絡 使用", **common)
        assert names(again) == [*campaign_names, "網絡 使用"]
        assert [t.id for t in again.topics][-1] == ours
        audits = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "outline_topics")
                                  .order_by(AuditEntry.id))).all()
    assert [(a.actor_staff_id, (a.detail or {})["op"]) for a in audits] == [
        (w.staff["leader"], "add"), (w.staff["leader"], "remove"), (w.staff["leader"], "remove"),
        (w.staff["leader"], "restore"), (w.staff["leader"], "add")]


async def test_refusals_change_nothing(store: StoreHandle) -> None:
    w = await build_world(store)
    leader = await w.scope("leader")
    common = {"campaign": w.campaign, "school_id": w.school_a, "audience": S, "now": NOW}
    async with store.sessions() as s:
        for who in ("head71", "cadre", "office"):
            assert await add_topic(session=s, scope=await w.scope(who), name="x", **common) is \
                TopicRefusal.NOT_ALLOWED
        other = {**common, "school_id": w.school_b}
        assert await add_topic(session=s, scope=leader, name="x", **other) is TopicRefusal.NOT_ALLOWED
        assert await add_topic(session=s, scope=leader, name="   ", **common) is TopicRefusal.EMPTY
        assert await add_topic(session=s, scope=leader, name="長" * (MAX_TOPIC_CHARS + 1), **common) is \
            TopicRefusal.TOO_LONG
        assert await add_topic(session=s, scope=leader, name=w.campaign.student_topics[0].name,
                               **common) is TopicRefusal.DUPLICATE
        assert await remove_topic(session=s, scope=leader, topic_id=999999, **common) is \
            TopicRefusal.NOT_FOUND
        assert not (await s.scalars(select(OutlineTopic).where(OutlineTopic.school_id.is_not(None)))).all()
        assert not (await s.scalars(select(AuditEntry).where(AuditEntry.action == "outline_topics"))).all()
        # The list fills up to its limit, and the last topic stays.
        for n in range(MAX_TOPICS - len(w.campaign.student_topics)):
            assert isinstance(await add_topic(session=s, scope=leader, name=f"題{n}", **common), Outline)
        assert await add_topic(session=s, scope=leader, name="one more", **common) is TopicRefusal.TOO_MANY
        outline = await school_outline(session=s, campaign=w.campaign, school_id=w.school_a, audience=S)
        for topic in outline.topics[:-1]:
            removed = await remove_topic(session=s, scope=leader, topic_id=topic.id, **common)
            assert isinstance(removed, Outline)
        last = outline.topics[-1].id
        assert await remove_topic(session=s, scope=leader, topic_id=last, **common) is TopicRefusal.LAST_TOPIC
