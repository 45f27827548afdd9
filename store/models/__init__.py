"""Every table of the store. Import models from here."""

from store.models.accounts import AppMeta, InviteCode, PersistedData, TelegramAccount, UserPreference
from store.models.base import Base, UTCDateTime
from store.models.campaign import Campaign, OpinionCategory, OutlineTopic, Phase
from store.models.groups import GroupChat
from store.models.org import (
    District,
    Grade,
    School,
    SchoolClass,
    Staff,
    StaffClass,
    StaffFocus,
    StaffGrade,
    StaffRole,
    Student,
    StudentFocus,
)
from store.models.visits import (
    AuditEntry,
    Exemption,
    FollowUp,
    Opinion,
    Visit,
    VisitCoVisitor,
    VisitStudent,
    VisitTeacher,
    VisitTopic,
    VisitVersion,
)

__all__ = [
    "AppMeta",
    "AuditEntry",
    "Base",
    "Campaign",
    "District",
    "Exemption",
    "FollowUp",
    "Grade",
    "GroupChat",
    "InviteCode",
    "Opinion",
    "OpinionCategory",
    "OutlineTopic",
    "PersistedData",
    "Phase",
    "School",
    "SchoolClass",
    "Staff",
    "StaffClass",
    "StaffFocus",
    "StaffGrade",
    "StaffRole",
    "Student",
    "StudentFocus",
    "TelegramAccount",
    "UTCDateTime",
    "UserPreference",
    "Visit",
    "VisitCoVisitor",
    "VisitStudent",
    "VisitTeacher",
    "VisitTopic",
    "VisitVersion",
]
