"""Who may bind a group, and whose aggregates a person may ask for in one: the scope table's group rows.

The same people as ``tests/test_scopes.py`` (school A, school B, the district roles), through the pure
``compute_scope``: for each, which groups they may bind (school A's, school B's, the district's) and
which aggregates they may ask for there.
"""

from __future__ import annotations

import pytest

from store.scopes import compute_scope
from tests.test_scopes import PEOPLE, PURE_SCHOOLS, pure_facts

GROUPS = ("A", "B", "district")
# who → (groups they may bind, groups whose aggregates they may ask for)
BIND_AND_ASK: dict[str, tuple[set[str], set[str]]] = {
    "subject_teacher": (set(), {"A"}),
    "head_teacher": (set(), {"A"}),
    "grade_head": (set(), {"A"}),
    "school_leader": ({"A"}, {"A"}),
    "middle_cadre": ({"A"}, {"A"}),
    "school_leader_b": ({"B"}, {"B"}),
    "district_leader": (set(), {"A", "B", "district"}),
    "supervisor": (set(), {"A", "B", "district"}),
    "district_office": ({"district"}, {"A", "B", "district"}),
    "grade_head+subject_teacher": (set(), {"A"}),
    "head_teacher+subject_teacher elsewhere": (set(), {"A"}),
    "school_leader+subject_teacher": ({"A"}, {"A"}),
    "inactive head_teacher": (set(), set()),
    "inactive district_office": (set(), set()),
}


def _school(group: str) -> int | None:
    return None if group == "district" else PURE_SCHOOLS[group]


@pytest.mark.parametrize("who", list(PEOPLE))
def test_who_binds_and_who_asks(who: str) -> None:
    scope = compute_scope(pure_facts(7, PEOPLE[who]))
    binds = {g for g in GROUPS if scope.may_bind_group_of(_school(g))}
    asks = {g for g in GROUPS if scope.sees_aggregates_of(_school(g))}
    assert (binds, asks) == BIND_AND_ASK[who]


def test_every_person_has_a_row() -> None:
    assert set(BIND_AND_ASK) == set(PEOPLE)
