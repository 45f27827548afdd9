"""Small formatting helpers shared by handlers: HTML escaping and role/focus labels."""

from __future__ import annotations

import html
from collections.abc import Iterable

from bot.i18n import N_, Translator

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
