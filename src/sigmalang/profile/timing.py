"""Repeated timing: best of several runs, contestants in turns, spread shown.

The one timing helper of the project: ``sigmalang demo``, ``sigmalang bench``
and the scripts in ``benchmarks/`` all time through it, so they agree on what
"best of N, in turns" means.

The best (minimum) time is the least noisy figure on a shared machine, since
noise only ever adds time; the spread (slowest over fastest run) is kept beside
it so the noise shows. Contestants take turns round after round (``turns``) so
a slow spell of the machine hits all of them rather than the one that happened
to be running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Generic, Iterator, Sequence, TypeVar

T = TypeVar("T")
C = TypeVar("C")


def spread(times: Sequence[float]) -> float:
    """How much slower the slowest run was than the fastest, as a fraction (0.1: 10 %)."""
    return max(times) / min(times) - 1 if times and min(times) > 0 else 0.0


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

    @property
    def spread(self) -> float:
        return spread(self.times)


def timed_runs(func: Callable[[], T], runs: int, budget: float | None = None) -> Timed[T]:
    """Call ``func`` ``runs`` times (at least once), stopping early once ``budget``
    seconds have been spent, so slow codecs do not hold a whole benchmark up.

    The previous result is dropped before each call, so two never coexist: a
    large one still alive while the next is built makes that call fault in
    fresh pages, which the others may not, and a peak-memory reading would
    cover two calls' worth.
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


def best_of(func: Callable[[], T], runs: int) -> tuple[float, T]:
    """Fastest wall time of ``runs`` calls, and the last result."""
    timed = timed_runs(func, runs)
    return timed.best, timed.result


def turns(contestants: Sequence[C], rounds: int) -> Iterator[C]:
    """Every contestant once per round, for ``rounds`` rounds; the first place
    moves on by one each round, so no contestant always runs first."""
    n = len(contestants)
    for r in range(rounds):
        for i in range(n):
            yield contestants[(r + i) % n]


@dataclass
class BestTimes:
    """Every wall and CPU time per label, for contestants that take turns.

    CPU time is the whole process's (every thread), so it also counts work a
    multi-threaded codec spreads over cores.
    """

    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def time(self, label: str, func: Callable[[], T]) -> T:
        cpu_started = time.process_time()
        started = time.perf_counter()
        result = func()
        self.wall.setdefault(label, []).append(time.perf_counter() - started)
        self.cpu.setdefault(label, []).append(time.process_time() - cpu_started)
        return result

    @property
    def best(self) -> dict[str, float]:
        """Fastest wall time per label, in the order the labels were first timed."""
        return {label: min(times) for label, times in self.wall.items()}

    def best_cpu(self, label: str) -> float:
        return min(self.cpu[label])

    def spread(self, label: str) -> float:
        return spread(self.wall[label])
