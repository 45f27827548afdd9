"""``/coverage``: the coverage chart, in a bound group or in private, and its trend button.

In a group the view is the group's binding (its school, or the district) and anyone who may see
that school's aggregates may ask (``Scope.sees_aggregates_of``); the figures are aggregates only. In
private the view is what the person's scope sees: the district for district roles, their school (or
their classes) otherwise. Words after the command drill down: ``/coverage 七年級``, ``/coverage
七年級3班``, ``/coverage 第一中學`` (district); ``trend`` asks for the second picture.
Figures come from ``reports``; matplotlib runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import edges
from bot.callback_data import COVERAGE, CoverageTrendTap, coverage_trend_data
from bot.context import BotContext, read_tap, scope_or_explain
from bot.group_chats import chat_binding, group_tr, how_to_bind, not_staff_text
from bot.i18n import Translator
from bot.keyboards import button, inline
from bot.text import esc, expired_text
from reports import coverage_view as cv
from reports.charts import render_coverage, render_trend
from reports.pace import points
from store.clock import local_today
from store.scopes import Scope
from store.vocab import Locale

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024
TREND_WORDS = frozenset({"trend", "趨勢", "趋势"})


@dataclass(frozen=True)
class Access:
    """What this chat and person may see: ``scope`` None is a group's aggregates."""

    scope: Scope | None
    base: cv.ViewRef
    tr: Translator


async def _refuse(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await edges.answer(update.callback_query, text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def access(update: Update, context: BotContext) -> Access | None:
    """The view this update may ask for; None after telling the person why not."""
    chat = update.effective_chat
    if chat is None:
        return None
    if chat.type == chat.PRIVATE:
        scope = await scope_or_explain(update, context)
        if scope is None:
            return None
        tr = await context.tr(update)
        if scope.district_wide:
            return Access(scope, cv.DISTRICT, tr)
        if scope.school_id is None or not (scope.student_class_ids or scope.teacher_school_ids):
            await _refuse(update, tr.gettext("There are no classes in your scope to show."))
            return None
        return Access(scope, cv.ViewRef(cv.ViewKind.SCHOOL, scope.school_id), tr)
    binding = await chat_binding(update, context)
    tr = await group_tr(update, context, binding)
    if binding is None:
        await _refuse(update, how_to_bind(tr, context.bot.username))
        return None
    scope = await context.scope(update)
    if scope is None:
        await _refuse(update, not_staff_text(tr))
        return None
    if not scope.sees_aggregates_of(binding.school_id):
        await _refuse(update, tr.gettext(
            "Only the staff of {name} and the district's roles can ask for its coverage here."
        ).format(name=esc(binding.school_name) if binding.school_name else tr.gettext("the district")))
        return None
    base = cv.ViewRef(cv.ViewKind.SCHOOL, binding.school_id) if binding.school_id else cv.DISTRICT
    return Access(None, base, tr)


def _share(part: int, total: int) -> str:
    return f"{points(part, total)} %" if total else "—"


def caption(view: cv.CoverageView, tr: Translator) -> str:
    """The photo's caption: headline figures, the 7-day change, the forecast (≤ 1024 characters)."""
    _ = tr.gettext
    s = view.students
    lines = [
        _("<b>{name}</b> · coverage on {day}").format(
            name=esc(cv.title_of(view, _)), day=view.today.isoformat()),
        _("Students visited {visited}/{total} ({share}) · one-on-one {one_on_one}/{total} ({o2o_share}, "
          "target {target} %)").format(
            visited=s.visited, total=s.total, share=_share(s.visited, s.total), one_on_one=s.one_on_one,
            o2o_share=_share(s.one_on_one, s.total), target=round(view.one_on_one_target * 100)),
    ]
    extra = []
    if view.teachers is not None and view.teachers.total:
        t = view.teachers
        extra.append(_("teachers interviewed {done}/{total} ({share})").format(
            done=t.interviewed, total=t.total, share=_share(t.interviewed, t.total)))
    if view.focus_total:
        extra.append(_("focus people one-on-one {done}/{total}").format(
            done=view.focus_one_on_one, total=view.focus_total))
    if extra:
        lines.append(" · ".join(extra))
    c = view.change
    lines.append(_("{visits:+d} visits, {points:+d} % visited, {o2o:+d} % one-on-one in 7 days").format(
        visits=c.visits, points=c.coverage_points, o2o=c.one_on_one_points))
    lines.append(_forecast_line(view, tr))
    text = "\n".join(lines)
    return text if len(text) <= CAPTION_LIMIT else text[: CAPTION_LIMIT - 1] + "…"


def _forecast_line(view: cv.CoverageView, tr: Translator) -> str:
    _ = tr.gettext
    f = view.forecast
    end = f.phase_end.isoformat()
    if not view.students.total:
        return _("No students to count here.")
    if f.met:
        return _("✅ Both targets are met (100 % visited, {target} % one-on-one).").format(
            target=round(view.one_on_one_target * 100))
    both = f.both_by
    if both is None:
        return _(
            "⚠️ At the last 14 days' pace the targets are not reached; the visit phase ends {end}."
        ).format(end=end)
    if f.on_track:
        return _("✅ At the last 14 days' pace both targets are met by {day}, before the visit phase ends "
                 "({end}).").format(day=both.isoformat(), end=end)
    return _("⚠️ At the last 14 days' pace both targets are met only by {day}, after the visit phase ends "
             "({end}).").format(day=both.isoformat(), end=end)


def trend_keyboard(view: cv.CoverageView, tr: Translator) -> InlineKeyboardMarkup:
    ref = view.ref
    return inline([[button(tr.gettext("📈 Trend"), coverage_trend_data(ref.kind.value, ref.id))]])


async def _load(context: BotContext, allowed: Access, words: list[str], ref: cv.ViewRef | None = None
                ) -> cv.CoverageView | None:
    config = context.services.campaign.config
    today = local_today(context.clock, config.zone)
    return await cv.load_view(sessions=context.store.sessions, scope=allowed.scope, config=config,
                              today=today, base=allowed.base, words=words, ref=ref)


async def _send(message: Message, view: cv.CoverageView, tr: Translator, *, trend: bool) -> None:
    simplified = tr.locale is Locale.ZH_HANS
    started = time.perf_counter()
    _ = tr.gettext
    if trend:
        png = await asyncio.to_thread(render_trend, cv.trend_chart(view, _, simplified=simplified))
        markup = None
    else:
        png = await asyncio.to_thread(render_coverage, cv.coverage_chart(view, _, simplified=simplified))
        markup = trend_keyboard(view, tr)
    log.debug("coverage chart drawn in %.0f ms", (time.perf_counter() - started) * 1000)
    await message.reply_photo(png, caption=caption(view, tr), reply_markup=markup)


ECHO_LIMIT = 60  # characters of what was typed that a refusal repeats


def _shortened(typed: str) -> str:
    """What a person typed, cut to :data:`ECHO_LIMIT` characters: a reply quoting all of a long text
    would pass Telegram's 4,096 and be refused ("message is too long")."""
    return typed if len(typed) <= ECHO_LIMIT else typed[: ECHO_LIMIT - 1] + "…"


async def coverage_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    allowed = await access(update, context)
    if allowed is None:
        return
    args = context.args or []
    trend = any(a.lower() in TREND_WORDS for a in args)
    words = [a for a in args if a.lower() not in TREND_WORDS]
    view = await _load(context, allowed, words)
    if (view is None or not view.rows) and not words:
        await message.reply_text(allowed.tr.gettext("There is nothing to count here yet."))
        return
    if view is None:
        await message.reply_text(allowed.tr.gettext(
            "I found no school, grade or class called “{name}” here. Use the names of the chart, e.g. "
            "/coverage 七年級 or /coverage 七年級3班."
        ).format(name=esc(_shortened(" ".join(words)))))
        return
    await _send(message, view, allowed.tr, trend=trend)


async def trend_tapped(update: Update, context: BotContext) -> None:
    """The chart's trend button: the same permission as the command, then the second picture."""
    query = update.callback_query
    if query is None:
        return
    tap = await read_tap(update, context)
    if not isinstance(tap, CoverageTrendTap):
        return
    try:
        ref = cv.ViewRef(cv.ViewKind(tap.view), tap.target)
    except ValueError:
        await edges.answer(query, expired_text(await context.tr(update)))
        return
    allowed = await access(update, context)
    if allowed is None:
        return
    view = await _load(context, allowed, [], ref=ref)
    await edges.answer(query)
    if view is None or not isinstance(query.message, Message):
        return
    await _send(query.message, view, allowed.tr, trend=True)


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("coverage", coverage_command, filters=~filters.UpdateType.EDITED),
        CallbackQueryHandler(trend_tapped, pattern=COVERAGE.pattern),
    ]
