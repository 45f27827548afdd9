"""The summary report (總結報告) of the district or one school: every figure it shows, computed here
from the store and worded through the caller's gettext, then drawn by ``reports.pdf_report``.

Sections: headline figures, the coverage chart, focus-person coverage, opinions by category (and
how many were handled and became items), rectification status (open, done, overdue, the on-time
share, per school in the district's report, the overdue items), notable cases with their situation
text, and the ranking. Notable cases name their students only where ``names_of(school_id,
class_id)`` says the reader is entitled (``Scope.names_in_report``); otherwise a case gives its
class and how many students it concerns, and every name on the class's roster is blanked out of
its situation text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from reports.charts import render_coverage
from reports.coverage_view import DISTRICT, Sessions, ViewKind, ViewRef, coverage_chart, load_view
from reports.pdf_report import Section, SummaryReport, render_pdf
from reports.plan_status import PlanStatus, is_overdue, plan_status
from reports.scores import Part, Score, ScoreBoard, score_board
from store.archive_rows import PlanRow, plan_rows
from store.campaign import CampaignInfo
from store.report_rows import CategoryCount, NotableCase, notable_cases, opinions_by_category

Gettext = Callable[[str], str]
NamesOf = Callable[[int | None, int | None], bool]  # (school_id, class_id) → the reader may see names
NOTABLE_LIMIT = 30
SITUATION_CHARS = 300  # of a case's situation in the report; the archive has all of it
OVERDUE_LISTED = 15
BLANK = "○○"


@dataclass(frozen=True)
class BuiltReport:
    """The PDF and the figures the caller words its message and audit entry with."""

    pdf: bytes
    name: str  # the school's name, or the district's word for itself
    students: int
    visited: int
    one_on_one: int


def _pct(part: int, total: int) -> str:
    return f"{part * 100 // total} %" if total else "—"


def _of(_: Gettext, part: int, total: int) -> str:
    return _("{part} of {total} ({percent})").format(part=part, total=total, percent=_pct(part, total))


def _part_labels(_: Gettext) -> dict[Part, str]:
    # The same words as /ranking's, so a school reads one vocabulary everywhere.
    return {
        Part.STUDENT_COVERAGE: _("students visited"),
        Part.STUDENT_ONE_ON_ONE: _("one-on-one"),
        Part.TEACHER_COVERAGE: _("teachers interviewed"),
        Part.FOCUS_COVERAGE: _("focus people"),
        Part.FOLLOW_UP_DONE: _("follow-ups done"),
        Part.RECTIFICATION_ON_TIME: _("rectification on time"),
        Part.LEADER_PARTICIPATION: _("leaders in their grades"),
        Part.REVIEW_OUTCOME: _("reviews"),
    }


def _score(score: Score) -> str:
    return "—" if score.value is None else f"{score.value:.1f}"


def _parts(_: Gettext, score: Score) -> str:
    labels = _part_labels(_)
    return " · ".join(
        f"{labels[p.key]} {'—' if p.value is None else f'{p.done}/{p.total}'}" for p in score.parts
    )


def _opinions(_: Gettext, counts: Sequence[CategoryCount]) -> Section:
    total = sum(c.opinions for c in counts)
    rows = tuple((c.name if c.name is not None else _("Not sorted yet"), str(c.opinions),
                  _pct(c.opinions, total), str(c.handled), str(c.itemised)) for c in counts)
    handled, itemised = sum(c.handled for c in counts), sum(c.itemised for c in counts)
    return Section(_("Opinions by category"),
                   header=(_("Category"), _("Opinions"), _("Share"), _("Handled"), _("In items")),
                   rows=rows, columns=(0.0, 0.45, 0.59, 0.73, 0.87),
                   note=_("{n} opinions in all.").format(n=total) + " " + _(
                       "{handled} handled (merged, dismissed or put in a rectification item), {itemised} in "
                       "items.").format(handled=handled, itemised=itemised))


def _status_line(_: Gettext, status: PlanStatus) -> str:
    share = "—" if status.on_time_share is None else f"{round(status.on_time_share * 100)} %"
    return _("{items} items: {open} open, {done} done, {overdue} overdue. Done on time: {on_time} of "
             "{due} due ({share}).").format(items=status.items, open=status.open, done=status.done,
                                            overdue=status.overdue, on_time=status.done_on_time,
                                            due=status.due, share=share)


def _rectification(_: Gettext, items: Sequence[PlanRow], today: date, zone: tzinfo,
                   district: bool) -> Section:
    if not items:
        return Section(_("Rectification status"), lines=(_("No rectification item yet."),))
    status = plan_status(items, today, zone)
    lines = [_status_line(_, status)]
    overdue = sorted((i for i in items if is_overdue(i, today)), key=lambda i: (i.deadline, i.id))
    for item in overdue[:OVERDUE_LISTED]:
        title = f"{item.school_name} · {item.title}" if district else item.title
        lines.append(_("Overdue: {title} · {owner} · deadline {deadline}, {days} days over").format(
            title=title, owner=item.owner_label, deadline=item.deadline.isoformat(),
            days=(today - item.deadline).days))
    note = (_("The {n} oldest overdue items are listed.").format(n=OVERDUE_LISTED)
            if len(overdue) > OVERDUE_LISTED else
            _("Due: done, or past the deadline; an item whose deadline has not come counts for "
              "nothing yet."))
    rows: tuple[tuple[str, ...], ...] = ()
    if district:
        by_school: dict[str, list[PlanRow]] = {}
        for item in items:
            by_school.setdefault(item.school_name, []).append(item)
        table = []
        for name, own in sorted(by_school.items()):
            s = plan_status(own, today, zone)
            share = "—" if s.on_time_share is None else f"{round(s.on_time_share * 100)} %"
            table.append((name, str(s.items), str(s.open), str(s.done), str(s.overdue), share))
        rows = tuple(table)
    return Section(_("Rectification status"), lines=tuple(lines),
                   header=(_("School"), _("Items"), _("Open"), _("Done"), _("Overdue"), _("On time"))
                   if rows else (),
                   rows=rows, columns=(0.0, 0.42, 0.54, 0.66, 0.78, 0.9), note=note)


def redact(text: str, names: Sequence[str]) -> str:
    """``text`` with every one of ``names`` blanked out (longest first, so 王小明 goes before 王小)."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, BLANK)
    return text


def _case_lines(_: Gettext, case: NotableCase, names: bool, with_school: bool) -> tuple[str, ...]:
    where = " ".join(x for x in (case.school_name if with_school else None, case.class_name) if x)
    if names:
        who = "、".join(s.name for s in case.students)
    else:
        who = _("{n} student(s), names withheld").format(n=len(case.students))
    form = _("one-on-one") if case.one_on_one else _("group talk")
    topics = "、".join(case.topics) if case.topics else "—"
    line = _("{day} · {where} · {who} · {form} · topics: {topics}").format(
        day=case.visit_date.isoformat(), where=where, who=who, form=form, topics=topics)
    if not case.situation:
        return (line,)
    text = " ".join(case.situation.split())  # one paragraph: the report wraps it
    if not names:
        text = redact(text, [*case.class_roster, *(s.name for s in case.students)])
    if len(text) > SITUATION_CHARS:
        text = text[: SITUATION_CHARS - 1] + "…"
    return line, "    " + _("Situation: {situation}").format(situation=text)


async def build_report(
    *, sessions: Sessions, campaign: CampaignInfo, today: date, gettext: Gettext,
    school_id: int | None, names_of: NamesOf, simplified: bool = False,
) -> BuiltReport | None:
    """The summary report of the district (``school_id`` None) or one school, as of the end of
    ``today``; None when there is no such school. The caller has checked that the reader may have
    it (``Scope.may_report``) and records it in the audit log (``store.report_rows.record_report``)."""
    _ = gettext
    config = campaign.config
    base = DISTRICT if school_id is None else ViewRef(ViewKind.SCHOOL, school_id)
    view = await load_view(sessions=sessions, scope=None, config=config, today=today, base=base)
    if view is None:
        return None
    async with sessions() as session:
        opinions = await opinions_by_category(session=session, school_id=school_id, start=config.start,
                                              until=today)
        cases = await notable_cases(session=session, school_id=school_id, start=config.start, until=today,
                                    limit=NOTABLE_LIMIT)
        board = await score_board(session=session, campaign=campaign, today=today)
        plan = await plan_rows(session=session, school_id=school_id)
    name = view.name if view.name is not None else _("The district")
    s, t = view.students, view.teachers
    targets = config.targets
    headline = [
        (_("Students (not exempt)"), str(s.total)),
        (_("Students visited"), _of(_, s.visited, s.total)),
        (_("Students visited one-on-one (target {target} %)").format(
            target=round(targets.student_one_on_one * 100)), _of(_, s.one_on_one, s.total)),
    ]
    if t is not None:
        headline.append((_("Teachers interviewed"), _of(_, t.interviewed, t.total)))
    headline.append((_("Focus people visited one-on-one"), _of(_, view.focus_one_on_one, view.focus_total)))
    headline.append((_("Opinions raised"), str(sum(c.opinions for c in opinions))))
    if plan:
        status = plan_status(plan, today, config.zone)
        headline.append((_("Rectification items done on time"), _of(_, status.done_on_time, status.due)))
        headline.append((_("Rectification items overdue"), _of(_, status.overdue, status.items)))
    own = board.school(school_id) if school_id is not None else None
    ranked = sum(1 for x in board.schools if x.rank is not None)
    if own is not None:
        headline.append((_("Score"), _score(own.score)))
        if own.rank is not None:
            headline.append((_("Rank"), _("{rank} of {n}").format(rank=own.rank, n=ranked)))

    focus_lines = [
        _("Focus students visited one-on-one: {figure}").format(
            figure=_of(_, s.focus_one_on_one, s.focus_total)),
    ]
    if t is not None:
        focus_lines.append(_("Focus teachers interviewed one-on-one: {figure}").format(
            figure=_of(_, t.focus_one_on_one, t.focus_total)))
    focus_lines.append(_("Target: every focus person visited one-on-one ({target} %).").format(
        target=round(targets.focus_one_on_one * 100)))

    case_lines = tuple(line for c in cases
                       for line in _case_lines(_, c, names_of(c.school_id, c.class_id), school_id is None))
    anonymised = any(not names_of(c.school_id, c.class_id) for c in cases)
    case_note = " ".join(x for x in (
        _("The most recent {n} at most.").format(n=NOTABLE_LIMIT) if len(cases) >= NOTABLE_LIMIT else "",
        _("Cases are anonymised for this reader: class only, students' names blanked out of the "
          "situation (○○).") if anonymised else "",
    ) if x)
    sections = [
        Section(_("Focus people"), lines=tuple(focus_lines)),
        _opinions(_, opinions),
        _rectification(_, plan, today, config.zone, school_id is None),
        Section(_("Notable cases"), lines=case_lines or (_("No visit is flagged notable yet."),),
                note=case_note),
        _ranking(_, board, school_id, ranked),
    ]
    chart = coverage_chart(view, _, simplified=simplified)
    report = SummaryReport(
        title=_("{name} · summary report").format(name=name),
        subtitle=_("{campaign} · {start} to {day} · made on {day}").format(
            campaign=config.name, start=config.start.isoformat(), day=today.isoformat()),
        headline_title=_("Headline figures"),
        headline=tuple(headline),
        chart_png=None,
        sections=tuple(sections),
        footer=_("{name} · summary report").format(name=name),
        simplified=simplified,
        meta_title=_("{name} · summary report").format(name=name),
    )

    def draw() -> bytes:
        png = render_coverage(chart)
        return render_pdf(SummaryReport(**{**report.__dict__, "chart_png": png}))

    pdf = await asyncio.to_thread(draw)
    return BuiltReport(pdf=pdf, name=name, students=s.total, visited=s.visited, one_on_one=s.one_on_one)


def _ranking(_: Gettext, board: ScoreBoard, school_id: int | None, ranked: int) -> Section:
    if school_id is None:
        rows = tuple((str(x.rank) if x.rank is not None else "—", x.name, _score(x.score))
                     for x in board.schools)
        return Section(_("Ranking of the schools"), header=(_("Rank"), _("School"), _("Score")), rows=rows,
                       columns=(0.0, 0.1, 0.75),
                       note=_("Scores out of 100 from the campaign's weights; parts that do not apply yet "
                              "are left out and the other weights count in their place."))
    own = board.school(school_id)
    lines: list[str] = []
    if own is not None:
        if own.rank is None:
            lines.append(_("No score yet."))
        else:
            lines.append(_("Rank {rank} of {n}, score {score}.").format(rank=own.rank, n=ranked,
                                                                        score=_score(own.score)))
        lines.append(_parts(_, own.score))
    classes = sorted((c for c in board.classes if c.school_id == school_id),
                     key=lambda c: (c.score.value is None, -(c.score.value or 0.0), c.name))
    class_rows = tuple((str(n), c.name, _score(c.score)) for n, c in enumerate(classes, start=1))
    return Section(_("Ranking"), lines=tuple(lines),
                   header=("", _("Class"), _("Score")) if class_rows else (),
                   rows=class_rows, columns=(0.0, 0.08, 0.75))
