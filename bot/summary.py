"""The weekly summary as messages: its words (in the reader's language), its chart, and the outbox
rows one schedule run puts out to every bound group.

A summary is a photo (the same chart as ``/coverage`` of the group's view) whose caption holds the
whole text when it fits in Telegram's 1024 characters; otherwise the caption holds the headline and
the rest follows as text messages, each an outbox row with its own period key
(``2026-W51:text1``…), so every part is sent exactly once. Groups get aggregates only.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.i18n import Translator, translator
from bot.nudges import GroupRecipient
from bot.services import Services
from bot.text import esc
from reports import coverage_view as cv
from reports.charts import render_coverage
from reports.summary import BoardCache, WeeklySummary, load_summary
from store.outbox import NewMessage
from store.schedule import DueRun
from store.vocab import Locale

WEEKLY_SUMMARY = "weekly_summary"  # the outbox kind
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4000  # under Telegram's 4096, which counts the parsed text (our HTML tags are extra)


@dataclass(frozen=True)
class SummaryParts:
    """What to post: ``caption`` under the chart, then ``texts`` (empty when all fits the caption)."""

    png: bytes
    caption: str
    texts: tuple[str, ...]


def _signed(n: int) -> str:
    return f"{n:+d}"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def phase_lines(tr: Translator, s: WeeklySummary) -> list[str]:
    """What the phase puts first: the rectification items' status, or the evaluation's figures."""
    _ = tr.gettext
    lines = []
    if s.rectification is not None:
        r = s.rectification
        lines.append(_("🛠 Rectification: {open} item(s) open, {overdue} of them overdue; {done} done.")
                     .format(open=r.open, overdue=r.overdue, done=r.done))
    e = s.evaluation
    if e is not None and e.own is not None:
        if e.own.rank is None:
            lines.append(_("🏅 Evaluation: no score yet."))
        else:
            lines.append(_("🏅 Evaluation: score {score} of 100, rank {rank} of {n} schools.").format(
                score=_score(e.own.score), rank=e.own.rank, n=e.ranked))
    elif e is not None:
        lines.append(_("🏅 Evaluation: the top of the ranking ({n} schools scored):").format(n=e.ranked))
        lines += [f"{line.rank}. {esc(line.name)} {_score(line.score)}" for line in e.top]
    return lines


def head_lines(tr: Translator, s: WeeklySummary, *, late_on: date | None) -> list[str]:
    """The headline: the week; the phase's figures first (rectification, evaluation); its visits,
    coverage and its change, teachers and focus people."""
    _ = tr.gettext
    v = s.view
    lines = []
    if late_on is not None:
        lines.append("⏰ " + _("Late: this was due on {date}, while I was offline.").format(
            date=late_on.isoformat()))
    lines += [
        _("📰 <b>{name}</b> · weekly summary, {start} to {end}").format(
            name=esc(cv.title_of(v, _)), start=s.week_start.isoformat(), end=s.day.isoformat()),
        *phase_lines(tr, s),
        _("Visits: {week} in these 7 days, {total} since the campaign began.").format(
            week=s.visits_week, total=s.visits_total),
        _("Students visited {visited}/{total} ({share} %, {change} since last week) · one-on-one "
          "{one}/{total} ({o2o_share} %, {o2o_change}; target {target} %)").format(
            visited=s.students.visited, total=s.students.total, share=s.visited_percent,
            change=_signed(s.coverage_points), one=s.students.one_on_one, o2o_share=s.one_on_one_percent,
            o2o_change=_signed(s.one_on_one_points), target=round(v.one_on_one_target * 100)),
    ]
    extra = []
    if v.teachers is not None and v.teachers.total:
        extra.append(_("teachers interviewed {done}/{total}").format(
            done=v.teachers.interviewed, total=v.teachers.total))
    if v.focus_total:
        extra.append(_("focus people one-on-one {done}/{total}").format(
            done=v.focus_one_on_one, total=v.focus_total))
    if extra:
        lines.append(" · ".join(extra))
    return lines


def detail_lines(tr: Translator, s: WeeklySummary) -> list[str]:
    """Who lags (percentages only, never a person), opinions collected, follow-ups due."""
    _ = tr.gettext
    lines: list[str] = []
    if s.district:
        lines.append(_("Schools on track: {on_track} of {n}.").format(on_track=s.on_track, n=len(s.units)))
        # Lagging schools first, then the others: the per-school view of the district.
        for u in sorted(s.units, key=lambda u: not u.behind):
            lines.append(_("{mark} {name}: visited {visited} %, one-on-one {one} %").format(
                mark="⚠️" if u.behind else "✅", name=esc(u.name), visited=u.visited_percent,
                one=u.one_on_one_percent))
    else:
        lines.append(_("Classes on track: {on_track} of {n}.").format(on_track=s.on_track, n=len(s.units)))
        if s.lagging:
            lines.append(_("Behind the pace:"))
        for u in s.lagging:
            lines.append(_("• {klass}: visited {visited} %, one-on-one {one} %").format(
                klass=esc(u.name), visited=u.visited_percent, one=u.one_on_one_percent))
    if s.opinions:
        unsorted = _("not sorted")
        parts = ", ".join(f"{esc(o.category) if o.category else unsorted} {o.count}" for o in s.opinions)
        lines.append(_("Opinions collected: {n} ({parts}).").format(n=s.opinions_total, parts=parts))
    else:
        lines.append(_("Opinions collected: none this week."))
    f = s.follow_ups
    lines.append(_("Follow-up visits due by {day}: {due}; overdue: {overdue}.").format(
        day=s.follow_ups_by.isoformat(), due=f.due, overdue=f.overdue))
    return lines


def _chunks(lines: Sequence[str], limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def render(tr: Translator, s: WeeklySummary, *, late_on: date | None = None) -> SummaryParts:
    """The chart and the words (blocking: matplotlib; call it in a worker thread)."""
    simplified = tr.locale is Locale.ZH_HANS
    png = render_coverage(cv.coverage_chart(s.view, tr.gettext, simplified=simplified))
    head, details = head_lines(tr, s, late_on=late_on), detail_lines(tr, s)
    whole = "\n".join([*head, "", *details])
    if len(whole) <= CAPTION_LIMIT:
        return SummaryParts(png, whole, ())
    caption = "\n".join(head)
    if len(caption) > CAPTION_LIMIT:
        caption = caption[: CAPTION_LIMIT - 1] + "…"
    return SummaryParts(png, caption, tuple(_chunks(details, TEXT_LIMIT)))


def base_of(group: GroupRecipient) -> cv.ViewRef:
    return cv.ViewRef(cv.ViewKind.SCHOOL, group.school_id) if group.school_id else cv.DISTRICT


def outbox_rows(chat_id: int, period: str, parts: SummaryParts) -> list[NewMessage]:
    """The photo first, then each text part with its own period key."""
    photo = {"photo_b64": base64.b64encode(parts.png).decode("ascii"), "caption": parts.caption}
    rows = [NewMessage(chat_id, WEEKLY_SUMMARY, period, photo)]
    rows += [NewMessage(chat_id, WEEKLY_SUMMARY, f"{period}:text{n}", {"text": text})
             for n, text in enumerate(parts.texts, start=1)]
    return rows


async def weekly_summary_messages(
    services: Services, run: DueRun, groups: Sequence[GroupRecipient]
) -> list[NewMessage]:
    """The summary of its view to every bound group, in the group's language, as of the run's day;
    marked late when the run is. One figure load per view, one chart per view and language."""
    config = services.campaign.config
    summaries: dict[cv.ViewRef, WeeklySummary | None] = {}
    boards = BoardCache()
    rendered: dict[tuple[cv.ViewRef, Locale], SummaryParts] = {}
    messages: list[NewMessage] = []
    late_on = run.local_date if run.late else None
    for group in groups:
        base = base_of(group)
        if base not in summaries:
            summaries[base] = await load_summary(sessions=services.store.sessions, config=config,
                                                 today=run.local_date, base=base, boards=boards)
        summary = summaries[base]
        if summary is None:
            continue
        key = (base, group.locale)
        if key not in rendered:
            rendered[key] = await asyncio.to_thread(render, translator(group.locale), summary,
                                                    late_on=late_on)
        messages += outbox_rows(group.chat_id, run.period, rendered[key])
    return messages
