"""Ordered, bounded work pipeline: items in, results out in the same order.

The producer submits items; at most ``max_in_flight`` are pending at once, so a
fast reader waits for slow workers (backpressure) and memory stays bounded.
With one thread everything runs inline, in the caller's thread; with more, the
lanes' threads are kept between pipelines (``LanePool``).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class LanePool:
    """Single-thread executors (lanes) kept from one pipeline to the next.

    Every call to compress or decompress used to start its lanes' threads and
    end them: on an 8 MiB input that took a tenth of the call, since a new
    thread must wait for the interpreter lock before it runs at all. Lanes come
    back here idle when a pipeline closes; at most ``keep`` are kept. Threads
    do not survive ``fork``, so a child process starts with none.
    """

    def __init__(self, keep: int = 8) -> None:
        self.keep = keep
        self._free: list[ThreadPoolExecutor] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def take(self, count: int) -> list[ThreadPoolExecutor]:
        with self._lock:
            self._forget_after_fork()
            lanes = [self._free.pop() for _ in range(min(count, len(self._free)))]
        return lanes + [ThreadPoolExecutor(1, thread_name_prefix="sigmalang") for _ in range(count - len(lanes))]

    def give(self, lanes: list[ThreadPoolExecutor]) -> None:
        """Take back idle lanes (nothing queued or running on them)."""
        with self._lock:
            self._forget_after_fork()
            kept = lanes[: max(0, self.keep - len(self._free))]
            self._free.extend(kept)
        for lane in lanes[len(kept) :]:
            lane.shutdown(wait=False)

    def clear(self) -> None:
        """Stop every kept lane's thread."""
        with self._lock:
            lanes, self._free = self._free, []
        for lane in lanes:
            lane.shutdown(wait=False)

    def __len__(self) -> int:
        return len(self._free)

    def _forget_after_fork(self) -> None:
        if os.getpid() != self._pid:
            self._free, self._pid = [], os.getpid()


LANES = LanePool()


class OrderedPipeline(Generic[T, R]):
    def __init__(self, func: Callable[[T], R], threads: int, max_in_flight: int | None = None) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self._func = func
        self.threads = threads
        self.max_in_flight = max(threads, max_in_flight or 2 * threads)
        # One single-thread executor per lane: items of one lane run in order,
        # lanes run side by side (a segment's chunks share a lane and a context).
        self._lanes = LANES.take(threads) if threads > 1 else []
        self._next_lane = 0
        self._pending: deque[Future[R]] = deque()
        self._pending_lanes: deque[int] = deque()  # the lane of each pending item

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, item: T, lane: int | None = None) -> Iterator[R]:
        """Queue ``item``; yields the results that must leave to make room for it.

        Items given the same ``lane`` number run one after another, in order;
        without one, items go to the lanes in turn.
        """
        if not self._lanes:
            yield self._func(item)
            return
        while len(self._pending) >= self.max_in_flight:
            yield self._pop()
        if lane is None:
            lane = self._next_lane
            self._next_lane += 1
        lane %= len(self._lanes)
        self._pending.append(self._lanes[lane].submit(self._func, item))
        self._pending_lanes.append(lane)

    def least_loaded_lane(self) -> int:
        """The lane with the fewest unfinished items (the lowest such index).

        A new segment goes there, so a lane stuck with slow data does not hold
        up the others; which lane runs an item never changes its result.
        """
        if not self._lanes:
            return 0
        load = [0] * len(self._lanes)
        for future, lane in zip(self._pending, self._pending_lanes):
            if not future.done():
                load[lane] += 1
        return load.index(min(load))

    def next_result(self) -> R:
        """The oldest pending result, waiting for it (IndexError when nothing is pending)."""
        return self._pop()

    def _pop(self) -> R:
        self._pending_lanes.popleft()
        return self._pending.popleft().result()

    def ready(self) -> Iterator[R]:
        """Results already finished at the head of the queue, without waiting."""
        while self._pending and self._pending[0].done():
            yield self._pop()

    def drain(self) -> Iterator[R]:
        """Every pending result, in order, waiting as needed."""
        while self._pending:
            yield self._pop()

    def close(self) -> None:
        """Cancel what has not started, wait for what is running, and give the lanes back."""
        for future in self._pending:
            future.cancel()
        wait(self._pending)
        self._pending.clear()
        self._pending_lanes.clear()
        lanes, self._lanes = self._lanes, []
        LANES.give(lanes)
