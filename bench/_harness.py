"""Shared timing helpers for the bench scripts (wall clock, one process, one core)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence


def machine() -> str:
    """One line naming the interpreter and machine the figures come from."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"Python {platform.python_version()} on {cpu}, {os.cpu_count()} cores"


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def per_op(samples: Sequence[float]) -> tuple[float, float]:
    """(p50, p99) of per-operation times in microseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1e6, p99 * 1e6


def time_each(fn: Callable[[int], object], args: Sequence[int]) -> tuple[float, float]:
    """Call ``fn(a)`` for every ``a``, timing each call; returns (p50, p99) in µs."""
    samples = []
    clock = time.perf_counter
    for a in args:
        t0 = clock()
        fn(a)
        samples.append(clock() - t0)
    return per_op(samples)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


#: The measured results the issuing and verification benchmarks issue credentials for
#: (they meet every obligation of ``attest.evaluation.pact.TEMPLATE``).
RESULTS_TOML = b"""
method = "bench/1"
period_start = 2026-11-01T00:00:00Z
period_end = 2026-11-20T00:00:00Z
[[metric]]
name = "task_success_rate"
value = 0.95
unit = "ratio"
sample_size = 500
[[metric]]
name = "harmful_output_rate"
value = 0.0001
unit = "ratio"
sample_size = 5000
[[metric]]
name = "p95_latency"
value = 3.5
unit = "s"
sample_size = 500
"""
