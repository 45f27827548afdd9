"""Who handles opinions and rectification items: the scope table's rows for them, as a matrix over the
people of ``tests/test_scopes.py`` (school A, school B, the district roles)."""

from __future__ import annotations

import pytest

from store.scopes import compute_scope
from tests.test_scopes import PEOPLE, PURE_SCHOOLS, pure_facts

# who → (schools whose opinions they handle, schools whose items they manage, answers escalations)
HANDLES: dict[str, tuple[set[str], set[str], bool]] = {
    "subject_teacher": (set(), set(), False),
    "head_teacher": (set(), set(), False),
    "grade_head": (set(), set(), False),
    "school_leader": ({"A"}, {"A"}, False),
    "middle_cadre": ({"A"}, {"A"}, False),
    "school_leader_b": ({"B"}, {"B"}, False),
    "district_leader": (set(), set(), False),
    "supervisor": (set(), set(), False),
    "district_office": (set(), set(), True),
    "grade_head+subject_teacher": (set(), set(), False),
    "head_teacher+subject_teacher elsewhere": (set(), set(), False),
    "school_leader+subject_teacher": ({"A"}, {"A"}, False),
    "inactive head_teacher": (set(), set(), False),
    "inactive district_office": (set(), set(), False),
}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_who_handles_opinions_items_and_escalations(who: str) -> None:
    scope = compute_scope(pure_facts(7, PEOPLE[who]))
    opinions = {s for s, i in PURE_SCHOOLS.items() if scope.may_manage_opinions_of(i)}
    items = {s for s, i in PURE_SCHOOLS.items() if scope.may_manage_rectification_of(i)}
    assert not scope.may_manage_opinions_of(None) and not scope.may_manage_rectification_of(None)
    assert (opinions, items, scope.handles_escalations) == HANDLES[who]


def test_every_person_has_a_row() -> None:
    assert set(HANDLES) == set(PEOPLE)
