"""``/exempt``: propose a student (head teachers) or a teacher (school cadres) as away for the
campaign, and decide proposals with one tap (school leaders and middle cadres). Private chats only.

The class view lists who is exempt and who awaits approval. A proposal is sent to the school's
deciders through the outbox, each with Approve / Decline; the proposer hears the decision the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import edges
from bot.callback_data import EXEMPT, BadCallbackData, ExemptTap, exempt_data
from bot.context import BotContext, scope_or_explain
from bot.i18n import N_, Translator
from bot.keyboards import Button, grid, inline
from bot.nudges import recipient_translator
from bot.taps import person_tap, settle
from bot.text import esc
from store.exemptions import (
    DECIDERS,
    STUDENT_REASONS,
    ExemptionReason,
    ExemptionRejected,
    ProposalInfo,
    ProposalState,
    class_proposals,
    decide,
    may_decide,
    pending_for,
    propose_student,
    propose_teacher,
)
from store.outbox import NewMessage, enqueue_now
from store.people import class_students, interviewable_teachers, visitable_classes
from store.schedule_people import recipients, staff_with_roles
from store.scopes import Scope

REQUEST = "exemption_request"
DECISION = "exemption_decision"
REASONS = {
    ExemptionReason.TRANSFERRED: N_("transferred"),
    ExemptionReason.SICK_LEAVE: N_("long sick leave"),
    ExemptionReason.SUSPENDED: N_("suspended schooling"),
    ExemptionReason.LONG_LEAVE: N_("long leave"),
}
REFUSALS = {
    "not_allowed": N_("Only the class's head teacher proposes a student, and a school leader or middle "
                      "cadre a teacher or a decision."),
    "own_proposal": N_("A proposal is decided by another school leader or middle cadre, not by its "
                       "proposer."),
    "already_exempt": N_("Already exempt: nothing to propose."),
}


def reason_label(tr: Translator, code: ExemptionReason) -> str:
    return tr.gettext(REASONS[code])


def refusal(tr: Translator, exc: ExemptionRejected) -> str:
    return tr.gettext(REFUSALS.get(exc.code, N_("That person or proposal is no longer there.")))


def _who(tr: Translator, p: ProposalInfo) -> str:
    if p.class_name:
        return tr.gettext("{name} ({klass})").format(name=esc(p.person_name), klass=esc(p.class_name))
    return tr.gettext("{name} (teacher)").format(name=esc(p.person_name))


def request_text(tr: Translator, p: ProposalInfo) -> str:
    return tr.gettext(
        "🗂 {proposer} proposes {who} as away for the campaign: {reason}. Until you approve, they count "
        "in coverage."
    ).format(proposer=esc(p.proposed_by_name), who=_who(tr, p), reason=reason_label(tr, p.reason_code))


def decision_text(tr: Translator, p: ProposalInfo) -> str:
    if p.state is ProposalState.APPROVED:
        text = tr.gettext("✅ Approved by {decider}: {who} is exempt and leaves the coverage figures.")
        return text.format(decider=esc(p.decided_by_name or ""), who=_who(tr, p))
    return tr.gettext("❌ Declined by {decider}: {who} still counts in coverage.").format(
        decider=esc(p.decided_by_name or ""), who=_who(tr, p))


def decision_buttons(tr: Translator, proposal_id: int) -> list[Button]:
    return [(tr.gettext("✅ Approve"), exempt_data("ok", proposal_id)),
            (tr.gettext("❌ Decline"), exempt_data("no", proposal_id))]


async def _send_requests(context: BotContext, p: ProposalInfo) -> int:
    """The proposal to every decider of the school but its proposer, through the outbox."""
    services = context.services
    async with context.session() as session:
        deciders = await staff_with_roles(session=session, school_ids=[p.school_id], roles=DECIDERS)
        people = await recipients(session=session,
                                  staff_ids=[s for s in deciders.get(p.school_id, []) if s != p.proposed_by])
        messages = []
        for person in people.values():
            tr = recipient_translator(services, person)
            messages.append(NewMessage(person.chat_id, REQUEST, f"p{p.id}", {
                "text": request_text(tr, p),
                "buttons": [[list(b) for b in decision_buttons(tr, p.id)]],
            }))
        new = await enqueue_now(session=session, messages=messages, now=services.clock.now())
    services.wake_outbox()
    return new


async def _send_decision(context: BotContext, p: ProposalInfo) -> None:
    services = context.services
    async with context.session() as session:
        person = (await recipients(session=session, staff_ids=[p.proposed_by])).get(p.proposed_by)
        if person is not None:
            text = decision_text(recipient_translator(services, person), p)
            await enqueue_now(session=session, now=services.clock.now(),
                              messages=[NewMessage(person.chat_id, DECISION, f"p{p.id}", {"text": text})])
    services.wake_outbox()


async def _class_view(
    context: BotContext, scope: Scope, tr: Translator
) -> tuple[list[str], list[list[Button]]]:
    """The head teacher's classes: exempt, awaiting approval, and buttons for the others."""
    _ = tr.gettext
    lines: list[str] = []
    rows: list[list[Button]] = []
    async with context.session() as session:
        classes = [c for c in await visitable_classes(session=session, scope=scope)
                   if c.id in scope.exemption_class_ids]
        for c in classes:
            students = await class_students(session=session, scope=scope, class_id=c.id)
            proposals = await class_proposals(session=session, scope=scope, class_id=c.id)
            pending = {p.student_id for p in proposals}
            exempt = [s.label for s in students if s.exempt]
            waiting = [s.label for s in students if s.id in pending]
            lines.append(f"<b>{esc(c.name)}</b>")
            lines.append(_("Exempt (away for the campaign): {names}").format(
                names=esc(_(", ").join(exempt)) if exempt else "—"))
            if waiting:
                lines.append(_("Awaiting approval: {names}").format(names=esc(_(", ").join(waiting))))
            candidates = sorted((s for s in students if not s.exempt and s.id not in pending),
                                key=lambda s: (s.name, s.external_id))
            rows += grid([(s.label, exempt_data("s", s.id)) for s in candidates], 3)
    if rows:
        lines.append(_("Tap a student who is away for the whole campaign (transferred, long sick leave, "
                       "suspended schooling) to propose them; a school leader or middle cadre approves."))
    return lines, rows


async def exempt_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    tr = await context.tr(update)
    scope = await scope_or_explain(update, context)
    if scope is None:
        return
    lines, rows = await _class_view(context, scope, tr)
    if scope.school_id is not None and may_decide(scope, scope.school_id):
        async with context.session() as session:
            pending = await pending_for(session=session, scope=scope)
        for p in pending:
            lines.append(request_text(tr, p))
            rows.append(decision_buttons(tr, p.id))
        rows.append([(tr.gettext("👩‍🏫 A teacher on long leave…"), exempt_data("tl"))])
    if not lines and not rows:
        await message.reply_text(tr.gettext(REFUSALS["not_allowed"]))
        return
    await message.reply_text("\n".join(lines) or tr.gettext("Propose a teacher on long leave:"),
                             reply_markup=inline(rows[:99]))


async def _edit(update: Update, text: str, rows: Sequence[Sequence[Button]] = ()) -> None:
    query = update.callback_query
    if query is None:
        return
    await edges.edit_text(query, text, inline(rows) if rows else None)  # what was asked for is done


async def exempt_tapped(update: Update, context: BotContext) -> None:
    tapped = await person_tap(update, context, ExemptTap)
    if tapped is None:
        return
    tr = tapped.tr
    await settle(tapped, _handle(update, context, tr, tapped.scope, tapped.tap), ExemptionRejected,
                 lambda exc: refusal(tr, exc))


async def _handle(
    update: Update, context: BotContext, tr: Translator, scope: Scope, tap: ExemptTap
) -> None:
    query = update.callback_query
    assert query is not None
    now = context.clock.now()
    action = tap.action
    if action == "s":  # a student picked: why away?
        student_id = tap.int_arg(0)
        student = None
        async with context.session() as session:
            for class_id in sorted(scope.exemption_class_ids):  # a head teacher proposes in their class
                students = await class_students(session=session, scope=scope, class_id=class_id)
                student = next((s for s in students if s.id == student_id), student)
        if student is None:
            raise ExemptionRejected("not_allowed")
        await edges.answer(query)
        question = tr.gettext("Why is {name} away for the campaign?").format(name=esc(student.label))
        await _edit(update, question,
                    [[(reason_label(tr, r), exempt_data("r", student_id, r.value))] for r in STUDENT_REASONS])
    elif action == "r":
        async with context.session() as session:
            p = await propose_student(session=session, scope=scope, student_id=tap.int_arg(0),
                                      reason_code=ExemptionReason(tap.arg(1)), now=now)
        await _proposed(update, context, tr, p)
    elif action == "tl":
        async with context.session() as session:
            teachers = await interviewable_teachers(session=session, scope=scope)
        await edges.answer(query)
        await _edit(update, tr.gettext("Which teacher is on long leave for the campaign?"),
                    grid([(t.label, exempt_data("t", t.id)) for t in teachers], 3)[:99])
    elif action == "t":
        async with context.session() as session:
            p = await propose_teacher(session=session, scope=scope, staff_id=tap.int_arg(0), now=now)
        await _proposed(update, context, tr, p)
    elif action in ("ok", "no"):
        async with context.session() as session:
            p, decided = await decide(session=session, scope=scope, proposal_id=tap.int_arg(0),
                                      approve=action == "ok", now=now)
        await edges.answer(query, None if decided else tr.gettext("Already decided."))
        await _edit(update, decision_text(tr, p))
        if decided:
            await _send_decision(context, p)
    else:
        raise BadCallbackData(action)


async def _proposed(update: Update, context: BotContext, tr: Translator, p: ProposalInfo) -> None:
    query = update.callback_query
    assert query is not None
    await edges.answer(query)
    if p.created:
        await _send_requests(context, p)
    await _edit(update, tr.gettext(
        "📨 Proposed: {who}, {reason}. A school leader or middle cadre decides; until then they still "
        "count in coverage."
    ).format(who=_who(tr, p), reason=reason_label(tr, p.reason_code)))


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("exempt", exempt_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(exempt_tapped, pattern=EXEMPT.pattern),
    ]
