"""Plan and StreamingPlan: the decision, the evidence for it, and explain()."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from . import _validate
from ._measure import Measurements
from ._model import Candidate


def _fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.3g} µs"
    return f"{seconds * 1e9:.3g} ns"


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


class _Kept:
    """What optimize() computed and read while measuring, handed to the run once.

    ``taken`` holds the results computed for sampled items: a run of the
    same func over the same data object uses them instead of calling func
    again. For a one-shot iterator, ``items`` are the items read from it,
    put back by ``plan.data`` for a caller who runs the data another way.
    """

    def __init__(self, func: Any, data: Any, taken: Any, items: list[Any] | None = None) -> None:
        self.func = func
        self.data = data
        self.taken = taken
        self.items = items
        self.used = False

    def claim(self, func: Any, data: Any) -> Any:
        """The kept results if this run is of the planned func over the planned data."""
        if self.used or func is not self.func or data is not self.data:
            return None
        self.used = True
        taken, self.taken = self.taken, None
        return taken

    def restore(self) -> Iterator[Any]:
        if self.items is None:
            raise ValueError("data: this plan was not made from an iterator; pass your data")
        if self.used:
            return self.data
        self.used = True
        return itertools.chain(self.items, self.data)


@dataclass(frozen=True, kw_only=True)
class Plan:
    """How to run a function over data, and why.

    ``estimated_speedup`` is the model's prediction versus serial, not a
    measurement of the full run. ``measurements`` holds everything measured.
    """

    backend: str
    n_jobs: int
    chunksize: int
    estimated_speedup: float = 1.0
    measurements: Measurements | None = None
    reason: str = ""
    warnings: tuple[str, ...] = ()
    n_items: int | None = None
    candidates: tuple[Candidate, ...] = field(default=(), repr=False, compare=False)
    _kept: _Kept | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        _validate.run_backend("backend", self.backend)
        _validate.positive_int("n_jobs", self.n_jobs)
        _validate.positive_int("chunksize", self.chunksize)

    @property
    def data(self) -> Any:
        """The planned data; for an iterator, the sampled items come first again.

        The results computed while planning are then not used: the caller
        runs those items again.
        """
        if self._kept is None or self._kept.items is None:
            raise ValueError("data: this plan keeps no items (not made from an iterator, or released); pass your data")
        return self._kept.restore()

    def release(self) -> None:
        """Drop the results and items kept from planning: a caller that will
        not run this plan over the planned data frees them now."""
        if self._kept is not None:
            self._kept.used = True
            self._kept.taken = None
            self._kept.items = None

    def _claim(self, func: Any, data: Iterable[Any]) -> Any:
        """Results computed while planning, if data is what was planned (once)."""
        return self._kept.claim(func, data) if self._kept is not None else None

    def with_backend(self, backend: str, n_jobs: int | None = None) -> "Plan":
        """Same plan on another backend (e.g. 'dask'), optionally another worker count."""
        return dataclasses.replace(self, backend=backend, n_jobs=n_jobs or self.n_jobs)

    def key(self) -> tuple[str, int, int]:
        """The decision alone, for comparing plans across runs."""
        return (self.backend, self.n_jobs, self.chunksize)

    def summary(self) -> str:
        if self.backend == "serial":
            return f"serial (estimated speedup {self.estimated_speedup:.2f}x)"
        return (
            f"{self.backend} x{self.n_jobs}, chunks of {self.chunksize} items "
            f"(estimated speedup {self.estimated_speedup:.2f}x)"
        )

    def explain(self) -> str:
        """A readable account of every measurement and decision."""
        lines = [f"Plan: {self.summary()}", f"Why: {self.reason}"]
        m = self.measurements
        if m is not None:
            lines += _explain_measurements(m, self.n_items)
        if self.candidates:
            lines += _explain_candidates(self.candidates, self)
        lines += self._explain_extra()
        if self.warnings:
            lines.append("Warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def _explain_extra(self) -> list[str]:
        return []


@dataclass(frozen=True, kw_only=True)
class StreamingPlan(Plan):
    """A Plan plus the run-time controls used while streaming.

    buffer_size counts chunks in flight (submitted and not yet yielded).
    """

    use_adaptive_chunking: bool = False
    adaptive_chunking_params: dict[str, Any] | None = None
    buffer_size: int = 1
    memory_backpressure_enabled: bool = False
    memory_threshold: float = 0.8
    pool_manager: Any = field(default=None, repr=False, compare=False)
    memory_reader: Any = field(default=None, repr=False, compare=False)
    #: The stream's length as the caller gave it (optimize_streaming's expected_items):
    #: runs of the plan over data without len() size their last adaptive chunks by it.
    expected_items: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _validate.positive_int("buffer_size", self.buffer_size)
        _validate.positive_int("expected_items", self.expected_items, allow_none=True)
        _validate.fraction("memory_threshold", self.memory_threshold)
        _validate.pool_manager("pool_manager", self.pool_manager)
        _validate.optional_callable("memory_reader", self.memory_reader)

    def _explain_extra(self) -> list[str]:
        lines = ["Streaming:", f"  in flight         {self.buffer_size} chunks"]
        if self.use_adaptive_chunking and self.adaptive_chunking_params:
            p = self.adaptive_chunking_params
            lines.append(
                f"  adaptive chunks   on: start {p['initial_chunksize']}, "
                f"bounds {p['min_chunksize']}..{p['max_chunksize']}, "
                f"target {_fmt_time(p['target_chunk_duration'])} per chunk, "
                f"rate {p['adaptation_rate']}"
            )
        else:
            lines.append("  adaptive chunks   off")
        if self.expected_items is not None:
            lines.append(f"  stream length     {self.expected_items} items (given)")
        if self.memory_backpressure_enabled:
            lines.append(
                f"  backpressure      on: intake pauses while memory in use > "
                f"{self.memory_threshold:.0%}"
            )
        else:
            lines.append("  backpressure      off")
        lines.append(
            "  pools             "
            + ("reused from the pool manager" if self.pool_manager is not None else "created per run")
        )
        return lines


def _explain_measurements(m: Measurements, n_items: int | None) -> list[str]:
    lines = [
        f"Measured ({m.n_calls} calls of func on {m.n_sampled} sample items, {m.cores} cores):",
        f"  per-item time     {_fmt_time(m.item_time)} mean, CV {m.item_time_cv:.2f}"
        + (" (heterogeneous)" if m.item_time_cv > 0.3 else ""),
        f"  CPU share         {m.cpu_fraction:.2f} of wall time (rest waits: I/O, sleep, locks)",
    ]
    if m.wait_fraction >= 0.95:
        lines.append("  GIL               irrelevant: func is almost always waiting")
    elif m.gil_free is None:
        lines.append("  GIL               not judged (sample too short for the GIL probe)")
    else:
        lines.append(
            f"  GIL               {m.gil_free:.0%} of CPU work runs without the GIL "
            "(GIL probe: a thread that needs the GIL every 0.2 ms)"
        )
    if m.picklable:
        lines.append(
            f"  pickling          func {_fmt_time(m.func_pickle_time or 0)}, "
            f"item {_fmt_time(m.item_pickle_time or 0)} ({_fmt_bytes(m.item_bytes)}), "
            f"result {_fmt_time(m.result_pickle_time or 0)} ({_fmt_bytes(m.result_bytes)})"
        )
    else:
        lines.append(f"  pickling          {m.pickle_error}")
    o = m.overheads
    if o is not None and o.assumed:
        lines.append(
            "  pool costs        not measured: the plan is the same whether pools cost little or much "
            f"(up to thread start {_fmt_time(o.thread_start)}, process start {_fmt_time(o.process_start)})"
        )
    elif o is not None:
        text = (
            f"  pool costs        thread start {_fmt_time(o.thread_start)}, "
            f"thread task {_fmt_time(o.thread_task)}"
        )
        if o.process_start:
            text += (
                f", process start {_fmt_time(o.process_start)}, process task "
                f"{_fmt_time(o.process_task)}, transfer {_fmt_time(o.process_byte * 2**20)}/MiB"
                f", worker RSS {_fmt_bytes(o.worker_rss)}"
            )
        lines.append(text)
    lines.append(
        f"  items             {n_items}" if n_items is not None else "  items             unknown (stream)"
    )
    if m.available_memory:  # not read for a plan that is serial at once
        lines.append(f"  available memory  {_fmt_bytes(m.available_memory)}")
    return lines


def _explain_candidates(cands: tuple[Candidate, ...], plan: Plan) -> list[str]:
    best: dict[tuple[str, int], Candidate] = {}
    for c in cands:
        k = (c.backend, c.n_jobs)
        if k not in best or c.time < best[k].time:
            best[k] = c
    rows = sorted(best.values(), key=lambda c: c.time)[:10]
    lines = [f"Candidates ({len(cands)} scored; best chunk size per worker count, fastest first):"]
    for c in rows:
        mark = "  <- chosen worker count" if (c.backend, c.n_jobs) == (plan.backend, plan.n_jobs) else ""
        lines.append(f"  {c.describe():<34} predicted {_fmt_time(c.time)}{mark}")
    return lines
