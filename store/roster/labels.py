"""What the roster's cells may say: column headers, role, focus and language labels, list separators.

Every table maps a normalised label to the stored code. English keys, Traditional and Simplified
Chinese are all accepted, so an office can keep the headers and words its own system exports.

List cells (``roles``, ``teaches``, ``grades``, ``focus``) are split on ``;``, the full-width ``；``
and the Chinese enumeration comma ``、``. A comma is deliberately NOT a separator: it is the CSV
delimiter, so a comma inside a cell only survives quoting, and a class or grade name with a comma in
it would be split silently. ``、`` is what a Chinese office types between items by hand, and it does
not occur in class or grade names such as ``七年級3班``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from store.vocab import Locale, Role, StudentFocus, TeacherFocus

SEPARATORS = re.compile(r"[;；、]")

# Column keys of each file; the first of each tuple is the English key.
STAFF_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "school": ("school", "學校", "学校"),
    "staff_id": ("staff_id", "工號", "工号"),
    "name": ("name", "姓名"),
    "roles": ("roles", "role", "角色"),
    "head_of": ("head_of", "班主任班級", "班主任班级"),
    "teaches": ("teaches", "任教班級", "任教班级"),
    "grades": ("grades", "聯繫年段", "联系年段", "聯系年段"),
    "phone": ("phone", "手機", "手机", "手機號", "手机号", "手機號碼", "手机号码"),
    "focus": ("focus", "重點", "重点", "重點對象", "重点对象"),
    "language": ("language", "語言", "语言"),
}
STAFF_REQUIRED = ("school", "staff_id", "name", "roles")

STUDENT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "school": ("school", "學校", "学校"),
    "student_id": ("student_id", "學號", "学号"),
    "name": ("name", "姓名"),
    "grade": ("grade", "年段", "年級", "年级"),
    "class": ("class", "班級", "班级"),
    "focus": ("focus", "重點", "重点", "重點對象", "重点对象"),
}
STUDENT_REQUIRED = ("school", "student_id", "name", "grade", "class")


def normalise_label(text: str) -> str:
    """Trim, drop a stray BOM, fold case, spaces and hyphens as ``_``: ``Staff ID`` → ``staff_id``."""
    return re.sub(r"[\s\-]+", "_", text.replace("\ufeff", "").strip()).casefold()


def _index(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {normalise_label(label): key for key, labels in table.items() for label in labels}


STAFF_HEADER_INDEX = _index(STAFF_COLUMNS)
STUDENT_HEADER_INDEX = _index(STUDENT_COLUMNS)

ROLE_LABELS = _index({
    Role.DISTRICT_LEADER: (Role.DISTRICT_LEADER, "工委領導", "工委领导", "區教育工委領導", "区教育工委领导"),
    Role.DISTRICT_OFFICE: (Role.DISTRICT_OFFICE, "辦公室", "办公室", "領導小組辦公室", "领导小组办公室"),
    Role.SUPERVISOR: (Role.SUPERVISOR, "督導", "督导", "督導組", "督导组"),
    Role.SCHOOL_LEADER: (Role.SCHOOL_LEADER, "校級領導", "校级领导"),
    Role.MIDDLE_CADRE: (Role.MIDDLE_CADRE, "中層干部", "中層幹部", "中层干部", "中层幹部"),
    Role.GRADE_HEAD: (Role.GRADE_HEAD, "年段長", "年段长"),
    Role.HEAD_TEACHER: (Role.HEAD_TEACHER, "班主任"),
    Role.SUBJECT_TEACHER: (Role.SUBJECT_TEACHER, "科任教師", "科任教师", "科任老師", "科任老师"),
})

TEACHER_FOCUS_LABELS = _index({
    TeacherFocus.TALENT: (TeacherFocus.TALENT, "人才", "優秀人才", "优秀人才", "骨幹人才", "骨干人才"),
    TeacherFocus.NON_PARTY: (
        TeacherFocus.NON_PARTY, "黨外", "党外", "黨外人士", "党外人士", "非黨員", "非党员",
    ),
    TeacherFocus.FAMILY_DIFFICULTY: (TeacherFocus.FAMILY_DIFFICULTY, "家庭困難", "家庭困难"),
    TeacherFocus.IDEOLOGICAL_CONCERN: (
        TeacherFocus.IDEOLOGICAL_CONCERN, "思想波動", "思想波动", "思想問題", "思想问题",
    ),
})

STUDENT_FOCUS_LABELS = _index({
    StudentFocus.LEARNING_DIFFICULTY: (
        StudentFocus.LEARNING_DIFFICULTY, "學習困難", "学习困难", "學困生", "学困生",
    ),
    StudentFocus.FINANCIAL_DIFFICULTY: (
        StudentFocus.FINANCIAL_DIFFICULTY, "經濟困難", "经济困难", "家庭經濟困難", "家庭经济困难",
    ),
    StudentFocus.PSYCHOLOGICAL: (StudentFocus.PSYCHOLOGICAL, "心理", "心理問題", "心理问题", "心理健康"),
    StudentFocus.STUDENT_CADRE: (StudentFocus.STUDENT_CADRE, "學生幹部", "學生干部", "学生干部", "学生幹部"),
})

LANGUAGE_LABELS = _index({
    Locale.ZH_HANT: (Locale.ZH_HANT, "zh_Hant", "zh-TW", "zh-HK", "繁體", "繁体", "繁體中文", "繁体中文"),
    Locale.ZH_HANS: (Locale.ZH_HANS, "zh_Hans", "zh-CN", "簡體", "简体", "簡體中文", "简体中文"),
    Locale.EN: (Locale.EN, "english", "英文", "英語", "英语"),
})

# What a district person writes in the school column: nothing, or a dash.
NO_SCHOOL = frozenset({"", "-", "－", "—"})


def split_list(cell: str) -> list[str]:
    """The items of a list cell, trimmed, empty items dropped, order kept."""
    if not cell:
        return []
    return [item.strip() for item in SEPARATORS.split(cell) if item.strip()]
