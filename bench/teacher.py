"""A simulated head teacher logging one-on-one visits through the stand-in, for the benches.

Each visit is six round trips: ``/visit`` → the first not-yet-visited student → 🗣 In person → a
topic → Continue → 💾 Save, as in ``tests/test_bot_visit.py``. Before each step the teacher may wait
(``think``: a rush's think time) and tells ``on_step`` which step its next update is (so a bench can
book what each update costs to its step).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial

from bench.stats import Latencies
from sandbox import User

VISIT_STEPS = ("/visit", "student", "form", "topic", "continue", "save")
TAP_STEPS = ("student", "form", "topic", "continue")  # the taps between /visit and Save
STEPS_PER_VISIT = len(VISIT_STEPS)


class Stopped(Exception):
    """``think`` said the teacher's time is up (a rush's end): no further step is started."""


async def log_visits(
    user: User,
    visits: int | None,
    latencies: Latencies,
    *,
    reply_timeout: float,
    on_step: Callable[[str], None] | None = None,
    after_step: Callable[[str], None] | None = None,
    think: Callable[[], Awaitable[bool]] | None = None,
) -> int:
    """``visits`` one-on-one visits (None: until ``think`` returns False), each with the first
    not-yet-visited student. Returns the visits saved; raises AssertionError on a wrong or missing
    reply."""

    async def step(name: str, action: Callable[[], Awaitable[object]], *, new_message: bool = False) -> str:
        if think is not None and not await think():
            raise Stopped
        if on_step is not None:
            on_step(name)
        start = time.perf_counter()
        await action()
        reply = await (user.next_message(reply_timeout) if new_message else user.next_reply(reply_timeout))
        latencies.add(name, time.perf_counter() - start)
        if after_step is not None:
            after_step(name)
        return reply.text or ""

    saved = 0
    try:
        while visits is None or saved < visits:
            text = await step("/visit", lambda: user.send("/visit"), new_message=True)
            if "Which student" not in text:
                raise AssertionError(f"/visit answered {text[:120]!r}")
            student = user.messages[-1].buttons[0]  # not-yet-visited students come first
            await step("student", partial(user.tap, student))
            await step("form", lambda: user.tap("🗣 In person"))
            topic = next(b for b in user.messages[-1].buttons if b.startswith("⬜"))
            await step("topic", partial(user.tap, topic))
            await step("continue", lambda: user.tap("Continue ➡️"))
            reply = await step("save", lambda: user.tap("💾 Save"))
            if not reply.startswith("✅ Saved."):
                raise AssertionError(f"Save answered {reply[:120]!r}")
            saved += 1
    except Stopped:
        pass
    return saved
