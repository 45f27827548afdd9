"""Binding Telegram users to staff (by invite and by shared contact), lookups, preferences, phones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts import (
    BindOutcome,
    account_for,
    bind_by_contact,
    bind_by_invite,
    mark_blocked,
    mark_unblocked,
    phones_match,
    preference_for,
    set_locale,
    set_menu_locale,
)
from store.installation import StoreHandle
from store.invites import issue_invites
from store.models import AuditEntry, InviteCode, Staff, TelegramAccount
from store.vocab import Locale, Role
from tests.builders import add_school, add_staff

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ALICE, BOB = 1001, 1002  # Telegram user ids


async def _staff(
    session: AsyncSession,
    external_id: str,
    *,
    school: int | None,
    roles: list[str],
    phone: str | None = None,
    language: str | None = None,
    active: bool = True,
) -> int:
    staff_id = await add_staff(session, external_id, f"Name {external_id}", school, roles, active=active)
    await session.execute(update(Staff).where(Staff.id == staff_id).values(phone=phone, language=language))
    return staff_id


@pytest.fixture
async def district(store: StoreHandle) -> dict[str, int]:
    """Two teachers and a district leader at one school, plus one inactive teacher."""
    async with store.sessions() as session:
        school = await add_school(session, "第一中學")
        ids = {
            "school": school,
            "t1": await _staff(
                session,
                "T1",
                school=school,
                roles=["subject_teacher", "head_teacher"],
                phone="13800000042",
                language="zh-Hans",
            ),
            "t2": await _staff(
                session, "T2", school=school, roles=["subject_teacher"], phone="+852 9123 4567"
            ),
            "leader": await _staff(session, "D1", school=None, roles=["district_leader"], phone="0912345678"),
            "gone": await _staff(
                session, "T9", school=school, roles=["subject_teacher"], phone="13900000009", active=False
            ),
        }
        await session.commit()
    return ids


async def _code_for(store: StoreHandle, external_id: str) -> str:
    async with store.sessions() as session:
        rows = await issue_invites(session=session, now=NOW)
    return next(r.code for r in rows if r.staff_id == external_id)


# ---- phones ---------------------------------------------------------------------------------------

MATCHING = [
    ("+86 138-0000-0042", "13800000042"),
    ("0086 138 0000 0042", "13800000042"),
    ("8613800000042", "13800000042"),  # Telegram sends contacts' numbers like this, without the +
    ("+8613800000042", "8613800000042"),
    ("13800000042", "138 0000 0042"),
    ("+852 9123 4567", "91234567"),
    ("85291234567", "9123-4567"),
    ("00852 91234567", "+852 9123 4567"),
    ("+853 6612 3456", "66123456"),
    ("+886 912 345 678", "0912345678"),  # Taiwan's trunk 0 goes once the country code is written
    ("886912345678", "0912-345-678"),
    ("+86 10 1234 5678", "010-12345678"),  # a Beijing landline
    ("(+86) 138.0000.0042", "13800000042"),
    ("＋86 １３８００００００４２", "13800000042"),  # full-width, from a CJK keyboard
    ("+1 415 555 0100", "14155550100"),  # another country: the same digits still match
]

NOT_MATCHING = [
    ("13800000042", "13800000043"),
    ("+86 13800000042", "+852 13800000042"),
    ("+852 9123 4567", "+853 9123 4567"),  # same digits, different places
    ("+852 9123 4567", "+86 91234567"),
    ("91234567", "191234567"),
    ("1234567890", "234567890"),  # no suffix matching
    ("13800000042", "3800000042"),
    ("+1 415 555 0100", "4155550100"),  # country codes beyond the region are not stripped
    ("123456", "123456"),  # too short to identify anyone
    ("+852 123456", "123456"),
    ("", ""),
    ("abc", "abc"),
    ("86 1234567", "1234567"),  # 86 + seven digits is no mainland number: not read as a country code
]


@pytest.mark.parametrize(("a", "b"), MATCHING)
def test_phones_that_match(a: str, b: str) -> None:
    assert phones_match(a, b)
    assert phones_match(b, a)


@pytest.mark.parametrize(("a", "b"), NOT_MATCHING)
def test_phones_that_do_not_match(a: str, b: str) -> None:
    assert not phones_match(a, b)
    assert not phones_match(b, a)


def test_none_matches_nothing() -> None:
    assert not phones_match(None, "13800000042")
    assert not phones_match(None, None)


# ---- bind by invite -------------------------------------------------------------------------------


async def test_invite_binds_and_marks_the_code_used(store: StoreHandle, district: dict[str, int]) -> None:
    code = await _code_for(store, "T1")
    async with store.sessions() as session:
        result = await bind_by_invite(session=session, code=code, telegram_user_id=ALICE, now=NOW)
    assert result.outcome is BindOutcome.BOUND and result.ok
    assert result.account is not None
    assert result.account.external_id == "T1"
    assert result.account.school_name == "第一中學"
    assert result.account.roles == (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER)
    async with store.sessions() as session:
        invite = await session.scalar(select(InviteCode).where(InviteCode.code == code))
        account = await session.scalar(select(TelegramAccount))
        audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "account_bound")))
    assert invite is not None and invite.used_at == NOW and invite.used_by == ALICE
    assert account is not None and account.bound_by == "invite" and account.staff_id == district["t1"]
    assert len(audit) == 1 and audit[0].object_id == district["t1"]
    assert audit[0].detail is not None and audit[0].detail["via"] == "invite"


async def test_tapping_the_same_link_again_is_fine(store: StoreHandle, district: dict[str, int]) -> None:
    code = await _code_for(store, "T1")
    async with store.sessions() as session:
        await bind_by_invite(session=session, code=code, telegram_user_id=ALICE, now=NOW)
        again = await bind_by_invite(session=session, code=f" {code} ", telegram_user_id=ALICE, now=NOW)
        accounts = await session.scalar(select(func.count(TelegramAccount.id)))
    assert again.outcome is BindOutcome.ALREADY_BOUND_SAME and again.ok
    assert again.account is not None and again.account.external_id == "T1"
    assert accounts == 1


async def test_unknown_code(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        result = await bind_by_invite(session=session, code="nope", telegram_user_id=ALICE, now=NOW)
    assert result.outcome is BindOutcome.CODE_UNKNOWN and not result.ok and result.account is None


async def test_code_used_by_someone_else(store: StoreHandle, district: dict[str, int]) -> None:
    code = await _code_for(store, "T1")
    async with store.sessions() as session:
        await bind_by_invite(session=session, code=code, telegram_user_id=ALICE, now=NOW)
        result = await bind_by_invite(session=session, code=code, telegram_user_id=BOB, now=NOW)
        bob = await account_for(session=session, telegram_user_id=BOB)
    assert result.outcome is BindOutcome.CODE_USED
    assert bob is None


async def test_revoked_code(store: StoreHandle, district: dict[str, int]) -> None:
    old = await _code_for(store, "T1")
    async with store.sessions() as session:
        await issue_invites(session=session, now=NOW, rotate=True)
        result = await bind_by_invite(session=session, code=old, telegram_user_id=ALICE, now=NOW)
    assert result.outcome is BindOutcome.CODE_REVOKED


async def test_inactive_staff(store: StoreHandle, district: dict[str, int]) -> None:
    code = await _code_for(store, "T1")
    async with store.sessions() as session:
        await session.execute(update(Staff).where(Staff.id == district["t1"]).values(active=False))
        await session.commit()
        result = await bind_by_invite(session=session, code=code, telegram_user_id=ALICE, now=NOW)
        invite = await session.scalar(select(InviteCode).where(InviteCode.code == code))
    assert result.outcome is BindOutcome.STAFF_INACTIVE
    assert result.account is not None and not result.account.active
    assert invite is not None and invite.used_at is None  # nothing changed


async def test_telegram_user_bound_to_another_staff(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        rows = await issue_invites(session=session, now=NOW)
        codes = {r.staff_id: r.code for r in rows}
        await bind_by_invite(session=session, code=codes["T1"], telegram_user_id=ALICE, now=NOW)
        result = await bind_by_invite(session=session, code=codes["T2"], telegram_user_id=ALICE, now=NOW)
        invite = await session.scalar(select(InviteCode).where(InviteCode.code == codes["T2"]))
    assert result.outcome is BindOutcome.TELEGRAM_USER_ALREADY_BOUND_TO_OTHER_STAFF
    assert invite is not None and invite.used_at is None  # T2's link still works for T2


async def test_staff_bound_to_another_user(store: StoreHandle, district: dict[str, int]) -> None:
    # A second code for T1 exists (say, printed before T1 bound by contact), and BOB taps it.
    async with store.sessions() as session:
        session.add(InviteCode(code="second-code-T1", staff_id=district["t1"], created_at=NOW))
        session.add(
            TelegramAccount(telegram_user_id=ALICE, staff_id=district["t1"], bound_at=NOW, bound_by="x")
        )
        await session.commit()
        result = await bind_by_invite(session=session, code="second-code-T1", telegram_user_id=BOB, now=NOW)
    assert result.outcome is BindOutcome.STAFF_ALREADY_BOUND_TO_OTHER_USER
    assert result.account is not None and result.account.external_id == "T1"


async def test_binding_closes_the_persons_other_open_codes(
    store: StoreHandle, district: dict[str, int]
) -> None:
    async with store.sessions() as session:
        session.add(InviteCode(code="older-code", staff_id=district["t2"], created_at=NOW))
        await session.commit()
        result = await bind_by_contact(
            session=session, contact_user_id=BOB, sender_user_id=BOB, phone="85291234567", now=NOW
        )
        older = await session.scalar(select(InviteCode).where(InviteCode.code == "older-code"))
    assert result.outcome is BindOutcome.BOUND
    assert older is not None and older.revoked_at == NOW


# ---- bind by contact ------------------------------------------------------------------------------


async def test_contact_binds_by_phone(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        result = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="+86 138 0000 0042", now=NOW
        )
        account = await session.scalar(select(TelegramAccount))
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "account_bound"))
    assert result.outcome is BindOutcome.BOUND
    assert result.account is not None and result.account.staff_id == district["t1"]
    assert account is not None and account.bound_by == "contact" and account.telegram_user_id == ALICE
    assert audit is not None and audit.detail == {"via": "contact", "telegram_user_id": ALICE}


async def test_someone_elses_contact_is_refused(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        result = await bind_by_contact(
            session=session, contact_user_id=BOB, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        missing = await bind_by_contact(
            session=session, contact_user_id=None, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        accounts = await session.scalar(select(func.count(TelegramAccount.id)))
    assert result.outcome is BindOutcome.SPOOFED_CONTACT
    assert missing.outcome is BindOutcome.SPOOFED_CONTACT
    assert accounts == 0


@pytest.mark.parametrize("phone", ["13800000099", "+1 415 555 0100", "42", ""])
async def test_unknown_phone(store: StoreHandle, district: dict[str, int], phone: str) -> None:
    async with store.sessions() as session:
        result = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone=phone, now=NOW
        )
    assert result.outcome is BindOutcome.PHONE_UNKNOWN


async def test_phone_of_inactive_staff_only(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        result = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="8613900000009", now=NOW
        )
    assert result.outcome is BindOutcome.STAFF_INACTIVE


async def test_shared_phone_is_ambiguous(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        await _staff(
            session, "T3", school=district["school"], roles=["subject_teacher"], phone="138-0000-0042"
        )
        await session.commit()
        result = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="8613800000042", now=NOW
        )
        accounts = await session.scalar(select(func.count(TelegramAccount.id)))
    assert result.outcome is BindOutcome.PHONE_AMBIGUOUS
    assert accounts == 0


async def test_contact_rules_match_invite_rules(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        first = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        again = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        other_user = await bind_by_contact(
            session=session, contact_user_id=BOB, sender_user_id=BOB, phone="+8613800000042", now=NOW
        )
        other_staff = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="+852 91234567", now=NOW
        )
    assert first.outcome is BindOutcome.BOUND
    assert again.outcome is BindOutcome.ALREADY_BOUND_SAME
    assert other_user.outcome is BindOutcome.STAFF_ALREADY_BOUND_TO_OTHER_USER
    assert other_staff.outcome is BindOutcome.TELEGRAM_USER_ALREADY_BOUND_TO_OTHER_STAFF


async def test_invite_after_contact_binding_is_the_same_person(
    store: StoreHandle, district: dict[str, int]
) -> None:
    code = await _code_for(store, "T1")
    async with store.sessions() as session:
        await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        result = await bind_by_invite(session=session, code=code, telegram_user_id=ALICE, now=NOW)
    # The code was closed by the contact binding, but tapping it is still harmless for its owner.
    assert result.outcome is BindOutcome.ALREADY_BOUND_SAME


# ---- lookups --------------------------------------------------------------------------------------


async def test_account_for(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        assert await account_for(session=session, telegram_user_id=ALICE) is None
        await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        await bind_by_contact(
            session=session, contact_user_id=BOB, sender_user_id=BOB, phone="+886912345678", now=NOW
        )
        alice = await account_for(session=session, telegram_user_id=ALICE)
        bob = await account_for(session=session, telegram_user_id=BOB)
    assert alice is not None
    assert (alice.staff_id, alice.external_id, alice.name) == (district["t1"], "T1", "Name T1")
    assert (alice.school_id, alice.school_name) == (district["school"], "第一中學")
    assert alice.language == "zh-Hans" and alice.active and not alice.blocked
    assert bob is not None
    assert (bob.school_id, bob.school_name, bob.roles) == (None, None, (Role.DISTRICT_LEADER,))


async def test_account_of_staff_who_left_is_inactive(store: StoreHandle, district: dict[str, int]) -> None:
    async with store.sessions() as session:
        await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        await session.execute(update(Staff).where(Staff.id == district["t1"]).values(active=False))
        await session.commit()
        alice = await account_for(session=session, telegram_user_id=ALICE)
    assert alice is not None and not alice.active


async def test_blocked_and_back(store: StoreHandle, district: dict[str, int]) -> None:
    later = NOW + timedelta(days=3)
    async with store.sessions() as session:
        assert not await mark_blocked(session=session, telegram_user_id=ALICE, now=later)  # not bound
        await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
        assert await mark_blocked(session=session, telegram_user_id=ALICE, now=later)
        blocked = await account_for(session=session, telegram_user_id=ALICE)
        assert await mark_unblocked(session=session, telegram_user_id=ALICE)
        back = await account_for(session=session, telegram_user_id=ALICE)
        # Blocked again, then tapping the old link counts as being back too.
        await mark_blocked(session=session, telegram_user_id=ALICE, now=later)
        again = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=later
        )
    assert blocked is not None and blocked.blocked
    assert back is not None and not back.blocked
    assert again.account is not None and not again.account.blocked


async def test_preferences(store: StoreHandle) -> None:
    async with store.sessions() as session:
        nothing = await preference_for(session=session, telegram_user_id=ALICE)
        await set_locale(session=session, telegram_user_id=ALICE, locale=Locale.EN)
        await set_menu_locale(session=session, telegram_user_id=ALICE, locale=Locale.ZH_HANS)
        chosen = await preference_for(session=session, telegram_user_id=ALICE)
        await set_locale(session=session, telegram_user_id=ALICE, locale=None)
        automatic = await preference_for(session=session, telegram_user_id=ALICE)
    assert (nothing.locale, nothing.menu_locale) == (None, None)
    assert (chosen.locale, chosen.menu_locale) == (Locale.EN, Locale.ZH_HANS)
    assert (automatic.locale, automatic.menu_locale) == (None, Locale.ZH_HANS)


async def test_losing_a_race_answers_as_the_second_comer(
    store: StoreHandle, district: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # BOB got T1 between ALICE's checks and her commit: her checks saw nobody (the first two lookups
    # are made to answer "nobody"), the database refuses the second account, and she is told why.
    async with store.sessions() as session:
        session.add(
            TelegramAccount(telegram_user_id=BOB, staff_id=district["t1"], bound_at=NOW, bound_by="x")
        )
        await session.commit()
    async with store.sessions() as session:
        real_scalar = session.scalar
        stale = iter([None, None])

        async def scalar(statement: object, *args: object, **kwargs: object) -> object:
            result = await real_scalar(statement, *args, **kwargs)  # type: ignore[call-overload]
            return next(stale, result)

        monkeypatch.setattr(session, "scalar", scalar)
        result = await bind_by_contact(
            session=session, contact_user_id=ALICE, sender_user_id=ALICE, phone="13800000042", now=NOW
        )
    assert result.outcome is BindOutcome.STAFF_ALREADY_BOUND_TO_OTHER_USER
    async with store.sessions() as session:
        assert await account_for(session=session, telegram_user_id=ALICE) is None
