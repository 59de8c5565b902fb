"""Repeated timing, as ``benchmarks/_timing.best_of`` does it, with a time budget.

The best (minimum) time is the least noisy figure on a shared machine, since
noise only ever adds time; the mean is kept beside it so the noise shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timed(Generic[T]):
    times: list[float]  # seconds, one per run, in run order
    result: T  # what the last run returned

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def mean(self) -> float:
        return sum(self.times) / len(self.times)


def timed_runs(func: Callable[[], T], runs: int, budget: float | None = None) -> Timed[T]:
    """Call ``func`` ``runs`` times (at least once), stopping early once ``budget``
    seconds have been spent, so slow codecs do not hold a whole benchmark up.

    The previous result is dropped before each call, so two never coexist and
    a peak-memory reading covers one call's worth.
    """
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    times: list[float] = []
    spent = 0.0
    result: T | None = None
    for _ in range(runs):
        result = None
        started = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        spent += elapsed
        if budget is not None and spent >= budget:
            break
    return Timed(times, result)  # type: ignore[arg-type]
