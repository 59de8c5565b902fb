"""Shared timing helpers for the benchmark scripts."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def best_of(func: Callable[[], T], runs: int) -> tuple[float, T]:
    """Fastest wall time of ``runs`` calls, and the last result.

    The minimum is the least noisy estimate on a shared machine: noise only
    ever adds time.
    """
    best = float("inf")
    result: T | None = None
    for _ in range(runs):
        # Drop the previous result first: a large one still alive while the next
        # is built makes that call fault in fresh pages, which the others may not.
        result = None
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result  # type: ignore[return-value]


class BestTimes:
    """Fastest wall time per label, for contestants that take turns round after
    round (so a slow spell of the machine hits all of them, not one)."""

    def __init__(self) -> None:
        self.best: dict[str, float] = {}

    def time(self, label: str, func: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = func()
        self.best[label] = min(self.best.get(label, float("inf")), time.perf_counter() - started)
        return result
