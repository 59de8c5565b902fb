"""Cost model: predicted wall time of every (backend, n_jobs, chunksize).

The model is a function of a ``Measurements`` object only, so decisions can be
unit-tested with made-up measurements. It searches all worker counts from 2 up
to the limit (not only the maximum) and a ladder of chunk sizes (powers of
two, and the sizes that split the items into equal waves), then applies tie
rules that keep the choice stable from run to run:

* parallel work must be predicted at least ``PARALLEL_MARGIN`` faster than
  serial, otherwise the plan stays serial;
* among parallel candidates, the one with the fewest workers (threads before
  processes) whose time is within ``NEAR_BEST`` of the best is kept;
* for that worker count, among chunk sizes within ``CHUNK_SLACK`` of its
  fastest, the one nearest (in ratio) to a canonical size is kept. The
  canonical size depends on the item count and worker count alone
  (``CANONICAL_WAVES`` chunks per worker) unless that would exceed the target
  chunk duration, so measurement noise can only change the choice when it
  moves a candidate in or out of the slack, not by reordering near-equal
  predictions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable

from ._measure import Measurements, Overheads

#: Required predicted gain before any pool is used (1.15 = 15 % faster).
PARALLEL_MARGIN = 1.15
#: Candidates within this factor of the best count as equal.
NEAR_BEST = 1.05
#: Chunk sizes within this factor of the fastest for a worker count count as equal.
CHUNK_SLACK = 1.03
#: Canonical chunks per worker (the multiprocessing.Pool.map default): a
#: tie-break that needs no measurement, with few enough tasks to keep the
#: caller's per-chunk work small and enough to even out uneven items.
CANONICAL_WAVES = 4
#: Equal-wave chunk sizes are tried for 1..this many waves per worker.
MAX_EVEN_WAVES = 64
#: Assumed length of a stream without len(): this much serial work (seconds) ...
STREAM_HORIZON = 10.0
#: ... and at least this many items.
STREAM_MIN_ITEMS = 1000
#: Thread counts tried (those <= the limit); processes try every count 2..limit.
THREAD_COUNTS = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
#: Default thread limit when max_workers is None.
DEFAULT_MAX_THREADS = 32
#: Chunks in flight per worker (the streaming buffer default).
BUFFER_PER_WORKER = 3
_SIMPLICITY = {"serial": 0, "threads": 1, "processes": 2}


@dataclass(frozen=True)
class Candidate:
    """One way to run the work, with its predicted wall time and memory."""

    backend: str
    n_jobs: int
    chunksize: int
    time: float
    memory: int = 0

    def describe(self) -> str:
        if self.backend == "serial":
            return "serial"
        return f"{self.backend} x{self.n_jobs}, chunks of {self.chunksize}"


def assumed_length(item_time: float) -> int:
    """Number of items assumed for a stream of unknown length."""
    if item_time <= 0:
        return STREAM_MIN_ITEMS
    return max(STREAM_MIN_ITEMS, int(STREAM_HORIZON / item_time))


def stream_length(m: Measurements) -> int:
    return assumed_length(m.item_time)


def _pow2_floor(x: int) -> int:
    return 1 << (max(1, x).bit_length() - 1)


def chunk_ladder(limit: int, n_items: int, n_jobs: int) -> list[int]:
    """Chunk sizes to score: powers of two and the limit, plus equal-wave sizes.

    ceil(n_items / (n_jobs * k)) fills k waves of every worker; without
    these, whether a power of two happens to divide the items evenly (and so
    which size wins) would hinge on small changes in the measured item time.
    """
    sizes = {limit}
    c = 1
    while c < limit:
        sizes.add(c)
        c *= 2
    for k in range(1, MAX_EVEN_WAVES + 1):
        size = math.ceil(n_items / (n_jobs * k))
        if size <= limit:
            sizes.add(size)
        if size == 1:
            break
    return sorted(sizes)


def canonical_chunk(m: Measurements, n_items: int, n_jobs: int, target: float) -> int:
    """Preferred chunk size among near-equal ones: CANONICAL_WAVES per worker.

    Computed from the item and worker counts only; when those chunks would run
    longer than the target duration, the largest power of two within it
    (measured time then matters, but only at powers of two).
    """
    even = max(1, math.ceil(n_items / (n_jobs * CANONICAL_WAVES)))
    limit = chunk_limit(m, n_items, n_jobs, target)
    return even if even <= limit else _pow2_floor(limit)


def chunk_limit(m: Measurements, n_items: int, n_jobs: int, target: float) -> int:
    """Largest chunk worth trying: one chunk per worker, and at most ~target seconds."""
    per_worker = math.ceil(n_items / n_jobs)
    by_time = int(target / m.item_time) if m.item_time > 0 else per_worker
    return max(1, min(per_worker, by_time))


def _transfer(m: Measurements, o: Overheads) -> float:
    """Seconds per item to move one item and its result between processes."""
    return (
        (m.item_pickle_time or 0.0)
        + (m.result_pickle_time or 0.0)
        + (m.item_bytes + m.result_bytes) * o.process_byte
    )


def predict(
    m: Measurements,
    backend: str,
    n_jobs: int,
    chunksize: int,
    n_items: int,
    *,
    warm: bool = False,
) -> float:
    """Predicted wall seconds for n_items (Amdahl-style, with measured overheads).

    The result is the largest of three limits: workers each running their
    chunks in waves; the CPU share that cannot overlap (GIL-held work on
    threads, the parent's pickling for processes); and total CPU over cores.
    Pool start is added unless a warm pool of that size already exists.
    """
    W = m.item_time
    N = n_items
    if backend == "serial" or N == 0:
        return N * W
    o = m.overheads or Overheads(0.0, 0.0)
    cpu = W * m.cpu_fraction
    n, c = n_jobs, chunksize
    chunks = math.ceil(N / c)
    waves = math.ceil(chunks / n)
    # Uneven items leave some workers idle at the end: ~half a chunk's spread.
    tail = 0.5 * m.item_time_cv / math.sqrt(c) * c * W
    if backend == "threads":
        start = 0.0 if warm else n * o.thread_start
        chunk_time = c * W + o.thread_task
        held = N * cpu * (1.0 - m.gil_free_fraction) + chunks * o.thread_task
        cpu_bound = N * cpu / min(n, m.cores)
        return start + max(waves * chunk_time + tail, held, cpu_bound)
    if backend == "processes":
        xfer = _transfer(m, o)
        per_chunk = o.process_task + (m.func_pickle_time or 0.0)
        start = 0.0 if warm else n * o.process_start
        chunk_time = c * (W + xfer) + per_chunk
        parent = N * xfer / 2 + chunks * per_chunk
        cpu_bound = N * (cpu + xfer) / min(n, m.cores)
        return start + max(waves * chunk_time + tail, parent, cpu_bound)
    raise ValueError(f"backend must be 'serial', 'threads' or 'processes', got {backend!r}")


def memory_needed(m: Measurements, backend: str, n_jobs: int, chunksize: int) -> int:
    """Bytes held by in-flight chunks (items + results) plus worker processes."""
    if backend == "serial":
        return m.item_bytes + m.result_bytes
    in_flight = BUFFER_PER_WORKER * n_jobs * chunksize * (m.item_bytes + m.result_bytes)
    if backend == "processes":
        rss = m.overheads.worker_rss if m.overheads else 0
        return 2 * in_flight + n_jobs * rss
    return in_flight


def candidates(
    m: Measurements,
    n_items: int,
    *,
    backends: Iterable[str],
    max_workers: int | None,
    target_chunk_duration: float,
    warm: Iterable[tuple[str, int]] = (),
) -> list[Candidate]:
    """Every candidate the model scores, serial first."""
    warm = set(warm)
    backends = tuple(backends)
    out: list[Candidate] = []
    if "serial" in backends:
        out.append(Candidate("serial", 1, 1, predict(m, "serial", 1, 1, n_items), memory_needed(m, "serial", 1, 1)))
    for backend in ("threads", "processes"):
        if backend not in backends or n_items < 2:
            continue
        if backend == "threads" and m.gil_free_fraction == 0 and m.wait_fraction == 0:
            continue  # CPU work holding the GIL: no thread count can beat serial
        if backend == "threads":
            limit = max_workers if max_workers is not None else DEFAULT_MAX_THREADS
            counts = [k for k in THREAD_COUNTS if k <= limit]
            if limit not in counts and limit >= 2:
                counts.append(limit)
        else:
            limit = m.cores if max_workers is None else max_workers
            counts = list(range(2, limit + 1))
        for n in sorted(k for k in counts if k <= n_items):
            for c in chunk_ladder(chunk_limit(m, n_items, n, target_chunk_duration), n_items, n):
                t = predict(m, backend, n, c, n_items, warm=(backend, n) in warm)
                out.append(Candidate(backend, n, c, t, memory_needed(m, backend, n, c)))
    return out


def pick_chunk(same: list[Candidate], canonical: int) -> Candidate:
    """Among one worker count's candidates, the size nearest canonical within CHUNK_SLACK.

    Near-equal predictions differ by less than measurement noise; ordering
    them by predicted time would let noise pick the chunk size. Distance is a
    ratio (a factor of 2 either way counts the same); equal distance goes to
    the larger chunk (fewer tasks).
    """
    fastest = min(c.time for c in same)
    near = [c for c in same if c.time <= fastest * CHUNK_SLACK]
    return min(near, key=lambda c: (abs(math.log(c.chunksize / canonical)), -c.chunksize))


def choose(
    cands: list[Candidate],
    memory_budget: int | None = None,
    *,
    canonical: Callable[[Candidate], int] | None = None,
) -> tuple[Candidate, list[Candidate]]:
    """Pick the plan from scored candidates; returns (chosen, feasible).

    Candidates over memory_budget are dropped. Parallel work must beat serial by
    PARALLEL_MARGIN; then the fewest workers within NEAR_BEST of the best wins,
    and for that (backend, n_jobs) pick_chunk() keeps the chunk size nearest
    canonical(candidate) among those within CHUNK_SLACK of its fastest
    (without canonical: the largest, as fewer tasks cost less than the model's
    per-task figure suggests).
    """
    feasible = [c for c in cands if memory_budget is None or c.memory <= memory_budget or c.backend == "serial"]
    if not feasible:
        raise ValueError("no backend to choose from: backends is empty")
    serial = next((c for c in feasible if c.backend == "serial"), None)
    parallel = [c for c in feasible if c.backend != "serial"]
    if not parallel:
        return serial, feasible  # type: ignore[return-value]
    best = min(parallel, key=lambda c: c.time)
    if serial is not None and serial.time <= best.time * PARALLEL_MARGIN:
        return serial, feasible
    near = [c for c in parallel if c.time <= best.time * NEAR_BEST]
    pick = min(near, key=lambda c: (c.n_jobs, _SIMPLICITY[c.backend]))
    same = [c for c in parallel if (c.backend, c.n_jobs) == (pick.backend, pick.n_jobs)]
    target = canonical(pick) if canonical is not None else max(c.chunksize for c in same)
    return pick_chunk(same, target), feasible
