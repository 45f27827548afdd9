"""Where a phase's CPU goes, by step and by layer: a sampling profiler on the process's CPU time.

``setitimer(ITIMER_PROF)`` interrupts the process every millisecond of CPU it uses (idle time costs
no sample), and the handler books the sample to the step of the update being handled (the context
variable :class:`bench.harness.SqlCounter` sets) and to a layer by the files on the stack: the
database (SQLAlchemy, aiosqlite), a Bot API call (PTB's request and httpx), the stand-in's server,
or PTB and our own code. Samples outside any update (getUpdates, the stand-in, the simulated users)
are booked apart. Only the main thread is sampled: aiosqlite's threads run SQLite itself, a small
share (``/proc``'s per-thread times put them under 5 % of the process).

With ``stacks`` the whole stack of every sample is kept too: :meth:`CpuProfile.functions` lists
the functions with the most CPU under them (inclusive), and :meth:`CpuProfile.write_collapsed`
writes the stacks in the "collapsed" format flame graph tools read (``flamegraph.pl``, speedscope).
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from types import CodeType, FrameType

import greenlet

from bench import harness

OUTSIDE = "(outside updates)"
LAYERS = ("db", "bot api", "stand-in", "ptb+ours")


def _layer_of(files: list[str]) -> str:
    stack = " ".join(files)
    if "sqlalchemy" in stack or "aiosqlite" in stack:
        return "db"
    if "telegram/request" in stack or "httpx" in stack or "httpcore" in stack:
        return "bot api"
    if "sandbox/" in stack or "aiohttp" in stack:
        return "stand-in"
    return "ptb+ours"


def _name(code: CodeType) -> str:
    """``package/module.py:function``, short enough to read in a table."""
    path = code.co_filename
    for marker in ("site-packages/", "/lib/python3", "/work/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    parts = path.split("/")
    return f"{'/'.join(parts[-2:])}:{code.co_qualname}"


class CpuProfile:
    """Samples by (step, layer) while started; whole stacks too with ``stacks``."""

    def __init__(self, interval: float = 0.001, *, stacks: bool = False) -> None:
        self.interval = interval
        self.samples: Counter[tuple[str, str]] = Counter()
        self.keep_stacks = stacks
        self.stacks: Counter[tuple[str, tuple[CodeType, ...]]] = Counter()

    def _sample(self, _signal: int, frame: FrameType | None) -> None:
        cost = harness.current_update()
        step = cost.step if cost is not None else OUTSIDE
        codes: list[CodeType] = []
        while frame is not None:
            codes.append(frame.f_code)
            frame = frame.f_back
        # SQLAlchemy's async layer runs the ORM in a greenlet whose stack ends at its spawn: go on
        # with the stack of the greenlet that spawned it (suspended there), up to the main one.
        g = greenlet.getcurrent()
        while g.parent is not None:
            g = g.parent
            frame = g.gr_frame
            while frame is not None:
                codes.append(frame.f_code)
                frame = frame.f_back
        self.samples[(step, _layer_of([c.co_filename for c in codes]))] += 1
        if self.keep_stacks:
            self.stacks[(step, tuple(codes))] += 1

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

    def functions(self, cpu_ms: float, round_trips: int, *, top: int = 40,
                  steps: set[str] | None = None) -> list[str]:
        """The functions with the most CPU under them (inclusive), in ms per round trip, over the
        samples of ``steps`` (None: all)."""
        total = sum(self.samples.values())
        if not total or not self.stacks:
            return []
        scale = cpu_ms / total / round_trips
        inclusive: Counter[str] = Counter()
        own: Counter[str] = Counter()
        for (step, codes), n in self.stacks.items():
            if steps is not None and step not in steps:
                continue
            if codes:
                own[_name(codes[0])] += n
            for name in {_name(c) for c in codes}:
                inclusive[name] += n
        lines = [f"  {'incl ms/trip':>12} {'own':>6}  function"]
        for name, n in inclusive.most_common(top):
            lines.append(f"  {n * scale:12.3f} {own.get(name, 0) * scale:6.3f}  {name}")
        return lines

    def write_collapsed(self, path: Path) -> None:
        """The stacks, root first, one line each with its count: ``step;f1;f2;… n``."""
        with path.open("w") as out:
            for (step, codes), n in self.stacks.items():
                frames = ";".join(_name(c).replace(";", ",") for c in reversed(codes))
                out.write(f"{step};{frames} {n}\n")
