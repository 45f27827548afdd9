"""The scope table of SPEC.md as a matrix: every role and some unions, against every kind of object.

One small district, two ways: hand-made :class:`StaffFacts` through the pure ``compute_scope``, and the
same people inserted into a real database and loaded with ``scope_for``. Both must give the same matrix.

School A: grade 7 (classes A71, A72, and A73 which is inactive), grade 8 (A81). School B: grade 7 (B71).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from store.installation import StoreHandle
from store.scopes import Action, Scope, StaffFacts, compute_scope, scope_for
from store.vocab import Role
from tests.builders import add_class, add_grade, add_school, add_staff, add_student

A = Action
CLASSES = ("A71", "A72", "A81", "B71")  # the active classes; "own / same grade / other grade / other school"
SCHOOLS = ("A", "B")


@dataclass(frozen=True)
class Person:
    """One row of the roster: roles, links by name, and whether the person is still on it."""

    school: str | None
    roles: tuple[Role, ...]
    head_of: tuple[str, ...] = ()
    teaches: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class Sees:
    """What a scope amounts to, in names: the expected row of the matrix."""

    students: frozenset[str] = frozenset()  # classes whose students (names, visits, focus) are visible
    teachers: frozenset[str] = frozenset()  # schools whose teachers' focus tags and interviews are visible
    visit: frozenset[str] = frozenset()  # classes where the person may record a student visit
    exempt: frozenset[str] = frozenset()  # classes where the person may exempt students
    interview: frozenset[str] = frozenset()  # schools where the person may record teacher interviews
    review: frozenset[str] = frozenset()  # schools whose visits the person may spot-check (/review)
    actions: frozenset[Action] = field(default_factory=frozenset)
    read_only: bool = False


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


SCHOOL_CADRE_ACTIONS = frozenset(
    {A.RECORD_INTERVIEW, A.MANAGE_OPINIONS, A.MANAGE_RECTIFICATION, A.BIND_SCHOOL_GROUP}
)

PEOPLE: dict[str, Person] = {
    "subject_teacher": Person("A", (Role.SUBJECT_TEACHER,), teaches=("A71", "A73")),
    "head_teacher": Person("A", (Role.HEAD_TEACHER,), head_of=("A71",), teaches=("A71",)),
    "grade_head": Person("A", (Role.GRADE_HEAD,), grades=("A7",)),
    "school_leader": Person("A", (Role.SCHOOL_LEADER,), grades=("A7",)),
    "middle_cadre": Person("A", (Role.MIDDLE_CADRE,)),
    "school_leader_b": Person("B", (Role.SCHOOL_LEADER,), grades=("B7",)),
    "district_leader": Person(None, (Role.DISTRICT_LEADER,)),
    "supervisor": Person(None, (Role.SUPERVISOR,)),
    "district_office": Person(None, (Role.DISTRICT_OFFICE,)),
    "grade_head+subject_teacher": Person(
        "A", (Role.GRADE_HEAD, Role.SUBJECT_TEACHER), grades=("A8",), teaches=("A71",)
    ),
    "head_teacher+subject_teacher elsewhere": Person(
        "A", (Role.HEAD_TEACHER, Role.SUBJECT_TEACHER), head_of=("A72",), teaches=("A81",)
    ),
    "school_leader+subject_teacher": Person(
        "A", (Role.SCHOOL_LEADER, Role.SUBJECT_TEACHER), grades=("A8",), teaches=("A81",)
    ),
    "inactive head_teacher": Person("A", (Role.HEAD_TEACHER,), head_of=("A71",), active=False),
    "inactive district_office": Person(None, (Role.DISTRICT_OFFICE,), active=False),
}

EVERYTHING = _s(*CLASSES)
MATRIX: dict[str, Sees] = {
    "subject_teacher": Sees(
        students=_s("A71"), visit=_s("A71"), actions=frozenset({A.RECORD_STUDENT_VISIT})
    ),
    "head_teacher": Sees(
        students=_s("A71"), visit=_s("A71"), exempt=_s("A71"),
        actions=frozenset({A.RECORD_STUDENT_VISIT, A.GRANT_EXEMPTION}),
    ),
    "grade_head": Sees(
        students=_s("A71", "A72"), visit=_s("A71", "A72"), interview=_s("A"),
        actions=frozenset({A.RECORD_STUDENT_VISIT, A.RECORD_INTERVIEW}),
    ),
    "school_leader": Sees(
        students=_s("A71", "A72", "A81"), teachers=_s("A"), interview=_s("A"), review=_s("A"),
        actions=SCHOOL_CADRE_ACTIONS | {A.REVIEW},
    ),
    "middle_cadre": Sees(
        students=_s("A71", "A72", "A81"), teachers=_s("A"), interview=_s("A"), actions=SCHOOL_CADRE_ACTIONS
    ),
    "school_leader_b": Sees(
        students=_s("B71"), teachers=_s("B"), interview=_s("B"), review=_s("B"),
        actions=SCHOOL_CADRE_ACTIONS | {A.REVIEW},
    ),
    "district_leader": Sees(students=EVERYTHING, teachers=_s(*SCHOOLS), read_only=True),
    "supervisor": Sees(
        students=EVERYTHING, teachers=_s(*SCHOOLS), review=_s(*SCHOOLS), actions=frozenset({A.REVIEW}),
        read_only=True,
    ),
    "district_office": Sees(
        students=EVERYTHING, teachers=_s(*SCHOOLS),
        actions=frozenset({A.IMPORT_ROSTER, A.BIND_DISTRICT_GROUP, A.EXPORT}),
    ),
    "grade_head+subject_teacher": Sees(
        students=_s("A71", "A81"), visit=_s("A71", "A81"), interview=_s("A"),
        actions=frozenset({A.RECORD_STUDENT_VISIT, A.RECORD_INTERVIEW}),
    ),
    "head_teacher+subject_teacher elsewhere": Sees(
        students=_s("A72", "A81"), visit=_s("A72", "A81"), exempt=_s("A72"),
        actions=frozenset({A.RECORD_STUDENT_VISIT, A.GRANT_EXEMPTION}),
    ),
    "school_leader+subject_teacher": Sees(
        students=_s("A71", "A72", "A81"), teachers=_s("A"), visit=_s("A81"), interview=_s("A"),
        review=_s("A"), actions=SCHOOL_CADRE_ACTIONS | {A.RECORD_STUDENT_VISIT, A.REVIEW},
    ),
    "inactive head_teacher": Sees(read_only=True),
    "inactive district_office": Sees(read_only=True),
}

# Fixed ids for the pure test; the database test maps names to whatever ids it gets.
PURE_SCHOOLS = {"A": 1, "B": 2}
PURE_GRADES = {"A7": 10, "A8": 11, "B7": 20}
PURE_CLASSES = {"A71": 100, "A72": 101, "A73": 102, "A81": 110, "B71": 200}
ACTIVE_BY_SCHOOL = {1: {10: frozenset({100, 101}), 11: frozenset({110})}, 2: {20: frozenset({200})}}


def describe(scope: Scope, classes: dict[str, int], schools: dict[str, int]) -> Sees:
    """Read a scope back into names, through its public methods."""
    return Sees(
        students=frozenset(c for c in CLASSES if scope.sees_students_of(classes[c])),
        teachers=frozenset(s for s in SCHOOLS if scope.sees_teachers_of(schools[s])),
        visit=frozenset(c for c in CLASSES if scope.may_visit_class(classes[c])),
        exempt=frozenset(c for c in CLASSES if classes[c] in scope.exemption_class_ids),
        interview=frozenset(s for s in SCHOOLS if scope.may_interview_in(schools[s])),
        review=frozenset(s for s in SCHOOLS if scope.may_review(schools[s])),
        actions=scope.actions,
        read_only=scope.read_only,
    )


def pure_facts(staff_id: int, person: Person) -> StaffFacts:
    """The facts ``staff_facts`` would load: links to inactive classes already dropped."""
    school_id = PURE_SCHOOLS[person.school] if person.school else None
    active_ids = {c for grades in ACTIVE_BY_SCHOOL.values() for ids in grades.values() for c in ids}

    def ids(names: tuple[str, ...]) -> frozenset[int]:
        return frozenset(PURE_CLASSES[n] for n in names) & active_ids

    return StaffFacts(
        staff_id=staff_id,
        school_id=school_id,
        roles=frozenset(person.roles),
        head_class_ids=ids(person.head_of),
        taught_class_ids=ids(person.teaches),
        grade_ids=frozenset(PURE_GRADES[g] for g in person.grades),
        school_classes_by_grade=ACTIVE_BY_SCHOOL.get(school_id, {}) if school_id else {},
        active=person.active,
    )


@pytest.mark.parametrize("who", list(PEOPLE))
def test_compute_scope_matrix(who: str) -> None:
    scope = compute_scope(pure_facts(7, PEOPLE[who]))
    assert describe(scope, PURE_CLASSES, PURE_SCHOOLS) == MATRIX[who]
    assert scope.staff_id == 7


def test_every_role_is_in_the_matrix() -> None:
    single = {p.roles[0] for p in PEOPLE.values() if len(p.roles) == 1 and p.active}
    assert single == set(Role)


def test_district_roles_are_district_wide_and_school_roles_are_not() -> None:
    assert compute_scope(pure_facts(1, PEOPLE["supervisor"])).district_wide
    assert not compute_scope(pure_facts(1, PEOPLE["school_leader"])).district_wide
    inactive = compute_scope(pure_facts(1, PEOPLE["inactive district_office"]))
    assert not inactive.district_wide and inactive.roles == frozenset()


def test_a_link_without_the_role_grants_nothing() -> None:
    """A head_of link on someone the roster does not call a head teacher gives no exemption right."""
    facts = pure_facts(3, Person("A", (Role.SUBJECT_TEACHER,), head_of=("A72",), teaches=("A71",)))
    scope = compute_scope(facts)
    assert not scope.can(Action.GRANT_EXEMPTION)
    assert not scope.sees_students_of(PURE_CLASSES["A72"])


async def _build_district(store: StoreHandle) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    async with store.sessions() as session:
        schools = {n: await add_school(session, f"School {n}") for n in SCHOOLS}
        grades = {
            "A7": await add_grade(session, schools["A"], "七年級"),
            "A8": await add_grade(session, schools["A"], "八年級"),
            "B7": await add_grade(session, schools["B"], "七年級"),
        }
        classes = {
            "A71": await add_class(session, schools["A"], grades["A7"], "七年級1班"),
            "A72": await add_class(session, schools["A"], grades["A7"], "七年級2班"),
            "A73": await add_class(session, schools["A"], grades["A7"], "七年級3班", active=False),
            "A81": await add_class(session, schools["A"], grades["A8"], "八年級1班"),
            "B71": await add_class(session, schools["B"], grades["B7"], "七年級1班"),
        }
        for n, c in enumerate(classes.values()):
            await add_student(session, f"S{n}", f"Student {n}", c)
        staff: dict[str, int] = {}
        for n, (who, p) in enumerate(PEOPLE.items()):
            staff[who] = await add_staff(
                session, f"T{n}", who, schools[p.school] if p.school else None, [r.value for r in p.roles],
                head_of=[classes[c] for c in p.head_of], teaches=[classes[c] for c in p.teaches],
                grades=[grades[g] for g in p.grades], active=p.active,
            )
        await session.commit()
    return schools, classes, staff


async def test_scope_for_loads_the_same_matrix_from_the_database(store: StoreHandle) -> None:
    schools, classes, staff = await _build_district(store)
    got: dict[str, Any] = {}
    async with store.sessions() as session:
        for who in PEOPLE:
            scope = await scope_for(session=session, staff_id=staff[who])
            assert scope is not None
            assert scope.staff_id == staff[who]
            got[who] = describe(scope, classes, schools)
        teacher = await scope_for(session=session, staff_id=staff["subject_teacher"])
        unknown = await scope_for(session=session, staff_id=max(staff.values()) + 100)
    assert got == MATRIX
    # The link to the inactive class A73 is dropped on load.
    assert teacher is not None and classes["A73"] not in teacher.visit_class_ids | teacher.student_class_ids
    assert unknown is None


def test_only_a_school_leader_changes_the_settings_of_their_own_school() -> None:
    allowed = {
        who: {s for s in SCHOOLS if compute_scope(pure_facts(1, p)).may_change_settings_of(PURE_SCHOOLS[s])}
        for who, p in PEOPLE.items()
    }
    assert {who for who, schools in allowed.items() if schools} == {
        "school_leader", "school_leader_b", "school_leader+subject_teacher"}
    assert allowed["school_leader"] == {"A"} and allowed["school_leader_b"] == {"B"}
    assert not compute_scope(pure_facts(1, PEOPLE["school_leader"])).may_change_settings_of(None)
