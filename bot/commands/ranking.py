"""``/ranking``: the evaluation (考評) scores with their parts, so a school sees why it ranks where it does.

District roles see every school ranked, in private or in a bound group; a school leader sees their
own school's rank among all (not the others' details), its classes and, in private only, its
teachers. Everyone else is told who may ask. Groups get aggregates only: no one's name is posted
there. The figures come from ``reports.scores``; who sees what from ``store.scopes``.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from bot.commands.groups import chat_binding, group_tr, how_to_bind, not_staff_text
from bot.commands.records_views import MAX_TEXT
from bot.context import BotContext, stranger_text
from bot.i18n import N_, Translator
from bot.text import esc
from reports.scores import (
    ClassScore,
    Part,
    RankingView,
    SchoolScore,
    Score,
    TeacherScore,
    score_board,
    visible_board,
)
from store.clock import local_today
from store.people import name_labels

PART_LABELS = {
    Part.STUDENT_COVERAGE: N_("students visited"),
    Part.STUDENT_ONE_ON_ONE: N_("one-on-one"),
    Part.TEACHER_COVERAGE: N_("teachers interviewed"),
    Part.FOCUS_COVERAGE: N_("focus people"),
    Part.FOLLOW_UP_DONE: N_("follow-ups done"),
    Part.RECTIFICATION_ON_TIME: N_("rectification on time"),
    Part.LEADER_PARTICIPATION: N_("leaders in their grades"),
    Part.REVIEW_OUTCOME: N_("reviews"),
}


def score_text(score: Score) -> str:
    value = score.value
    return "—" if value is None else f"{value:.1f}"


def parts_line(tr: Translator, score: Score, *, only_applicable_levels: bool = True) -> str:
    """The parts of a score: "students visited 3/6 · one-on-one 1/6 · … · reviews —".

    Parts that never apply at this level (no data at all, e.g. teacher coverage of a class) are left
    out when ``only_applicable_levels``; a school shows all eight.
    """
    pieces = []
    for part in score.parts:
        if part.total is None and only_applicable_levels:
            continue
        label = tr.gettext(PART_LABELS[part.key])
        if part.value is None:
            pieces.append(f"{label} —")
        else:
            pieces.append(f"{label} {part.done}/{part.total}")
    return " · ".join(pieces)


def weights_line(tr: Translator, score: Score) -> str:
    weights = " · ".join(f"{tr.gettext(PART_LABELS[p.key])} {p.weight:g}" for p in score.parts)
    return tr.gettext("Weights: {weights}.").format(weights=weights)


def _school_block(tr: Translator, school: SchoolScore) -> list[str]:
    if school.rank is None:
        head = tr.gettext("<b>{name}</b>: no score yet").format(name=esc(school.name))
    else:
        head = tr.gettext("{rank}. <b>{name}</b> — {score}").format(
            rank=school.rank, name=esc(school.name), score=score_text(school.score))
    return [head, parts_line(tr, school.score, only_applicable_levels=False)]


def _class_line(tr: Translator, c: ClassScore) -> str:
    if c.score.value is None:
        return tr.gettext("{name}: nothing to count yet").format(name=esc(c.name))
    return tr.gettext("{name} — {score}: {parts}").format(
        name=esc(c.name), score=score_text(c.score), parts=parts_line(tr, c.score))


def _teacher_line(tr: Translator, t: TeacherScore, label: str) -> str:
    if t.score.value is None:
        return tr.gettext("{name}: nothing to count yet · co-visits {n}").format(
            name=esc(label), n=t.co_visits)
    return tr.gettext("{name} — {score}: {parts} · co-visits {n}").format(
        name=esc(label), score=score_text(t.score), parts=parts_line(tr, t.score), n=t.co_visits)


def _by_score(items: Sequence[ClassScore | TeacherScore]) -> list[ClassScore | TeacherScore]:
    return sorted(items, key=lambda x: (x.score.value is None, -(x.score.value or 0.0), x.name))


def ranking_messages(tr: Translator, view: RankingView) -> list[str]:
    """The view as HTML messages, each within Telegram's 4096 characters (split between lines)."""
    sections: list[list[str]] = []
    day = view.day.isoformat()
    if view.district:
        sections.append([tr.gettext("<b>Ranking of the schools</b> on {day}").format(day=day)])
        sections.extend(_school_block(tr, s) for s in view.schools)
    else:
        for s in view.schools:
            if s.rank is None:
                head = tr.gettext("<b>{name}</b> on {day}: no score yet.").format(name=esc(s.name), day=day)
            else:
                head = tr.gettext("<b>{name}</b> on {day}: rank {rank} of {n}, score {score}.").format(
                    name=esc(s.name), day=day, rank=s.rank, n=view.of_schools, score=score_text(s.score))
            sections.append([head, parts_line(tr, s.score, only_applicable_levels=False)])
    if view.classes:
        sections.append([tr.gettext("<b>Classes</b>"),
                         *(_class_line(tr, c) for c in _by_score(view.classes) if isinstance(c, ClassScore))])
    if view.teachers:
        # Namesakes get the end of their staff id, as on the buttons (SPEC, "Duplicate names").
        labels = name_labels((t.staff_id, t.name, t.external_id) for t in view.teachers)
        sections.append([tr.gettext("<b>Teachers</b> (credited for the visits they recorded)"),
                         *(_teacher_line(tr, t, labels[t.staff_id]) for t in _by_score(view.teachers)
                           if isinstance(t, TeacherScore))])
    if view.schools:
        sections.append([
            weights_line(tr, view.schools[0].score),
            tr.gettext(
                "A score is out of 100. A part shown “—” does not apply (nothing to count yet, such as "
                "reviews before the first spot-check, or rectification before an item is due) and is "
                "left out; the other weights count in its place. Reviews: of the visits spot-checked or "
                "answered by the interviewed teacher, those that held up; returns and disputes count "
                "against. Rectification: of the school's items done or past their deadline, those done "
                "by the deadline."
            ),
        ])
    return pack(sections)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pack(sections: Sequence[Sequence[str]], limit: int = MAX_TEXT) -> list[str]:
    """Lines joined by newlines, sections by a blank line, into as few messages as fit in ``limit``
    UTF-16 units (more than Telegram counts of parsed text, so always safe); a message breaks between
    lines, never inside one."""
    messages: list[str] = []
    current = ""
    for section in sections:
        for n, line in enumerate(section):
            line = line if _units(line) <= limit else line[: limit // 2]
            glue = ("\n\n" if n == 0 else "\n") if current else ""
            if current and _units(current) + _units(glue) + _units(line) > limit:
                messages.append(current)
                current, glue = "", ""
            current += glue + line
    if current:
        messages.append(current)
    return messages


async def ranking_command(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    private = chat.type == ChatType.PRIVATE
    binding = None
    if private:
        tr = await context.tr(update)
    else:
        binding = await chat_binding(update, context)
        tr = await group_tr(update, context, binding)
        if binding is None:
            await message.reply_text(how_to_bind(tr, context.bot.username))
            return
    scope = await context.scope(update)
    if scope is None:
        await message.reply_text(await stranger_text(update, context) if private else not_staff_text(tr))
        return
    # In a group, a school leader only in their own school's group; the district group is for
    # district roles.
    own_group = binding is not None and binding.school_id == scope.school_id
    here = scope.ranks_schools or (scope.ranks_within(scope.school_id) and (private or own_group))
    if not here:
        await message.reply_text(tr.gettext(
            "The ranking is for district leaders, the district office and supervisors (every school), "
            "and for school leaders (their own school)."
        ))
        return
    today = local_today(context.clock, context.services.campaign.config.zone)
    async with context.session() as session:
        board = await score_board(session=session, campaign=context.services.campaign, today=today)
    view = visible_board(board, scope, with_people=private)
    if view is None:  # pragma: no cover - the check above already refused
        return
    for text in ranking_messages(tr, view):
        await message.reply_text(text)


def handlers() -> list[CommandHandler[BotContext, None]]:
    return [CommandHandler("ranking", ranking_command)]
