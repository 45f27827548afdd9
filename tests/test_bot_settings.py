"""``/settings`` end to end: a school leader shifts a phase's dates by buttons and by a typed date,
inside the campaign's (outside is refused with the allowed range), goes back to the campaign's dates,
edits the interview outline; stale buttons, typed words where a button is expected and over-long
text get clear answers and change nothing; others are refused; the visit flow offers the school's
topics. The default campaign runs 1 Dec 2026 – 30 Apr 2027; its visit phase 16 Dec – 28 Feb."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.app import BotApplication
from sandbox import User, World
from store.clock import FixedClock
from store.installation import StoreHandle
from store.models import AuditEntry, OutlineTopic, Phase, Visit, VisitTopic
from tests.bot_district import answer_to, person, say, seed_district, step


async def own_phases(store: StoreHandle, school: int) -> list[tuple[str, date, date]]:
    async with store.sessions() as session:
        rows = (await session.scalars(select(Phase).where(Phase.school_id == school))).all()
    return sorted((p.key, p.start, p.end) for p in rows)


async def audits(store: StoreHandle, action: str) -> int:
    async with store.sessions() as session:
        return int(await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == action)) or 0)


async def tapped(user: User, label: str, **tap: object) -> str:
    """Tap and return the answer's text (the toast or alert)."""
    query = await user.tap(label, **tap)  # type: ignore[arg-type]
    return (await answer_to(user, query)).text or ""


async def test_a_leader_shifts_a_phase_by_buttons_and_by_a_typed_date(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    menu = await say(leader, "/settings")
    assert "⚙️ Settings of 第一中學" in menu.text
    assert "Phase dates: 0 of 5 phases on your school's own dates." in menu.text
    assert "Student visit topics: 6, the campaign's list." in menu.text
    phases = await step(leader, "📅 Phase dates")
    assert "2. Visits (訪談交流): 2026-12-16 – 2027-02-28" in phases.text
    editor = await step(leader, "2. Visits (訪談交流)")
    assert "The campaign's dates: 2026-12-16 – 2027-02-28" in editor.text
    assert "Your school follows the campaign's dates." in editor.text
    assert "💾 Save these dates" not in editor.buttons
    shifted = await step(leader, "end +7")
    assert "New dates, not saved yet: 2026-12-16 – 2027-03-07" in shifted.text
    assert await own_phases(store, d.school) == []  # a proposal is not saved
    assert await tapped(leader, "💾 Save these dates") == "💾 Saved."
    saved = await leader.next_reply()
    assert "Your school's own dates: 2026-12-16 – 2027-03-07" in saved.text
    assert await own_phases(store, d.school) == [("visit", date(2026, 12, 16), date(2027, 3, 7))]

    # A typed start: outside the campaign refused with the range, then a short date inside it.
    await leader.tap("✏ Type the start")
    prompt = await leader.next_message()
    assert "Type the new start, like 2027-04-30." in prompt.text
    refused = await say(leader, "2026-11-20")
    assert "A school's dates must lie inside the campaign's: 2026-12-01 to 2027-04-30." in refused.text
    unreadable = await say(leader, "next monday")
    assert "I could not read that date; type it like 2027-04-30." in unreadable.text
    proposed = await say(leader, "12-20")
    assert "New dates, not saved yet: 2026-12-20 – 2027-03-07" in proposed.text
    assert await tapped(leader, "💾 Save these dates", message=proposed) == "💾 Saved."
    await leader.next_reply()
    assert await own_phases(store, d.school) == [("visit", date(2026, 12, 20), date(2027, 3, 7))]

    # The end before the start: said, and saving it is refused; nothing changes.
    await leader.tap("✏ Type the end")
    await leader.next_message()
    backwards = await say(leader, "2026-12-18")
    assert backwards.text.startswith("The start must not be after the end.")
    assert "The start must not be after the end." in await tapped(leader, "💾 Save these dates",
                                                                  message=backwards)
    assert await own_phases(store, d.school) == [("visit", date(2026, 12, 20), date(2027, 3, 7))]

    # Back to the campaign's dates.
    assert await tapped(leader, "↩ Back to the campaign's dates", message=backwards) == \
        "Back to the campaign's dates."
    assert "Your school follows the campaign's dates." in (await leader.next_reply()).text
    assert await own_phases(store, d.school) == []
    assert await audits(store, "phase_dates") == 3

    # The mobilisation phase starts on the campaign's first day: one day earlier is refused.
    await step(leader, "⬅ Back")
    await step(leader, "1. Mobilisation (宣傳發動)")
    alert = await tapped(leader, "start -1")
    assert alert == "A school's dates must lie inside the campaign's: 2026-12-01 to 2027-04-30."
    assert await own_phases(store, d.school) == [] and await audits(store, "phase_dates") == 3
    # /phase shows the school's dates and points to /settings.
    await leader.send("/phase")
    assert "Or with buttons: /settings." in (await leader.next_message()).text


async def test_stale_buttons_typed_words_and_other_people(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    old = await say(leader, "/settings")
    words = await say(leader, "hello")
    assert words.text == "Please use the buttons above, or send /settings to start again."
    await say(leader, "/settings")
    expired = await tapped(leader, "📅 Phase dates", message=old)
    assert expired == "This button has expired. Nothing was changed."
    # A forged tap with a phase that does not exist, and one with a date far outside.
    nonce = (await say(leader, "/settings")).keyboard[0][0][1].split(":")[3]
    last = leader.chat_log[-1]
    for data in (f"v1:set:pe:{nonce}:9:0:1", f"v1:set:ps:{nonce}:2:-400:10", f"v1:set:tx:{nonce}:x:1"):
        query = await leader.tap_data(data, message=last)
        answer = (await answer_to(leader, query)).text or ""
        assert "expired" in answer or "inside the campaign's" in answer, (data, answer)
    assert await own_phases(store, d.school) == []

    for who in ("head", "cadre"):  # a head teacher, a middle cadre: not a school leader
        other = await person(world, store, clock, d.staff[who], who)
        assert (await say(other, "/settings")).text == (
            "A school's settings are changed by its school leaders, in a private chat with me.")
    stranger = world.user("Stranger", language_code="en")
    assert (await say(stranger, "/settings")).text.startswith("I don't know you yet.")
    room = world.group("第一中學 staff", members=[leader])
    await leader.send("/settings@TwoVisitsBot", chat=room)
    assert "in a private chat with me" in (await room.next_message()).text


async def test_a_leader_edits_the_outline_and_the_visit_flow_offers_it(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    d = await seed_district(store)
    leader = await person(world, store, clock, d.staff["leader"], "Li")
    await say(leader, "/settings")
    topics = await step(leader, "📝 Student visit topics")
    assert "the campaign's list" in topics.text and "1. 學習情況" in topics.text
    await leader.tap("➕ Add a topic")
    assert "up to 30 characters" in (await leader.next_message()).text
    too_long = await say(leader, "網" * 31)
    assert too_long.text == "That is 31 characters; a topic may have at most 30. Please shorten it."
    assert (await say(leader, "學習情況")).text == "That topic is on the list already."
    added = await say(leader, "網絡安全")
    assert added.text.splitlines()[1] == "Added." and "7. 網絡安全" in added.text
    assert "your school's own list" in added.text and "🗑 網絡安全" in added.buttons

    # The teacher's topic step shows the school's list; the visit is saved with the new topic.
    teacher = await person(world, store, clock, d.staff["head"], "Peng")
    await say(teacher, "/visit")
    await step(teacher, "吳欣怡")
    step_topics = await step(teacher, "🗣 In person")
    assert "⬜ 網絡安全" in step_topics.buttons
    await step(teacher, "⬜ 網絡安全")
    card = await step(teacher, "Continue ➡️")
    assert "Topics: 網絡安全" in card.text
    saved = await step(teacher, "💾 Save")
    assert "Topics: 網絡安全" in saved.text

    # Taking the used topic off hides it: the saved visit keeps it; an unused one is deleted.
    after = await step(leader, "🗑 網絡安全", message=added)
    assert "Taken off the list." in after.text and "網絡安全" not in after.text.split("Taken off")[1]
    await step(leader, "🗑 學習情況")
    async with store.sessions() as session:
        own = {r.name: r.active for r in (await session.scalars(
            select(OutlineTopic).where(OutlineTopic.school_id == d.school))).all()}
        used = (await session.scalars(select(OutlineTopic.name).join(
            VisitTopic, VisitTopic.topic_id == OutlineTopic.id).join(Visit, Visit.id == VisitTopic.visit_id)))
    assert own["網絡安全"] is False and "學習情況" not in own
    assert list(used) == ["網絡安全"]
    # Editing the saved visit keeps the hidden topic (it is not refused as off the outline).
    card = await step(teacher, "✏️ Edit", message=saved)
    assert "Topics: 網絡安全" in card.text
    await step(teacher, "☆ Notable: no")
    resaved = await step(teacher, "💾 Save")
    assert "Topics: 網絡安全" in resaved.text and "no longer on the outline" not in resaved.text
    async with store.sessions() as session:
        assert await session.scalar(select(Visit.version)) == 2
    # Restore the campaign's list, after a confirmation.
    await step(leader, "↩ Restore the campaign's list")
    restored = await step(leader, "✅ Restore")
    assert "The campaign's list is back." in restored.text and "the campaign's list" in restored.text
    assert "1. 學習情況" in restored.text
    assert await audits(store, "outline_topics") == 4
