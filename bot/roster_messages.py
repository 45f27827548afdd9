"""Roster import answers in words: finding codes → translated sentences, and the import summary.

store/roster returns codes; this module words them for the command line and, later, the bot (which
escapes the lines for HTML itself). Every function takes the :class:`Translator` to speak with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.i18n import Translator
from store.roster import Finding, ImportSummary, RosterReport

MAX_LISTED = 50  # findings listed per kind (errors, warnings); the rest are counted

Reason = Callable[[Callable[[str], str], Mapping[str, Any]], str]

_REASONS: dict[str, Reason] = {
    # Whole files.
    "empty_file": lambda _, p: _("the file is empty."),
    "no_rows": lambda _, p: _("the file has a header row but no data rows."),
    "header_not_first_row": lambda _, p: _("the header must be on row 1; remove the rows above it."),
    "unreadable_csv": lambda _, p: _("cannot be read as CSV ({detail}).").format(detail=p.get("detail", "")),
    "unreadable_xlsx": lambda _, p: _("cannot be read as an Excel workbook (.xlsx)."),
    "unreadable_zip": lambda _, p: _("cannot be read as a ZIP archive."),
    "file_too_large": lambda _, p: _("the file is too large for a roster."),
    "unsupported_file": lambda _, p: _(
        "not a roster file: send one .xlsx, one .zip, or staff.csv and students.csv."
    ),
    "unknown_file": lambda _, p: _(
        "cannot tell whether this is the staff or the students list: name it staff.csv or students.csv."
    ),
    "missing_file": lambda _, p: _("the file is missing."),
    "merged_cells": lambda _, p: _(
        "has merged cells ({count}); each row a merged cell spans was read with its value."
    ).format(count=p["count"]),
    "missing_sheet": lambda _, p: _(
        "the workbook has no “{sheet}” sheet (its sheets: {sheets}). Name the sheets “staff” and “students”."
    ).format(sheet=p["sheet"], sheets=p.get("sheets", "")),
    "zip_incomplete": lambda _, p: _(
        "the ZIP must hold staff.csv and students.csv; {missing} is missing."
    ).format(missing=p["missing"]),
    "duplicate_file": lambda _, p: _("a second {kind} list was given; send only one.").format(
        kind=_("staff") if p.get("kind") == "staff" else _("students")
    ),
    "encoding_ambiguous": lambda _, p: _(
        "cannot tell its encoding: it reads both as Big5 and as GBK. Save it as “CSV UTF-8” in Excel and import again."  # noqa: E501
    ),
    "encoding_unknown": lambda _, p: _(
        "its encoding is not UTF-8, Big5 or GBK. Save it as “CSV UTF-8” in Excel and import again."
    ),
    # The header row.
    "unknown_column": lambda _, p: _("not a roster column; it is ignored."),
    "duplicate_column": lambda _, p: _("this column appears twice."),
    "missing_column": lambda _, p: _("the required column “{key}” is missing.").format(key=p["key"]),
    # Rows.
    "missing_value": lambda _, p: _("a value is required here."),
    "formula_cell": lambda _, p: _(
        "the cell holds a formula; type the value itself (in Excel: copy the column, then Paste "
        "Special → Values)."
    ),
    "too_long": lambda _, p: _("too long (at most {max} characters).").format(max=p["max"]),
    "duplicate_id": lambda _, p: _("the id {id} is already used on row {first_row}.").format(
        id=p["id"], first_row=p["first_row"]
    ),
    "class_in_two_grades": lambda _, p: _(
        "class {cls} is in grade {grade} here but in grade {other_grade} on row {first_row}."
    ).format(cls=p["cls"], grade=p["grade"], other_grade=p["other_grade"], first_row=p["first_row"]),
    "unknown_role": lambda _, p: _("unknown role “{value}”.").format(value=p["value"]),
    "unknown_school": lambda _, p: _("no student of the students list is in school “{school}”.").format(
        school=p["school"]
    ),
    "district_role_with_school": lambda _, p: _(
        "a district role with a school: the person is kept linked to {school}."
    ).format(school=p["school"]),
    "missing_head_of": lambda _, p: _("a head teacher needs the class they head."),
    "head_of_without_role": lambda _, p: _(
        "a class to head is given, but the roles do not include head teacher."
    ),
    "unknown_class": lambda _, p: _("there is no class {cls} in {school} in the students list.").format(
        cls=p["cls"], school=p["school"]
    ),
    "two_head_teachers": lambda _, p: _(
        "class {cls} already has a head teacher: {other} on row {first_row}."
    ).format(cls=p["cls"], other=p["other"], first_row=p["first_row"]),
    "missing_grades": lambda _, p: (
        _("a school leader needs the grades they link.") if p.get("role") == "school_leader"
        else _("a grade head needs their grade.")
    ),
    "unknown_grade": lambda _, p: _("there is no grade {grade} in {school} in the students list.").format(
        grade=p["grade"], school=p["school"]
    ),
    "leader_many_grades": lambda _, p: _(
        "a school leader links {count} grades (usually at most {max}); imported as given."
    ).format(count=p["count"], max=p["max"]),
    "bad_phone": lambda _, p: _("“{value}” is not a phone number (digits, optionally a leading +).").format(
        value=p["value"]
    ),
    "duplicate_phone": lambda _, p: _("the same phone number as {other} on row {first_row}.").format(
        other=p["other"], first_row=p["first_row"]
    ),
    "bad_language": lambda _, p: _("unknown language “{value}”: use zh-Hant, zh-Hans or en.").format(
        value=p["value"]
    ),
    "unknown_focus": lambda _, p: (
        _("unknown focus tag “{value}”: use talent, non_party, family_difficulty or ideological_concern.")
        if p.get("kind") == "staff" else
        _("unknown focus tag “{value}”: use learning_difficulty, financial_difficulty, psychological or student_cadre.")  # noqa: E501
    ).format(value=p["value"]),
    "wrong_focus_list": lambda _, p: (
        _("“{value}” is a focus tag for students, not for staff.") if p.get("kind") == "staff"
        else _("“{value}” is a focus tag for staff, not for students.")
    ).format(value=p["value"]),
}


def finding_reason(finding: Finding, tr: Translator) -> str:
    """The sentence saying what is wrong (without where)."""
    reason = _REASONS.get(finding.code)
    if reason is None:
        return tr.gettext("problem “{code}”.").format(code=finding.code)
    return reason(tr.gettext, finding.params)


def finding_line(finding: Finding, tr: Translator) -> str:
    """Where and what: ``staff.csv, row 5, column 工號: …``."""
    _ = tr.gettext
    reason = finding_reason(finding, tr)
    if finding.row is None:
        return _("{file}: {reason}").format(file=finding.file, reason=reason)
    if finding.column is None:
        return _("{file}, row {row}: {reason}").format(file=finding.file, row=finding.row, reason=reason)
    return _("{file}, row {row}, column {column}: {reason}").format(
        file=finding.file, row=finding.row, column=finding.column, reason=reason
    )


def _listed(findings: list[Finding], tr: Translator, limit: int) -> list[str]:
    lines = [finding_line(f, tr) for f in findings[:limit]]
    rest = len(findings) - limit
    if rest > 0:
        lines.append(tr.ngettext("… and {n} more problem.", "… and {n} more problems.", rest).format(n=rest))
    return lines


def encoding_lines(encodings: Mapping[str, str], tr: Translator) -> list[str]:
    """One line per decoded CSV naming the encoding it was read with."""
    _ = tr.gettext
    names = {
        "utf-8": _("UTF-8"), "utf-8-sig": _("UTF-8 (with BOM)"),
        "cp950": _("Big5 (cp950)"), "gbk": _("GBK"),
    }
    return [
        _("{file} was read as {encoding}.").format(file=file, encoding=names.get(enc, enc))
        for file, enc in encodings.items()
    ]


def summary_lines(summary: ImportSummary, tr: Translator) -> list[str]:
    """What the import changed: one line per kind of thing."""
    _ = tr.gettext
    kinds = (
        (_("Schools"), summary.schools), (_("Grades"), summary.grades), (_("Classes"), summary.classes),
        (_("Staff"), summary.staff), (_("Students"), summary.students),
    )
    return [
        _("{kind}: {added} added, {updated} updated, {deactivated} deactivated, {reactivated} reactivated.")
        .format(kind=kind, **counts.as_dict())
        for kind, counts in kinds
    ]


def report_lines(report: RosterReport, tr: Translator, *, limit: int = MAX_LISTED) -> list[str]:
    """The whole answer to an import, as plain-text lines (HTML-escape them for Telegram)."""
    _ = tr.gettext
    errors, warnings = report.errors, report.warnings
    lines: list[str] = []
    if report.accepted:
        lines.append(_("Roster imported."))
        lines += encoding_lines(report.encodings, tr)
        lines += summary_lines(report.summary, tr)
    else:
        lines.append(tr.ngettext(
            "Roster refused, nothing was changed: {n} problem to fix.",
            "Roster refused, nothing was changed: {n} problems to fix.",
            len(errors),
        ).format(n=len(errors)))
        lines += encoding_lines(report.encodings, tr)
        lines += _listed(errors, tr, limit)
    if warnings:
        lines.append(tr.ngettext("{n} warning:", "{n} warnings:", len(warnings)).format(n=len(warnings)))
        lines += _listed(warnings, tr, limit)
    return lines
