"""The summary report (總結報告) of the district or one school: every figure it shows, computed here
from the store and worded through the caller's gettext, then drawn by ``reports.pdf_report``.

Sections: headline figures, the coverage chart, focus-person coverage, opinions by category,
rectification status (not built yet: the section says so), notable cases and the ranking. Notable
cases name their students only where ``names_of(class_id)`` says the reader is entitled to that
class; otherwise a case says how many students it concerns and nothing about who they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from reports.charts import render_coverage
from reports.coverage_view import DISTRICT, Sessions, ViewKind, ViewRef, coverage_chart, load_view
from reports.pdf_report import Section, SummaryReport, render_pdf
from reports.scores import Part, Score, ScoreBoard, score_board
from store.campaign import CampaignInfo
from store.report_rows import CategoryCount, NotableCase, notable_cases, opinions_by_category

Gettext = Callable[[str], str]
NOTABLE_LIMIT = 30


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
                  _pct(c.opinions, total)) for c in counts)
    return Section(_("Opinions by category"), header=(_("Category"), _("Opinions"), _("Share")),
                   rows=rows, columns=(0.0, 0.6, 0.8),
                   note=_("{n} opinions in all.").format(n=total))


def _case_line(_: Gettext, case: NotableCase, names: bool, with_school: bool) -> str:
    where = " ".join(x for x in (case.school_name if with_school else None, case.class_name) if x)
    if names:
        who = "、".join(s.name for s in case.students)
    else:
        who = _("{n} student(s), names withheld").format(n=len(case.students))
    form = _("one-on-one") if case.one_on_one else _("group talk")
    topics = "、".join(case.topics) if case.topics else "—"
    return _("{day} · {where} · {who} · {form} · topics: {topics}").format(
        day=case.visit_date.isoformat(), where=where, who=who, form=form, topics=topics)


async def build_report(
    *, sessions: Sessions, campaign: CampaignInfo, today: date, gettext: Gettext,
    school_id: int | None, names_of: Callable[[int | None], bool], simplified: bool = False,
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

    case_lines = tuple(_case_line(_, c, names_of(c.class_id), school_id is None) for c in cases)
    sections = [
        Section(_("Focus people"), lines=tuple(focus_lines)),
        _opinions(_, opinions),
        Section(_("Rectification"), lines=(_(
            "Rectification items are not recorded in the bot yet: their status will appear here "
            "once they are."),)),
        Section(_("Notable cases"), lines=case_lines or (_("No visit is flagged notable yet."),),
                note=_("The most recent {n} at most.").format(n=NOTABLE_LIMIT) if len(cases) >= NOTABLE_LIMIT
                else ""),
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
