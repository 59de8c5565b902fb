"""Measurements the cost model needs, taken from real runs.

Two kinds: what the function costs (timed on a small sample of the caller's
items, calling ``func`` at most ``sample_size`` times), and what the machine
charges for a pool (worker start, per-task round trip, bytes moved between
processes). The second kind does not depend on the function, so it is measured
once per process and cached. Every figure is rounded to two significant digits
(fractions to 0.05) so that run-to-run noise rarely changes a decision.
"""

from __future__ import annotations

import _thread
import math
import os
import pickle
import statistics
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import psutil

#: Sampling stops once this much time is spent (and 2 items are done).
SERIAL_BUDGET = 0.02
#: The GIL probe needs this many switch intervals of sampled work to judge.
GIL_PROBE_MIN_INTERVALS = 3
#: Items whose median CPU/wall ratio is at least this are CPU-bound; their
#: cost is taken from CPU time, which preemption by other programs leaves alone.
CPU_BOUND = 0.8
#: Calibration repeats; the minimum is kept: other programs on the machine
#: only ever add time, so the minimum is the stable figure across runs.
CALIBRATION_REPEATS = 3


def round_sig(value: float, digits: int = 2) -> float:
    """Round to significant digits: noise below that must not move decisions."""
    if value <= 0 or not math.isfinite(value):
        return 0.0 if value <= 0 else value
    return round(value, digits - 1 - int(math.floor(math.log10(value))))


def round_step(value: float, step: float = 0.05) -> float:
    return round(round(value / step) * step, 10)


def cpu_count() -> int:
    """Cores this process may run on (affinity-aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Overheads:
    """What a pool costs on this machine, independent of the function (seconds)."""

    thread_start: float
    thread_task: float
    process_start: float = 0.0
    process_task: float = 0.0
    process_byte: float = 0.0
    worker_rss: int = 0
    #: The process figures are bounds, not measurements (see _overheads.py).
    assumed: bool = False


@dataclass(frozen=True)
class Measurements:
    """What running ``func`` costs, from a sample of real items.

    ``gil_free`` is the share of func's CPU work done without holding the GIL
    (from the GIL probe); ``None`` means the sample was too short to tell.
    Pickle times are dumps+loads per object; ``None`` for ``func_pickle_time``
    means the function cannot be sent to a process.
    """

    n_sampled: int
    n_calls: int
    item_time: float
    item_time_cv: float
    cpu_fraction: float
    gil_free: float | None
    func_pickle_time: float | None
    item_pickle_time: float | None
    result_pickle_time: float | None
    item_bytes: int
    result_bytes: int
    cores: int
    available_memory: int
    overheads: Overheads | None = None
    pickle_error: str | None = None
    #: Wall seconds of the sampled calls (their results are kept for the run).
    sample_seconds: float = 0.0

    @property
    def picklable(self) -> bool:
        return self.pickle_error is None

    @property
    def wait_fraction(self) -> float:
        """Share of wall time spent off-CPU (sleeping, I/O)."""
        return max(0.0, 1.0 - self.cpu_fraction)

    @property
    def gil_free_fraction(self) -> float:
        """Share of the CPU work that can run in parallel on threads (0 if unknown)."""
        if self.wait_fraction >= 0.95:
            return 1.0
        return self.gil_free if self.gil_free is not None else 0.0


# ---------------------------------------------------------------- calibration

def _noop(x: Any = None) -> Any:
    return x


def _pid(_: Any = None) -> int:
    return os.getpid()


def _payload(n: int) -> bytes:
    return bytes(n)


def _time(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _calibrate_threads() -> tuple[float, float]:
    starts, tasks = [], []
    for _ in range(CALIBRATION_REPEATS):
        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            for f in [pool.submit(_noop) for _ in range(2)]:
                f.result()
            starts.append((time.perf_counter() - t0) / 2)
            n = 30
            tasks.append(_time(lambda: [f.result() for f in [pool.submit(_noop, i) for i in range(n)]]) / n)
    return round_sig(min(starts)), round_sig(min(tasks))


def per_byte(moves: Sequence[float], tasks: Sequence[float], nbytes: int, k: int) -> float:
    """Seconds per byte moved: k payload tasks minus k empty tasks, over nbytes.

    Taken from the two minima, not as the minimum of per-repeat differences:
    a difference of noisy timings has no floor, so its minimum drifts toward
    0 on a loaded machine and the plan with it.
    """
    return max(0.0, min(moves) - k * min(tasks)) / nbytes


def _calibrate_processes() -> tuple[float, float, float, int]:
    starts: list[float] = []
    stops: list[float] = []
    tasks: list[float] = []
    moves: list[float] = []
    rss: list[int] = []
    size = 256 * 1024
    for _ in range(CALIBRATION_REPEATS):
        t0 = time.perf_counter()
        pool = ProcessPoolExecutor(2)
        try:
            pids = {f.result() for f in [pool.submit(_pid) for _ in range(2)]}
            starts.append((time.perf_counter() - t0) / 2)
            n = 100
            task = _time(lambda: [f.result() for f in [pool.submit(_noop, i) for i in range(n)]]) / n
            tasks.append(task)
            k = 4
            moves.append(_time(lambda: [f.result() for f in [pool.submit(_payload, size) for _ in range(k)]]))
            for pid in pids:
                try:
                    rss.append(psutil.Process(pid).memory_info().rss)
                except psutil.Error:  # pragma: no cover - worker gone
                    pass
        finally:
            t0 = time.perf_counter()
            pool.shutdown(wait=True)
            if len(starts) > len(stops):
                stops.append((time.perf_counter() - t0) / 2)
    # A pool is started and shut down once per run: both count as start cost.
    starts = [a + b for a, b in zip(starts, stops)]
    return (
        round_sig(min(starts)),
        round_sig(min(tasks)),
        round_sig(per_byte(moves, tasks, k * size, k)),
        int(round_sig(statistics.median(rss))) if rss else 0,
    )


_cache_lock = threading.Lock()
_cache: dict[str, tuple] = {}


def pool_overheads(*, processes: bool) -> Overheads:
    """Measured pool costs, cached for the life of the process.

    Process costs are only measured when asked for (they cost ~0.1 s once).
    """
    with _cache_lock:
        if "threads" not in _cache:
            _cache["threads"] = _calibrate_threads()
        if processes and "processes" not in _cache:
            _cache["processes"] = _calibrate_processes()
        t = _cache["threads"]
        p = _cache.get("processes", (0.0, 0.0, 0.0, 0))
    return Overheads(t[0], t[1], p[0], p[1], p[2], p[3])


def thread_overheads() -> Overheads:
    """Thread pool costs (measured once per process: a few milliseconds)."""
    with _cache_lock:
        if "threads" not in _cache:
            _cache["threads"] = _calibrate_threads()
        t = _cache["threads"]
    return Overheads(t[0], t[1])


def cached_thread_overheads() -> Overheads | None:
    with _cache_lock:
        t = _cache.get("threads")
    return Overheads(t[0], t[1]) if t is not None else None


def cached_overheads() -> Overheads | None:
    """The pool costs measured so far in this process, or None (measures nothing)."""
    with _cache_lock:
        if "processes" not in _cache:
            return None
        t, p = _cache.get("threads", (0.0, 0.0)), _cache["processes"]
    return Overheads(t[0], t[1], p[0], p[1], p[2], p[3])


def set_pool_overheads(overheads: Overheads | None) -> None:
    """Replace (or with None, clear) the cached pool costs; for tests and tools."""
    with _cache_lock:
        _cache.clear()
        if overheads is not None:
            _cache["threads"] = (overheads.thread_start, overheads.thread_task)
            _cache["processes"] = (
                overheads.process_start,
                overheads.process_task,
                overheads.process_byte,
                overheads.worker_rss,
            )


# --------------------------------------------------------- function sampling

class _RunDelay:
    """Seconds the calling thread spent runnable but waiting for a core.

    Linux reports it in /proc/thread-self/schedstat. Subtracting it from wall
    time separates preemption by other programs (which threads cannot
    overlap) from real waiting (sleep, I/O), so a loaded machine does not
    make CPU-bound work look like I/O. Elsewhere it reads 0.
    """

    def __init__(self) -> None:
        try:
            self._fd: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:  # pragma: no cover - not Linux, or schedstat disabled
            self._fd = None

    def read(self) -> float:
        if self._fd is None:
            return 0.0
        try:
            return int(os.pread(self._fd, 128, 0).split()[1]) / 1e9
        except (OSError, IndexError, ValueError):  # pragma: no cover
            return 0.0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass(frozen=True)
class _Sample:
    walls: list[float]
    cpus: list[float]
    windows: list[tuple[float, float]]
    delay: float = 0.0  # seconds preempted over the whole sample

    def ran(self, held: Sequence[float] | None = None) -> list[float]:
        """Wall time per item without time spent preempted (never below CPU).

        The run delay is read once around the sample (reading it releases
        the GIL, which would blind the GIL probe), then shared among items in
        proportion to their off-CPU time, the only time it can fall in.

        held (seconds per item during which the GIL probe could not get the
        GIL) gives a second estimate that needs no kernel support: time off
        the CPU while holding the GIL is not waiting that threads could
        overlap (a preempted holder keeps the GIL; so does a call that blocks
        without releasing it). Where the kernel keeps no run-delay figures
        (schedstat reads 0), this is what keeps CPU-bound work on a loaded
        machine from looking like I/O.
        """
        off = [max(0.0, w - c) for w, c in zip(self.walls, self.cpus)]
        total = sum(off)
        share = min(1.0, self.delay / total) if total > 0 else 0.0
        held_off = [
            min(o, max(0.0, h - c)) for o, h, c in zip(off, held or [0.0] * len(off), self.cpus)
        ]
        return [
            max(c, w - max(o * share, ho))
            for w, c, o, ho in zip(self.walls, self.cpus, off, held_off)
        ]


#: Per-item costs above this multiple of the median are taken at the multiple.
OUTLIER_CAP = 10.0


def capped(costs: Sequence[float]) -> list[float]:
    """Costs with single-item outliers cut to OUTLIER_CAP x the median.

    An interrupt, a page fault or a preemption's cache refill adds 5-30 µs to
    whichever item it lands in; for microsecond items one such item in a
    sample of 31 doubled the mean, and whether tiny work ran serially then
    changed from one process to the next. Genuinely uneven work is barely
    touched: a lognormal cost with CV 1 exceeds 10x its median once in ~400
    items.
    """
    if len(costs) < 3:
        return list(costs)
    cap = OUTLIER_CAP * statistics.median(costs)
    return [min(c, cap) for c in costs]


def _enough(wall: float, cpu: float) -> bool:
    """Whether sampling may stop: SERIAL_BUDGET of CPU time for CPU-bound work.

    Budgeting wall time alone gives a CPU-bound function only part of the
    budget when other programs take the cores, and the GIL probe then has
    too little CPU time to judge; waiting work stops on wall time.
    """
    if cpu >= SERIAL_BUDGET or wall >= 3 * SERIAL_BUDGET:
        return True
    return wall >= SERIAL_BUDGET and cpu < 0.25 * wall


#: Timing scaffold calibration repeats (each times one empty call).
SCAFFOLD_REPEATS = 7


def timer_floor(repeats: int = SCAFFOLD_REPEATS) -> tuple[float, float]:
    """(wall, CPU) seconds the per-item timing adds around an empty call.

    Reading the thread's CPU clock costs a few hundred nanoseconds, as much as
    a 1 µs item: left in, it inflated such items' cost by ~40 %, and whether
    tiny work was planned serial then depended on timing noise. The minimum
    over repeats is the stable figure (other programs only add time).
    """
    walls, cpus = [], []
    for _ in range(repeats):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        _noop(None)
        t1 = time.perf_counter()
        cpus.append(time.thread_time() - c0)
        walls.append(t1 - t0)
    return min(walls), min(cpus)


class _GilProbe:
    """A thread that wakes every 0.2 ms and needs the GIL to record the time.

    While func holds the GIL the probe cannot run until the interpreter forces
    a switch (sys.getswitchinterval(), 5 ms by default), so its ticks show
    gaps; while func runs outside the GIL (C code, I/O, sleep) ticks keep
    coming. Unlike timing 1 vs 2 threads, this does not mistake a second core
    busy with another program for a held GIL, and it needs no extra calls.
    """

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self._stop = threading.Event()
        self.gap = sys.getswitchinterval() / 2

    def _run(self) -> None:
        tick, now, stop = self.ticks.append, time.perf_counter, self._stop.is_set
        while not stop():
            time.sleep(0.0002)
            tick(now())

    def start_nowait(self) -> "_GilProbe":
        """Start ticking without waiting for the thread to run.

        The start time counts as a tick: while func holds the GIL the new
        thread cannot even begin, and that first gap is held time too.
        Waiting for a real first tick cost a millisecond or more, as much as
        a whole cheap job.
        """
        self.ticks.append(time.perf_counter())
        # threading.Thread.start() waits until the thread runs: up to
        # milliseconds on a busy machine. Nothing here needs to wait.
        _thread.start_new_thread(self._run, ())
        return self

    def stop(self) -> None:
        """Let the thread end after its current sleep (not joined: nothing waits)."""
        self._stop.set()

    def __enter__(self) -> "_GilProbe":
        self.start_nowait()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def close_gap(self) -> None:
        """Count the time since the probe's last tick as a gap, up to now.

        Read after the last item, the run delay releases the GIL, and the
        probe's wait (for a forced switch, if func held the GIL) ended early:
        the last item's gap came out shorter than a switch interval and was
        not counted, so under load pure Python read as partly GIL-free. A
        tick at the present closes that gap where it stands: if func released
        the GIL, the probe ticked during the item and the gap is short.
        Holding the GIL until the probe ticked again did the same for up to
        four switch intervals of spinning.
        """
        self.ticks.append(time.perf_counter())

    def blocked(self, windows: Sequence[tuple[float, float]]) -> float:
        """Seconds within windows during which the probe could not get the GIL."""
        return sum(self.blocked_each(windows))

    def blocked_each(self, windows: Sequence[tuple[float, float]]) -> list[float]:
        """Per window: seconds during which the probe could not get the GIL."""
        ticks = self.ticks
        gaps = [(a, b) for a, b in zip(ticks, ticks[1:]) if b - a > self.gap]
        return [sum(max(0.0, min(b, t1) - max(a, t0)) for a, b in gaps) for t0, t1 in windows]


def _pickle_cost(objs: Sequence[Any]) -> tuple[float, int]:
    """Mean dumps+loads seconds and mean pickled size over objs."""
    if not objs:
        return 0.0, 0
    reps = 1
    t0 = time.perf_counter()
    blobs = [pickle.dumps(o, pickle.HIGHEST_PROTOCOL) for o in objs]
    for b in blobs:
        pickle.loads(b)
    elapsed = time.perf_counter() - t0
    if elapsed < 1e-4:  # too fast to time once: repeat for a stable figure
        reps = 20
        t0 = time.perf_counter()
        for _ in range(reps):
            for o in objs:
                pickle.loads(pickle.dumps(o, pickle.HIGHEST_PROTOCOL))
        elapsed = time.perf_counter() - t0
    size = sum(len(b) for b in blobs) // len(blobs)
    return round_sig(elapsed / (reps * len(objs))), int(round_sig(size)) if size else 0


