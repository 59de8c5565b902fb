"""Workloads of benchmarks/parallel.py, in a module of their own so that worker
processes started by any library (fork, spawn, loky) can import them by name."""

from __future__ import annotations

import dataclasses
import math
import os
import random
import time
import zlib
from typing import Any, Callable

import zstandard


def spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


LOOPS_PER_MS = 20_000  # ~1 ms of spin() on the machine this was written on


def trivial(x: int) -> int:
    """A few tens of nanoseconds: the cost of calling it is most of it."""
    return x + 1


def tiny(x: int) -> int:
    """About 1 µs of pure Python."""
    return spin(25) + x


def cpu_1ms(x: int) -> int:
    return spin(LOOPS_PER_MS) + x


def cpu_5ms(x: int) -> int:
    return spin(5 * LOOPS_PER_MS) + x


def cpu_10ms(x: int) -> int:
    return spin(10 * LOOPS_PER_MS) + x


def every_5th(x: int) -> int:
    """0.5 ms of pure Python, and 10 x that for every 5th item."""
    return spin(LOOPS_PER_MS * (5 if x % 5 == 0 else 1) // 2)


def hetero(loops: int) -> int:
    """Duration given by the item (loop count)."""
    return spin(loops)


def compress(block: bytes) -> int:
    """zstd releases the GIL while compressing (one compressor per call:
    ZstdCompressor objects must not be shared between threads)."""
    return len(zstandard.ZstdCompressor(level=3).compress(block))


def deflate(block: bytes) -> int:
    """zlib releases the GIL while compressing."""
    return len(zlib.compress(block, 6))


def io_wait(x: int) -> int:
    time.sleep(0.01)
    return x


def big_result(x: int) -> bytes:
    spin(2 * LOOPS_PER_MS)
    return bytes(1 << 20)


def text_block(seed: int, size: int) -> bytes:
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(2000)]
    return " ".join(rng.choice(words) for _ in range(size // 4)).encode()[:size]


def blocks(size: int, count: int) -> list[bytes]:
    """count text blocks of size bytes (4 distinct ones, cached on disk:
    every fresh interpreter of the benchmark needs them)."""
    cache = os.environ.get("PARALLEL_BENCH_CACHE")
    distinct = []
    for seed in range(4):
        path = os.path.join(cache, f"block-{size}-{seed}") if cache else None
        if path and os.path.exists(path):
            with open(path, "rb") as fh:
                distinct.append(fh.read())
            continue
        distinct.append(text_block(seed, size))
        if path:
            with open(path, "wb") as fh:
                fh.write(distinct[-1])
    return [distinct[i % 4] for i in range(count)]


def hetero_loops(n: int, seed: int = 42) -> list[int]:
    """Lognormal durations, mean ~1 ms, CV ~1."""
    rng = random.Random(seed)
    sigma = math.sqrt(math.log(2.0))  # CV of a lognormal = sqrt(exp(sigma^2) - 1) = 1
    return [max(50, int(LOOPS_PER_MS * rng.lognormvariate(-sigma**2 / 2, sigma))) for _ in range(n)]


def drift_loops(n: int, seed: int = 7, cheap_first: bool = True) -> list[int]:
    """Runs of 150 cheap items (~0.2 ms) and 150 costly items (~3 ms), CV > 1.

    A plan made from the first items of a stream sees only one kind: chunks
    sized for cheap items run long once costly ones arrive (cheap_first), and
    chunks sized for costly items pay per-task overhead on cheap ones.
    """
    rng = random.Random(seed)
    out = []
    for i in range(n):
        mean = 0.2 if ((i // 150) % 2 == 0) == cheap_first else 3.0
        out.append(max(50, int(LOOPS_PER_MS * mean * rng.lognormvariate(-0.125, 0.5))))
    return out


def growing_loops(n: int, seed: int = 42, factor: float = 16.0, shrink: bool = False) -> list[int]:
    """Lognormal durations (CV ~1) whose mean grows from ~0.25 ms to ~4 ms.

    Like files processed in order of size, or a crawler reaching bigger pages:
    the start of the stream is heterogeneous (so adaptive chunking turns on)
    but cheap, so chunks sized from it run factor times longer at the end.
    shrink reverses the stream.
    """
    rng = random.Random(seed)
    sigma = math.sqrt(math.log(2.0))
    out = []
    for i in range(n):
        mean = 0.25 * factor ** (i / max(1, n - 1))
        out.append(max(50, int(LOOPS_PER_MS * mean * rng.lognormvariate(-sigma**2 / 2, sigma))))
    return out[::-1] if shrink else out


@dataclasses.dataclass
class Workload:
    name: str
    func: Callable[[Any], Any]
    make: Callable[[], list[Any]]
    note: str


def workloads(quick: bool) -> list[Workload]:
    k = 0.5 if quick else 1.0

    def n(count: int) -> int:
        return max(4, int(count * k))

    return [
        Workload("trivial-200k", trivial, lambda: list(range(200_000)), "x + 1: tens of ns"),
        Workload("1us-items", tiny, lambda: list(range(20_000)), "~1 µs of pure Python"),
        Workload("1ms-cpu", cpu_1ms, lambda: list(range(n(600))), "pure Python, GIL held"),
        Workload("5ms-cpu", cpu_5ms, lambda: list(range(n(160))), "pure Python, GIL held"),
        Workload("10ms-cpu", cpu_10ms, lambda: list(range(n(60))), "pure Python, GIL held"),
        Workload("hetero-cv1", hetero, lambda: hetero_loops(n(600)), "lognormal, mean ~1 ms, CV ~1"),
        Workload("every-5th-10x", every_5th, lambda: list(range(n(500))), "0.5 ms, every 5th item 5 ms"),
        Workload("zstd-1MiB", compress, lambda: blocks(1 << 20, n(80)), "zstd -3 on 1 MiB text"),
        Workload("zlib-2MiB", deflate, lambda: blocks(2 << 20, n(20)), "zlib -6 on 2 MiB text"),
        Workload("10ms-io-wait", io_wait, lambda: list(range(n(200))), "time.sleep(0.01)"),
        Workload("1MiB-results", big_result, lambda: list(range(n(100))), "2 ms CPU, 1 MiB result"),
    ]


def by_name(name: str, quick: bool) -> Workload:
    return next(w for w in workloads(quick) if w.name == name)
