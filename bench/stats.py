"""Latency samples, percentiles and a description of the machine the figures came from."""

from __future__ import annotations

import math
import os
import platform
import resource
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is a latency that really happened)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Latencies:
    """Reply latencies in seconds, by step name (a step is one send or tap and the reply to it)."""

    by_step: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, step: str, seconds: float) -> None:
        self.by_step[step].append(seconds)

    def all(self) -> list[float]:
        return sorted(v for values in self.by_step.values() for v in values)

    def summary(self, values: list[float] | None = None) -> dict[str, float]:
        data = sorted(values) if values is not None else self.all()
        return {
            "n": float(len(data)),
            "p50": percentile(data, 50),
            "p95": percentile(data, 95),
            "p99": percentile(data, 99),
            "max": data[-1] if data else math.nan,
        }


@dataclass(frozen=True)
class Machine:
    when: str
    platform: str
    cpus: int
    cpu_model: str
    python: str

    def lines(self) -> list[str]:
        return [
            f"date:     {self.when}",
            f"machine:  {self.platform}",
            f"cpu:      {self.cpus} × {self.cpu_model}",
            f"python:   {self.python}",
        ]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe_machine(now: datetime | None = None) -> Machine:
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return Machine(
        when=when,
        platform=platform.platform(),
        cpus=os.cpu_count() or 0,
        cpu_model=_cpu_model(),
        python=sys.version.split()[0] + f" ({platform.python_implementation()})",
    )


def cpu_seconds() -> float:
    """CPU time (user + system) of this process so far, all threads (aiosqlite runs SQLite in one)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> str:
    """The 1-minute load average: other work on the machine shows in wall times, not in CPU times."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
