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
from store.models.outbox import NudgeMute, OutboxMessage, ScheduleRun
from store.models.rectification import (
    OpinionHandling,
    RectificationItem,
    RectificationNote,
    RectificationOpinion,
)
from store.models.reviews import InterviewConfirmation, VisitReview
from store.models.visits import (
    AuditEntry,
    Exemption,
    ExemptionProposal,
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
    "ExemptionProposal",
    "FollowUp",
    "Grade",
    "GroupChat",
    "InterviewConfirmation",
    "InviteCode",
    "NudgeMute",
    "Opinion",
    "OpinionCategory",
    "OpinionHandling",
    "OutboxMessage",
    "OutlineTopic",
    "PersistedData",
    "Phase",
    "RectificationItem",
    "RectificationNote",
    "RectificationOpinion",
    "ScheduleRun",
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
    "VisitReview",
    "VisitStudent",
    "VisitTeacher",
    "VisitTopic",
    "VisitVersion",
]
