"""Why the store refused a visit, in the teacher's language."""

from __future__ import annotations

from bot.i18n import N_, Translator
from store.visit_rules import VisitRejected

_REASONS = {
    "not_allowed": N_("You may not log this visit."),
    "not_yours": N_("Only the person who logged this visit may change it."),
    "not_found": N_("This visit no longer exists."),
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
    return tr.gettext(_REASONS.get(rejected.code, N_("This visit could not be saved.")))
