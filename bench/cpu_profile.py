"""Where a phase's CPU goes, by step and by layer: a sampling profiler on the process's CPU time.

``setitimer(ITIMER_PROF)`` interrupts the process every millisecond of CPU it uses (idle time costs
no sample), and the handler books the sample to the step of the update being handled (the context
variable :class:`bench.harness.SqlCounter` sets) and to a layer by the files on the stack: the
database (SQLAlchemy, aiosqlite), a Bot API call (PTB's request and httpx), the stand-in's server,
or PTB and our own code. Samples outside any update (getUpdates, the stand-in, the simulated users)
are booked apart. Only the main thread is sampled: aiosqlite's threads run SQLite itself, a small
share (``/proc``'s per-thread times put them under 5 % of the process).
"""

from __future__ import annotations

import signal
from collections import Counter
from types import FrameType

from bench import harness

OUTSIDE = "(outside updates)"
LAYERS = ("db", "bot api", "stand-in", "ptb+ours")


def _layer(frame: FrameType | None) -> str:
    files = []
    while frame is not None:
        files.append(frame.f_code.co_filename)
        frame = frame.f_back
    stack = " ".join(files)
    if "sqlalchemy" in stack or "aiosqlite" in stack:
        return "db"
    if "telegram/request" in stack or "httpx" in stack or "httpcore" in stack:
        return "bot api"
    if "sandbox/" in stack or "aiohttp" in stack:
        return "stand-in"
    return "ptb+ours"


class CpuProfile:
    """Samples by (step, layer) while started."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.samples: Counter[tuple[str, str]] = Counter()

    def _sample(self, _signal: int, frame: FrameType | None) -> None:
        cost = harness.current_update()
        self.samples[(cost.step if cost is not None else OUTSIDE, _layer(frame))] += 1

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_IGN)  # a signal still pending must not end the process

    def lines(
        self, cpu_ms: float, updates: Counter[str], round_trips: int, steps: tuple[str, ...]
    ) -> list[str]:
        """Each step's CPU ms per update by layer, the phase's measured ``cpu_ms`` shared out."""
        total = sum(self.samples.values())
        if not total:
            return []
        head = "".join(f"{layer:>10}" for layer in LAYERS)
        lines = ["CPU ms per update by step and layer (sampled on CPU time, the phase's CPU shared out):",
                 f"  {'step':18}{'all':>8}{head}"]
        for step in [*steps, OUTSIDE]:
            per = round_trips if step == OUTSIDE else updates.get(step, 0)
            if not per:
                continue
            row = [self.samples.get((step, layer), 0) / total * cpu_ms / per for layer in LAYERS]
            lines.append(f"  {step:18}{sum(row):8.2f}" + "".join(f"{x:10.2f}" for x in row))
        lines.append(f"  ({OUTSIDE}: per round trip; getUpdates, the stand-in, the simulated users)")
        return lines
