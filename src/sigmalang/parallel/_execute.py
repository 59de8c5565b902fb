"""Running a plan: execute() for a list of results, imap() for a lazy stream.

The input is read chunk by chunk as workers free up, never all at once: at
most ``buffer_size`` chunks are in flight (submitted and not yet handed to the
caller), so an infinite generator works and memory stays bounded. Results
come back in input order (``ordered=True``) or as chunks finish.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from . import _validate
from ._adaptive import ChunkSizer
from ._memory import Backpressure
from ._model import BUFFER_PER_WORKER
from ._plan import Plan, StreamingPlan
from ._pool import PoolManager, is_broken, shutdown_executor
from ._remaining import Part, Remaining, flatten, merged

Progress = Callable[[int, "int | None"], Any]


def _note(exc: BaseException, text: str) -> None:
    if hasattr(exc, "add_note") and text not in getattr(exc, "__notes__", ()):
        exc.add_note(text)


def _run_chunk(func: Callable[[Any], Any], items: list[Any], first: int) -> tuple[list[Any], float]:
    """Worker side: results of one chunk and the seconds it took to compute."""
    t0 = time.perf_counter()
    out = []
    for i, item in enumerate(items):
        try:
            out.append(func(item))
        except BaseException as exc:
            _note(exc, f"raised by func on item {first + i} (in a worker)")
            raise
    return out, time.perf_counter() - t0


def _length(data: Iterable[Any]) -> int | None:
    try:
        return len(data)  # type: ignore[arg-type]
    except TypeError:
        return None


def _serial(
    func: Callable[[Any], Any],
    source: Remaining,
    progress: Progress | None,
    total: int | None,
    gate: Backpressure | None,
    done: int,
) -> Iterator[Part]:
    """A serial run, one part per item (lazy: an infinite input works)."""
    for first, items in source.runs():
        for i, item in enumerate(items, first):
            if gate is not None:
                gate.wait()
            try:
                result = func(item)
            except Exception as exc:
                _note(exc, f"raised by func on item {i}")
                raise
            done += 1
            if progress is not None:
                progress(done, total)
            yield i, [result]


def _serial_list(func: Callable[[Any], Any], source: Remaining, prefix: list[Any], kept: dict[int, Any]) -> Part:
    """A serial run collected whole, in input order, as one part: func mapped
    over each run of items straight into the result list, kept results put in
    between, nothing per item of its own (for microsecond items, any per-item
    step or copy of the results would be a sizeable share of the run)."""
    out = prefix
    pending = sorted(kept.items(), reverse=True)
    for first, items in source.runs():
        while pending and pending[-1][0] < first:
            out.append(pending.pop()[1])
        done = len(out)
        try:
            out.extend(map(func, items))
        except Exception as exc:
            # extend() keeps what map() produced before the error.
            _note(exc, f"raised by func on item {first + len(out) - done}")
            raise
    out.extend(r for _, r in reversed(pending))
    return 0, out


class _Pooled:
    """One run of chunks on an executor; iterate it for results.

    Two windows bound a run. Items read and not yet handed back stay under
    ``buffer_size`` x the largest chunk (memory); counting items rather than
    chunks lets small chunks keep flowing while a large one blocks the head
    of an ordered run. Chunks submitted and not yet finished stay under
    running_window(): enough to keep every worker fed, few enough that a new
    chunk size takes effect soon after the sizer changes it.
    """

    def __init__(
        self,
        func: Callable[[Any], Any],
        source: Remaining | Iterable[Any],
        *,
        backend: str,
        n_jobs: int,
        sizer: ChunkSizer,
        buffer_size: int,
        ordered: bool,
        progress: Progress | None,
        total: int | None,
        manager: Any,
        gate: Backpressure | None,
        done: int = 0,
    ) -> None:
        self.func = func
        self.source = source if isinstance(source, Remaining) else Remaining(iter(source))
        self.backend = backend
        self.n_jobs = n_jobs
        self.sizer = sizer
        self.max_items = buffer_size * sizer.max_size
        self.max_running = running_window(n_jobs, buffer_size, sizer, backend)
        self.ordered = ordered
        self.progress = progress
        self.total = total
        self.manager = manager
        self.gate = gate
        self.pending: dict[Future, tuple[int, int]] = {}
        self.order: collections.deque[Future] = collections.deque()
        self.running: set[Future] = set()
        self.items_out = 0
        self.done_items = done

    # --------------------------------------------------------------- pools
    @contextlib.contextmanager
    def _pool(self) -> Iterator[Executor]:
        if self.manager is None:
            pool = PoolManager(idle_timeout=None)._create(self.backend, self.n_jobs)
            yield pool
            return
        lease = getattr(self.manager, "lease", None)
        if callable(lease):
            with lease(self.backend, self.n_jobs) as pool:
                yield pool
        else:
            yield self.manager.get_pool(self.backend, self.n_jobs)

    def _release(self, pool: Executor, exc: BaseException | None) -> None:
        interrupted = isinstance(exc, KeyboardInterrupt)
        broken = is_broken(pool) or interrupted
        if self.manager is None:
            shutdown_executor(pool, wait=not broken, kill=interrupted)
        elif broken:
            discard = getattr(self.manager, "discard", None)
            if callable(discard):
                discard(self.backend, self.n_jobs, kill=interrupted)

    # ---------------------------------------------------------------- loop
    def _room(self) -> bool:
        return len(self.running) < self.max_running and self.items_out < self.max_items

    def _next_size(self) -> int:
        """The sizer's chunk size; near the end of a run of known length, at
        most 1/TAIL_WAVES of the remaining items per worker (never below the
        sizer's minimum, or a quarter of a fixed size), so the workers finish
        close together instead of one running the last long chunk alone."""
        size = self.sizer.next_size()
        if self.total is not None:
            floor = self.sizer.min_size if self.sizer.adaptive else max(1, size // TAIL_FLOOR)
            share = -(-(self.total - self.source.pos) // (TAIL_WAVES * self.n_jobs))
            size = min(size, max(floor, share))
        return size

    def _fill(self, pool: Executor) -> None:
        while not self.source.exhausted and self._room():
            if self.gate is not None and self.gate.over():
                if self.order:
                    return  # drain results first; intake stays paused
                self.gate.wait()
            first, chunk = self.source.take(self._next_size())
            if not chunk:
                continue
            fut = pool.submit(_run_chunk, self.func, chunk, first)
            self.pending[fut] = (first, len(chunk))
            self.order.append(fut)
            self.running.add(fut)
            self.items_out += len(chunk)

    def _observe(self, done: Iterable[Future]) -> None:
        """Feed finished chunks to the sizer as they finish, not as handed back.

        An ordered run hands chunks back behind a slow head; waiting for that
        would delay what the sizer learns by the head's whole duration.
        """
        for fut in sorted(done, key=lambda f: self.pending[f][0]):
            self.running.discard(fut)
            if fut.cancelled() or fut.exception() is not None:
                continue
            self.sizer.observe(self.pending[fut][1], fut.result()[1])

    def _ready(self) -> Future | None:
        """The chunk to hand back next, if it has finished."""
        if self.ordered:
            head = self.order[0]
            return None if head in self.running else head
        finished = [f for f in self.order if f not in self.running]
        return min(finished, key=lambda f: self.pending[f][0]) if finished else None

    def _next_done(self, pool: Executor) -> Future:
        while True:
            fut = self._ready()
            if fut is not None:
                self.order.remove(fut)
                return fut
            done, _ = wait(self.running, return_when=FIRST_COMPLETED)
            self._observe(done)
            self._fill(pool)  # a worker is free: give it the next chunk now

    def __iter__(self) -> Iterator[Any]:
        for _, results in self.chunks():
            yield from results

    def chunks(self) -> Iterator[Part]:
        """(index of first item, results) per chunk, in the configured order."""
        with self._pool() as pool:
            error: BaseException | None = None
            try:
                while True:
                    self._fill(pool)
                    if not self.order:
                        return
                    fut = self._next_done(pool)
                    first, n = self.pending.pop(fut)
                    self.items_out -= n
                    try:
                        results, _ = fut.result()
                    except BrokenProcessPool:
                        raise
                    except BaseException as exc:
                        _note(exc, f"in chunk of items {first}..{first + n - 1} on the {self.backend} backend")
                        raise
                    self.done_items += n
                    if self.progress is not None:
                        self.progress(self.done_items, self.total)
                    yield first, results
            except BaseException as exc:
                error = exc
                for f in self.order:
                    f.cancel()
                if isinstance(exc, BrokenProcessPool):
                    raise BrokenProcessPool(
                        "a worker process died (killed, os._exit() or a crash) after "
                        f"{self.done_items} of {self.source.pos} items read were done; "
                        "pending work was cancelled and the pool shut down"
                    ) from exc
                raise
            finally:
                self._release(pool, error)


#: Adaptive chunks at least this long (seconds) are not queued behind running ones.
NO_QUEUE_DURATION = 0.02
#: Near the end of a run of known length, an adaptive chunk holds at most the
#: remaining items / (TAIL_WAVES x workers) (guided self-scheduling).
TAIL_WAVES = 2
#: ... and a run of fixed chunks no less than this fraction of its size.
TAIL_FLOOR = 4


def running_window(
    n_jobs: int, buffer_size: int, sizer: ChunkSizer | None = None, backend: str = "processes"
) -> int:
    """Chunks submitted and not finished, within buffer_size.

    Two per worker, so a worker finds its next chunk queued. An adaptive
    sizer with long target chunks on a local pool gets one per worker
    instead: a queued chunk was sized before the chunks ahead of it finished,
    so at the start of a run, and whenever item costs change, it carries the
    old size (a chunk sized for cheap items runs for seconds once costly items
    arrive). Without the queue a worker waits one round trip per chunk, well
    under a millisecond on local threads and processes, so a small share of a
    chunk of NO_QUEUE_DURATION or longer; a Dask cluster's round trip can be
    longer, so it keeps the queue.
    """
    per_worker = 2
    local = backend in ("threads", "processes")
    if local and sizer is not None and sizer.adaptive and sizer.target >= NO_QUEUE_DURATION:
        per_worker = 1
    return max(1, min(buffer_size, per_worker * n_jobs))


def _settings(plan: Plan, pool_manager: Any) -> tuple[ChunkSizer, int, Any, Backpressure | None]:
    if isinstance(plan, StreamingPlan):
        params = plan.adaptive_chunking_params
        if plan.use_adaptive_chunking and params:
            sizer = ChunkSizer.from_params(params)
        else:
            sizer = ChunkSizer.fixed(plan.chunksize)
        gate = None
        if plan.memory_backpressure_enabled:
            gate = Backpressure(plan.memory_threshold, read=plan.memory_reader)
        manager = pool_manager if pool_manager is not None else plan.pool_manager
        return sizer, plan.buffer_size, manager, gate
    return ChunkSizer.fixed(plan.chunksize), BUFFER_PER_WORKER * plan.n_jobs, pool_manager, None


def _run(
    func: Callable[[Any], Any],
    data: Iterable[Any],
    plan: Plan,
    *,
    ordered: bool,
    progress: Progress | None,
    pool_manager: Any,
    collect: bool = False,
) -> Iterator[Part]:
    """Parts (first index, results) of a run; in index order if ordered."""
    total = _length(data)
    if total is None and isinstance(plan, StreamingPlan):
        total = plan.expected_items
    taken = plan._claim(func, data)
    prefix: list[Any] = taken.prefix if taken is not None else []
    kept: dict[int, Any] = taken.spread if taken is not None else {}
    items = iter(data)
    if prefix and isinstance(data, Sequence):
        items = itertools.islice(items, len(prefix), None)
    source = Remaining(items, len(prefix), kept)
    sizer, buffer_size, manager, gate = _settings(plan, pool_manager)
    done = len(prefix) + len(kept)
    if plan.backend == "serial":
        if collect and progress is None and gate is None:
            return iter([_serial_list(func, source, list(prefix), kept)])
        parts: Iterable[Part] = _serial(func, source, progress, total, gate, done)
    else:
        parts = _Pooled(
            func, source, backend=plan.backend, n_jobs=plan.n_jobs, sizer=sizer,
            buffer_size=buffer_size,
            # Collecting everything anyway: take chunks as they finish (no worker
            # waits behind a slow first chunk) and put them in order at the end.
            ordered=ordered and not collect,
            progress=progress, total=total, manager=manager, gate=gate, done=done,
        ).chunks()
    head = [(0, prefix)] if prefix else []
    return itertools.chain(head, merged(parts, kept, ordered and not collect))


def _check(func: Any, data: Any, plan: Any, ordered: Any, progress: Any, pool_manager: Any) -> None:
    _validate.function("func", func)
    _validate.iterable("data", data)
    if plan is not None and not isinstance(plan, Plan):
        raise ValueError(f"plan must be a Plan from optimize() or None, got {plan!r}")
    _validate.boolean("ordered", ordered)
    _validate.optional_callable("progress", progress)
    _validate.pool_manager("pool_manager", pool_manager)


def imap(
    func: Callable[[Any], Any],
    data: Iterable[Any],
    plan: Plan | None = None,
    *,
    ordered: bool = True,
    progress: Progress | None = None,
    pool_manager: PoolManager | None = None,
) -> Iterator[Any]:
    """Lazily yield func(item) for every item, reading data only as needed.

    Without a plan, optimize_streaming() makes one from a sample (the sampled
    items are still processed). progress(done, total) is called after each
    chunk; total is None when data has no len().
    """
    _check(func, data, plan, ordered, progress, pool_manager)
    if plan is None:
        from ._optimize import optimize_streaming

        plan = optimize_streaming(func, data, pool_manager=pool_manager)
    parts = _run(func, data, plan, ordered=ordered, progress=progress, pool_manager=pool_manager)
    return (r for _, results in parts for r in results)


def execute(
    func: Callable[[Any], Any],
    data: Iterable[Any],
    plan: Plan | None = None,
    *,
    ordered: bool = True,
    progress: Progress | None = None,
    pool_manager: PoolManager | None = None,
) -> list[Any]:
    """Run func over data with plan (or a fresh optimize()) and return the results."""
    _check(func, data, plan, ordered, progress, pool_manager)
    if plan is None:
        from ._optimize import optimize

        plan = optimize(func, data, pool_manager=pool_manager)
    parts = _run(func, data, plan, ordered=ordered, progress=progress, pool_manager=pool_manager, collect=True)
    if not ordered:
        return [r for _, results in parts for r in results]
    return flatten(parts)
