"""Typed deadlines: a short date means the next such day; a full date before today is refused."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dates import parse_deadline

TODAY = date(2026, 12, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-20", date(2026, 12, 20)),
        ("12/10", date(2026, 12, 10)),
        ("1月5日", date(2027, 1, 5)),
        ("2027-01-05", date(2027, 1, 5)),
        ("2026年12月31號", date(2026, 12, 31)),
        ("2026-12-01", None),
        ("13-40", None),
        ("soon", None),
    ],
)
def test_parse_deadline(text: str, expected: date | None) -> None:
    assert parse_deadline(text, TODAY) == expected
