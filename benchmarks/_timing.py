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
    result: T
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result  # type: ignore[possibly-undefined]
