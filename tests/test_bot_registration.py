"""Registration through the real bot and the stand-in: invite links, shared contacts, languages."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import BotApplication
from sandbox import BotApiStandIn, World
from store.installation import StoreHandle
from store.invites import issue_invites
from store.models import TelegramAccount
from tests.builders import add_class, add_grade, add_school, add_staff
from tests.conftest import FixedClock


async def seed_staff(store: StoreHandle, clock: FixedClock) -> dict[str, str]:
    """A school with a head teacher and a district officer; returns invite codes by staff id."""
    async with store.sessions() as session:
        school = await add_school(session, "第一中學")
        grade = await add_grade(session, school, "七年級")
        klass = await add_class(session, school, grade, "七年級1班")
        head = await add_staff(
            session,
            "T1008",
            "彭志",
            school,
            ["head_teacher", "subject_teacher"],
            head_of=[klass],
            teaches=[klass],
        )
        office = await add_staff(session, "T1002", "吳雨萱", None, ["district_office"])
        await add_staff(session, "T1050", "林老師", school, ["subject_teacher"], teaches=[klass])
        from store.models import Staff

        (await session.get(Staff, head)).phone = "13800000293"  # type: ignore[union-attr]
        (await session.get(Staff, office)).phone = "13800000049"  # type: ignore[union-attr]
        await session.commit()
        rows = await issue_invites(session=session, now=clock.now())
    return {row.staff_id: row.code for row in rows}


async def bound_staff(store: StoreHandle, telegram_user_id: int) -> int | None:
    async with store.sessions() as session:
        return await session.scalar(
            select(TelegramAccount.staff_id).filter_by(telegram_user_id=telegram_user_id)
        )


async def test_invite_link_binds_and_welcomes_in_the_users_language(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    codes = await seed_staff(store, clock)
    teacher = world.user("Peng", language_code="en")
    await teacher.send(f"/start {codes['T1008']}")
    welcome = await teacher.next_message()
    assert "Welcome, 彭志" in welcome.text
    assert "/visit" in welcome.text and "/my" in welcome.text
    assert "/interview" not in welcome.text  # not a cadre
    assert await bound_staff(store, teacher.id) is not None

    # The same person tapping the same link again is simply welcomed again.
    await teacher.send(f"/start {codes['T1008']}")
    assert "Welcome" in (await teacher.next_message()).text

    # Someone else with the used link is refused, politely, and nothing is bound.
    other = world.user("Mallory", language_code="en")
    await other.send(f"/start {codes['T1008']}")
    assert "already been used" in (await other.next_message()).text
    assert await bound_staff(store, other.id) is None


async def test_unknown_code_and_strangers_get_an_explanation(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    await seed_staff(store, clock)
    stranger = world.user("路人", language_code="zh-hant")
    await stranger.send("/start not-a-real-code")
    assert "邀請連結無效" in (await stranger.next_message()).text
    await stranger.send("你好")
    assert "我還不認識您" in (await stranger.next_message()).text
    await stranger.send("/start " + "x" * 80)
    assert "無效" in (await stranger.next_message()).text
    await stranger.send("/help")
    assert "我還不認識您" in (await stranger.next_message()).text


async def test_shared_contact_binds_only_the_senders_own_number(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, standin: BotApiStandIn
) -> None:
    await seed_staff(store, clock)
    teacher = world.user("彭志", language_code="zh-hans", phone="+86 138 0000 0293")
    await teacher.send("/start")
    offer = await teacher.next_message()
    assert "分享我的手机号码" in " ".join(offer.buttons)
    chat_menu = standin.commands(scope={"type": "chat", "chat_id": teacher.id})
    assert ("start", "登记使用") in chat_menu  # Simplified, though Telegram's "zh" menu is Traditional

    # A contact forwarded from someone else's phone book binds nothing.
    await teacher.share_contact("13800000049", user_id=999_999)
    assert "本人的手机号码" in (await teacher.next_message()).text
    assert await bound_staff(store, teacher.id) is None

    # A number that is not on the roster binds nothing.
    await teacher.share_contact("+86 139 1111 2222")
    assert "找不到这个手机号码" in (await teacher.next_message()).text

    # The own number, with a country code the roster does not have, binds.
    await teacher.tap("📱 分享我的手机号码")
    welcome = await teacher.next_message()
    assert "欢迎您，彭志" in welcome.text
    assert await bound_staff(store, teacher.id) is not None


async def test_lang_switches_and_is_remembered_with_menus(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, standin: BotApiStandIn
) -> None:
    codes = await seed_staff(store, clock)
    officer = world.user("Wu", language_code="en")
    await officer.send(f"/start {codes['T1002']}")
    assert "Send me the roster" in (await officer.next_message()).text
    await officer.send("/lang")
    await officer.next_message()
    await officer.tap("简体中文")
    assert "语言已设为" in (await officer.next_reply()).text
    await officer.send("/help")
    text = (await officer.next_message()).text
    assert "发送名册给我" in text and "活动" in text  # leaders also see the campaign's dates
    menus = [c for c in standin.calls("setMyCommands") if "chat_id" in str(c.get("scope", ""))]
    assert menus, "a per-chat menu is set for the zh-Hans user"


async def test_personal_commands_in_a_group_point_to_the_private_chat(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    codes = await seed_staff(store, clock)
    teacher = world.user("Peng", language_code="en")
    await teacher.send(f"/start {codes['T1008']}")
    await teacher.next_message()
    staff_room = world.group("第一中學 staff", members=[teacher])
    await teacher.send("/visit@TwoVisitsBot", chat=staff_room)
    answer = await staff_room.next_message()
    assert "private chat" in answer.text
    await teacher.send("/help@TwoVisitsBot", chat=staff_room)
    assert "aggregate" in (await staff_room.next_message()).text


async def test_a_user_who_blocked_the_bot_is_marked(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock, standin: BotApiStandIn
) -> None:
    codes = await seed_staff(store, clock)
    teacher = world.user("Peng", language_code="en")
    await teacher.send(f"/start {codes['T1008']}")
    await teacher.next_message()
    teacher.blocks_bot()
    await teacher.send("/help")  # the bot's answer is refused with 403 Forbidden
    await standin.wait_for_call("sendMessage", ok=False, chat_id=teacher.id)
    teacher.unblocks_bot()
    # A chat's updates are handled in order: once the next one is answered, the 403 has been handled.
    await teacher.send("/help")
    await teacher.next_message()
    async with store.sessions() as session:
        account = (await session.scalars(select(TelegramAccount))).one()
    assert account.blocked_at is not None


async def test_edited_messages_are_never_taken_as_commands(
    bot: BotApplication, world: World, store: StoreHandle, clock: FixedClock
) -> None:
    codes = await seed_staff(store, clock)
    teacher = world.user("Peng", language_code="en")
    typo = await teacher.send("/start wrong-code")
    assert "not valid" in (await teacher.next_message()).text
    await teacher.edit(typo, f"/start {codes['T1008']}")  # the same rule as every other command
    await teacher.expect_no_reply()
    assert await bound_staff(store, teacher.id) is None
    await teacher.send(f"/start {codes['T1008']}")  # sent anew, it registers
    assert "Welcome, 彭志" in (await teacher.next_message()).text
    help_message = await teacher.send("/lang")
    await teacher.next_message()
    await teacher.edit(help_message, "/help")
    await teacher.expect_no_reply()
