"""The one clock of the application.

Everything that needs "now" takes a :class:`Clock`, so tests can travel in time by handing in a
:class:`FixedClock` instead of patching ``datetime``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (timezone-aware)."""
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self._at += delta


class SettableClock:
    """The real clock plus an offset that only grows: the sandbox moves time forward with it.

    Time keeps running between moves, so waiting on something scheduled still works as it would.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self._base.now() + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``; time never goes back (stored visits and schedules assume it)."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += delta

    def reset(self) -> None:
        """Back to the real time (the sandbox's reset, with a fresh database)."""
        self._offset = timedelta(0)


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone this machine knows; ValueError otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


def local_today(clock: Clock, tz: tzinfo) -> date:
    """Today's date in the campaign's (or bot's) time zone."""
    return clock.now().astimezone(tz).date()
