"""Telegram accounts bound to staff: binding by invite code or shared contact, lookup, preferences.

Binding answers with a :class:`BindOutcome` code; the bot turns codes into words. A binding is one
transaction: the account row, the used invite code and the audit entry are committed together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditEntry, InviteCode, School, Staff, StaffRole, TelegramAccount, UserPreference
from store.phones import phone_readings, phones_match, readings_match
from store.vocab import Locale, Role

__all__ = [
    "AccountInfo",
    "BindOutcome",
    "BindResult",
    "PreferenceInfo",
    "account_for",
    "bind_by_contact",
    "bind_by_invite",
    "mark_blocked",
    "mark_unblocked",
    "phones_match",
    "preference_for",
    "set_locale",
    "set_menu_locale",
    "staff_roles",
]


class BindOutcome(StrEnum):
    BOUND = "bound"
    ALREADY_BOUND_SAME = "already_bound_same"
    CODE_UNKNOWN = "code_unknown"
    CODE_USED = "code_used"
    CODE_REVOKED = "code_revoked"
    STAFF_INACTIVE = "staff_inactive"
    TELEGRAM_USER_ALREADY_BOUND_TO_OTHER_STAFF = "telegram_user_already_bound_to_other_staff"
    STAFF_ALREADY_BOUND_TO_OTHER_USER = "staff_already_bound_to_other_user"
    SPOOFED_CONTACT = "spoofed_contact"
    PHONE_UNKNOWN = "phone_unknown"
    PHONE_AMBIGUOUS = "phone_ambiguous"

    @property
    def ok(self) -> bool:
        """The user is now bound to the staff member (newly or already)."""
        return self in (BindOutcome.BOUND, BindOutcome.ALREADY_BOUND_SAME)


@dataclass(frozen=True)
class AccountInfo:
    """A staff member as the bot needs them: who they are, where, in which roles."""

    staff_id: int
    external_id: str
    name: str
    school_id: int | None
    school_name: str | None
    roles: tuple[Role, ...]
    language: str | None
    active: bool
    blocked: bool = False


@dataclass(frozen=True)
class BindResult:
    """What a binding attempt came to; ``account`` names the staff member when one was identified."""

    outcome: BindOutcome
    account: AccountInfo | None = None

    @property
    def ok(self) -> bool:
        return self.outcome.ok


@dataclass(frozen=True)
class PreferenceInfo:
    """A Telegram user's own choices: ``locale`` from ``/lang`` (None: automatic), the menu last set."""

    telegram_user_id: int
    locale: Locale | None
    menu_locale: Locale | None


def _role_order(role: Role) -> int:
    return list(Role).index(role)


async def staff_roles(*, session: AsyncSession, staff_ids: list[int]) -> dict[int, tuple[Role, ...]]:
    """Each staff member's roles, in the vocabulary's order; unknown stored codes are left out."""
    roles: dict[int, list[Role]] = {sid: [] for sid in staff_ids}
    if not staff_ids:
        return {}
    rows = await session.execute(
        select(StaffRole.staff_id, StaffRole.role).where(StaffRole.staff_id.in_(staff_ids))
    )
    known = {r.value for r in Role}
    for staff_id, role in rows:
        if role in known:
            roles[staff_id].append(Role(role))
    return {sid: tuple(sorted(rs, key=_role_order)) for sid, rs in roles.items()}


async def _account_info(session: AsyncSession, staff_id: int, *, blocked: bool = False) -> AccountInfo:
    row = (
        await session.execute(
            select(Staff, School.name)
            .outerjoin(School, School.id == Staff.school_id)
            .where(Staff.id == staff_id)
        )
    ).one()
    staff, school_name = row
    roles = await staff_roles(session=session, staff_ids=[staff_id])
    return AccountInfo(
        staff_id=staff.id,
        external_id=staff.external_id,
        name=staff.name,
        school_id=staff.school_id,
        school_name=school_name,
        roles=roles.get(staff_id, ()),
        language=staff.language,
        active=staff.active,
        blocked=blocked,
    )


async def _bind(
    session: AsyncSession,
    *,
    staff_id: int,
    telegram_user_id: int,
    now: datetime,
    via: str,
    invite_id: int | None,
) -> BindResult:
    """The rules shared by both ways of binding; commits on success, rolls back otherwise.

    Works from ids, not loaded objects: a rollback expires loaded objects, and async sessions cannot
    lazy-load them again.
    """
    staff = await session.get(Staff, staff_id)
    assert staff is not None  # a foreign key or a row just read
    if not staff.active:
        await session.rollback()
        return BindResult(BindOutcome.STAFF_INACTIVE, await _account_info(session, staff_id))
    by_user = await session.scalar(
        select(TelegramAccount).where(TelegramAccount.telegram_user_id == telegram_user_id)
    )
    if by_user is not None and by_user.staff_id != staff_id:
        await session.rollback()
        return BindResult(BindOutcome.TELEGRAM_USER_ALREADY_BOUND_TO_OTHER_STAFF)
    by_staff = await session.scalar(select(TelegramAccount).where(TelegramAccount.staff_id == staff_id))
    if by_staff is not None and by_staff.telegram_user_id != telegram_user_id:
        await session.rollback()
        return BindResult(
            BindOutcome.STAFF_ALREADY_BOUND_TO_OTHER_USER, await _account_info(session, staff_id)
        )
    if by_staff is not None:
        # The same person again: fine, and talking to us again means no longer blocked.
        if by_staff.blocked_at is not None:
            by_staff.blocked_at = None
            await session.commit()
        else:
            await session.rollback()
        return BindResult(BindOutcome.ALREADY_BOUND_SAME, await _account_info(session, staff_id))

    if invite_id is not None:
        # Conditional update: of two people tapping the same link at once, exactly one wins.
        claimed = await session.execute(
            update(InviteCode)
            .where(InviteCode.id == invite_id, InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
            .values(used_at=now, used_by=telegram_user_id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return BindResult(BindOutcome.CODE_USED)
    # The person is bound: any other link still out for them must not bind anyone else later.
    open_codes = update(InviteCode).where(
        InviteCode.staff_id == staff_id, InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None)
    )
    if invite_id is not None:
        open_codes = open_codes.where(InviteCode.id != invite_id)
    await session.execute(open_codes.values(revoked_at=now).execution_options(synchronize_session=False))
    session.add(
        TelegramAccount(telegram_user_id=telegram_user_id, staff_id=staff_id, bound_at=now, bound_by=via)
    )
    session.add(
        AuditEntry(
            at=now,
            actor_staff_id=staff_id,
            actor="bot",
            action="account_bound",
            object_type="staff",
            object_id=staff_id,
            detail={"via": via, "telegram_user_id": telegram_user_id}
            | ({"invite_id": invite_id} if invite_id is not None else {}),
        )
    )
    try:
        # The unique keys on user and staff are the last word when two bindings race.
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise _Raced from None
    return BindResult(BindOutcome.BOUND, await _account_info(session, staff_id))


class _Raced(Exception):
    """Someone bound the same user or staff member between our checks and our commit."""


async def _once_more_if_raced(attempt: Callable[[], Awaitable[BindResult]]) -> BindResult:
    # The second attempt sees the winner's rows and answers as the loser of the race.
    try:
        return await attempt()
    except _Raced:
        try:
            return await attempt()
        except _Raced:
            raise RuntimeError("binding kept racing with another binding") from None


async def bind_by_invite(
    *, session: AsyncSession, code: str, telegram_user_id: int, now: datetime
) -> BindResult:
    """Bind ``telegram_user_id`` to the staff member whose one-time invite ``code`` this is.

    Tapping one's own link again is harmless (``already_bound_same``). Otherwise the code must exist,
    be neither used nor revoked, its staff member active, and neither side bound to someone else.
    """
    return await _once_more_if_raced(lambda: _bind_by_invite(session, code.strip(), telegram_user_id, now))


async def _bind_by_invite(
    session: AsyncSession, code: str, telegram_user_id: int, now: datetime
) -> BindResult:
    invite = await session.scalar(select(InviteCode).where(InviteCode.code == code))
    if invite is None:
        await session.rollback()
        return BindResult(BindOutcome.CODE_UNKNOWN)
    staff_id, invite_id = invite.staff_id, invite.id
    same = await session.scalar(
        select(TelegramAccount.id).where(
            TelegramAccount.telegram_user_id == telegram_user_id, TelegramAccount.staff_id == staff_id
        )
    )
    if same is None:
        if invite.revoked_at is not None:
            await session.rollback()
            return BindResult(BindOutcome.CODE_REVOKED)
        if invite.used_at is not None:
            await session.rollback()
            return BindResult(BindOutcome.CODE_USED)
    return await _bind(
        session,
        staff_id=staff_id,
        telegram_user_id=telegram_user_id,
        now=now,
        via="invite",
        invite_id=invite_id if same is None else None,
    )


async def bind_by_contact(
    *, session: AsyncSession, contact_user_id: int | None, sender_user_id: int, phone: str, now: datetime
) -> BindResult:
    """Bind the sender to the staff member whose roster phone matches the contact they shared.

    Refused unless the contact is the sender's own (``spoofed_contact``); a phone matching no active
    staff member is ``phone_unknown`` (``staff_inactive`` if it matches only inactive ones), one matching
    several is ``phone_ambiguous``: we never guess.
    """
    if contact_user_id is None or contact_user_id != sender_user_id:
        return BindResult(BindOutcome.SPOOFED_CONTACT)
    wanted = phone_readings(phone)
    if not wanted:
        return BindResult(BindOutcome.PHONE_UNKNOWN)
    # A district has a few thousand staff: reading every phone is cheaper than keeping a second,
    # normalised column in step with the roster.
    rows = await session.execute(select(Staff.id, Staff.phone, Staff.active).where(Staff.phone.is_not(None)))
    active: list[int] = []
    inactive: list[int] = []
    for candidate, staff_phone, is_active in rows:
        if readings_match(wanted, phone_readings(staff_phone)):
            (active if is_active else inactive).append(candidate)
    if len(active) > 1:
        await session.rollback()
        return BindResult(BindOutcome.PHONE_AMBIGUOUS)
    if not active:
        await session.rollback()
        return BindResult(BindOutcome.STAFF_INACTIVE if inactive else BindOutcome.PHONE_UNKNOWN)
    (match,) = active
    return await _once_more_if_raced(
        lambda: _bind(
            session, staff_id=match, telegram_user_id=sender_user_id, now=now, via="contact", invite_id=None
        )
    )


async def account_for(*, session: AsyncSession, telegram_user_id: int) -> AccountInfo | None:
    """The staff member bound to ``telegram_user_id``, or None.

    An inactive staff member (left the roster) comes back with ``active=False``: treat them as not
    bound, but the bot can say why.
    """
    account = await session.scalar(
        select(TelegramAccount).where(TelegramAccount.telegram_user_id == telegram_user_id)
    )
    if account is None:
        return None
    return await _account_info(session, account.staff_id, blocked=account.blocked_at is not None)


async def mark_blocked(*, session: AsyncSession, telegram_user_id: int, now: datetime) -> bool:
    """Remember that the user blocked the bot (Telegram answered Forbidden). False if not bound."""
    result = await session.execute(
        update(TelegramAccount)
        .where(TelegramAccount.telegram_user_id == telegram_user_id, TelegramAccount.blocked_at.is_(None))
        .values(blocked_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_unblocked(*, session: AsyncSession, telegram_user_id: int) -> bool:
    """The user wrote to the bot again: they can be messaged. False if nothing changed."""
    result = await session.execute(
        update(TelegramAccount)
        .where(TelegramAccount.telegram_user_id == telegram_user_id, TelegramAccount.blocked_at.is_not(None))
        .values(blocked_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _locale_or_none(value: str | None) -> Locale | None:
    try:
        return Locale(value) if value else None
    except ValueError:
        return None


async def preference_for(*, session: AsyncSession, telegram_user_id: int) -> PreferenceInfo:
    """The user's choices; both None when they never chose (bound or not)."""
    row = await session.get(UserPreference, telegram_user_id)
    if row is None:
        return PreferenceInfo(telegram_user_id, None, None)
    return PreferenceInfo(telegram_user_id, _locale_or_none(row.locale), _locale_or_none(row.menu_locale))


async def _preference_row(session: AsyncSession, telegram_user_id: int) -> UserPreference:
    row = await session.get(UserPreference, telegram_user_id)
    if row is None:
        row = UserPreference(telegram_user_id=telegram_user_id)
        session.add(row)
    return row


async def set_locale(*, session: AsyncSession, telegram_user_id: int, locale: Locale | None) -> None:
    """Store the language chosen with ``/lang``; None goes back to automatic (roster, Telegram)."""
    row = await _preference_row(session, telegram_user_id)
    row.locale = Locale(locale).value if locale is not None else None
    await session.commit()


async def set_menu_locale(*, session: AsyncSession, telegram_user_id: int, locale: Locale | None) -> None:
    """Remember which language the user's command menu was last set in (None: the default menu)."""
    row = await _preference_row(session, telegram_user_id)
    row.menu_locale = Locale(locale).value if locale is not None else None
    await session.commit()
