"""A deadline a leader typed: 2026-12-20, 2026/12/20, 12-20, 12/20, 12月20日, 2026年12月20日.

The visit flow's dates lie in the past (a short date means the latest such day); deadlines lie ahead,
so a short date here means the next such day, today included.
"""

from __future__ import annotations

import re
from datetime import date

_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?$")
_SHORT = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?$")


def parse_deadline(text: str, today: date) -> date | None:
    """The date meant by ``text``, or None (unreadable, or a full date before today)."""
    text = text.strip()
    try:
        full = _FULL.match(text)
        if full:
            day = date(int(full[1]), int(full[2]), int(full[3]))
            return day if day >= today else None
        short = _SHORT.match(text)
        if short:
            day = date(today.year, int(short[1]), int(short[2]))
            return day if day >= today else day.replace(year=today.year + 1)
    except ValueError:
        return None
    return None


def parse_day_within(text: str, first: date, last: date) -> date | None:
    """A day a leader typed for a period from ``first`` to ``last`` (a campaign's): a full date as
    written; without a year, the year that puts it inside the period (else ``first``'s year, so the
    caller can say the allowed range). None when unreadable."""
    text = text.strip()
    try:
        full = _FULL.match(text)
        if full:
            return date(int(full[1]), int(full[2]), int(full[3]))
        short = _SHORT.match(text)
        if short:
            month, day = int(short[1]), int(short[2])
            for year in range(first.year, last.year + 1):
                try:
                    candidate = date(year, month, day)
                except ValueError:
                    continue
                if first <= candidate <= last:
                    return candidate
            return date(first.year, month, day)
    except ValueError:
        return None
    return None
