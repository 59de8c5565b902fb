"""How much to measure, and when a job is too cheap for any pool.

Measuring is not free even when its results are kept: the sampled items run
serially, so a job that then runs on n workers loses (1 - 1/n) of the
sample's time. The sample may therefore take at most ``SAMPLE_SHARE`` of
what the best parallel run could take, and a job whose whole serial time
cannot pay for starting a pool is planned serial from the head alone,
before any pool is measured.
"""

from __future__ import annotations

import sys
from typing import Callable, Iterable

from ._measure import CPU_BOUND, GIL_PROBE_MIN_INTERVALS, Overheads
from ._model import PARALLEL_MARGIN

#: Below this much total serial work no pool can pay off (seconds).
TRIVIAL_WORK = 0.002
#: The sample may run at most this share of the best parallel run's time.
SAMPLE_SHARE = 0.05
#: The GIL probe's sampling must be repaid this many times by the most a pool can gain.
PROBE_PAYBACK = 3
#: A first item using the CPU for less than this share of its time waits
#: (I/O, sleep): preemption alone rarely takes that much from CPU-bound work.
WAITING_SHARE = 0.2
#: CPU-bound items cheaper than this cannot gain on threads even when they
#: release the GIL: each release hands the GIL to the other thread, and the
#: handoff costs about as much as the item.
THREAD_ITEM_FLOOR = 5e-6
#: Start plus shutdown of one worker process when not yet measured (seconds):
#: below what starting a worker costs on Linux with fork, so the fast path
#: only ever errs toward measuring.
PROCESS_START_FLOOR = 0.002


def best_speedup(share: float, cores: int, n_items: int, thread_limit: int) -> float:
    """The most any pool could gain: cores for CPU work, more threads for waiting work."""
    if share >= CPU_BOUND:
        return float(max(1, min(cores, n_items)))
    return float(max(1, min(thread_limit, n_items, 1.0 / max(share, 1.0 / thread_limit))))


def sample_cap(serial: float, share: float, cores: int, n_items: int, thread_limit: int) -> float:
    """Seconds of serial sampling worth spending on a job of serial seconds."""
    return SAMPLE_SHARE * serial / best_speedup(share, cores, n_items, thread_limit)


def probe_need(serial: float, share: float, cores: int) -> float:
    """CPU seconds the GIL probe should see, or 0 when its verdict cannot pay.

    For CPU-bound work that threads might run: without a verdict the GIL
    counts as held, and GIL-free work loses threads. The probe needs
    probe_time() of work, worth it when the most a pool could gain repays it
    PROBE_PAYBACK times over.
    """
    if share >= WAITING_SHARE and serial * (1 - 1 / max(1, cores)) >= PROBE_PAYBACK * probe_time():
        return probe_time()
    return 0.0


def probe_time() -> float:
    """CPU seconds of sampled work the GIL probe needs to judge."""
    return GIL_PROBE_MIN_INTERVALS * sys.getswitchinterval()


def serial_at_once(
    item_time: float,
    share: float,
    n_items: int,
    *,
    backends: Iterable[str],
    cores: int,
    transfer: Callable[[], float | None],
    cached: Overheads | None,
) -> str | None:
    """Why no pool can pay for this job (the fast path), or None to measure on.

    Threads are ruled out only for CPU-bound items below THREAD_ITEM_FLOOR;
    processes when even with free start-up (PROCESS_START_FLOOR, or the
    measured cost if cached) and perfect scaling, moving each item and its
    result (transfer(): pickling seconds per item, None if func, items or
    results cannot be pickled) leaves them under PARALLEL_MARGIN x serial.
    """
    serial = n_items * item_time
    if serial < TRIVIAL_WORK:
        return f"all the work takes about {serial * 1e3:.2g} ms, too little to pay for any pool"
    backends = tuple(backends)
    if "threads" in backends and n_items > 1 and (share < CPU_BOUND or item_time >= THREAD_ITEM_FLOOR):
        return None
    if "processes" in backends and n_items > 1 and cores > 1:
        xfer = transfer()
        if xfer is not None:
            start = cached.process_start if cached is not None and cached.process_start else PROCESS_START_FLOOR
            best = min(n_items * (item_time + xfer) / n + n * start for n in range(2, cores + 1))
            if serial > PARALLEL_MARGIN * best:
                return None
            return (
                f"all the work takes about {serial * 1e3:.2g} ms serially; items cost "
                f"{item_time * 1e6:.2g} µs, too little for threads, and moving them to "
                f"processes costs {xfer * 1e6:.2g} µs each"
            )
    return f"items cost {item_time * 1e6:.2g} µs of CPU: threads cannot gain, and processes are not an option"

