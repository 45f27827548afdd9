"""Running the step table: show a step, take a tap, take typed text."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot import edges
from bot.callback_data import BadCallbackData, FlowTap
from bot.context import BotContext, read_tap
from bot.conversations.visit_flow import (
    END,
    Next,
    StepCall,
    cancel,
    keep_flow,
    left_the_roster,
    load_flow,
    reply,
    stale,
    unreadable,
)
from bot.conversations.visit_state import Flow, Step, Unreadable
from bot.conversations.visit_steps import STEPS

StepCallback = Callable[[Update, BotContext], Coroutine[Any, Any, Step | int | None]]


async def show(step: Step, call: StepCall, *, new_message: bool = False) -> Step:
    """Render ``step`` for the call's flow, store both, then show it; ``step`` is the new state."""
    spec = STEPS[step]
    text, keyboard = spec.render(call, await spec.load(call))
    keep_flow(call.context, call.flow)
    await reply(call.update, call.context, step, text, keyboard, new_message=new_message)
    return step


async def begin(
    update: Update, context: BotContext, flow: Flow, step: Step, *, new_message: bool = False
) -> Step:
    """Start (or restart) the flow at ``step``; the caller has checked the scope."""
    scope = await context.scope(update)
    assert scope is not None
    call = StepCall(update, context, await context.tr(update), scope, flow)
    return await show(step, call, new_message=new_message)


async def _call(update: Update, context: BotContext) -> StepCall | int | None:
    """The flow's call for this update; END when the flow was ended here, None for a stale tap."""
    try:
        flow = load_flow(context)
    except Unreadable as error:
        return await unreadable(update, context, error)
    if flow is None:
        await stale(update, context)
        return None
    if await left_the_roster(update, context):
        return END
    scope = await context.scope(update)
    assert scope is not None
    return StepCall(update, context, await context.tr(update), scope, flow)


def tap_for(step: Step) -> StepCallback:
    async def on_tap(update: Update, context: BotContext) -> Step | int | None:
        query = update.callback_query
        assert query is not None
        tap = await read_tap(update, context)
        if tap is None:
            return None
        if not isinstance(tap, FlowTap) or tap.step != step:
            await stale(update, context)
            return None
        call = await _call(update, context)
        if not isinstance(call, StepCall):
            return call
        if tap.flow != call.flow.ui.flow:
            await stale(update, context)
            return None
        if tap.action == "cancel":
            await edges.answer(query)
            return await cancel(update, context)
        try:
            after: Next = await STEPS[step].tap(call, tap)
        except BadCallbackData:
            await stale(update, context)
            return None
        if isinstance(after, Step):
            await show(after, call)
        if not call.answered:
            await edges.answer(query)
        return after

    return on_tap


def text_for(step: Step) -> StepCallback:
    """Typed text at ``step``: what the step does with it, else a hint; then the step, anew."""

    async def on_text(update: Update, context: BotContext) -> Step | int | None:
        message = update.effective_message
        if message is None:
            return END
        call = await _call(update, context)
        if not isinstance(call, StepCall):
            return END if call is None else call
        text = (message.text or "").strip()
        rule = STEPS[step].text
        if rule is not None and text:
            after = await rule(call, text)
        else:
            await message.reply_text(call.tr.gettext("Please use the buttons (or /cancel to stop)."))
            after = step
        return await show(after, call) if isinstance(after, Step) else after

    return on_text
