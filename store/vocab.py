"""The product's closed vocabularies: roles, focus tags, visit forms and places.

Values are stable codes stored in the database; labels for people live in the catalogues.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DISTRICT_LEADER = "district_leader"
    DISTRICT_OFFICE = "district_office"
    SUPERVISOR = "supervisor"
    SCHOOL_LEADER = "school_leader"
    MIDDLE_CADRE = "middle_cadre"
    GRADE_HEAD = "grade_head"
    HEAD_TEACHER = "head_teacher"
    SUBJECT_TEACHER = "subject_teacher"


DISTRICT_ROLES = frozenset({Role.DISTRICT_LEADER, Role.DISTRICT_OFFICE, Role.SUPERVISOR})
CADRE_ROLES = frozenset({Role.SCHOOL_LEADER, Role.MIDDLE_CADRE, Role.GRADE_HEAD})
TEACHER_ROLES = frozenset({Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})


class TeacherFocus(StrEnum):
    TALENT = "talent"
    NON_PARTY = "non_party"
    FAMILY_DIFFICULTY = "family_difficulty"
    IDEOLOGICAL_CONCERN = "ideological_concern"


class StudentFocus(StrEnum):
    LEARNING_DIFFICULTY = "learning_difficulty"
    FINANCIAL_DIFFICULTY = "financial_difficulty"
    PSYCHOLOGICAL = "psychological"
    STUDENT_CADRE = "student_cadre"


class VisitKind(StrEnum):
    STUDENT = "student"  # a teacher visits students
    TEACHER = "teacher"  # a cadre interviews teachers


class VisitForm(StrEnum):
    IN_PERSON = "in_person"
    HOME = "home"
    PHONE = "phone"
    ONLINE = "online"


class Place(StrEnum):
    OFFICE = "office"
    CLASSROOM = "classroom"
    HOME = "home"
    CANTEEN = "canteen"
    DORMITORY = "dormitory"
    CLUB = "club"
    REMOTE = "remote"
    OTHER = "other"


class FollowUpWish(StrEnum):
    NONE = "none"
    ONE_WEEK = "1w"
    TWO_WEEKS = "2w"
    DATE = "date"


class Locale(StrEnum):
    ZH_HANT = "zh-Hant"
    ZH_HANS = "zh-Hans"
    EN = "en"


def default_place(kind: VisitKind, form: VisitForm) -> Place:
    """The place a visit's form implies, so the teacher rarely has to pick one."""
    if form is VisitForm.HOME:
        return Place.HOME
    if form in (VisitForm.PHONE, VisitForm.ONLINE):
        return Place.REMOTE
    return Place.CLASSROOM if kind is VisitKind.STUDENT else Place.OFFICE
