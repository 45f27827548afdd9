"""Who may see and do what: the one place permissions are computed (SPEC.md, "Scopes").

A person with several roles gets the union. Every query that returns people, visits or focus tags
takes a :class:`Scope`, so no surface can forget the check. Groups never get a scope: they get
aggregates only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import SchoolClass, Staff, StaffClass, StaffGrade, StaffRole
from store.vocab import CADRE_ROLES, DISTRICT_ROLES, TEACHER_ROLES, Role


class Action(StrEnum):
    RECORD_STUDENT_VISIT = "record_student_visit"
    RECORD_INTERVIEW = "record_interview"
    GRANT_EXEMPTION = "grant_exemption"
    MANAGE_OPINIONS = "manage_opinions"
    MANAGE_RECTIFICATION = "manage_rectification"
    BIND_SCHOOL_GROUP = "bind_school_group"
    REVIEW = "review"
    IMPORT_ROSTER = "import_roster"
    BIND_DISTRICT_GROUP = "bind_district_group"
    EXPORT = "export"


@dataclass(frozen=True)
class StaffFacts:
    """What the roster says about one person, as far as permissions care."""

    staff_id: int
    school_id: int | None
    roles: frozenset[Role]
    head_class_ids: frozenset[int] = frozenset()
    taught_class_ids: frozenset[int] = frozenset()
    grade_ids: frozenset[int] = frozenset()
    # Every active class of the person's school, by grade: what "their school/grade" expands to.
    school_classes_by_grade: Mapping[int, frozenset[int]] = field(default_factory=dict)
    active: bool = True


@dataclass(frozen=True)
class Scope:
    """What one person may see and do. Built by :func:`compute_scope`, never by hand in surfaces."""

    staff_id: int
    roles: frozenset[Role]
    school_id: int | None
    # Sees every school's students, teachers' focus tags and interviews (district roles).
    district_wide: bool = False
    # Classes whose students (names, visits, focus tags) this person sees, outside district_wide.
    student_class_ids: frozenset[int] = frozenset()
    # Schools whose teachers' focus tags and interviews this person sees, outside district_wide.
    teacher_school_ids: frozenset[int] = frozenset()
    # Classes whose students this person may log visits with (head_of ∪ teaches ∪ a grade head's grades).
    visit_class_ids: frozenset[int] = frozenset()
    # Classes where this person may exempt students (head teacher of the class).
    exemption_class_ids: frozenset[int] = frozenset()
    # School whose head and subject teachers this person interviews (cadres), if any.
    interview_school_id: int | None = None
    actions: frozenset[Action] = frozenset()

    @property
    def read_only(self) -> bool:
        """Sees without acting on anything (district leaders and supervisors without other roles)."""
        return not (self.actions - {Action.REVIEW})

    def can(self, action: Action) -> bool:
        return action in self.actions

    def sees_students_of(self, class_id: int) -> bool:
        return self.district_wide or class_id in self.student_class_ids

    def sees_teachers_of(self, school_id: int | None) -> bool:
        return self.district_wide or (school_id is not None and school_id in self.teacher_school_ids)

    def may_visit_class(self, class_id: int) -> bool:
        return Action.RECORD_STUDENT_VISIT in self.actions and class_id in self.visit_class_ids

    def may_interview_in(self, school_id: int | None) -> bool:
        return (
            Action.RECORD_INTERVIEW in self.actions
            and school_id is not None
            and school_id == self.interview_school_id
        )

    def may_bind_group_of(self, school_id: int | None) -> bool:
        """Whether this person may bind, unbind or set the language of a group of ``school_id``
        (None: the district group): a school leader or middle cadre of that school; the office."""
        if school_id is None:
            return Action.BIND_DISTRICT_GROUP in self.actions
        return Action.BIND_SCHOOL_GROUP in self.actions and school_id == self.school_id

    def sees_aggregates_of(self, school_id: int | None) -> bool:
        """Whether this person may ask for the aggregate figures of ``school_id`` (None: the whole
        district) in a group bound to it: any active staff member of that school, or a district role."""
        if self.district_wide:
            return True
        return school_id is not None and bool(self.roles) and school_id == self.school_id


    @property
    def ranks_schools(self) -> bool:
        """Whether this person sees every school's score and parts in ``/ranking`` (district roles)."""
        return self.district_wide

    def ranks_within(self, school_id: int | None) -> bool:
        """Whether this person sees the scores of ``school_id``'s classes and teachers (with their
        names): a school leader of that school, or a district role. A school's own rank among the
        others is shown to its leaders too, but no other school's details."""
        if self.district_wide:
            return True
        return school_id is not None and Role.SCHOOL_LEADER in self.roles and school_id == self.school_id

    def may_export(self, school_id: int | None) -> bool:
        """Whether this person may export the archive of ``school_id`` (None: the whole district):
        the district office anything, a school leader their own school."""
        if Action.EXPORT in self.actions:
            return True
        return school_id is not None and Role.SCHOOL_LEADER in self.roles and school_id == self.school_id

    def may_report(self, school_id: int | None) -> bool:
        """Whether this person may have the summary report (PDF) of ``school_id`` (None: the whole
        district): the district office and district leaders anything, a school leader their own school.
        Supervisors check visits; the report is for those who answer for the campaign."""
        if self.roles & {Role.DISTRICT_OFFICE, Role.DISTRICT_LEADER}:
            return True
        return school_id is not None and Role.SCHOOL_LEADER in self.roles and school_id == self.school_id

    def names_in_report(self, school_id: int | None, class_id: int | None) -> bool:
        """Whether a notable case of ``class_id`` (in ``school_id``) names its students in the summary
        report this person receives: a school leader of that school, who sees its students anyway and
        whose report stays in the school. District roles get the cases anonymised (class only): a
        district's report travels beyond any one school, and the archive export has the names."""
        return (school_id is not None and class_id is not None and Role.SCHOOL_LEADER in self.roles
                and school_id == self.school_id and self.sees_students_of(class_id))

    def may_set_school_phases(self, school_id: int | None) -> bool:
        """Whether this person may shift ``school_id``'s own phase dates (SPEC: settings of their
        school are its school leaders')."""
        return self.may_change_settings_of(school_id)

    def may_change_settings_of(self, school_id: int | None) -> bool:
        """Whether this person changes ``school_id``'s settings (``/settings``: its own phase dates
        and interview outline): a school leader of that school (SPEC's scope table)."""
        return school_id is not None and Role.SCHOOL_LEADER in self.roles and school_id == self.school_id

    def may_manage_opinions_of(self, school_id: int | None) -> bool:
        """Whether this person works ``school_id``'s opinion inbox (categorise, merge, dismiss, turn
        into items): a school leader or middle cadre of that school."""
        return (Action.MANAGE_OPINIONS in self.actions and school_id is not None
                and school_id == self.school_id)

    def may_manage_rectification_of(self, school_id: int | None) -> bool:
        """Whether this person creates, verifies and sends back ``school_id``'s rectification items:
        a school leader or middle cadre of that school."""
        return (Action.MANAGE_RECTIFICATION in self.actions and school_id is not None
                and school_id == self.school_id)

    @property
    def reviews_any_school(self) -> bool:
        """Whether this person spot-checks visits of every school (supervisors, 督導組)."""
        return Action.REVIEW in self.actions and Role.SUPERVISOR in self.roles

    def may_review(self, school_id: int | None) -> bool:
        """Whether this person may spot-check (verify, return) the visits of ``school_id``: a
        supervisor any school, a school leader their own (SPEC: reviews are theirs too). Reviewers
        see the records they check in full (names included), never the private notes."""
        if Action.REVIEW not in self.actions or school_id is None:
            return False
        return self.reviews_any_school or (Role.SCHOOL_LEADER in self.roles and school_id == self.school_id)

    @property
    def handles_escalations(self) -> bool:
        """Whether this person answers escalated (district-level) items of any school: accept,
        reassign, return (the district office)."""
        return Role.DISTRICT_OFFICE in self.roles


NO_SCOPE_ROLES: frozenset[Role] = frozenset()


def _union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
    out: set[int] = set()
    for s in sets:
        out |= s
    return frozenset(out)


def compute_scope(facts: StaffFacts) -> Scope:
    """The scope table of SPEC.md, as a pure function of the roster's facts (union of roles)."""
    roles = facts.roles if facts.active else NO_SCOPE_ROLES
    actions: set[Action] = set()
    student_classes: set[int] = set()
    teacher_schools: set[int] = set()
    visit_classes: set[int] = set()
    exemption_classes: set[int] = set()
    interview_school: int | None = None
    all_school_classes = _union(facts.school_classes_by_grade.values())

    if roles & TEACHER_ROLES:
        visit_classes |= facts.taught_class_ids
        student_classes |= facts.taught_class_ids
        if visit_classes or Role.HEAD_TEACHER in roles:
            actions.add(Action.RECORD_STUDENT_VISIT)
    if Role.HEAD_TEACHER in roles:
        visit_classes |= facts.head_class_ids
        student_classes |= facts.head_class_ids
        exemption_classes |= facts.head_class_ids
        actions.add(Action.GRANT_EXEMPTION)
    if Role.GRADE_HEAD in roles:
        grade_classes = _union(facts.school_classes_by_grade.get(g, frozenset()) for g in facts.grade_ids)
        student_classes |= grade_classes
        # SPEC: a grade head "acts on their own visits and interviews": the visits are with students
        # of their grade(s), which is also all they see of students.
        visit_classes |= grade_classes
        if grade_classes:
            actions.add(Action.RECORD_STUDENT_VISIT)
    if roles & CADRE_ROLES and facts.school_id is not None:
        actions.add(Action.RECORD_INTERVIEW)
        interview_school = facts.school_id
    if roles & {Role.SCHOOL_LEADER, Role.MIDDLE_CADRE} and facts.school_id is not None:
        student_classes |= all_school_classes
        teacher_schools.add(facts.school_id)
        actions |= {Action.MANAGE_OPINIONS, Action.MANAGE_RECTIFICATION, Action.BIND_SCHOOL_GROUP}
    if Role.SCHOOL_LEADER in roles and facts.school_id is not None:
        actions.add(Action.REVIEW)  # their own school's visits (Scope.may_review)
    district_wide = bool(roles & DISTRICT_ROLES)
    if Role.SUPERVISOR in roles:
        actions.add(Action.REVIEW)
    if Role.DISTRICT_OFFICE in roles:
        actions |= {Action.IMPORT_ROSTER, Action.BIND_DISTRICT_GROUP, Action.EXPORT}
    return Scope(
        staff_id=facts.staff_id,
        roles=roles,
        school_id=facts.school_id,
        district_wide=district_wide,
        student_class_ids=frozenset(student_classes),
        teacher_school_ids=frozenset(teacher_schools),
        visit_class_ids=frozenset(visit_classes),
        exemption_class_ids=frozenset(exemption_classes),
        interview_school_id=interview_school,
        actions=frozenset(actions),
    )


async def staff_facts(*, session: AsyncSession, staff_id: int) -> StaffFacts | None:
    """Load what :func:`compute_scope` needs for one staff member (None if unknown)."""
    staff = await session.get(Staff, staff_id)
    if staff is None:
        return None
    roles = frozenset(
        Role(r) for r in (await session.scalars(select(StaffRole.role).filter_by(staff_id=staff_id))).all()
        if r in Role._value2member_map_
    )
    links = (await session.execute(
        select(StaffClass.class_id, StaffClass.link)
        .join(SchoolClass, SchoolClass.id == StaffClass.class_id)
        .where(StaffClass.staff_id == staff_id, SchoolClass.active.is_(True))
    )).all()
    grade_ids = frozenset((await session.scalars(
        select(StaffGrade.grade_id).filter_by(staff_id=staff_id)
    )).all())
    by_grade: dict[int, set[int]] = {}
    if staff.school_id is not None:
        rows = (await session.execute(
            select(SchoolClass.grade_id, SchoolClass.id).where(
                SchoolClass.school_id == staff.school_id, SchoolClass.active.is_(True)
            )
        )).all()
        for grade_id, class_id in rows:
            by_grade.setdefault(grade_id, set()).add(class_id)
    return StaffFacts(
        staff_id=staff.id,
        school_id=staff.school_id,
        roles=roles,
        head_class_ids=frozenset(c for c, link in links if link == "head"),
        taught_class_ids=frozenset(c for c, link in links if link == "teaches"),
        grade_ids=grade_ids,
        school_classes_by_grade={g: frozenset(c) for g, c in by_grade.items()},
        active=staff.active,
    )


async def scope_for(*, session: AsyncSession, staff_id: int) -> Scope | None:
    """The scope of one staff member, or None if there is no such person."""
    facts = await staff_facts(session=session, staff_id=staff_id)
    return None if facts is None else compute_scope(facts)
