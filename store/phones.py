"""Phone numbers as the roster and Telegram write them, compared the way SPEC.md asks.

Only digits count. A number may carry one of the region's country codes (86, 852, 853, 886), written
with ``+``, with ``00`` or bare; it still matches the same number written without it. Two numbers that
both name a country code must name the same one. A national trunk ``0`` (``010 …`` in mainland China,
``09 …`` in Taiwan) is dropped, because it disappears once a country code is written.

A bare prefix is read as a country code only when what follows has that country's length, so a
national number that merely starts with ``86`` is not cut short. There is no suffix matching: a
number with some other country code matches only the same digits after its ``+`` or ``00``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MIN_DIGITS = 7
"""Fewer digits than this identify nobody: such a number matches nothing."""

# Country code → plausible lengths of the national significant number (trunk 0 dropped).
COUNTRY_CODES: dict[str, range] = {
    "86": range(9, 12),  # mobiles 11 digits; landlines area code + number, 9–11
    "852": range(8, 9),
    "853": range(8, 9),
    "886": range(8, 10),
}


@dataclass(frozen=True)
class PhoneReading:
    """One way to read a written number: its country code (None: not written) and national digits."""

    country: str | None
    national: str


def digits_of(phone: str) -> str:
    """The ASCII digits of ``phone``, in order (full-width digits count too)."""
    return "".join(str(int(ch)) for ch in phone if ch.isdecimal())


def _drop_trunk(national: str) -> str:
    return national[1:] if national.startswith("0") and not national.startswith("00") else national


def phone_readings(phone: str | None) -> frozenset[PhoneReading]:
    """Every plausible reading of ``phone``; empty when it has too few digits to identify anyone."""
    if not phone:
        return frozenset()
    text = phone.strip()
    digits = digits_of(text)
    if len(digits) < MIN_DIGITS:
        return frozenset()
    plus = text.startswith(("+", "\uff0b"))  # full-width plus from a CJK keyboard too
    international = plus or digits.startswith("00")
    rest = digits[2:] if international and not plus else digits
    readings: set[PhoneReading] = set()
    for code, lengths in COUNTRY_CODES.items():
        if rest.startswith(code):
            national = _drop_trunk(rest[len(code) :])
            # Written as international: trust the code; bare: only if the length fits the country.
            if len(national) >= MIN_DIGITS and (international or len(national) in lengths):
                readings.add(PhoneReading(code, national))
    if not international:
        national = _drop_trunk(digits)
        if len(national) >= MIN_DIGITS:
            readings.add(PhoneReading(None, national))
    elif not readings:
        # An international number with another country's code: only the same digits match it.
        readings.add(PhoneReading("+", rest))
    return frozenset(readings)


def _compatible(a: PhoneReading, b: PhoneReading) -> bool:
    if a.national != b.national:
        return False
    return a.country is None or b.country is None or a.country == b.country


def readings_match(a: Iterable[PhoneReading], b: Iterable[PhoneReading]) -> bool:
    """Whether two sets of readings (see :func:`phone_readings`) can name the same phone."""
    b_list = list(b)
    return any(_compatible(x, y) for x in a for y in b_list)


def phones_match(a: str | None, b: str | None) -> bool:
    """Whether ``a`` and ``b`` are the same phone number (SPEC.md, "Phone matching").

    >>> phones_match("+86 138-0000-0042", "13800000042")
    True
    >>> phones_match("+852 9123 4567", "+853 9123 4567")
    False
    """
    return readings_match(phone_readings(a), phone_readings(b))


class PhoneBook(Generic[T]):
    """Phones and whom they belong to, answering which of them a phone matches (:func:`phones_match`).

    Indexed by national number, so a lookup costs the phone's few readings, not a pass over the book:
    the roster check looks up every staff member's phone against those before it.
    """

    def __init__(self) -> None:
        self._owners: list[T] = []
        self._readings: list[frozenset[PhoneReading]] = []
        self._by_national: dict[str, list[int]] = defaultdict(list)

    def add(self, phone: str | None, owner: T) -> None:
        """Keep ``phone`` for ``owner`` (a phone with too few digits is kept nowhere: it matches nothing)."""
        readings = phone_readings(phone)
        if not readings:
            return
        index = len(self._owners)
        self._owners.append(owner)
        self._readings.append(readings)
        for national in {r.national for r in readings}:
            self._by_national[national].append(index)

    def matches(self, phone: str | None) -> list[T]:
        """The owners of the phones that match ``phone``, in the order they were added."""
        readings = phone_readings(phone)
        candidates = sorted({i for r in readings for i in self._by_national.get(r.national, ())})
        return [self._owners[i] for i in candidates if readings_match(readings, self._readings[i])]
