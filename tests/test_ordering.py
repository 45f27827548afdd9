"""Grades and classes in the order people expect, whatever order the roster listed them in."""

from __future__ import annotations

from reports.ordering import chinese_number, natural_key


def test_chinese_numerals() -> None:
    assert [chinese_number(t) for t in ("七", "十", "十一", "二十", "二十三", "一百零五", "兩")] == [
        7, 10, 11, 20, 23, 105, 2,
    ]


def test_grades_and_classes_go_by_their_numbers() -> None:
    names = ["九年級", "八年級2班", "七年級10班", "七年級2班", "八年級", "七年級", "Class 3", "Class 12",
             "甲班"]
    assert sorted(names, key=natural_key) == [
        "Class 3", "七年級", "七年級2班", "七年級10班", "八年級", "八年級2班", "九年級", "Class 12", "甲班",
    ]
