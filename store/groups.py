"""Group chats bound to a school or to the district: binding, unbinding, migration, language.

Who may bind is the scope's business (:meth:`Scope.may_bind_group_of`); this module answers with an
outcome code and the bot words it. Every change of a binding writes an audit entry in the same
transaction. A bound group only ever receives aggregates (SPEC.md, "Privacy rules").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.installation import ensure_district
from store.models import AuditEntry, GroupChat, School
from store.scopes import Scope
from store.vocab import Locale

__all__ = [
    "GroupBinding",
    "GroupOutcome",
    "GroupResult",
    "bind_group",
    "bind_target",
    "bot_removed",
    "bound_groups",
    "group_binding",
    "migrate_group",
    "set_group_locale",
    "unbind_group",
]


class GroupOutcome(StrEnum):
    BOUND = "bound"
    ALREADY_BOUND = "already_bound"  # to the same school (or the district) before: nothing changed
    BOUND_ELSEWHERE = "bound_elsewhere"  # bound to another school, which this person may not undo
    NOT_ALLOWED = "not_allowed"  # lacks the role for this school (or the district)
    UNBOUND = "unbound"
    NOT_BOUND = "not_bound"
    LOCALE_SET = "locale_set"

    @property
    def ok(self) -> bool:
        return self in (GroupOutcome.BOUND, GroupOutcome.ALREADY_BOUND, GroupOutcome.UNBOUND,
                        GroupOutcome.LOCALE_SET)


@dataclass(frozen=True)
class GroupBinding:
    """An active binding. ``school_id`` None: the district group (``school_name`` None too)."""

    chat_id: int
    district_id: int
    school_id: int | None
    school_name: str | None
    locale: Locale | None
    bound_by: int | None
    bound_at: datetime

    @property
    def is_district(self) -> bool:
        return self.school_id is None


@dataclass(frozen=True)
class GroupResult:
    outcome: GroupOutcome
    binding: GroupBinding | None = None  # the binding now (or the one that was in the way)


def _audit(scope: Scope | None, action: str, row: GroupChat, now: datetime, **detail: Any) -> AuditEntry:
    return AuditEntry(
        at=now,
        actor_staff_id=scope.staff_id if scope else None,
        actor=f"staff:{scope.staff_id}" if scope else "bot",
        action=action,
        object_type="group_chat",
        object_id=row.id,
        detail={"chat_id": row.chat_id, "school_id": row.school_id, **detail},
    )


async def _row(session: AsyncSession, chat_id: int) -> GroupChat | None:
    return await session.scalar(select(GroupChat).where(GroupChat.chat_id == chat_id))


async def _binding(session: AsyncSession, row: GroupChat) -> GroupBinding:
    name = None
    if row.school_id is not None:
        name = await session.scalar(select(School.name).where(School.id == row.school_id))
    locale = Locale(row.locale) if row.locale and row.locale in Locale._value2member_map_ else None
    return GroupBinding(
        chat_id=row.chat_id, district_id=row.district_id, school_id=row.school_id, school_name=name,
        locale=locale, bound_by=row.bound_by, bound_at=row.bound_at,
    )


async def _district_of(session: AsyncSession, school_id: int | None) -> int:
    if school_id is not None:
        district = await session.scalar(select(School.district_id).where(School.id == school_id))
        if district is not None:
            return district
    return await ensure_district(session=session)


def bind_target(scope: Scope, *, district: bool = False) -> tuple[bool, int | None]:
    """What ``/bind`` binds for this person: (True, their school's id), (True, None) for the district
    group, or (False, None) when they may bind neither. ``district=True`` asks for the district group."""
    if not district and scope.school_id is not None and scope.may_bind_group_of(scope.school_id):
        return True, scope.school_id
    return scope.may_bind_group_of(None), None


async def bind_group(
    *, session: AsyncSession, chat_id: int, scope: Scope, now: datetime, title: str | None = None,
    district: bool = False,
) -> GroupResult:
    """Bind ``chat_id`` to the person's school (or the district group) and commit.

    A group bound to another school stays as it is unless this person may unbind that binding too.
    """
    allowed, school_id = bind_target(scope, district=district)
    if not allowed:
        return GroupResult(GroupOutcome.NOT_ALLOWED)
    row = await _row(session, chat_id)
    if row is not None and row.active:
        if row.school_id == school_id:
            return GroupResult(GroupOutcome.ALREADY_BOUND, await _binding(session, row))
        if not scope.may_bind_group_of(row.school_id):
            return GroupResult(GroupOutcome.BOUND_ELSEWHERE, await _binding(session, row))
    previous = row.school_id if row is not None and row.active else None
    district_id = await _district_of(session, school_id)
    if row is None:
        row = GroupChat(chat_id=chat_id, district_id=district_id, school_id=school_id, title=title,
                        bound_by=scope.staff_id, bound_at=now, active=True)
        session.add(row)
    else:
        row.district_id, row.school_id, row.title = district_id, school_id, title or row.title
        row.bound_by, row.bound_at, row.active, row.unbound_at = scope.staff_id, now, True, None
    try:
        await session.flush()
    except IntegrityError:  # Lost a race on the unique chat id: the other /bind is the one.
        await session.rollback()
        row = await _row(session, chat_id)
        assert row is not None
        return GroupResult(GroupOutcome.ALREADY_BOUND, await _binding(session, row))
    session.add(_audit(scope, "group_bound", row, now, previous_school_id=previous))
    await session.commit()
    return GroupResult(GroupOutcome.BOUND, await _binding(session, row))


async def unbind_group(*, session: AsyncSession, chat_id: int, scope: Scope, now: datetime) -> GroupResult:
    """Unbind ``chat_id`` (a person who may bind it) and commit; the group gets nothing afterwards."""
    row = await _row(session, chat_id)
    if row is None or not row.active:
        return GroupResult(GroupOutcome.NOT_BOUND)
    binding = await _binding(session, row)
    if not scope.may_bind_group_of(row.school_id):
        return GroupResult(GroupOutcome.NOT_ALLOWED, binding)
    row.active, row.unbound_at = False, now
    session.add(_audit(scope, "group_unbound", row, now))
    await session.commit()
    return GroupResult(GroupOutcome.UNBOUND, binding)


async def bot_removed(*, session: AsyncSession, chat_id: int, now: datetime) -> bool:
    """The bot was removed from (or left) the group: its binding ends. True if there was one."""
    row = await _row(session, chat_id)
    if row is None or not row.active:
        return False
    row.active, row.unbound_at = False, now
    session.add(_audit(None, "group_unbound_bot_removed", row, now))
    await session.commit()
    return True


async def group_binding(*, session: AsyncSession, chat_id: int) -> GroupBinding | None:
    """The active binding of ``chat_id``, or None for a group nobody has bound (or since unbound)."""
    row = await _row(session, chat_id)
    if row is None or not row.active:
        return None
    return await _binding(session, row)


async def migrate_group(*, session: AsyncSession, old_chat_id: int, new_chat_id: int, now: datetime) -> bool:
    """A group became a supergroup: its row (binding, language) follows the new chat id; commits.

    Idempotent: Telegram announces a migration in both chats and a send may report it too, so the
    second and later calls find nothing left to move and return False.
    """
    old = await _row(session, old_chat_id)
    if old is None or old_chat_id == new_chat_id:
        return False
    new = await _row(session, new_chat_id)
    if new is not None:
        if new.active or not old.active:
            return False
        # The new chat was bound and unbound meanwhile: the old chat's binding is the one to keep.
        await session.delete(new)
        await session.flush()
    old.chat_id = new_chat_id
    session.add(_audit(None, "group_migrated", old, now, old_chat_id=old_chat_id))
    await session.commit()
    return True


async def set_group_locale(
    *, session: AsyncSession, chat_id: int, scope: Scope, locale: Locale | None, now: datetime
) -> GroupResult:
    """Set the language of everything the bot posts in the group (None: the bot's default); commits."""
    row = await _row(session, chat_id)
    if row is None or not row.active:
        return GroupResult(GroupOutcome.NOT_BOUND)
    if not scope.may_bind_group_of(row.school_id):
        return GroupResult(GroupOutcome.NOT_ALLOWED, await _binding(session, row))
    previous = row.locale
    row.locale = locale.value if locale else None
    session.add(_audit(scope, "group_locale_set", row, now, locale=row.locale, previous=previous))
    await session.commit()
    return GroupResult(GroupOutcome.LOCALE_SET, await _binding(session, row))


async def bound_groups(*, session: AsyncSession) -> list[GroupBinding]:
    """Every active binding, the district groups first, then by school and chat id."""
    rows = (await session.scalars(select(GroupChat).where(GroupChat.active.is_(True)))).all()
    bindings = [await _binding(session, row) for row in rows]
    return sorted(bindings, key=lambda b: (b.school_id is not None, b.school_id or 0, b.chat_id))
