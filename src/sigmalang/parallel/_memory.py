"""Memory readings and the backpressure gate used while streaming."""

from __future__ import annotations

import time
from typing import Callable

import psutil

#: In-flight results may use at most this share of available memory.
IN_FLIGHT_SHARE = 0.25


def used_fraction() -> float:
    """Share of physical memory in use (what page cache could not give back)."""
    vm = psutil.virtual_memory()
    return 1.0 - vm.available / vm.total


def available_bytes() -> int:
    return int(psutil.virtual_memory().available)


class Backpressure:
    """Blocks intake while memory in use is above a threshold.

    ``read`` returns the used share in [0, 1]; tests pass a fake one. Pauses
    are counted so a run can report how often intake stopped.
    """

    def __init__(
        self,
        threshold: float = 0.8,
        read: Callable[[], float] | None = None,
        poll_interval: float = 0.05,
    ) -> None:
        self.threshold = threshold
        self.read = read or used_fraction
        self.poll_interval = poll_interval
        self.pauses = 0
        self.paused_seconds = 0.0

    def over(self) -> bool:
        return self.read() > self.threshold

    def wait(self) -> None:
        """Return once memory in use is at or below the threshold."""
        if not self.over():
            return
        self.pauses += 1
        t0 = time.perf_counter()
        while self.over():
            time.sleep(self.poll_interval)
        self.paused_seconds += time.perf_counter() - t0


def buffer_size(n_jobs: int, chunk_bytes: int, available: int, *, per_worker: int = 3) -> int:
    """Chunks to keep in flight: n_jobs x per_worker, capped by memory, >= n_jobs."""
    size = n_jobs * per_worker
    if chunk_bytes > 0:
        size = min(size, int(available * IN_FLIGHT_SHARE // chunk_bytes))
    return max(n_jobs, size)
