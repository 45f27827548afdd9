"""The archive workbook (XLSX), written with openpyxl in write-only mode so rows stream to disk.

Sheets, in order: 學生家訪記錄本 (one row per visit and student: a group talk gives a row for each
student), 訪談教師記錄表 (one row per interview and teacher), both with the visit's shareable
situation (情況); coverage per class, coverage per school, opinions with their handling (every
opinion: where it was raised, its category, what became of it, the item it became), the
rectification plan (整改方案: item, goal, measures, owner, deadline, state, done on time), scores.
Headers and labels are in the translator's language. Private notes are not in the data this module
receives, so they cannot reach the file.

Every text cell is written as a string cell: text that starts with "=" stays text and is never
stored as a formula, and characters XLSX cannot hold are dropped. That is the XLSX rule of
hardening's shared writer (``reports/spreadsheet.py`` on the ``ops`` branch), whose ``xlsx_bytes``
builds one sheet in memory; a workbook of six streamed sheets needs the rule per cell, so
:func:`text_cell` should move there as its write-only helper once both are merged.

:class:`ArchiveWorkbook` is pure over plain data: feed it visits as they stream from the store, then
the coverage and scores, and save it into a binary file object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, tzinfo
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports.coverage import DistrictCoverage
from reports.plan_status import done_on, on_time
from reports.scores import ClassScore, Part, SchoolScore, Score, ScoreBoard, TeacherScore
from store.archive_rows import OpinionRow, PlanRow
from store.export_rows import Person, VisitRecord
from store.opinions import OpinionStatus
from store.rectification import ItemLevel, ItemStatus
from store.vocab import Place, VisitForm, VisitKind

Gettext = Callable[[str], str]
MAX_CELL = 32767  # characters an XLSX cell holds


def N_(message: str) -> str:
    """Marks a message for the catalogues; translated when the workbook is written."""
    return message


FORM_LABELS = {
    VisitForm.IN_PERSON: N_("in person"),
    VisitForm.HOME: N_("home visit"),
    VisitForm.PHONE: N_("phone"),
    VisitForm.ONLINE: N_("online"),
}
PLACE_LABELS = {
    Place.OFFICE: N_("office"),
    Place.CLASSROOM: N_("classroom"),
    Place.HOME: N_("home"),
    Place.CANTEEN: N_("canteen"),
    Place.DORMITORY: N_("dormitory"),
    Place.CLUB: N_("club"),
    Place.REMOTE: N_("remote"),
    Place.OTHER: N_("other"),
}
SCORE_PART_HEADERS = {
    Part.STUDENT_COVERAGE: N_("Student coverage"),
    Part.STUDENT_ONE_ON_ONE: N_("Student one-on-one share"),
    Part.TEACHER_COVERAGE: N_("Teacher coverage"),
    Part.FOCUS_COVERAGE: N_("Focus one-on-one share"),
    Part.FOLLOW_UP_DONE: N_("Follow-ups done (share)"),
    Part.RECTIFICATION_ON_TIME: N_("Rectification on time (share)"),
    Part.LEADER_PARTICIPATION: N_("Leaders in their grades (share)"),
    Part.REVIEW_OUTCOME: N_("Review outcomes (share)"),
}
STUDENT_SHEET = N_("Student visit record")  # 學生家訪記錄本
TEACHER_SHEET = N_("Teacher interview record")  # 訪談教師記錄表
STUDENT_HEADERS = (N_("Date"), N_("School"), N_("Class"), N_("Student"), N_("Student id"), N_("Visitors"),
                   N_("Form"), N_("Place"), N_("Topics"), N_("Situation"), N_("Opinions"), N_("Follow-up"))
TEACHER_HEADERS = (N_("Date"), N_("School"), N_("Teacher interviewed"), N_("Staff id"), N_("Interviewers"),
                   N_("Form"), N_("Place"), N_("Topics"), N_("Situation"), N_("Opinions"), N_("Follow-up"))
CLASS_HEADERS = (N_("School"), N_("Grade"), N_("Class"), N_("Students"), N_("Exempt"), N_("Visited"),
                 N_("Coverage"), N_("One-on-one"), N_("One-on-one share"), N_("Focus students"),
                 N_("Focus students one-on-one"))
SCHOOL_HEADERS = (N_("School"), N_("Students"), N_("Visited"), N_("Coverage"), N_("One-on-one"),
                  N_("One-on-one share"), N_("Teachers"), N_("Interviewed"),
                  N_("Teacher coverage"), N_("Focus people"), N_("Focus people one-on-one"))
OPINION_HEADERS = (N_("No."), N_("Date"), N_("School"), N_("Class"), N_("Raised in"), N_("Recorded by"),
                   N_("Category"), N_("Opinion"), N_("Handling"), N_("Rectification item"))
PLAN_HEADERS = (N_("No."), N_("School"), N_("Item"), N_("Goal"), N_("Measures"), N_("Owner"), N_("Deadline"),
                N_("Level"), N_("State"), N_("Done on"), N_("On time"), N_("Opinions"))
HANDLING_LABELS = {
    OpinionStatus.NEW: N_("not handled yet"),
    OpinionStatus.MERGED: N_("merged"),
    OpinionStatus.DISMISSED: N_("dismissed"),
    OpinionStatus.ITEMISED: N_("in an item"),
}
ITEM_STATUS_LABELS = {  # the words of /rectify
    ItemStatus.OPEN: N_("open"),
    ItemStatus.IN_PROGRESS: N_("in progress"),
    ItemStatus.DONE: N_("done, awaiting verification"),
    ItemStatus.VERIFIED: N_("verified"),
    ItemStatus.RETURNED: N_("sent back"),
}
LEVEL_LABELS = {ItemLevel.SCHOOL: N_("school"), ItemLevel.DISTRICT: N_("district")}
ON_TIME_LABELS = {True: N_("on time"), False: N_("late")}
PERCENT = "0.0%"
DAY = "yyyy-mm-dd"


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A string cell, whatever the text starts with (``=`` stays text, never a formula)."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL])
    cell.data_type = "s"
    return cell


def _cell(sheet: WriteOnlyWorksheet, value: object, number_format: str | None = None) -> Any:
    """A value ready for ``sheet.append``. Plain text and numbers go as they are (openpyxl then
    reuses one cell object per row, which is most of the speed of write-only mode); text that
    could be taken for a formula or holds characters XLSX cannot store gets its own string cell."""
    if isinstance(value, str):
        if value[:1] == "=" or ILLEGAL_CHARACTERS_RE.search(value) or len(value) > MAX_CELL:
            return text_cell(sheet, value)
        return value
    if value is None or (number_format is None and not isinstance(value, date)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format or DAY
    return cell


def _sheet_title(text: str) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\."""
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Sheet"


class ArchiveWorkbook:
    """The workbook being built. Call :meth:`add_visit` for each visit, then :meth:`add_coverage`,
    :meth:`add_scores`, and :meth:`save`."""

    def __init__(self, gettext: Gettext, zone: tzinfo) -> None:
        self._ = gettext
        self.zone = zone
        self.book = Workbook(write_only=True)
        self.students = self._sheet(STUDENT_SHEET, STUDENT_HEADERS)
        self.teachers = self._sheet(TEACHER_SHEET, TEACHER_HEADERS)
        self.classes = self._sheet(N_("Coverage by class"), CLASS_HEADERS)
        self.schools = self._sheet(N_("Coverage by school"), SCHOOL_HEADERS)
        self.opinions = self._sheet(N_("Opinions and their handling"), OPINION_HEADERS)
        self.plan = self._sheet(N_("Rectification plan"), PLAN_HEADERS)
        self.scores = self._sheet(N_("Scores"), (
            N_("Level"), N_("School"), N_("Name"), N_("Rank"), N_("Score"),
            *(SCORE_PART_HEADERS[p] for p in Part), N_("Co-visits"),
        ))
        self.rows = 0

    def _sheet(self, title: str, headers: Sequence[str]) -> WriteOnlyWorksheet:
        sheet = self.book.create_sheet(_sheet_title(self._(title)))
        sheet.append([text_cell(sheet, self._(h)) for h in headers])
        return sheet

    def _append(self, sheet: WriteOnlyWorksheet, values: Iterable[object]) -> None:
        sheet.append([_cell(sheet, v) for v in values])
        self.rows += 1

    # --- visits ----------------------------------------------------------------------------------

    def _people(self, people: Iterable[Person]) -> str:
        return self._("、").join(p.name for p in people)

    def _follow_up(self, record: VisitRecord) -> str:
        if record.follow_up_done_at is not None:
            return self._("done {date}").format(
                date=record.follow_up_done_at.astimezone(self.zone).date().isoformat())
        if record.follow_up_due is not None:
            return self._("due {date}").format(date=record.follow_up_due.isoformat())
        return ""

    def _opinions(self, record: VisitRecord) -> str:
        return "\n".join(
            f"[{o.category}] {o.text}" if o.category else o.text for o in record.opinions
        )

    def add_visit(self, record: VisitRecord) -> None:
        """One visit: a row per student (student visits) or per teacher (interviews)."""
        visitors = self._people((record.visitor, *record.co_visitors))
        common_tail = (
            visitors, self._(FORM_LABELS[record.form]), self._(PLACE_LABELS[record.place]),
            self._("、").join(record.topics), record.situation or "", self._opinions(record),
            self._follow_up(record),
        )
        if record.kind is VisitKind.STUDENT:
            for student in record.visitees:
                self._append(self.students, (record.visit_date, record.school_name, record.class_name or "",
                                             student.name, student.external_id, *common_tail))
        else:
            for teacher in record.visitees:
                self._append(self.teachers, (record.visit_date, record.school_name, teacher.name,
                                             teacher.external_id, *common_tail))

    # --- opinions and the rectification plan -----------------------------------------------------

    def _handling(self, row: OpinionRow) -> str:
        status = OpinionStatus(row.status)
        if status is OpinionStatus.MERGED and row.merged_into_id is not None:
            return self._("merged into #{id}").format(id=row.merged_into_id)
        if status is OpinionStatus.DISMISSED:
            return self._("dismissed: {reason}").format(reason=row.dismissed_reason or "")
        return self._(HANDLING_LABELS[status])

    def add_opinion(self, row: OpinionRow) -> None:
        """One opinion: where it was raised, and what became of it."""
        raised_in = self._("student visit") if row.kind is VisitKind.STUDENT else self._("teacher interview")
        item = f"#{row.item_id} {row.item_title or ''}".rstrip() if row.item_id is not None else ""
        self._append(self.opinions, (
            row.id, row.visit_date, row.school_name, row.class_name or "", raised_in, row.visitor_name,
            row.category or "", row.text, self._handling(row), item,
        ))

    def add_plan_item(self, item: PlanRow, today: date) -> None:
        """One rectification item of the plan, its state as of ``today``."""
        verdict = on_time(item, today, self.zone)
        timing = "" if verdict is None else self._(ON_TIME_LABELS[verdict])
        if verdict is False and done_on(item, self.zone) is None:
            timing = self._("overdue")
        self._append(self.plan, (
            item.id, item.school_name, item.title, item.goal, item.measures, item.owner_label, item.deadline,
            self._(LEVEL_LABELS[ItemLevel(item.level)]), self._(ITEM_STATUS_LABELS[ItemStatus(item.status)]),
            done_on(item, self.zone), timing, self._("、").join(f"#{o}" for o in item.opinion_ids),
        ))

    # --- coverage and scores ---------------------------------------------------------------------

    def add_coverage(self, coverage: DistrictCoverage) -> None:
        for school in coverage.schools:
            for grade in school.grades:
                for c in grade.classes:
                    s = c.students
                    self.classes.append([
                        _cell(self.classes, school.name), _cell(self.classes, grade.name),
                        _cell(self.classes, c.name), s.total, s.exempt, s.visited,
                        _cell(self.classes, s.coverage, PERCENT), s.one_on_one,
                        _cell(self.classes, s.one_on_one_ratio, PERCENT), s.focus_total, s.focus_one_on_one,
                    ])
                    self.rows += 1
            s, t = school.students, school.teachers
            self.schools.append([
                _cell(self.schools, school.name), s.total, s.visited,
                _cell(self.schools, s.coverage, PERCENT),
                s.one_on_one, _cell(self.schools, s.one_on_one_ratio, PERCENT),
                t.total if t else None, t.interviewed if t else None,
                _cell(self.schools, t.coverage if t else None, PERCENT),
                school.focus_total, school.focus_one_on_one,
            ])
            self.rows += 1

    def _score_row(self, level: str, school: str, name: str, rank: int | None, score: Score,
                   co_visits: int | None = None) -> None:
        value = score.value
        self.scores.append([
            text_cell(self.scores, self._(level)), _cell(self.scores, school), _cell(self.scores, name),
            rank, None if value is None else round(value, 2),
            *(_cell(self.scores, p.value, PERCENT) for p in score.parts), co_visits,
        ])
        self.rows += 1

    def add_scores(self, schools: Sequence[SchoolScore], classes: Sequence[ClassScore],
                   teachers: Sequence[TeacherScore], board: ScoreBoard) -> None:
        names = {s.school_id: s.name for s in board.schools}
        for s in schools:
            self._score_row(N_("school"), s.name, s.name, s.rank, s.score)
        for c in classes:
            self._score_row(N_("class"), names.get(c.school_id, ""), c.name, None, c.score)
        for t in teachers:
            self._score_row(N_("teacher"), names.get(t.school_id, ""), t.name, None, t.score, t.co_visits)

    def save(self, out: IO[bytes]) -> None:
        self.book.save(out)
