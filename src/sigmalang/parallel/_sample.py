"""Measuring func on the caller's own items, keeping what it computes.

The sample is part of the run, not a rehearsal: every result computed while
measuring is kept and handed to the run, which does not compute it again.
Measuring therefore costs only the timing calls, and a job that turns out to
be cheap is already partly done when its serial plan is returned.

Two phases. The head: items from the start of the input, in batches of
doubling size (one clock reading per batch, so microsecond items are timed
without the clocks dominating), until the batches have run for ``HEAD_TIME``;
this is what the fast path judges. The spread: single items taken across the
rest of a sequence (jittered strata, so the sample sees costs that grow
along the input or recur every k items, whatever k), timed one by one
for the mean, the spread of costs and the GIL probe; an iterator can only
give its next items.
"""

from __future__ import annotations

import gc
import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ._measure import _GilProbe, _RunDelay, timer_floor

#: The head is timed in batches until they have run this long (seconds).
HEAD_TIME = 0.0003
def _radical_inverse(j: int) -> float:
    """j's binary digits mirrored after the point: 0, 1/2, 1/4, 3/4, 1/8, ..."""
    v, denom = 0.0, 1.0
    while j:
        denom *= 2
        v += (j & 1) / denom
        j >>= 1
    return v


def spread_positions(start: int, stop: int) -> Iterator[int]:
    """Distinct indices in [start, stop), each prefix spread over the whole range.

    Jittered strata: the j-th position falls in the j-th cell of a binary
    subdivision taken coarse to fine (so any first k positions cover the
    range; sampling may stop after a few slow items), at a random place
    within the cell. A lattice alone lines up with periodic inputs (over
    1000 items, the first eight powers-of-two positions were all multiples
    of 5, and a stream whose every 5th item was costly looked uniformly
    costly); the jitter breaks every period. The generator is seeded, so the
    same input gives the same positions in every process.
    """
    width = stop - start
    rng = random.Random(width)
    seen: set[int] = set()
    for j in range(4 * width + 16):
        if len(seen) == width:
            return
        cell = 1.0 / (1 << j.bit_length())
        idx = start + min(width - 1, int((_radical_inverse(j) + rng.random() * cell) * width))
        if idx not in seen:
            seen.add(idx)
            yield idx
    yield from (i for i in range(start, stop) if i not in seen)


@dataclass
class Timing:
    """One timed call or batch of calls: items, wall and thread-CPU seconds."""

    count: int
    wall: float
    cpu: float
    window: tuple[float, float]


@dataclass
class Taken:
    """Results computed while measuring, by input position.

    ``prefix`` holds the results of items 0..len(prefix)-1; ``spread`` those
    of single items further on (sequences only). ``items`` keeps the first
    item and ``results`` its result, for the pickling figures;
    ``read`` every item read from a one-shot iterator (to put back if the
    caller runs the data another way).
    """

    prefix: list[Any] = field(default_factory=list)
    read: list[Any] = field(default_factory=list)
    spread: dict[int, Any] = field(default_factory=dict)
    items: list[Any] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.prefix) + len(self.spread)


class Sampler:
    """Runs func on the input's items for measurement and keeps the results.

    ``data`` is a sequence (indexed) or an iterator (read from its start).
    Timings exclude the cost of reading the clocks; garbage collection is
    held off while timing (a collection lands in a random item and costs it
    more than a microsecond item takes). The GIL probe starts with the
    single-item calls (start_probe()): the head of a cheap job that is
    planned serial at once never pays for its thread.
    """

    def __init__(self, func: Callable[[Any], Any], data: Sequence[Any] | Iterator[Any], n_items: int | None) -> None:
        self.func = func
        self.data = data
        self.n_items = n_items
        self.taken = Taken()
        self.timings: list[Timing] = []
        self.exhausted = False
        self._floor = timer_floor()
        self._spread: Iterator[int] | None = None
        self._delay: _RunDelay | None = None
        self._delay0 = 0.0
        self._t0 = 0.0
        #: Whether the kernel reported any run delay (without schedstats it reads 0).
        self.delay_known = False
        self.probe = _GilProbe()
        self._closed = False
        self._gc = gc.isenabled()
        gc.disable()

    # ------------------------------------------------------------- reading
    def _next_head(self, k: int) -> list[Any]:
        if isinstance(self.data, Sequence):
            start = len(self.taken.prefix)
            try:
                items = self.data[start:start + k]
                return items if isinstance(items, list) else list(items)
            except (TypeError, ValueError):  # a sequence without slices
                return [self.data[i] for i in range(start, min(start + k, len(self.data)))]
        items = list(itertools.islice(self.data, k))
        self.taken.read += items
        return items

    def _call(self, items: list[Any], first: int) -> tuple[list[Any], Timing]:
        out: list[Any] = []
        c0 = time.thread_time()
        t0 = time.perf_counter()
        try:
            # No per-item step of its own: for items of tens of nanoseconds a
            # Python loop here would be most of what is timed.
            out.extend(map(self.func, items))
        except Exception as exc:
            if hasattr(exc, "add_note"):  # extend() kept the results before the error
                exc.add_note(f"raised by func on item {first + len(out)} (while measuring it)")
            self.close()
            raise
        t1 = time.perf_counter()
        cpu = time.thread_time() - c0
        wall_floor, cpu_floor = self._floor
        return out, Timing(len(items), max(0.0, t1 - t0 - wall_floor), max(0.0, cpu - cpu_floor), (t0, t1))

    def _keep(self, items: list[Any], results: list[Any]) -> None:
        if not self.taken.items:
            self.taken.items += items[:1]
        if not self.taken.results:
            self.taken.results += results[:1]

    # -------------------------------------------------------------- phases
    def head_step(self, size: int) -> Timing | None:
        """Run the next ``size`` items of the head as one timed batch."""
        items = self._next_head(size)
        if not items:
            self.exhausted = True
            return None
        results, timing = self._call(items, len(self.taken.prefix))
        self.taken.prefix += results
        self._keep(items, results)
        self.timings.append(timing)
        if len(items) < size:
            self.exhausted = True
        return timing

    def start_probe(self) -> None:
        """Start the GIL probe and the run-delay reading for the calls from now
        on (a plan that is serial at once from the head needs neither)."""
        if not self.probe.ticks:
            self._delay = _RunDelay()
            self._delay0 = self._delay.read()
            self._t0 = time.perf_counter()
            self.probe.start_nowait()

    def spread_step(self) -> Timing | None:
        """Run one item: the next spread position of a sequence, or the
        iterator's next item."""
        if not isinstance(self.data, Sequence):
            return self.head_step(1)
        if self._spread is None:
            self._spread = spread_positions(len(self.taken.prefix), len(self.data))
        idx = next(self._spread, None)
        if idx is None:
            self.exhausted = True
            return None
        item = self.data[idx]
        results, timing = self._call([item], idx)
        self.taken.spread[idx] = results[0]
        self._keep([item], results)
        self.timings.append(timing)
        return timing

    def close(self) -> float:
        """Stop timing; returns the seconds the thread spent preempted in the calls.
        """
        if self._closed:
            return 0.0
        self._closed = True
        delay = 0.0
        if self._delay is not None:
            self.probe.close_gap()
            self.probe.stop()
            now = self._delay.read()
            self.delay_known = now > 0  # the thread's whole life: 0 only without schedstats
            # Only delay inside the timed calls belongs to them: on a busy
            # machine the code between calls is preempted too. At most the
            # time outside the calls can have been spent there.
            timed = sum(t.wall for t in self.timings if t.window[0] >= self._t0)
            outside = time.perf_counter() - self._t0 - timed
            delay = max(0.0, now - self._delay0 - max(0.0, outside))
            self._delay.close()
        if self._gc:
            gc.enable()
        return delay
