"""Benchmark of sigmalang.parallel against an exhaustive grid and the usual peers (not a test).

For each workload: serial time, the planning overhead, the best time over a
grid of backend x n_jobs x chunksize, and plan + run of ``execute(func,
data)`` beside what users write instead (joblib, concurrent.futures,
dask.bag, mpire with their defaults, and Amorsize), each timed in a fresh
interpreter, in turns, best of several rounds. Then adaptive vs static
chunking on heterogeneous streams against the bound (serial time / workers)
and the best static chunk size of a grid, the same plan in fresh processes,
and PASS/FAIL for each target of the planner issue. Every figure printed here
is measured in this run.

    python benchmarks/parallel.py            # full run (about 10 minutes on 2 cores)
    python benchmarks/parallel.py --quick    # smaller inputs, fewer rounds
    python benchmarks/parallel.py --json out.json --explain

Timing rules: each grid cell runs once with a fresh pool (start-up included)
and the three best again; the grid's best cell is then re-timed in a fresh
interpreter in every round beside the contestants, and the grid best is the
least of all its times. A contestant is the minimum over its rounds; one that
takes more than OUTLIER x the grid best in its first round is not run again,
and one that exceeds the time limit is reported as at least that limit.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _parallel_peers as peers  # noqa: E402
import _parallel_workloads as wl  # noqa: E402
from sigmalang.parallel import Plan, execute, imap, optimize, optimize_streaming  # noqa: E402
from sigmalang.parallel._measure import cpu_count, pool_overheads  # noqa: E402

#: A peer this many times slower than the grid best in its first round runs no more rounds.
OUTLIER = 3.0


def progress(text: str) -> None:
    """A line on stderr while the run goes on (the report is on stdout)."""
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


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


def run_cell(func: Callable[[Any], Any], data: list[Any], plan: Plan) -> float:
    if plan.backend == "serial":
        return timed(lambda: list(map(func, data)))
    return timed(lambda: execute(func, data, plan))


def task_floor(backend: str) -> float:
    """Seconds the parent spends per task at the least: half the measured round trip."""
    o = pool_overheads(processes=True)
    return (o.thread_task if backend == "threads" else o.process_task) / 2


def run_grid(func: Callable[[Any], Any], data: list[Any], plans: list[Plan]) -> tuple[list[Any], int]:
    """(time, index, plan) per cell run, fastest first, and how many cells were pruned.

    Cells with larger chunks run first; a cell whose tasks alone, at half the
    measured per-task cost, would take longer than the best cell so far cannot
    be the best and is not run (chunks of 1 over 200,000 items take minutes).
    """
    order = sorted(range(len(plans)), key=lambda i: (plans[i].backend != "serial", -plans[i].chunksize))
    cells: list[Any] = []
    pruned = 0
    for i in order:
        p = plans[i]
        best = min((c[0] for c in cells), default=float("inf"))
        if p.backend != "serial" and math.ceil(len(data) / p.chunksize) * task_floor(p.backend) > best:
            pruned += 1
            continue
        cells.append((run_cell(func, data, p), i, p))
    return sorted(cells, key=lambda c: (c[0], c[1])), pruned


def bench_workload(w: wl.Workload, cores: int, quick: bool) -> dict[str, Any]:
    """In this process: serial time, planning overhead, a correct run, the grid."""
    data = w.make()
    serial = min(timed(lambda: list(map(w.func, data))) for _ in range(1 if quick else 2))
    expected = list(map(w.func, data))
    overheads, plan = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        plan = optimize(w.func, data)
        # The sampled calls' results are part of the run: they are not overhead.
        overheads.append(time.perf_counter() - t0 - plan.measurements.sample_seconds)
        if plan.backend != "serial" or plan.n_items is None or len(expected) > 1000:
            break
    assert plan is not None
    correct = execute(w.func, data, plan) == expected
    cells, pruned = run_grid(w.func, data, grid(len(data), cores))
    top = []
    for t, _, p in cells[:3]:
        top.append((min(t, *(run_cell(w.func, data, p) for _ in range(2))), p))
    top.sort(key=lambda c: c[0])
    best_time, best = top[0]
    progress(f"{w.name}: serial {serial * 1e3:.0f} ms, plan {plan.key()}, grid best {best.key()} {best_time * 1e3:.0f} ms")
    return {
        "workload": w.name, "note": w.note, "items": len(data), "serial_s": serial,
        "plan_overhead_s": min(overheads), "plan": plan.summary(), "plan_key": list(plan.key()),
        "predicted_speedup": plan.estimated_speedup, "correct": correct,
        "grid_best_s": best_time, "grid_best": list(best.key()), "grid_cells": len(cells), "grid_pruned": pruned,
        "grid_top": [list(p.key()) for _, p in top], "grid_inprocess_s": best_time,
        "explain": plan.explain(),
    }


def bench_fresh(rows: list[dict[str, Any]], quick: bool, rounds: int, home: str) -> None:
    """Every contestant in fresh interpreters, in turns, best of rounds (adds to rows).

    The grid's three best cells run there too: the grid best is the least of
    their fresh times, measured like the contestants (a fresh interpreter
    pays for its first allocations, which a warm process no longer does).
    """
    script = os.path.abspath(__file__)
    for r in rows:
        cells = {f"grid {i}": key for i, key in enumerate(r["grid_top"])}
        names = [*cells, *peers.PEERS]
        limit = max(30.0, 20 * r["grid_best_s"])
        times: dict[str, list[float]] = {n: [] for n in names}
        notes: dict[str, str] = {}
        for k in range(rounds):
            for name in names[k % len(names):] + names[:k % len(names)]:
                if name in notes or (k and times[name] and min(times[name]) > OUTLIER * r["grid_best_s"]):
                    continue
                got = peers.fresh(script, "grid" if name in cells else name, r["workload"], quick, home, limit,
                                  cells.get(name))
                if "seconds" in got:
                    times[name].append(got["seconds"])
                else:
                    notes[name] = got.get("skipped") or got.get("error") or f">= {got['timeout']:.0f} s (time limit)"
                    if "timeout" in got:
                        times[name].append(got["timeout"])
        fresh_grid = {n: min(times[n]) for n in cells if times[n]}
        best = min(fresh_grid, key=fresh_grid.__getitem__)
        r["grid_best_s"], r["grid_best"] = fresh_grid[best], cells[best]
        r["fresh"] = {n: min(times[n]) for n in peers.PEERS if times[n]}
        r["fresh_notes"] = notes
        r["fresh_spread"] = max(max(v) / min(v) - 1 for v in times.values() if len(v) > 1) if rounds > 1 else 0.0
        r["measured_speedup"] = r["serial_s"] / r["fresh"]["sigmalang"] if "sigmalang" in r["fresh"] else 0.0
        progress(f"{r['workload']}: fresh interpreters done, " + ", ".join(
            f"{n} {t / r['grid_best_s']:.2f}" for n, t in r["fresh"].items()))


def adaptive_streams(quick: bool) -> list[tuple[str, list[int]]]:
    n_iid, n_drift, n_grow = (300, 900, 1000) if quick else (600, 1800, 2000)
    return [
        ("hetero-cv1 stream", wl.hetero_loops(n_iid)),
        ("drift, cheap first", wl.drift_loops(n_drift)),
        ("drift, costly first", wl.drift_loops(n_drift, cheap_first=False)),
        ("growing x16", wl.growing_loops(n_grow)),
        ("shrinking x16", wl.growing_loops(n_grow, shrink=True)),
    ]


def bench_adaptive(quick: bool, rounds: int) -> list[dict[str, Any]]:
    """Adaptive vs static chunks on the same streaming plan (generators whose
    length is given, as a caller that knows it would: expected_items), and the
    best static chunk size of a grid around the plan's, in turns."""
    out = []
    for name, loops in adaptive_streams(quick):
        plan = optimize_streaming(wl.hetero, iter(loops), enable_adaptive_chunking=True, expected_items=len(loops))
        static = dataclasses.replace(plan, use_adaptive_chunking=False, adaptive_chunking_params=None)
        sizes = sorted({max(1, int(plan.chunksize * f)) for f in (0.25, 0.5, 1, 2, 4)})
        runs = {"adaptive": plan, "static": static}
        runs.update({f"static {c}": dataclasses.replace(static, chunksize=c) for c in sizes})
        times: dict[str, list[float]] = {k: [] for k in runs}
        times["serial"] = []
        for k in range(rounds):
            order = list(runs.items())
            for label, p in order[k % len(order):] + order[:k % len(order)]:
                times[label].append(timed(lambda: list(imap(wl.hetero, iter(loops), p))))
            times["serial"].append(timed(lambda: [wl.hetero(x) for x in loops]))
        best = {k: min(v) for k, v in times.items()}
        progress(f"{name}: adaptive {best['adaptive'] * 1e3:.0f} ms, static {best['static'] * 1e3:.0f} ms")
        grid_best = min(best[f"static {c}"] for c in sizes)
        # No schedule of these items on n_jobs workers beats their serial time / n_jobs.
        bound = best["serial"] / plan.n_jobs
        out.append({
            "stream": name, "items": len(loops), "cv": statistics.pstdev(loops) / statistics.fmean(loops),
            "plan": plan.summary(), "adaptive_used": plan.use_adaptive_chunking, "bound_s": bound,
            "adaptive_s": best["adaptive"], "static_s": best["static"], "static_grid_s": grid_best,
            "static_grid_best": min(sizes, key=lambda c: best[f"static {c}"]), "static_sizes": sizes,
            "spread": max(max(v) / min(v) - 1 for v in times.values()),
        })
    return out


PLAN_ONLY = "--plan-only"


def plan_keys(quick: bool) -> dict[str, list[Any]]:
    return {w.name: list(optimize(w.func, w.make()).key()) for w in wl.workloads(quick)}


def bench_determinism(runs: int, quick: bool, home: str) -> dict[str, Any]:
    """Plans for every workload, each run in a fresh interpreter."""
    results = []
    cmd = [sys.executable, os.path.abspath(__file__), PLAN_ONLY] + (["--quick"] if quick else [])
    for _ in range(runs):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=peers._env(home))
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


def geomean(xs: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(x) for x in xs)) if xs else float("nan")


def print_workloads(rows: list[dict[str, Any]]) -> None:
    hdr = (f"{'workload':<15}{'items':>7}{'serial ms':>11}{'plan ms':>9}{'grid ms':>10}"
           f"{'pred x':>8}{'meas x':>8}{'spread':>8}  plan | grid best")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(f"{r['workload']:<15}{r['items']:>7}{fmt(r['serial_s']):>11}{r['plan_overhead_s'] * 1e3:>9.2f}"
              f"{fmt(r['grid_best_s']):>10}{r['predicted_speedup']:>8.2f}{r.get('measured_speedup', 0):>8.2f}"
              f"{r.get('fresh_spread', 0):>8.0%}  "
              f"{r['plan'].split(' (')[0]} | {tuple(r['grid_best'])}")
    print(f"grid cells run: {sum(r['grid_cells'] for r in rows)}, pruned: {sum(r['grid_pruned'] for r in rows)} "
          "(their tasks alone, at half the measured per-task cost, take longer than the best cell)")
    print("plan ms: optimize() in this process (pool costs measured), less the sampled calls, whose results the run keeps")
    print("grid ms: the best of the grid's three best cells, each re-timed in fresh interpreters beside the contestants")
    print("meas x: serial / plan + run of execute(func, data) in a fresh interpreter;")
    print("spread: the largest (slowest / fastest - 1) over one contestant's fresh runs of the workload")


def print_peers(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Time / grid best per contestant and workload; geometric mean and worst case."""
    names = list(peers.PEERS)
    print(f"{'workload':<15}{'grid ms':>10}" + "".join(f"{n:>11}" for n in names))
    ratios: dict[str, list[float]] = {n: [] for n in names}
    lower: dict[str, bool] = {n: False for n in names}
    for r in rows:
        cells = []
        for n in names:
            t = r["fresh"].get(n)
            if t is None:
                cells.append(f"{'-':>11}")
                continue
            ratio = t / r["grid_best_s"]
            ratios[n].append(ratio)
            timeout = "time limit" in r["fresh_notes"].get(n, "")
            lower[n] |= timeout
            cells.append(f"{('>' if timeout else '') + f'{ratio:.2f}':>11}")
        print(f"{r['workload']:<15}{fmt(r['grid_best_s']):>10}" + "".join(cells))
    summary = {n: {"geomean": geomean(v), "worst": max(v), "workloads": len(v)} for n, v in ratios.items() if v}
    for label, key in (("geometric mean", "geomean"), ("worst case", "worst")):
        cells = [f"{'>' if lower[n] else ''}{summary[n][key]:.2f}" if n in summary else "-" for n in names]
        print(f"{label:<25}" + "".join(f"{c:>11}" for c in cells))
    for n in names:
        notes = sorted({f"{r['workload']}: {r['fresh_notes'][n]}" for r in rows if n in r["fresh_notes"]})
        if notes:
            print(f"  {n}: {'; '.join(notes)}")
    print("each contestant: " + "; ".join(f"{n} = {peers.PEERS[n][0]}" for n in names))
    return summary


def print_adaptive(adaptive: list[dict[str, Any]]) -> None:
    print("serial/n: the stream's serial time over the plan's workers, a bound no schedule beats;")
    print("static: the plan's chunk size, adaptation off; best static: the best of the plan's size x 1/4..4;")
    print("spread: the largest (slowest / fastest - 1) of one run's repeats.")
    print(f"{'stream':<22}{'items':>6}{'CV':>6}{'serial/n':>10}{'static':>9}{'best st.':>10}{'adaptive':>10}"
          f"{'/static':>9}{'/best':>7}{'/bound':>8}{'spread':>8}  plan")
    for a in adaptive:
        print(f"{a['stream']:<22}{a['items']:>6}{a['cv']:>6.2f}{fmt(a['bound_s']):>10}{fmt(a['static_s']):>9}"
              f"{fmt(a['static_grid_s']):>10}{fmt(a['adaptive_s']):>10}{a['adaptive_s'] / a['static_s']:>9.3f}"
              f"{a['adaptive_s'] / a['static_grid_s']:>7.3f}{a['adaptive_s'] / a['bound_s']:>8.3f}{a['spread']:>7.0%}  "
              f"{a['plan'].split(' (')[0]}{'' if a['adaptive_used'] else ' (adaptive not used)'}")


def targets(rows: list[dict[str, Any]], adaptive: list[dict[str, Any]], det: dict[str, Any],
            runs: int) -> list[tuple[str, bool, str]]:
    by = {r["workload"]: r for r in rows}
    need = math.ceil(runs * 19 / 20)
    ours = [(r["workload"], r["fresh"].get("sigmalang", float("inf")) / r["grid_best_s"]) for r in rows]
    io = by["10ms-io-wait"]
    return [
        ("plan + run <= 1.10 x grid best on every workload (fresh interpreters)",
         all(x <= 1.10 for _, x in ours), ", ".join(f"{n} {x:.2f}" for n, x in ours)),
        ("results of execute() equal serial ones on every workload",
         all(r["correct"] for r in rows), ", ".join(r["workload"] for r in rows if not r["correct"]) or "all"),
        ("planning overhead <= 5 ms or <= 2 % of serial on every workload",
         all(r["plan_overhead_s"] <= max(0.005, 0.02 * r["serial_s"]) for r in rows),
         ", ".join(f"{r['workload']} {r['plan_overhead_s'] * 1e3:.2f} ms" for r in rows)),
        ("trivial work -> serial", all(by[n]["plan_key"][0] == "serial" for n in ("1us-items", "trivial-200k")),
         ", ".join(by[n]["plan"] for n in ("1us-items", "trivial-200k"))),
        ("I/O waits -> many threads, speedup >= 8x",
         io["plan_key"][0] == "threads" and io["plan_key"][1] >= 8 and io["measured_speedup"] >= 8,
         f"{io['plan']}, measured {io['measured_speedup']:.1f}x"),
        ("heterogeneous streams: adaptive within 5 % of the best static chunking",
         all(a["adaptive_s"] <= 1.05 * a["static_grid_s"] for a in adaptive),
         ", ".join(f"{a['stream']} {a['adaptive_s'] / a['static_grid_s']:.3f}" for a in adaptive)),
        ("heterogeneous streams: adaptive never more than 2 % slower than static",
         all(a["adaptive_s"] <= 1.02 * a["static_s"] for a in adaptive),
         ", ".join(f"{a['stream']} {a['adaptive_s'] / a['static_s']:.3f}" for a in adaptive)),
        (f"same plan in >= {need} of {runs} fresh processes",
         all(d["same"] >= need for d in det.values()), f"min {min(d['same'] for d in det.values())}/{runs}"),
    ]


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller inputs and fewer rounds")
    ap.add_argument("--json", metavar="FILE", help="also write all results as JSON")
    ap.add_argument("--rounds", type=int, default=None, help="rounds of fresh-interpreter runs (default 3, quick 2)")
    ap.add_argument("--adaptive-rounds", type=int, default=None, help="rounds of adaptive vs static runs (default 5, quick 2)")
    ap.add_argument("--determinism-runs", type=int, default=None, help="fresh processes (default 20, quick 5)")
    ap.add_argument("--workloads", default=None, help="comma-separated workload names (default: all)")
    ap.add_argument("--explain", action="store_true", help="print plan.explain() for each workload")
    ap.add_argument(PLAN_ONLY, action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--contestant", help=argparse.SUPPRESS)
    ap.add_argument("--workload", help=argparse.SUPPRESS)
    ap.add_argument("--grid-plan", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    args = parse(argv)
    if args.plan_only:
        print(json.dumps(plan_keys(args.quick)))
        return 0
    if args.contestant:
        print(json.dumps(peers.child(args.contestant, args.workload, args.quick, args.grid_plan)))
        return 0
    t_start = time.perf_counter()
    cores = cpu_count()
    home = peers.scratch_home()
    os.environ["PARALLEL_BENCH_CACHE"] = home
    rounds = args.rounds or (2 if args.quick else 3)
    chosen = wl.workloads(args.quick)
    if args.workloads:
        chosen = [w for w in chosen if w.name in args.workloads.split(",")]
    calib = timed(lambda: pool_overheads(processes=True))
    print(f"sigmalang.parallel benchmark: {cores} cores, Python {sys.version.split()[0]}, "
          f"{'quick' if args.quick else 'full'} run, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"pool calibration (once per process): {calib * 1e3:.0f} ms -> {pool_overheads(processes=True)}")
    print()
    rows = [bench_workload(w, cores, args.quick) for w in chosen]
    bench_fresh(rows, args.quick, rounds, home)
    print_workloads(rows)
    if args.explain:
        for r in rows:
            print(f"\n[{r['workload']}]\n{r['explain']}")
    print(f"\nplan + run / grid best, each in a fresh interpreter, best of {rounds} rounds in turns:")
    summary = print_peers(rows)
    print()
    adaptive = bench_adaptive(args.quick, args.adaptive_rounds or (2 if args.quick else 5))
    print_adaptive(adaptive)
    runs = args.determinism_runs or (5 if args.quick else 20)
    det = bench_determinism(runs, args.quick, home)
    print(f"\nsame plan in fresh processes ({runs} runs):")
    for name, d in det.items():
        extra = f"  others: {', '.join(d['others'])}" if d["others"] else ""
        print(f"  {name:<15} {d['same']:>2}/{d['runs']}  {tuple(d['plan'])}{extra}")
    checks = targets(rows, adaptive, det, runs) if not args.workloads else []
    print()
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}  [{detail}]")
    total = time.perf_counter() - t_start
    print(f"\nbenchmark wall time: {total:.0f} s, load average at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"cores": cores, "calibration_s": calib, "workloads": rows, "peers": summary,
                       "adaptive": adaptive, "determinism": det,
                       "targets": [{"target": n, "pass": ok, "detail": d} for n, ok, d in checks],
                       "wall_s": total}, fh, indent=2)
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
