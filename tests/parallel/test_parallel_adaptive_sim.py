"""Adaptive vs static chunks in virtual time: the real run loop, simulated workers.

_Pooled (windows, ordering, sizer feedback) runs unchanged; the executor
computes when each chunk would finish from given item costs, and wait()
advances a virtual clock. Results are exact and repeatable, so these tests
check scheduling decisions, not machine speed.
"""

from __future__ import annotations

import math
import random
from concurrent.futures import Future
from typing import Any

import pytest

import sigmalang.parallel._execute as execute_mod
from sigmalang.parallel._adaptive import ChunkSizer, adaptive_params

#: Per-chunk costs of a process pool: parent side (submit) and worker side.
PARENT_TASK = 1e-4
WORKER_TASK = 1.5e-4


class VirtualPool:
    """FIFO pool of identical workers; a chunk's cost is the sum of its items."""

    def __init__(self, n_workers: int) -> None:
        self.now = 0.0
        self.free = [0.0] * n_workers
        self.finish: dict[Future, tuple[float, Any]] = {}

    def submit(self, fn: Any, func: Any, chunk: list[float], first: int) -> Future:
        self.now += PARENT_TASK
        worker = min(range(len(self.free)), key=self.free.__getitem__)
        start = max(self.now, self.free[worker])
        work = sum(chunk)
        self.free[worker] = start + work + WORKER_TASK
        fut: Future = Future()
        self.finish[fut] = (self.free[worker], (chunk, work))
        return fut

    def wait(self, futures: Any, return_when: Any = None) -> tuple[set, set]:
        pending = [f for f in futures if not f.done()]
        if pending:
            self.now = max(self.now, min(self.finish[f][0] for f in pending))
        for f in pending:
            if self.finish[f][0] <= self.now:
                f.set_result(self.finish[f][1])
        done = {f for f in futures if f.done()}
        return done, set(futures) - done


class Manager:
    def __init__(self, pool: VirtualPool) -> None:
        self.pool = pool

    def get_pool(self, backend: str, n_jobs: int) -> VirtualPool:
        return self.pool


def makespan(
    costs: list[float], sizer: ChunkSizer, monkeypatch: pytest.MonkeyPatch, n_jobs: int = 2, total: int | None = None
) -> float:
    pool = VirtualPool(n_jobs)
    monkeypatch.setattr(execute_mod, "wait", pool.wait)
    run = execute_mod._Pooled(
        lambda x: x, execute_mod.Remaining(iter(costs)), backend="processes", n_jobs=n_jobs, sizer=sizer,
        buffer_size=3 * n_jobs, ordered=True, progress=None, total=total, manager=Manager(pool), gate=None,
    )
    assert list(run) == costs
    return pool.now


def growing_costs(n: int = 2000, factor: float = 16.0, seed: int = 42) -> list[float]:
    """Lognormal seconds (CV 1), mean growing from 0.25 ms to 0.25 ms x factor."""
    rng = random.Random(seed)
    sigma = math.sqrt(math.log(2.0))
    return [2.5e-4 * factor ** (i / (n - 1)) * rng.lognormvariate(-sigma**2 / 2, sigma) for i in range(n)]


def test_adaptive_chunks_beat_static_ones_when_costs_grow(monkeypatch):
    # Planned from the cheap start: 256 items ~ 0.1 s; at the end 256 items take ~1 s.
    costs = growing_costs()
    static = makespan(costs, ChunkSizer.fixed(256), monkeypatch)
    adaptive = makespan(costs, ChunkSizer.from_params(adaptive_params(256, 0.1, 0.3)), monkeypatch)
    ideal = sum(costs) / 2
    assert adaptive < static / 1.10
    assert adaptive < ideal * 1.05


def test_adaptive_chunks_shrink_to_the_bound_as_costs_grow(monkeypatch):
    sizer = ChunkSizer.from_params(adaptive_params(256, 0.1, 0.3))
    makespan(growing_costs(), sizer, monkeypatch)
    assert sizer.history[0] == 256
    assert sizer.history[-1] < 100  # items became 16x slower; the bound is 64
    assert min(sizer.history) >= 64


def test_only_one_chunk_per_worker_is_sized_before_any_feedback(monkeypatch):
    # Two chunks of the initial size, then every size reflects a finished chunk.
    sizer = ChunkSizer.from_params(adaptive_params(256, 0.1, 1.0))
    makespan([1e-3] * 2000, sizer, monkeypatch)
    assert sizer.history[:2] == [256, 256]
    assert sizer.history[2] == 100  # 0.1 s / 1 ms per item, at rate 1.0


def test_even_costs_lose_little_to_adaptation(monkeypatch):
    costs = [1e-3] * 2000
    static = makespan(costs, ChunkSizer.fixed(100), monkeypatch)
    adaptive = makespan(costs, ChunkSizer.from_params(adaptive_params(100, 0.1, 0.3)), monkeypatch)
    assert adaptive <= static * 1.02


def test_static_chunks_end_smaller_and_keep_both_workers_busy_to_the_end(monkeypatch):
    # Costs growing x16 along the stream, chunks of 250: the last chunk alone
    # runs ~0.9 s while the other worker idles, unless the tail is cut smaller.
    costs = growing_costs()
    ideal = sum(costs) / 2
    unknown = makespan(costs, ChunkSizer.fixed(250), monkeypatch)
    known = makespan(costs, ChunkSizer.fixed(250), monkeypatch, total=len(costs))
    assert known < unknown / 1.05
    assert known < ideal * 1.06


def test_periodic_costs_balance_with_static_chunks(monkeypatch):
    # Every 5th item 10x: chunks hold the same mix, so static chunks sized for
    # four waves per worker end within a chunk's spread of the bound.
    costs = [5e-3 if i % 5 == 0 else 5e-4 for i in range(800)]
    ideal = sum(costs) / 2
    assert makespan(costs, ChunkSizer.fixed(100), monkeypatch, total=len(costs)) < ideal * 1.02
