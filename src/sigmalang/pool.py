"""BufferPool: reusable chunk buffers, so a long stream does not allocate per chunk.

A fresh multi-MiB ``bytearray`` costs an allocation, zeroing and page faults on
first touch; a recycled one costs a list pop. The pool adapts how many idle
buffers it keeps: it grows when requests miss and shrinks when it sits unused.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolStats:
    """Counters since the pool was made (or last reset)."""

    hits: int
    misses: int
    grows: int
    shrinks: int
    capacity: int
    idle_buffers: int
    in_use: int
    peak_in_use: int
    bytes_held: int

    @property
    def requests(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        return self.hits / self.requests if self.requests else 0.0

    @property
    def resizes(self) -> int:
        return self.grows + self.shrinks


class BufferPool:
    """Thread-safe pool of equal-sized ``bytearray`` buffers with O(1) acquire/release.

    Every ``window`` requests the pool looks at what happened: more than
    ``grow_miss_rate`` misses grows its capacity x1.5 (up to ``max_capacity``);
    a mean use below ``shrink_use_rate`` of capacity shrinks it x0.75 (down to
    ``min_capacity``) and frees the idle buffers beyond it.
    """

    def __init__(
        self,
        buffer_size: int,
        *,
        capacity: int = 4,
        min_capacity: int = 1,
        max_capacity: int = 64,
        window: int = 32,
        grow_miss_rate: float = 0.05,
        shrink_use_rate: float = 0.01,
    ) -> None:
        if buffer_size <= 0:
            raise ValueError(f"buffer_size must be positive, got {buffer_size}")
        if not 1 <= min_capacity <= capacity <= max_capacity:
            raise ValueError(
                f"need 1 <= min_capacity <= capacity <= max_capacity, got {min_capacity}, {capacity}, {max_capacity}"
            )
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        for name, rate in (("grow_miss_rate", grow_miss_rate), ("shrink_use_rate", shrink_use_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {rate}")
        self.buffer_size = buffer_size
        self.min_capacity = min_capacity
        self.max_capacity = max_capacity
        self.window = window
        self.grow_miss_rate = grow_miss_rate
        self.shrink_use_rate = shrink_use_rate
        self._capacity = capacity
        self._free: list[bytearray] = []
        self._lock = threading.Lock()
        self._in_use = 0
        self._peak_in_use = 0
        self._hits = self._misses = self._grows = self._shrinks = 0
        self._window_requests = self._window_misses = self._window_use_sum = 0

    @classmethod
    def for_in_flight(cls, buffer_size: int, in_flight: int) -> BufferPool:
        """A pool sized for a pipeline with ``in_flight`` buffers out at once (plus the one being filled)."""
        capacity = in_flight + 1
        return cls(buffer_size, capacity=capacity, max_capacity=max(64, capacity))

    def acquire(self) -> bytearray:
        """A buffer of ``buffer_size`` bytes (contents unspecified)."""
        with self._lock:
            if self._free:
                buf = self._free.pop()
                self._hits += 1
            else:
                buf = None
                self._misses += 1
                self._window_misses += 1
            self._in_use += 1
            self._peak_in_use = max(self._peak_in_use, self._in_use)
            self._window_requests += 1
            self._window_use_sum += self._in_use
            if self._window_requests >= self.window:
                self._adapt()
        return buf if buf is not None else bytearray(self.buffer_size)

    def release(self, buf: bytearray) -> None:
        """Give a buffer back; kept only if the pool has room for it."""
        with self._lock:
            self._in_use = max(0, self._in_use - 1)
            if len(buf) == self.buffer_size and len(self._free) < self._capacity:
                self._free.append(buf)

    def _adapt(self) -> None:
        miss_rate = self._window_misses / self._window_requests
        mean_use = self._window_use_sum / self._window_requests
        if miss_rate > self.grow_miss_rate and self._capacity < self.max_capacity:
            self._capacity = min(self.max_capacity, math.ceil(self._capacity * 1.5))
            self._grows += 1
        elif mean_use < self.shrink_use_rate * self._capacity and self._capacity > self.min_capacity:
            self._capacity = max(self.min_capacity, int(self._capacity * 0.75))
            del self._free[self._capacity :]
            self._shrinks += 1
        self._window_requests = self._window_misses = self._window_use_sum = 0

    def clear(self) -> None:
        """Drop every idle buffer (buffers in use are unaffected)."""
        with self._lock:
            self._free.clear()

    @property
    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(
                hits=self._hits,
                misses=self._misses,
                grows=self._grows,
                shrinks=self._shrinks,
                capacity=self._capacity,
                idle_buffers=len(self._free),
                in_use=self._in_use,
                peak_in_use=self._peak_in_use,
                bytes_held=len(self._free) * self.buffer_size,
            )
