"""One-time invite codes: one per active staff member not yet bound to a Telegram account.

A code is the payload of a ``t.me/<bot>?start=<code>`` deep link, so it obeys Telegram's rule (at most
64 characters of ``A-Za-z0-9_-``). Sixteen characters of ``secrets.token_urlsafe`` carry 96 random
bits: nobody guesses one, and it still fits on a printed sheet.

Issuing again keeps every unused, unrevoked code, so links already handed out keep working;
``rotate=True`` revokes them and issues new ones (say, after a list went astray). Used codes stay used.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.accounts import staff_roles
from store.models import AuditEntry, InviteCode, School, Staff, TelegramAccount

CODE_BYTES = 12  # → 16 characters
PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
BOT_USERNAME_RE = re.compile(r"[A-Za-z0-9_]{5,32}")


class InviteStatus(StrEnum):
    NEW = "new"
    KEPT = "kept"


@dataclass(frozen=True)
class InviteRow:
    """One line of the invite list: who (roster id, name, school, role codes) and their code."""

    staff_id: str
    name: str
    school: str  # empty for district roles
    roles: tuple[str, ...]
    code: str
    status: InviteStatus


class InvalidBotUsername(ValueError):
    """Not a Telegram bot username (5–32 letters, digits or ``_``, ending in ``bot``)."""


def normalize_bot_username(name: str) -> str:
    """``name`` without a leading ``@``; raises :class:`InvalidBotUsername` if Telegram would refuse it."""
    candidate = name.strip().removeprefix("@")
    if not BOT_USERNAME_RE.fullmatch(candidate) or not candidate.lower().endswith("bot"):
        raise InvalidBotUsername(name)
    return candidate


def invite_link(bot_username: str, code: str) -> str:
    """The deep link that starts the bot with ``code``: ``https://t.me/<bot>?start=<code>``."""
    if not PAYLOAD_RE.fullmatch(code):
        raise ValueError("an invite code must be 1–64 characters of A-Za-z0-9_-")
    return f"https://t.me/{normalize_bot_username(bot_username)}?start={code}"


def new_code() -> str:
    """A fresh random code (URL-safe, 16 characters)."""
    return secrets.token_urlsafe(CODE_BYTES)


async def _fresh_codes(session: AsyncSession, count: int) -> list[str]:
    # 96 random bits make a clash all but impossible; checking costs one query and makes it impossible.
    codes: set[str] = set()
    while len(codes) < count:
        batch = {new_code() for _ in range(count - len(codes))} - codes
        taken = set(await session.scalars(select(InviteCode.code).where(InviteCode.code.in_(batch))))
        codes |= batch - taken
    return sorted(codes)


async def issue_invites(
    *, session: AsyncSession, now: datetime, rotate: bool = False, actor: str = "cli"
) -> list[InviteRow]:
    """An invite code for every active staff member without a bound Telegram account; commits.

    Unused, unrevoked codes are kept (same code, same link) unless ``rotate``: then every unused code
    is revoked, also those of people no longer eligible, and the eligible get new ones. Rows come
    district roles first, then by school and roster id.
    """
    eligible = (
        await session.execute(
            select(Staff.id, Staff.external_id, Staff.name, School.name)
            .outerjoin(School, School.id == Staff.school_id)
            .where(
                Staff.active.is_(True),
                ~select(TelegramAccount.id).where(TelegramAccount.staff_id == Staff.id).exists(),
            )
        )
    ).all()
    open_codes = list(
        await session.scalars(
            select(InviteCode)
            .where(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
            .order_by(InviteCode.created_at, InviteCode.id)
        )
    )
    eligible_ids = {row[0] for row in eligible}
    kept: dict[int, InviteCode] = {}
    revoked = 0
    for invite in open_codes:
        if rotate:
            invite.revoked_at = now
            revoked += 1
        elif invite.staff_id in eligible_ids:
            # Each person keeps one open code, the newest; a stray older one is closed.
            older = kept.get(invite.staff_id)
            if older is not None:
                older.revoked_at = now
                revoked += 1
            kept[invite.staff_id] = invite

    missing = [row[0] for row in eligible if row[0] not in kept]
    fresh = dict(zip(missing, await _fresh_codes(session, len(missing)), strict=True))
    session.add_all(InviteCode(code=code, staff_id=sid, created_at=now) for sid, code in fresh.items())
    roles = await staff_roles(session=session, staff_ids=sorted(eligible_ids))
    rows = [
        InviteRow(
            staff_id=external_id,
            name=name,
            school=school or "",
            roles=tuple(r.value for r in roles.get(sid, ())),
            code=kept[sid].code if sid in kept else fresh[sid],
            status=InviteStatus.KEPT if sid in kept else InviteStatus.NEW,
        )
        for sid, external_id, name, school in eligible
    ]
    rows.sort(key=lambda r: (r.school != "", r.school, r.staff_id))
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="invites_rotated" if rotate else "invites_issued",
            detail={"new": len(fresh), "kept": len(kept), "revoked": revoked},
        )
    )
    await session.commit()
    return rows


async def bound_staff_count(*, session: AsyncSession) -> int:
    """How many active staff members already have a Telegram account (they get no invite)."""
    count = await session.scalar(
        select(func.count(TelegramAccount.id))
        .join(Staff, Staff.id == TelegramAccount.staff_id)
        .where(Staff.active.is_(True))
    )
    return int(count or 0)
