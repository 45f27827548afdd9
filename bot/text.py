"""Words shared by commands and conversations: HTML escaping, labels, the common refusals."""

from __future__ import annotations

import html
from collections.abc import Iterable

from bot.i18n import N_, Translator
from store.visit_rules import VisitRejected
from store.vocab import FollowUpWish, Place, VisitForm

ROLE_LABELS = {
    "district_leader": N_("district leader"),
    "district_office": N_("district office"),
    "supervisor": N_("supervisor"),
    "school_leader": N_("school leader"),
    "middle_cadre": N_("middle cadre"),
    "grade_head": N_("grade head"),
    "head_teacher": N_("head teacher"),
    "subject_teacher": N_("subject teacher"),
}

FOCUS_LABELS = {
    "talent": N_("outstanding talent"),
    "non_party": N_("non-ruling party member"),
    "family_difficulty": N_("family difficulty"),
    "ideological_concern": N_("ideological concerns"),
    "learning_difficulty": N_("learning difficulty"),
    "financial_difficulty": N_("financial difficulty"),
    "psychological": N_("psychological distress"),
    "student_cadre": N_("student cadre"),
}


def esc(value: object) -> str:
    """Escape user-supplied text for HTML parse mode."""
    return html.escape(str(value), quote=False)


def role_labels(tr: Translator, roles: Iterable[str]) -> str:
    return tr.gettext(", ").join(tr.gettext(ROLE_LABELS.get(r, r)) for r in roles)


def focus_labels(tr: Translator, tags: Iterable[str]) -> str:
    return tr.gettext(", ").join(tr.gettext(FOCUS_LABELS.get(t, t)) for t in tags)


FORM_LABELS = {
    VisitForm.IN_PERSON: N_("🗣 In person"),
    VisitForm.HOME: N_("🏠 Home visit"),
    VisitForm.PHONE: N_("📞 Phone"),
    VisitForm.ONLINE: N_("💻 Online"),
}
PLACE_LABELS = {
    Place.OFFICE: N_("Office"),
    Place.CLASSROOM: N_("Classroom"),
    Place.HOME: N_("Home"),
    Place.CANTEEN: N_("Canteen"),
    Place.DORMITORY: N_("Dormitory"),
    Place.CLUB: N_("Club"),
    Place.REMOTE: N_("Remote (phone or online)"),
    Place.OTHER: N_("Other"),
}
FOLLOW_UP_LABELS = {
    FollowUpWish.NONE: N_("No follow-up"),
    FollowUpWish.ONE_WEEK: N_("In 1 week"),
    FollowUpWish.TWO_WEEKS: N_("In 2 weeks"),
    FollowUpWish.DATE: N_("On a date"),
}


def not_registered_text(tr: Translator) -> str:
    return tr.gettext(
        "I don't know you yet. This bot is for the staff of the district's schools: open the "
        "invite link from your school office, or send /start to register with your phone number."
    )


def left_roster_text(tr: Translator) -> str:
    return tr.gettext(
        "Your name is no longer on the district's roster, so I cannot do this for you. "
        "Please contact your school office."
    )


def expired_text(tr: Translator) -> str:
    return tr.gettext("This button has expired. Nothing was changed.")


def private_only_text(tr: Translator) -> str:
    return tr.gettext("This button works only in a private chat with me.")


# Why the store refused a visit (store.visit_rules.VisitRejected codes); the ownership refusals
# (not_found, not_yours) are worded once here for editing and deleting alike.
_REASONS = {
    "not_allowed": N_("You may not log this visit."),
    "not_yours": N_("Only the person who logged this visit may change it."),
    "not_found": N_("This visit has already been deleted."),
    "kind_mismatch": N_("A student visit cannot become a teacher interview, or the other way round."),
    "class_not_visitable": N_("You are not linked to this class in the roster."),
    "student_not_in_class": N_("A chosen student is not in this class (any more)."),
    "student_inactive": N_("A chosen student is no longer on the roster."),
    "teacher_not_interviewable": N_("A chosen person is not a teacher you interview."),
    "date_before_campaign": N_("The date is before the campaign started."),
    "date_in_future": N_("The date is in the future."),
    "unknown_topic": N_("A chosen topic is no longer on the outline. Please choose again."),
    "unknown_category": N_("An opinion's category no longer exists. Please remove it and add it again."),
    "co_visitor_invalid": N_("A co-visitor is not a colleague of your school (any more)."),
    "too_many_visitees": N_("Too many people for one visit."),
    "text_too_long": N_("A text is too long."),
    "opinion_empty": N_("An opinion is empty."),
    "follow_up_date_invalid": N_("The follow-up date must be after the visit and within a year."),
    "no_visitees": N_("Choose at least one person."),
}


def rejection_text(tr: Translator, rejected: VisitRejected) -> str:
    """Why the store refused, in the person's language."""
    return tr.gettext(_REASONS.get(rejected.code, N_("This visit could not be saved.")))
