"""optimize() and optimize_streaming(): sample, measure, model, decide."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Callable, Iterable

from . import _validate
from ._adaptive import adaptive_params
from ._budget import WAITING_SHARE, probe_need, sample_cap, serial_at_once
from ._estimate import measurements, per_item, picklable
from ._measure import (
    Measurements,
    Overheads,
    _enough,
    _pickle_cost,
    cached_overheads,
    cpu_count,
    round_sig,
)
from ._memory import buffer_size as default_buffer_size
from ._model import (
    DEFAULT_MAX_THREADS,
    PARALLEL_MARGIN,
    Candidate,
    assumed_length,
    candidates,
    canonical_chunk,
    choose,
    stream_length,
)
from ._overheads import overheads_for
from ._plan import Plan, StreamingPlan, _fmt_time, _Kept
from ._sample import HEAD_TIME, Sampler

#: Process costs are only calibrated when the work is at least this long.
PROCESS_WORTH_MEASURING = 0.01
#: Heterogeneous work (item-time CV above this) is what adaptive chunking is for.
ADAPTIVE_CV = 0.3
#: Each batch of the head is this many times the last.
HEAD_GROWTH = 4
#: Adaptive chunks aim at the planned chunk duration divided by this.
ADAPTIVE_TARGET_DIVISOR = 2
#: Default memory budget: this share of available memory.
MEMORY_SHARE = 0.5


def _open(data: Iterable[Any], expected: int | None) -> tuple[Any, int | None, Any]:
    """(what to sample from, item count or None, what the run will be given).

    Results computed while sampling are kept for sequences (by index) and for
    one-shot iterators (the run continues where the sample stopped); another
    iterable is iterated afresh by the run, so its sampled results are not
    reused.
    """
    if isinstance(data, Sequence):
        return data, len(data), data
    it = iter(data)
    if it is data:
        return it, expected, it
    try:
        return it, len(data), None  # type: ignore[arg-type]
    except TypeError:
        return it, expected, None


def _head(sampler: Sampler) -> None:
    """The first item alone (a slow one ends the head), then batches growing
    HEAD_GROWTH-fold until they have run HEAD_TIME (few clock readings and
    little bookkeeping for microsecond items)."""
    first = sampler.head_step(1)
    if first is None or first.wall >= HEAD_TIME:
        return
    spent, size = 0.0, 1
    while not sampler.exhausted and spent < HEAD_TIME:
        step = sampler.head_step(size)
        if step is None:
            return
        spent += step.wall
        size *= HEAD_GROWTH


def _spread(
    sampler: Sampler, n_items: int, sample_size: int, cores: int, thread_limit: int, *,
    thorough: bool, judge_gil: bool,
) -> None:
    """Single items across the input until the sample is worth no more time.

    Work that waits may stop after one item (a second would cost as much as a
    whole wave of threads); CPU-bound work needs two (the first can carry
    imports and cache misses). thorough (adaptive chunking asked for: it
    needs the spread of costs) samples up to the full budget.
    """
    sampler.start_probe()
    since = sampler.probe.ticks[0]
    singles = sum(1 for t in sampler.timings if t.count == 1)
    while not sampler.exhausted and singles < sample_size:
        cost, share = per_item(sampler.timings)
        wall = sum(t.wall for t in sampler.timings)
        cpu = sum(t.cpu for t in sampler.timings)
        if len(sampler.timings) >= 2 or share < WAITING_SHARE:
            first = sampler.timings[0]  # the measuring budget leaves out the first call
            if _enough(wall - first.wall, cpu - first.cpu):
                return
            spent = cpu if share >= WAITING_SHARE else wall  # preemption is not sampling
            serial = n_items * cost
            probed = sum(t.cpu for t in sampler.timings if t.window[0] >= since)
            need = probe_need(serial, share, cores) if judge_gil else 0.0
            if not thorough and spent >= sample_cap(serial, share, cores, n_items, thread_limit) and probed >= need:
                return
        if sampler.spread_step() is None:
            return
        singles += 1


def _transfer(func: Callable[[Any], Any], taken: Any) -> Callable[[], float | None]:
    """Pickling seconds to move one item and its result, or None if impossible."""

    def cost() -> float | None:
        if not picklable(func):
            return None
        try:
            return _pickle_cost(taken.items[:1])[0] + _pickle_cost(taken.results[:1])[0]
        except Exception:
            return None

    return cost


def _reason(chosen: Candidate, feasible: list[Candidate], m: Measurements, n_items: int) -> str:
    serial_t = n_items * m.item_time
    parallel = [c for c in feasible if c.backend != "serial"]
    best = min(parallel, key=lambda c: c.time) if parallel else None
    if chosen.backend == "serial":
        if best is None:
            return "serial: no parallel backend is allowed or possible"
        gain = serial_t / best.time if best.time > 0 else 0.0
        return (
            f"serial: the best pool ({best.describe()}) is predicted {gain:.2f}x "
            f"as fast as serial ({_fmt_time(best.time)} vs {_fmt_time(serial_t)}), "
            f"below the {PARALLEL_MARGIN:.2f}x required to use workers"
        )
    gain = serial_t / chosen.time
    if chosen.backend == "threads":
        if m.wait_fraction >= 0.5:
            why = f"func waits {m.wait_fraction:.0%} of its wall time (I/O, sleep), so threads overlap the waits"
        else:
            why = f"{m.gil_free_fraction:.0%} of its CPU work runs outside the GIL, so threads scale without pickling"
    elif chosen.backend == "processes":
        why = (
            f"func holds the GIL for {1 - m.gil_free_fraction:.0%} of its CPU work, "
            "so only processes run it in parallel"
        )
    else:
        why = "chosen by the caller"
    text = f"{chosen.backend}: {why}; predicted {gain:.2f}x faster than serial ({_fmt_time(chosen.time)} vs {_fmt_time(serial_t)})"
    if best is not None and (best.backend, best.n_jobs) != (chosen.backend, chosen.n_jobs):
        text += (
            f"; {chosen.n_jobs} workers is the fewest within 5% of the best prediction "
            f"({best.describe()}: {_fmt_time(best.time)})"
        )
    return text


def _sample_inline(
    func: Callable[[Any], Any], data: Iterable[Any], *, sample_size: int, backends: tuple[str, ...],
    max_workers: int | None, expected_items: int | None, thorough: bool, gil_free: float | None = None,
) -> tuple[Measurements | None, int | None, _Kept, str | None]:
    """Measure func on the data's own items: (measurements, item count, what
    was kept, why the plan is serial at once or None). ``gil_free``, when the
    caller knows it, replaces the GIL probe's reading (and its sampling)."""
    source, n_items, given = _open(data, expected_items)
    sampler = Sampler(func, source, n_items)
    kept = _Kept(func, given, sampler.taken, sampler.taken.read if given is source and not isinstance(source, Sequence) else None)
    _head(sampler)
    if not sampler.timings:
        sampler.close()
        return None, 0, kept, "there are no items"
    cost, share = per_item(sampler.timings)
    fast = None
    if n_items is not None and "serial" in backends:
        fast = serial_at_once(
            cost, share, n_items, backends=backends, cores=cpu_count(),
            transfer=_transfer(func, sampler.taken), cached=cached_overheads(),
        )
    if fast is None:
        thread_limit = max_workers or DEFAULT_MAX_THREADS
        n = n_items or assumed_length(cost)
        _spread(
            sampler, n, sample_size, cpu_count(), thread_limit,
            thorough=thorough, judge_gil="threads" in backends and gil_free is None,
        )
    delay = sampler.close()
    m = measurements(
        func, sampler.timings, sampler.taken, sampler.probe, delay, delay_known=sampler.delay_known,
        pickling=fast is None and "processes" in backends, memory=fast is None,
    )
    if gil_free is not None:
        m = dataclasses.replace(m, gil_free=gil_free)
    return m, n_items, kept, fast


class _Chooser:
    """The cost model's choice for given pool costs (the measurements fixed)."""

    def __init__(
        self, m: Measurements, n_items: int, *, backends: tuple[str, ...], max_workers: int | None,
        target: float, warm: Iterable[tuple[str, int]], budget: int,
    ) -> None:
        self.m, self.n_items, self.backends, self.max_workers = m, n_items, backends, max_workers
        self.target, self.warm, self.budget = target, list(warm), budget

    def decide(self, o: Overheads) -> tuple[Candidate, list[Candidate], list[Candidate]]:
        """(chosen, feasible, all candidates) under pool costs o."""
        m = dataclasses.replace(self.m, overheads=o)
        cands = candidates(
            m, self.n_items, backends=self.backends, max_workers=self.max_workers,
            target_chunk_duration=self.target, warm=self.warm,
        )
        chosen, feasible = choose(
            cands, self.budget, canonical=lambda c: canonical_chunk(m, self.n_items, c.n_jobs, self.target)
        )
        return chosen, feasible, cands

    def key(self, o: Overheads) -> tuple[str, int, int]:
        c = self.decide(o)[0]
        return (c.backend, c.n_jobs, c.chunksize)


def _decide(
    func: Callable[[Any], Any],
    data: Iterable[Any],
    *,
    sample_size: int,
    target_chunk_duration: float,
    max_workers: int | None,
    memory_budget: int | None,
    backends: tuple[str, ...],
    pool_manager: Any,
    plan_type: type[Plan] = Plan,
    extra: dict[str, Any] | None = None,
    expected_items: int | None = None,
    thorough: bool = False,
    gil_free: float | None = None,
) -> Plan:
    m, n_items, kept, fast = _sample_inline(
        func, data, sample_size=sample_size, backends=backends,
        max_workers=max_workers, expected_items=expected_items, thorough=thorough, gil_free=gil_free,
    )
    extra = extra or {}
    if m is None or fast is not None:
        return plan_type(
            backend="serial", n_jobs=1, chunksize=1, measurements=m, n_items=n_items,
            reason=f"serial: {fast}", _kept=kept, **extra,
        )
    warnings: list[str] = []
    N = n_items if n_items is not None else stream_length(m)
    if n_items is None:
        warnings.append(f"data has no len(); planned for a long stream (assumed {N} items)")
    total = N * m.item_time
    if "processes" in backends and not m.picklable:
        warnings.append(f"processes not considered: {m.pickle_error}")
        backends = tuple(b for b in backends if b != "processes")
    want_processes = "processes" in backends and total >= PROCESS_WORTH_MEASURING
    if "processes" in backends and not want_processes:
        backends = tuple(b for b in backends if b != "processes")
    warm_keys = getattr(pool_manager, "warm_keys", None)
    budget = memory_budget if memory_budget is not None else int(m.available_memory * MEMORY_SHARE)
    chooser = _Chooser(
        m, N, backends=backends, max_workers=max_workers, target=target_chunk_duration,
        warm=warm_keys() if callable(warm_keys) else (), budget=budget,
    )
    m = dataclasses.replace(m, overheads=overheads_for(chooser.key, want_processes))
    chosen, feasible, cands = chooser.decide(m.overheads or Overheads(0.0, 0.0))
    if len(feasible) < len(cands):
        warnings.append(f"{len(cands) - len(feasible)} candidates dropped: over the memory budget of {budget} bytes")
    speedup = total / chosen.time if chosen.time > 0 else 1.0
    return plan_type(
        backend=chosen.backend, n_jobs=chosen.n_jobs, chunksize=chosen.chunksize,
        estimated_speedup=round_sig(speedup, 3), measurements=m, reason=_reason(chosen, feasible, m, N),
        warnings=tuple(warnings), n_items=n_items, candidates=tuple(feasible), _kept=kept, **extra,
    )


def _check_common(
    func: Any, data: Any, sample_size: Any, target_chunk_duration: Any,
    max_workers: Any, memory_budget: Any, backends: Any, pool_manager: Any, gil_free: Any = None,
) -> tuple[str, ...]:
    if gil_free is not None:
        _validate.fraction("gil_free", gil_free)
    _validate.function("func", func)
    _validate.iterable("data", data)
    _validate.positive_int("sample_size", sample_size)
    _validate.positive_float("target_chunk_duration", target_chunk_duration)
    _validate.positive_int("max_workers", max_workers, allow_none=True)
    _validate.positive_int("memory_budget", memory_budget, allow_none=True)
    _validate.pool_manager("pool_manager", pool_manager)
    return _validate.backends("backends", backends)


def optimize(
    func: Callable[[Any], Any],
    data: Iterable[Any],
    *,
    sample_size: int = 32,
    target_chunk_duration: float = 0.2,
    max_workers: int | None = None,
    memory_budget: int | None = None,
    backends: tuple[str, ...] = _validate.PLANNED_BACKENDS,
    pool_manager: Any = None,
    gil_free: float | None = None,
) -> Plan:
    """Measure func on a sample of data and choose how to run it.

    Calls func at most sample_size times. If data is an iterator, the sampled
    items are put back when the same iterator is passed to execute()/imap()
    (or use plan.data). memory_budget caps in-flight bytes (default: half of
    available memory). A pool_manager with warm pools makes those pools free
    to start in the model.

    gil_free is the share of func's CPU work done without holding the GIL,
    for a caller that knows it (a function whose work is in C extensions that
    release it). By default a probe measures it while sampling, which needs
    some 15 ms of func's CPU time: on a shorter sample the share is unknown,
    and unknown counts as holding the GIL (threads are then not considered).
    """
    backends = _check_common(
        func, data, sample_size, target_chunk_duration, max_workers, memory_budget, backends, pool_manager, gil_free
    )
    return _decide(
        func, data, sample_size=sample_size, target_chunk_duration=target_chunk_duration,
        max_workers=max_workers, memory_budget=memory_budget, backends=backends,
        pool_manager=pool_manager, gil_free=gil_free,
    )


def optimize_streaming(
    func: Callable[[Any], Any],
    iterable: Iterable[Any],
    *,
    sample_size: int = 32,
    target_chunk_duration: float = 0.2,
    max_workers: int | None = None,
    memory_budget: int | None = None,
    backends: tuple[str, ...] = _validate.PLANNED_BACKENDS,
    enable_adaptive_chunking: bool = False,
    adaptation_rate: float = 0.3,
    pool_manager: Any = None,
    enable_memory_backpressure: bool = False,
    memory_threshold: float = 0.8,
    buffer_size: int | None = None,
    memory_reader: Callable[[], float] | None = None,
    expected_items: int | None = None,
    gil_free: float | None = None,
) -> StreamingPlan:
    """Plan a lazy run (imap) over a stream: optimize() plus run-time controls.

    expected_items is the stream's length when the caller knows it but the
    iterable has no len() (chunks of a file of known size); without either,
    the plan assumes a long stream and says so in its warnings.

    Adaptive chunking is used only when enabled and the work is heterogeneous
    (item-time CV > 0.3). buffer_size (chunks in flight) defaults to
    n_jobs x 3, capped so in-flight items and results fit in a quarter of
    available memory (or of memory_budget), and never below n_jobs. memory_reader
    returns the share of memory in use (default: psutil); gil_free is as for optimize().
    """
    backends = _check_common(
        func, iterable, sample_size, target_chunk_duration, max_workers, memory_budget, backends, pool_manager, gil_free
    )
    _check_streaming(enable_adaptive_chunking, adaptation_rate, enable_memory_backpressure, memory_threshold,
                     buffer_size, memory_reader, expected_items)
    plan = _decide(
        func, iterable, sample_size=sample_size, target_chunk_duration=target_chunk_duration,
        max_workers=max_workers, memory_budget=memory_budget, backends=backends,
        pool_manager=pool_manager, plan_type=StreamingPlan, expected_items=expected_items,
        thorough=enable_adaptive_chunking, gil_free=gil_free,
        extra={
            "pool_manager": pool_manager,
            "memory_threshold": memory_threshold,
            "memory_backpressure_enabled": enable_memory_backpressure,
            "memory_reader": memory_reader,
            "expected_items": expected_items,
        },
    )
    assert isinstance(plan, StreamingPlan)
    params, note = _adaptive_chunking(plan, enable_adaptive_chunking, target_chunk_duration, adaptation_rate)
    if buffer_size is None:
        buffer_size = _buffer_size(plan, params, memory_budget)
    return dataclasses.replace(
        plan,
        reason=plan.reason + note,
        use_adaptive_chunking=params is not None,
        adaptive_chunking_params=params,
        buffer_size=buffer_size,
    )


def _check_streaming(
    enable_adaptive_chunking: Any, adaptation_rate: Any, enable_memory_backpressure: Any, memory_threshold: Any,
    buffer_size: Any, memory_reader: Any, expected_items: Any,
) -> None:
    _validate.boolean("enable_adaptive_chunking", enable_adaptive_chunking)
    _validate.fraction("adaptation_rate", adaptation_rate)
    _validate.boolean("enable_memory_backpressure", enable_memory_backpressure)
    _validate.fraction("memory_threshold", memory_threshold)
    _validate.positive_int("buffer_size", buffer_size, allow_none=True)
    _validate.optional_callable("memory_reader", memory_reader)
    _validate.positive_int("expected_items", expected_items, allow_none=True)


def _adaptive_chunking(
    plan: StreamingPlan, enabled: bool, target_chunk_duration: float, adaptation_rate: float
) -> tuple[dict[str, Any] | None, str]:
    """The adaptive chunking parameters of a streaming plan (None: static chunks), and why."""
    m = plan.measurements
    if not enabled or m is None:
        return None, ""
    if plan.backend == "serial":
        return None, "; adaptive chunking not used: the plan is serial"
    if m.item_time_cv <= ADAPTIVE_CV:
        return None, f"; adaptive chunking not used: item times are even (CV {m.item_time_cv:.2f} <= {ADAPTIVE_CV})"
    # Aim at half the chunk duration the model chose (never above the
    # caller's target): chunks keep that duration as item costs change.
    # Half: the planned size rests on a sample that may have seen only
    # the cheap start of a stream, and a chunk half as long costs one
    # more round trip while halving what a worker can be left holding
    # when costs change.
    planned = plan.chunksize * m.item_time / ADAPTIVE_TARGET_DIVISOR
    params = adaptive_params(plan.chunksize, round_sig(min(target_chunk_duration, planned)), adaptation_rate)
    return params, f"; adaptive chunking on: item times vary (CV {m.item_time_cv:.2f} > {ADAPTIVE_CV})"


def _buffer_size(plan: StreamingPlan, params: dict[str, Any] | None, memory_budget: int | None) -> int:
    """Chunks in flight by default: n_jobs x 3, capped so in-flight items and results fit."""
    m = plan.measurements
    largest = params["max_chunksize"] if params else plan.chunksize
    per_item = (m.item_bytes + m.result_bytes) if m is not None else 0
    if plan.backend == "processes":
        per_item *= 2  # pickled copies on both sides
    available = m.available_memory if m is not None else 0
    if memory_budget is not None:
        available = min(available, memory_budget) if available else memory_budget
    return default_buffer_size(plan.n_jobs, largest * per_item, available) if available else 3 * plan.n_jobs
