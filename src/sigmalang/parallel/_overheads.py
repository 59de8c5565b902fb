"""Pool costs for a decision: measured only when the decision depends on them.

Starting, timing and shutting down throwaway pools costs milliseconds for
threads and tens of milliseconds for processes, more than a short job gains.
The choice is first made under two bounds of every pool cost, one below and
one above what the platform's start method costs; where both give the same
plan, nothing is measured and the plan says its figures are bounds.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from typing import Any, Callable

from ._measure import (
    Overheads,
    cached_overheads,
    cached_thread_overheads,
    pool_overheads,
    thread_overheads,
)

#: Pool costs below any measured on Linux with fork: thread start and task,
#: process start (+ shutdown) per worker, round trip per task, seconds per
#: byte moved, worker RSS.
LOW: dict[str, Any] = {
    "thread_start": 1e-5, "thread_task": 2e-6,
    "process_start": 0.002, "process_task": 3e-5, "process_byte": 3e-10, "worker_rss": 10_000_000,
}
#: ... and above them.
HIGH_FORK: dict[str, Any] = {
    "thread_start": 1e-3, "thread_task": 1e-4,
    "process_start": 0.05, "process_task": 1e-3, "process_byte": 1e-8, "worker_rss": 200_000_000,
}
#: Start methods that launch a new interpreter per worker cost far more.
HIGH_SPAWN = dict(HIGH_FORK, process_start=1.0)
_THREADS = ("thread_start", "thread_task")


def _high() -> dict[str, Any]:
    method = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_context().get_start_method()
    return HIGH_FORK if method == "fork" else HIGH_SPAWN


def _bounds(threads: Overheads | None) -> tuple[Overheads, Overheads]:
    low, high = Overheads(assumed=True, **LOW), Overheads(assumed=True, **_high())
    if threads is not None:
        known = {k: getattr(threads, k) for k in _THREADS}
        low, high = dataclasses.replace(low, **known), dataclasses.replace(high, **known)
    return low, high


def overheads_for(decide: Callable[[Overheads], tuple[str, int, int]], processes: bool) -> Overheads:
    """The pool costs to plan with: bounds under which decide() gives the same
    plan (decide maps pool costs to the chosen plan's key), else measured:
    thread costs first (milliseconds), process costs only if still needed."""
    cached = cached_overheads()
    if cached is not None:
        return cached
    low, high = _bounds(cached_thread_overheads())
    if decide(low) == decide(high):
        return high
    low, high = _bounds(thread_overheads())
    if not processes:
        return dataclasses.replace(high, process_start=0.0, process_task=0.0, process_byte=0.0,
                                   worker_rss=0, assumed=False)
    if decide(low) == decide(high):
        return high
    return pool_overheads(processes=True)
