"""Measurements the cost model needs, taken from real runs.

Two kinds: what the function costs (timed on a small sample of the caller's
items, calling ``func`` at most ``sample_size`` times), and what the machine
charges for a pool (worker start, per-task round trip, bytes moved between
processes). The second kind does not depend on the function, so it is measured
once per process and cached. Every figure is rounded to two significant digits
(fractions to 0.05) so that run-to-run noise rarely changes a decision.
"""

from __future__ import annotations

import math
import os
import pickle
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import psutil

#: Serial sampling stops once this much time is spent (and 2 items are done).
SERIAL_BUDGET = 0.015
#: The 1-vs-2-thread test uses items whose serial time adds up to about this.
THREAD_TEST_BUDGET = 0.015
#: Below this much serial time the thread test is too noisy to mean anything.
THREAD_TEST_MIN = 0.002
#: Calibration repeats; medians are kept.
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


@dataclass(frozen=True)
class Measurements:
    """What running ``func`` costs, from a sample of real items.

    ``thread_speedup`` is wall(1 thread) / wall(2 threads) for the same items:
    about 1.0 when the function holds the GIL, about 2.0 when it releases it
    (or waits). ``None`` means not measured (work too small or too few calls).
    Pickle times are dumps+loads per object; ``None`` for ``func_pickle_time``
    means the function cannot be sent to a process.
    """

    n_sampled: int
    n_calls: int
    item_time: float
    item_time_cv: float
    cpu_fraction: float
    thread_speedup: float | None
    func_pickle_time: float | None
    item_pickle_time: float | None
    result_pickle_time: float | None
    item_bytes: int
    result_bytes: int
    cores: int
    available_memory: int
    overheads: Overheads | None = None
    pickle_error: str | None = None

    @property
    def picklable(self) -> bool:
        return self.pickle_error is None

    @property
    def wait_fraction(self) -> float:
        """Share of wall time spent off-CPU (sleeping, I/O)."""
        return max(0.0, 1.0 - self.cpu_fraction)

    @property
    def gil_free_fraction(self) -> float:
        """Share of the CPU work that runs in parallel on threads.

        From Amdahl on two threads: parallel share p = 2 (1 - 1/speedup); the
        waiting share w always overlaps, so the CPU share that does is
        (p - w) / (1 - w).
        """
        if self.thread_speedup is None:
            return 0.0
        w = self.wait_fraction
        if w >= 0.95:
            return 1.0
        p = min(1.0, max(0.0, 2.0 * (1.0 - 1.0 / self.thread_speedup)))
        return round_step(min(1.0, max(0.0, (p - w) / (1.0 - w))), 0.1)


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
        with ThreadPoolExecutor(4) as pool:
            for f in [pool.submit(_noop) for _ in range(4)]:
                f.result()
            starts.append((time.perf_counter() - t0) / 4)
            n = 300
            tasks.append(_time(lambda: [f.result() for f in [pool.submit(_noop, i) for i in range(n)]]) / n)
    return round_sig(statistics.median(starts)), round_sig(statistics.median(tasks))


def _calibrate_processes() -> tuple[float, float, float, int]:
    starts, tasks, per_byte, rss = [], [], [], []
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
            moved = _time(lambda: [f.result() for f in [pool.submit(_payload, size) for _ in range(k)]])
            per_byte.append(max(0.0, moved - k * task) / (k * size))
            for pid in pids:
                try:
                    rss.append(psutil.Process(pid).memory_info().rss)
                except psutil.Error:  # pragma: no cover - worker gone
                    pass
        finally:
            pool.shutdown(wait=True)
    return (
        round_sig(statistics.median(starts)),
        round_sig(statistics.median(tasks)),
        round_sig(statistics.median(per_byte)),
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

@dataclass(frozen=True)
class _Sample:
    walls: list[float]
    cpus: list[float]
    results: list[Any]


def _annotate(exc: BaseException, text: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(text)


def _time_serial(func: Callable[[Any], Any], items: Sequence[Any], cap: int) -> _Sample:
    walls: list[float] = []
    cpus: list[float] = []
    results: list[Any] = []
    spent = 0.0
    for i, item in enumerate(items[:cap]):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        try:
            result = func(item)
        except Exception as exc:
            _annotate(exc, f"raised by func while measuring sample item {i}")
            raise
        wall = time.perf_counter() - t0
        cpus.append(time.thread_time() - c0)
        walls.append(wall)
        if len(results) < 4:
            results.append(result)
        spent += wall
        if len(walls) >= 2 and spent >= SERIAL_BUDGET:
            break
    return _Sample(walls, cpus, results)


def _thread_speedup(
    func: Callable[[Any], Any], items: Sequence[Any], serial_time: float
) -> float | None:
    """wall(1 thread) / wall(2 threads) on the same items; None if too small."""
    if len(items) < 2 or serial_time < THREAD_TEST_MIN:
        return None
    barrier = threading.Barrier(3)
    ends = [0.0, 0.0]
    errors: list[BaseException] = []

    def run(k: int) -> None:
        barrier.wait()
        try:
            for item in items[k::2]:
                func(item)
        except BaseException as exc:  # re-raised in the caller below
            errors.append(exc)
        ends[k] = time.perf_counter()

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in (0, 1)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    wall = max(ends) - t0
    return round_step(serial_time / wall, 0.05) if wall > 0 else None


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


def measure_function(
    func: Callable[[Any], Any],
    sample: Sequence[Any],
    *,
    sample_size: int,
    overheads: Overheads | None = None,
) -> Measurements:
    """Time func on sample items and test pickling and thread scaling.

    Calls func at most sample_size times: first serially (per-item wall and CPU
    time), then the same items again on two threads.
    """
    serial_cap = max(1, (sample_size + 1) // 2) if sample_size >= 3 else sample_size
    timed = _time_serial(func, sample, serial_cap)
    n1 = len(timed.walls)
    mean = statistics.fmean(timed.walls)
    cv = statistics.pstdev(timed.walls) / mean if n1 > 1 and mean > 0 else 0.0
    cpu_fraction = min(1.0, sum(timed.cpus) / sum(timed.walls)) if mean > 0 else 1.0

    # Thread test: skip the first (warm-up) call when there is room.
    budget_calls = sample_size - n1
    start = 1 if n1 > 2 else 0
    chosen: list[Any] = []
    serial_time = 0.0
    for item, wall in zip(sample[start:n1], timed.walls[start:]):
        if len(chosen) >= budget_calls or (len(chosen) >= 2 and serial_time >= THREAD_TEST_BUDGET):
            break
        chosen.append(item)
        serial_time += wall
    if len(chosen) % 2:  # an even split keeps both threads equally busy
        serial_time -= timed.walls[start + len(chosen) - 1]
        chosen.pop()
    speedup = _thread_speedup(func, chosen, serial_time)

    pickle_error = None
    func_pt: float | None = None
    try:
        func_pt = _pickle_cost([func])[0]
    except Exception as exc:  # lambdas, closures, bound methods of local classes
        pickle_error = f"func cannot be pickled ({type(exc).__name__}: {exc})"
    item_pt: float | None
    result_pt: float | None
    try:
        item_pt, item_bytes = _pickle_cost(list(sample[: min(8, len(sample))]))
    except Exception as exc:
        item_pt, item_bytes = None, 0
        pickle_error = pickle_error or f"items cannot be pickled ({type(exc).__name__}: {exc})"
    try:
        result_pt, result_bytes = _pickle_cost(timed.results)
    except Exception as exc:
        result_pt, result_bytes = None, 0
        pickle_error = pickle_error or f"results cannot be pickled ({type(exc).__name__}: {exc})"

    return Measurements(
        n_sampled=n1,
        n_calls=n1 + len(chosen) if speedup is not None else n1,
        item_time=round_sig(mean),
        item_time_cv=round_step(cv, 0.05),
        cpu_fraction=round_step(cpu_fraction, 0.05),
        thread_speedup=speedup,
        func_pickle_time=func_pt,
        item_pickle_time=item_pt,
        result_pickle_time=result_pt,
        item_bytes=item_bytes,
        result_bytes=result_bytes,
        cores=cpu_count(),
        available_memory=int(psutil.virtual_memory().available),
        overheads=overheads,
        pickle_error=pickle_error,
    )
