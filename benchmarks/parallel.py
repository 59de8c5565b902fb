"""Benchmark of sigmalang.parallel against an exhaustive grid (not a test).

For each workload: serial time, the time to plan (optimize), the time of the
plan, the best time over a grid of backend x n_jobs x chunksize, and the
plan's predicted vs measured speedup. Then the targets of the parallel-engine
issue are checked and printed as PASS/FAIL. Every figure printed here is
measured in this run.

    python benchmarks/parallel.py            # full run (a few minutes on 2 cores)
    python benchmarks/parallel.py --quick    # smaller inputs, fewer repeats
    python benchmarks/parallel.py --json out.json

Timing rules: each grid cell runs once with a fresh pool (start-up included);
the three best cells are then run twice more and the grid best is the minimum
of those runs; the plan is also run three times (fresh pool; at the start,
middle and end of the grid) and its minimum is reported. Pool calibration (once per process) is timed separately.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

import zstandard

from sigmalang.parallel import Plan, execute, imap, optimize, optimize_streaming
from sigmalang.parallel._measure import cpu_count, pool_overheads


# ------------------------------------------------------------------ workloads
# Module-level functions so worker processes can unpickle them.

def spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


LOOPS_PER_MS = 30_000  # ~1 ms of spin() on the machine this was written on


def tiny(x: int) -> int:
    """About 1 µs of pure Python."""
    return spin(25) + x


def cpu_1ms(x: int) -> int:
    return spin(LOOPS_PER_MS) + x


def cpu_10ms(x: int) -> int:
    return spin(10 * LOOPS_PER_MS) + x


def hetero(loops: int) -> int:
    """Duration given by the item (loop count)."""
    return spin(loops)


def compress(block: bytes) -> int:
    """zstd releases the GIL while compressing (one compressor per call:
    ZstdCompressor objects must not be shared between threads)."""
    return len(zstandard.ZstdCompressor(level=3).compress(block))


def io_wait(x: int) -> int:
    time.sleep(0.01)
    return x


def big_result(x: int) -> bytes:
    spin(2 * LOOPS_PER_MS)
    return bytes(1 << 20)


def _text_block(seed: int, size: int = 1 << 20) -> bytes:
    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(2000)]
    return " ".join(rng.choice(words) for _ in range(size // 4)).encode()[:size]


def _hetero_loops(n: int, seed: int = 42) -> list[int]:
    """Lognormal durations, mean ~1 ms, CV ~1."""
    rng = random.Random(seed)
    sigma = math.sqrt(math.log(2.0))  # CV of a lognormal = sqrt(exp(sigma^2) - 1) = 1
    return [max(50, int(LOOPS_PER_MS * rng.lognormvariate(-sigma**2 / 2, sigma))) for _ in range(n)]


def _drift_loops(n: int, seed: int = 7, cheap_first: bool = True) -> list[int]:
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


def _growing_loops(n: int, seed: int = 42, factor: float = 16.0, shrink: bool = False) -> list[int]:
    """Lognormal durations (CV ~1) whose mean grows from ~0.25 ms to ~4 ms.

    Like files processed in order of size, or a crawler reaching bigger pages:
    the start of the stream is heterogeneous (so adaptive chunking turns on)
    but cheap, so chunks sized from it run factor times longer at the end.
    shrink reverses the stream: chunks sized for costly items then hold many
    cheap ones, and static chunks pay more per-task overhead than adaptive
    ones (little on a process pool: its round trip is ~0.1 ms).
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
    blocks = [_text_block(s) for s in range(4)]
    return [
        Workload("1us-items", tiny, lambda: list(range(20_000)), "20k items of ~1 µs"),
        Workload("1ms-cpu", cpu_1ms, lambda: list(range(int(600 * k))), "pure Python, GIL held"),
        Workload("10ms-cpu", cpu_10ms, lambda: list(range(int(60 * k))), "pure Python, GIL held"),
        Workload("hetero-cv1", hetero, lambda: _hetero_loops(int(600 * k)), "lognormal, mean ~1 ms, CV ~1"),
        Workload("zstd-gil-free", compress, lambda: [blocks[i % 4] for i in range(int(120 * k))], "zstd -3 on 1 MiB text"),
        Workload("10ms-io-wait", io_wait, lambda: list(range(int(200 * k))), "time.sleep(0.01)"),
        Workload("1MB-results", big_result, lambda: list(range(int(100 * k))), "2 ms CPU, 1 MiB result"),
    ]


# ------------------------------------------------------------------- timing

def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_plan(func: Callable[[Any], Any], data: list[Any], plan: Plan) -> float:
    return timed(lambda: execute(func, data, plan))


def grid(n_items: int, cores: int) -> list[Plan]:
    plans = [Plan(backend="serial", n_jobs=1, chunksize=1)]
    sizes = [c for c in (1, 4, 16, 64, 256, 1024) if c <= max(1, n_items // 2)] or [1]
    for n in (2, 4, 8, 16, 32):
        for c in sizes:
            if math.ceil(n_items / c) >= min(n, 2):
                plans.append(Plan(backend="threads", n_jobs=n, chunksize=c))
    for n in sorted({cores, 2 * cores}):
        for c in sizes:
            plans.append(Plan(backend="processes", n_jobs=n, chunksize=c))
    return plans


def bench_workload(w: Workload, cores: int, quick: bool) -> dict[str, Any]:
    data = w.make()
    serial = min(timed(lambda: [w.func(x) for x in data]) for _ in range(1 if quick else 2))
    t0 = time.perf_counter()
    plan = optimize(w.func, data)
    plan_overhead = time.perf_counter() - t0
    # Plan runs are spread over the grid run so a burst of load from another
    # program on the machine does not hit only the plan (or only the grid).
    cells_plans = grid(len(data), cores)
    at = {0, len(cells_plans) // 2, len(cells_plans) - 1}
    plan_times = []
    cells = []
    for i, p in enumerate(cells_plans):
        if i in at:
            plan_times.append(run_plan(w.func, data, plan))
        cells.append((run_plan(w.func, data, p), p))
    cells.sort(key=lambda c: c[0])
    best_time, best = cells[0]
    for t, p in cells[:3]:
        again = min(run_plan(w.func, data, p) for _ in range(2))
        if min(t, again) < best_time:
            best_time, best = min(t, again), p
    plan_time = min(plan_times)
    return {
        "workload": w.name,
        "note": w.note,
        "items": len(data),
        "serial_s": serial,
        "plan_overhead_s": plan_overhead,
        "plan": plan.summary(),
        "plan_key": list(plan.key()),
        "plan_s": plan_time,
        "grid_best_s": best_time,
        "grid_best": best.summary().split(" (")[0],
        "grid_cells": len(cells),
        "predicted_speedup": plan.estimated_speedup,
        "measured_speedup": serial / plan_time,
        "explain": plan.explain(),
    }


def bench_adaptive(quick: bool) -> list[dict[str, Any]]:
    """Adaptive vs static chunks on the same streaming plan (generators whose
    length is given, as a caller that knows it would: expected_items)."""
    out = []
    n_iid, n_drift, n_grow = (300, 900, 1000) if quick else (600, 1800, 2000)
    streams = (
        ("hetero-cv1 stream", _hetero_loops(n_iid)),
        ("drift, cheap first", _drift_loops(n_drift)),
        ("drift, costly first", _drift_loops(n_drift, cheap_first=False)),
        ("growing x16", _growing_loops(n_grow)),
        ("shrinking x16", _growing_loops(n_grow, shrink=True)),
    )
    for name, loops in streams:
        plan = optimize_streaming(hetero, iter(loops), enable_adaptive_chunking=True, expected_items=len(loops))
        static = dataclasses.replace(plan, use_adaptive_chunking=False, adaptive_chunking_params=None)
        times: dict[str, list[float]] = {"adaptive": [], "static": []}
        for _ in range(1 if quick else 2):
            for label, p in (("adaptive", plan), ("static", static)):
                times[label].append(timed(lambda: list(imap(hetero, iter(loops), p))))
        a, s = min(times["adaptive"]), min(times["static"])
        # No schedule of these items on n_jobs workers beats their serial time / n_jobs:
        # static chunks can lose at most static / bound - 1 to any chunking.
        bound = min(timed(lambda: [hetero(x) for x in loops]) for _ in range(1 if quick else 2)) / plan.n_jobs
        cv = statistics.pstdev(loops) / statistics.fmean(loops)
        out.append({
            "stream": name, "items": len(loops), "cv": cv, "plan": plan.summary(),
            "adaptive_used": plan.use_adaptive_chunking, "adaptive_s": a, "static_s": s,
            "gain": s / a - 1.0, "bound_s": bound, "headroom": s / bound - 1.0,
        })
    return out


PLAN_ONLY = "--plan-only"


def plan_keys(quick: bool) -> dict[str, list[Any]]:
    return {w.name: list(optimize(w.func, w.make()).key()) for w in workloads(quick)}


def bench_determinism(runs: int, quick: bool) -> dict[str, Any]:
    """Plans for every workload, each run in a fresh interpreter."""
    results = []
    cmd = [sys.executable, os.path.abspath(__file__), PLAN_ONLY] + (["--quick"] if quick else [])
    for _ in range(runs):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    per = {}
    for name in results[0]:
        keys = [tuple(r[name]) for r in results]
        common = max(set(keys), key=keys.count)
        per[name] = {"same": keys.count(common), "runs": runs, "plan": list(common),
                     "others": sorted({str(k) for k in keys if k != common})}
    return per


# ------------------------------------------------------------------- report

def fmt(s: float) -> str:
    return f"{s * 1e3:8.1f}" if s < 10 else f"{s:8.2f}s"


def main(argv: list[str] | None = None) -> int:
    sys.stdout.reconfigure(line_buffering=True)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller inputs and fewer repeats")
    ap.add_argument("--json", metavar="FILE", help="also write all results as JSON")
    ap.add_argument("--determinism-runs", type=int, default=None, help="fresh processes (default 20, quick 5)")
    ap.add_argument("--explain", action="store_true", help="print plan.explain() for each workload")
    ap.add_argument(PLAN_ONLY, action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.plan_only:
        print(json.dumps(plan_keys(args.quick)))
        return 0

    t_start = time.perf_counter()
    cores = cpu_count()
    calib = timed(lambda: pool_overheads(processes=True))
    print(f"sigmalang.parallel benchmark: {cores} cores, Python {sys.version.split()[0]}, "
          f"{'quick' if args.quick else 'full'} run")
    print(f"pool calibration (once per process): {calib * 1e3:.0f} ms -> {pool_overheads(processes=True)}")
    print()
    rows = [bench_workload(w, cores, args.quick) for w in workloads(args.quick)]
    hdr = (f"{'workload':<15}{'items':>6}{'serial ms':>11}{'plan ms':>9}{'run ms':>9}{'grid ms':>9}"
           f"{'run/grid':>9}{'pred x':>8}{'meas x':>8}  plan | grid best")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['workload']:<15}{r['items']:>6}{fmt(r['serial_s']):>11}{r['plan_overhead_s'] * 1e3:>9.1f}"
              f"{fmt(r['plan_s']):>9}{fmt(r['grid_best_s']):>9}{r['plan_s'] / r['grid_best_s']:>9.2f}"
              f"{r['predicted_speedup']:>8.2f}{r['measured_speedup']:>8.2f}  "
              f"{r['plan'].split(' (')[0]} | {r['grid_best']}")
    if args.explain:
        for r in rows:
            print(f"\n[{r['workload']}]\n{r['explain']}")

    print()
    adaptive = bench_adaptive(args.quick)
    print("serial/n: the stream's serial time over the plan's workers, a bound no schedule beats;")
    print("room: static / that bound - 1, the most any chunking could gain over static chunks.")
    print(f"{'stream':<22}{'items':>6}{'CV':>6}{'serial/n':>10}{'static ms':>11}{'adaptive ms':>13}{'gain':>8}{'room':>7}  plan")
    for a in adaptive:
        print(f"{a['stream']:<22}{a['items']:>6}{a['cv']:>6.2f}{fmt(a['bound_s']):>10}{fmt(a['static_s']):>11}"
              f"{fmt(a['adaptive_s']):>13}{a['gain']:>7.0%}{a['headroom']:>7.0%}  "
              f"{a['plan'].split(' (')[0]}{'' if a['adaptive_used'] else ' (adaptive not used)'}")

    runs = args.determinism_runs or (5 if args.quick else 20)
    det = bench_determinism(runs, args.quick)
    print()
    print(f"same plan in fresh processes ({runs} runs):")
    for name, d in det.items():
        extra = f"  others: {', '.join(d['others'])}" if d["others"] else ""
        print(f"  {name:<15} {d['same']:>2}/{d['runs']}  {tuple(d['plan'])}{extra}")

    by = {r["workload"]: r for r in rows}
    need = math.ceil(runs * 19 / 20)
    targets = [
        ("plan time <= 1.10 x grid best on every workload",
         all(r["plan_s"] <= 1.10 * r["grid_best_s"] for r in rows),
         ", ".join(f"{r['workload']} {r['plan_s'] / r['grid_best_s']:.2f}" for r in rows)),
        ("planning overhead <= 2 % of serial or <= 50 ms",
         all(r["plan_overhead_s"] <= max(0.02 * r["serial_s"], 0.05) for r in rows),
         f"max {max(r['plan_overhead_s'] for r in rows) * 1e3:.1f} ms"),
        ("trivial work -> serial", by["1us-items"]["plan_key"][0] == "serial", by["1us-items"]["plan"]),
        ("I/O waits -> many threads, speedup >= 8x",
         by["10ms-io-wait"]["plan_key"][0] == "threads" and by["10ms-io-wait"]["plan_key"][1] >= 8
         and by["10ms-io-wait"]["measured_speedup"] >= 8,
         f"{by['10ms-io-wait']['plan']}, measured {by['10ms-io-wait']['measured_speedup']:.1f}x"),
        ("heterogeneous: adaptive chunking >= 15 % faster than static",
         all(a["gain"] >= 0.15 for a in adaptive),
         ", ".join(f"{a['stream']} {a['gain']:+.0%} (room {a['headroom']:.0%})" for a in adaptive)),
        (f"same plan in >= {need} of {runs} fresh processes",
         all(d["same"] >= need for d in det.values()),
         f"min {min(d['same'] for d in det.values())}/{runs}"),
    ]
    print()
    for name, ok, detail in targets:
        print(f"{'PASS' if ok else 'FAIL'}  {name}  [{detail}]")
    total = time.perf_counter() - t_start
    print(f"\nbenchmark wall time: {total:.0f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"cores": cores, "calibration_s": calib, "workloads": rows, "adaptive": adaptive,
                       "determinism": det, "targets": [{"target": n, "pass": ok, "detail": d} for n, ok, d in targets],
                       "wall_s": total}, fh, indent=2)
    return 0 if all(ok for _, ok, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
