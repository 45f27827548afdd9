"""The order people expect grades, classes and schools in: by the numbers in their names.

Names come from the roster in whatever order the office typed them, and code-point order puts 九 (9)
before 八 (8). ``natural_key`` reads every number in a name, Chinese numerals (七年級, 高二, 十一班)
and digits (3班, 10班) alike, so 七年級 < 八年級 < 九年級 and 2班 < 10班; names without numbers follow
in code-point order.
"""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"[0-9]+|[零〇一二兩两三四五六七八九十百]+")


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral up to the hundreds (十一 = 11, 二十 = 20, 一百零五 = 105)."""
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total += (digit or 1) * 100
            digit = 0
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = _DIGITS[char]
    return total + digit


def natural_key(name: str) -> tuple[tuple[int, ...], str]:
    """Sort key: the numbers in ``name`` in order of appearance, then the name itself."""
    numbers = tuple(
        int(part) if part.isdigit() else chinese_number(part) for part in _NUMBER.findall(name)
    )
    return numbers or (10**9,), name
