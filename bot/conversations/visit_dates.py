"""Reading a date a teacher typed: 2026-12-01, 2026/12/1, 12-1, 12/1, 12月1日, 2026年12月1日."""

from __future__ import annotations

import re
from datetime import date

_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?$")
_SHORT = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?$")


def parse_typed_date(text: str, today: date) -> date | None:
    """The date meant by ``text``, or None. Without a year: the latest such day not after today."""
    text = text.strip()
    full = _FULL.match(text)
    try:
        if full:
            return date(int(full[1]), int(full[2]), int(full[3]))
        short = _SHORT.match(text)
        if short:
            candidate = date(today.year, int(short[1]), int(short[2]))
            return candidate if candidate <= today else candidate.replace(year=today.year - 1)
    except ValueError:
        return None
    return None
