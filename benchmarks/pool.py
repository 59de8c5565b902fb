"""Does the buffer pool earn its place? The encoder's loop with and without it, measured.

    python benchmarks/pool.py                 # 256 MiB, 3 runs per configuration
    python benchmarks/pool.py --size 64 --runs 5 --json pool.json

Two scenarios, each with chunk buffers from a ``BufferPool`` ("pooled") or a
fresh ``bytearray`` per chunk ("plain"), under steady and bursty load:

  encoder  ``FrameWriter`` from ``sigmalang.stream.encoder`` driven exactly as
           ``StreamingEncoder.encode_stream`` drives it (level 3, all cores,
           4 MiB chunks, ``readinto_full`` from the generated mixed stream),
           but with the allocation switchable. Bursty: the sink stalls 20 ms
           on every 8th chunk.
  direct   a producer thread fills 1 MiB buffers into a queue of up to 32 and
           a consumer thread checksums and frees them. Bursty: the consumer
           stalls 50 ms every 100 buffers, so up to 33 buffers are in flight
           and the pool must grow.

Every configuration runs in a fresh child process: wall time (best and mean),
peak RSS (the child's VmHWM), minor page faults of the work (the kernel cost of
touching fresh memory), chunk buffers allocated (counted), pool statistics, and
in a separate untimed run the tracemalloc peak and allocated blocks.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Callable

import xxhash

sys.path.insert(0, str(Path(__file__).parent))
from sigmalang.pool import BufferPool  # noqa: E402
from sigmalang.profile.data import open_source, write_cycle  # noqa: E402
from sigmalang.profile.memory import own_peak_rss, own_rss, run_python_child  # noqa: E402
from sigmalang.profile.stats import summarize  # noqa: E402
from sigmalang.settings import EncoderSettings  # noqa: E402
from sigmalang.stream.encoder import FrameWriter  # noqa: E402
from sigmalang.stream.reader import readinto_full  # noqa: E402

MIB = 1 << 20
DIRECT_BUFFER = 1 * MIB
DIRECT_COUNT = 1500
DIRECT_QUEUE = 32


class Sink:
    """Discards output; when bursty, stalls on every 8th chunk."""

    def __init__(self, bursty: bool) -> None:
        self.bursty = bursty
        self.calls = 0

    def write(self, data: object) -> None:
        self.calls += 1
        if self.bursty and self.calls % 16 == 0:  # two writes (head + data) per chunk: every 8th chunk
            time.sleep(0.020)


class Allocator:
    """Hands out chunk buffers from a pool or fresh, counting fresh allocations."""

    def __init__(self, size: int, pool: BufferPool | None) -> None:
        self.size = size
        self.pool = pool
        self.fresh = 0

    def acquire(self) -> bytearray:
        if self.pool is not None:
            misses = self.pool.stats.misses
            buf = self.pool.acquire()
            self.fresh += self.pool.stats.misses - misses
            return buf
        self.fresh += 1
        return bytearray(self.size)

    def stats(self) -> dict[str, object] | None:
        if self.pool is None:
            return None
        st = self.pool.stats
        return {"hits": st.hits, "misses": st.misses, "hit_rate": st.hit_rate, "grows": st.grows, "shrinks": st.shrinks,
                "resizes": st.resizes, "capacity": st.capacity, "peak_in_use": st.peak_in_use, "bytes_held": st.bytes_held}

    def release(self, buf: bytearray) -> Callable[[], None] | None:
        return None if self.pool is None else (lambda: self.pool.release(buf))  # type: ignore[union-attr]


def encoder_work(args: argparse.Namespace) -> Callable[[], dict[str, object]]:
    settings = EncoderSettings(level=3, threads=args.threads)
    chunk = settings.resolved_chunk_size(args.size)
    threads = settings.resolved_threads(-(-args.size // chunk))
    src = open_source("mixed", args.cycle, args.size)

    def work() -> dict[str, object]:
        writer = FrameWriter(Sink(args.load == "bursty").write, settings, threads, chunk)
        # The pool exactly as StreamingEncoder.encode_stream sizes it.
        pool = BufferPool.for_in_flight(chunk, writer.max_in_flight) if args.alloc == "pooled" else None
        alloc = Allocator(chunk, pool)
        chunks = 0
        while True:
            buf = alloc.acquire()
            n = readinto_full(src, buf)  # type: ignore[arg-type]
            if n == 0:
                if pool is not None:
                    pool.release(buf)
                break
            writer.add(memoryview(buf)[:n], alloc.release(buf))
            chunks += 1
            if n < chunk:
                break
        writer.finish()
        return {"chunks": chunks, "buffers_allocated": alloc.fresh, "bytes_out": writer.bytes_written, "pool": alloc.stats()}

    return work


def direct_work(args: argparse.Namespace) -> Callable[[], dict[str, object]]:
    pool = BufferPool(DIRECT_BUFFER, capacity=4) if args.alloc == "pooled" else None
    alloc = Allocator(DIRECT_BUFFER, pool)
    block = os.urandom(DIRECT_BUFFER)

    def work() -> dict[str, object]:
        q: queue.Queue[bytearray | None] = queue.Queue(DIRECT_QUEUE)

        def consume() -> None:
            done = 0
            while (buf := q.get()) is not None:
                xxhash.xxh3_64_intdigest(buf)
                done += 1
                if pool is not None:
                    pool.release(buf)
                if args.load == "bursty" and done % 100 == 0:
                    time.sleep(0.050)

        consumer = threading.Thread(target=consume)
        consumer.start()
        for _ in range(DIRECT_COUNT):
            buf = alloc.acquire()
            buf[:] = block  # fill it, as a read would
            q.put(buf)
        q.put(None)
        consumer.join()
        return {"chunks": DIRECT_COUNT, "buffers_allocated": alloc.fresh, "pool": alloc.stats()}

    return work


def child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=("encoder", "direct"), required=True)
    parser.add_argument("--alloc", choices=("pooled", "plain"), required=True)
    parser.add_argument("--load", choices=("steady", "bursty"), required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--cycle", required=True)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args(argv)
    work = (encoder_work if args.scenario == "encoder" else direct_work)(args)
    idle = own_rss()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    report = work()
    wall = time.perf_counter() - started
    report["minor_faults"] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    if args.tracemalloc:
        report["heap_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    report.update({"wall_s": wall, "peak_rss": own_peak_rss(), "idle_rss": idle})
    print(json.dumps(report))


CONFIGS = [(s, a, lo) for s in ("encoder", "direct") for lo in ("steady", "bursty") for a in ("pooled", "plain")]


def run(size: int, runs: int, threads: int = 0, progress: Callable[[str], None] | None = None) -> dict[str, object]:
    """Every configuration: ``runs`` timed children, then one tracemalloc child."""
    say = progress or (lambda m: None)
    rows = []
    with tempfile.TemporaryDirectory(prefix="sigmalang-pool-") as tmp:
        cycle = os.path.join(tmp, "cycle.bin")
        write_cycle("mixed", cycle)
        for scenario, alloc, load in CONFIGS:
            base = [__file__, "--child", "--scenario", scenario, "--alloc", alloc, "--load", load,
                    "--size", str(size), "--threads", str(threads), "--cycle", cycle]
            say(f"pool benchmark: {scenario} {load} {alloc}")
            timed = [run_python_child(base, sample=False).report for _ in range(runs)]
            traced = run_python_child([*base, "--tracemalloc"], sample=False).report
            rows.append({
                "scenario": scenario, "alloc": alloc, "load": load,
                "wall_s": summarize(float(r["wall_s"]) for r in timed).as_dict(),
                "peak_rss": summarize(float(r["peak_rss"]) for r in timed).as_dict(),
                "growth_rss": summarize(float(r["peak_rss"]) - float(r["idle_rss"]) for r in timed).as_dict(),
                "minor_faults": summarize(float(r["minor_faults"]) for r in timed).as_dict(),
                "chunks": timed[0]["chunks"],
                "buffers_allocated": timed[0]["buffers_allocated"],
                "heap_peak": traced["heap_peak"],
                "pool": timed[0]["pool"],
            })
    return {"size_bytes": size, "runs": runs, "threads": threads, "rows": rows}


def _row(doc: dict, scenario: str, alloc: str, load: str) -> dict:
    return next(r for r in doc["rows"] if (r["scenario"], r["alloc"], r["load"]) == (scenario, alloc, load))


def markdown(doc: dict) -> str:
    """The measurements as a Markdown table, then the pool counters."""
    lines = [
        "| scenario | load | buffers | chunk buffers allocated | time best (mean) s | peak RSS MiB | growth MiB "
        "| minor page faults | tracemalloc peak MiB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in doc["rows"]:
        lines.append(
            f"| {r['scenario']} | {r['load']} | {r['alloc']} | {r['buffers_allocated']} of {r['chunks']} "
            f"| {r['wall_s']['min']:.3f} ({r['wall_s']['mean']:.3f}) | {r['peak_rss']['mean'] / MIB:.1f} "
            f"| {r['growth_rss']['mean'] / MIB:.1f} | {r['minor_faults']['mean']:,.0f} | {r['heap_peak'] / MIB:.1f} |"
        )
    lines += ["", "| scenario | load | requests | hit rate | grows | shrinks | final capacity | peak in use | idle MiB held at end |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in doc["rows"]:
        p = r["pool"]
        if p:
            lines.append(f"| {r['scenario']} | {r['load']} | {p['hits'] + p['misses']} | {p['hit_rate']:.1%} | {p['grows']} "
                         f"| {p['shrinks']} | {p['capacity']} | {p['peak_in_use']} | {p['bytes_held'] / MIB:.0f} |")
    return "\n".join(lines)


def verdict(doc: dict) -> list[str]:
    """What the pool gains or costs, per scenario and load, in the measured numbers."""
    out = []
    for scenario, load in ((s, lo) for s in ("encoder", "direct") for lo in ("steady", "bursty")):
        pooled, plain = _row(doc, scenario, "pooled", load), _row(doc, scenario, "plain", load)
        t = pooled["wall_s"]["min"] / plain["wall_s"]["min"] - 1
        f = pooled["minor_faults"]["mean"] / plain["minor_faults"]["mean"] - 1
        m = (pooled["peak_rss"]["mean"] - plain["peak_rss"]["mean"]) / MIB
        out.append(
            f"{scenario}, {load}: with the pool, best time {t:+.1%}, minor page faults {f:+.0%}, "
            f"peak RSS {m:+.1f} MiB, chunk buffers allocated {pooled['buffers_allocated']} instead of {plain['buffers_allocated']}."
        )
    return out


def main() -> int:
    if "--child" in sys.argv:
        sys.argv.remove("--child")
        child(sys.argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256, help="MiB through the encoder scenario (default 256)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per configuration (default 3)")
    parser.add_argument("--threads", type=int, default=0, help="encoder threads (0 = all cores)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    doc = run(args.size * MIB, args.runs, args.threads, lambda m: print(m, file=sys.stderr))
    print(markdown(doc))
    print()
    print("\n".join(verdict(doc)))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
