"""From the sampler's timings to the Measurements the cost model reads."""

from __future__ import annotations

import math
import pickle
import statistics
import sys
from typing import Any, Callable, Sequence

from ._measure import (
    CPU_BOUND,
    GIL_PROBE_MIN_INTERVALS,
    Measurements,
    Overheads,
    _GilProbe,
    _pickle_cost,
    _Sample,
    capped,
    cpu_count,
    round_sig,
    round_step,
)
from ._memory import available_bytes
from ._sample import Taken, Timing


def _used(timings: Sequence[Timing]) -> list[Timing]:
    """The timings that stand for the work: all but the first call (imports,
    caches and lazy set-up inside func land there), unless it is all there is."""
    return list(timings[1:]) if len(timings) > 1 else list(timings)


def per_item(timings: Sequence[Timing]) -> tuple[float, float]:
    """(seconds per item, CPU share) from raw timings: a first estimate for
    deciding how much more to measure, before any correction for load."""
    used = _used(timings)
    items = sum(t.count for t in used)
    # The median of per-call ratios: preemption by other programs lowers
    # the ratio of the calls it lands in, waiting lowers all of them.
    share = min(1.0, statistics.median(t.cpu / t.wall if t.wall > 0 else 1.0 for t in used))
    cost = sum(t.cpu if share >= CPU_BOUND else t.wall for t in used) / items if items else 0.0
    return cost, share


def _gil_free(timings: Sequence[Timing], held_each: Sequence[float], since: float | None) -> float | None:
    """Share of func's CPU work done without the GIL, or None if too little ran
    while the probe was running (since: its start, None if it never ran).

    Each call's held time counts up to its CPU time. A thread holding the GIL
    keeps it while preempted, so its gaps can exceed its CPU time; and when a
    forced switch takes the GIL from it and the machine then keeps it off a
    core, the probe ticks freely for a while, which used to read as GIL-free
    work (pure Python under load was now and then planned on threads). Those
    free ticks fall in time the thread was preempted, so a holder's gaps
    still cover all its CPU time.
    """
    seen = [i for i, t in enumerate(timings) if since is not None and t.window[0] >= since]
    cpu_total = sum(timings[i].cpu for i in seen)
    if cpu_total < GIL_PROBE_MIN_INTERVALS * sys.getswitchinterval():
        return None
    held = sum(min(held_each[i], timings[i].cpu) for i in seen)
    return round_step(min(1.0, max(0.0, 1.0 - held / cpu_total)), 0.1)


def _cv(xs: Sequence[float]) -> float:
    """Coefficient of variation (statistics.pstdev works in fractions: slow)."""
    mean = math.fsum(xs) / len(xs)
    return math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / len(xs)) / mean if mean > 0 else 0.0


def _pickling(func: Callable[[Any], Any], taken: Taken) -> dict[str, Any]:
    """Pickle times and sizes of func, sampled items and results (for processes)."""
    out: dict[str, Any] = {
        "func_pickle_time": None, "item_pickle_time": None, "result_pickle_time": None,
        "item_bytes": 0, "result_bytes": 0, "pickle_error": None,
    }
    for key, objs, what in (("func", [func], "func"), ("item", taken.items, "items"), ("result", taken.results, "results")):
        try:
            t, size = _pickle_cost(objs)
        except Exception as exc:  # lambdas, closures, open files, locks...
            out["pickle_error"] = out["pickle_error"] or f"{what} cannot be pickled ({type(exc).__name__}: {exc})"
            continue
        out[f"{key}_pickle_time"] = t
        if key != "func":
            out[f"{key}_bytes"] = size
    return out


def picklable(func: Callable[[Any], Any]) -> bool:
    try:
        pickle.dumps(func, pickle.HIGHEST_PROTOCOL)
    except Exception:
        return False
    return True


def _run_times(timings: Sequence[Timing], probe: _GilProbe, delay: float, held_each: list[float] | None) -> list[float]:
    """Each timing's wall time less the run delay (time spent waiting for a core).

    The probe's gaps stand in for run delay only where the kernel keeps
    none (``held_each`` given): on a busy machine the probe itself waits for
    a core, and its gaps would turn a sleep into "GIL held" time. The run
    delay was read around the calls the probe saw (from its start); earlier
    calls (the head) keep their wall time.
    """
    since = probe.ticks[0] if probe.ticks else float("inf")
    late = [i for i, t in enumerate(timings) if t.window[0] >= since]
    ran = [t.wall for t in timings]
    corrected = _Sample(
        [timings[i].wall for i in late], [timings[i].cpu for i in late], [timings[i].window for i in late], delay
    ).ran(None if held_each is None else [held_each[i] for i in late])
    for i, r in zip(late, corrected):
        ran[i] = r
    return ran


def measurements(
    func: Callable[[Any], Any],
    timings: Sequence[Timing],
    taken: Taken,
    probe: _GilProbe,
    delay: float,
    *,
    delay_known: bool = True,
    pickling: bool,
    memory: bool = True,
    overheads: Overheads | None = None,
) -> Measurements:
    """Mean cost, its spread, CPU share and GIL-free share from the timings.

    Costs are per item (a batch's time over its items); the spread (CV) comes
    from single-item timings, the only ones that show how items differ.
    """
    held_each = probe.blocked_each([t.window for t in timings])
    ran = _run_times(timings, probe, delay, None if delay_known else held_each)
    used = range(1, len(timings)) if len(timings) > 1 else range(len(timings))
    ratios = [timings[i].cpu / ran[i] if ran[i] > 0 else 1.0 for i in used]
    cpu_fraction = min(1.0, statistics.median(ratios))
    if cpu_fraction >= CPU_BOUND:
        # Wall above CPU by a few tens of percent is preemption by other
        # programs, not waiting that more threads could overlap.
        cpu_fraction = 1.0
    # CPU-bound: cost = CPU time (immune to preemption by other programs).
    costs = [(timings[i].cpu if cpu_fraction >= CPU_BOUND else ran[i]) / timings[i].count for i in used]
    counts = [timings[i].count for i in used]
    costs = capped(costs)
    mean = sum(c * k for c, k in zip(costs, counts)) / sum(counts)
    single = [c for c, k in zip(costs, counts) if k == 1]
    cv = _cv(single) if len(single) > 1 and mean > 0 else 0.0
    fields = _pickling(func, taken) if pickling else {
        "func_pickle_time": None, "item_pickle_time": None, "result_pickle_time": None,
        "item_bytes": 0, "result_bytes": 0, "pickle_error": "processes not considered",
    }
    return Measurements(
        n_sampled=sum(counts),
        n_calls=taken.count,
        item_time=round_sig(mean),
        item_time_cv=round_step(cv, 0.05),
        cpu_fraction=round_step(cpu_fraction, 0.05),
        gil_free=_gil_free(timings, held_each, probe.ticks[0] if probe.ticks else None),
        cores=cpu_count(),
        available_memory=available_bytes() if memory else 0,
        overheads=overheads,
        sample_seconds=sum(t.wall for t in timings),
        **fields,
    )
