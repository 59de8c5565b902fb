"""Contestants of benchmarks/parallel.py: sigmalang.parallel's plan + run, the
grid's best cell, and what users write instead (joblib, concurrent.futures,
dask.bag, mpire, each with its defaults, and Amorsize's execute()).

Each contestant runs in a fresh interpreter: library imports and building the
input are not timed, everything after is (planning, calibration, pool start,
the run). A peer whose library is not installed is skipped, and the report
says so.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

import _parallel_workloads as wl

Runner = Callable[[Callable[[Any], Any], list[Any]], Any]


def _sigmalang() -> Runner:
    from sigmalang.parallel import execute

    return lambda func, data: execute(func, data)


def _joblib() -> Runner:
    from joblib import Parallel, delayed

    return lambda func, data: Parallel(n_jobs=-1)(delayed(func)(x) for x in data)


def _futures() -> Runner:
    def run(func: Callable[[Any], Any], data: list[Any]) -> list[Any]:
        with ProcessPoolExecutor() as pool:
            return list(pool.map(func, data))

    return run


def _dask_bag() -> Runner:
    import dask.bag

    return lambda func, data: dask.bag.from_sequence(data).map(func).compute()


def _mpire() -> Runner:
    from mpire import WorkerPool

    def run(func: Callable[[Any], Any], data: list[Any]) -> list[Any]:
        with WorkerPool() as pool:
            return pool.map(func, data)

    return run


def _amorsize() -> Runner:
    import amorsize

    return lambda func, data: amorsize.execute(func, data)


def _grid_best(plan: str) -> Runner:
    from sigmalang.parallel import Plan, execute

    backend, n_jobs, chunksize = json.loads(plan)
    if backend == "serial":
        return lambda func, data: list(map(func, data))
    fixed = Plan(backend=backend, n_jobs=n_jobs, chunksize=chunksize)
    return lambda func, data: execute(func, data, fixed)


#: name -> (what users write, the runner factory), in report order.
PEERS: dict[str, tuple[str, Callable[[], Runner]]] = {
    "sigmalang": ("execute(func, data)", _sigmalang),
    "joblib": ("Parallel(n_jobs=-1)(delayed(func)(x) for x in data)", _joblib),
    "futures": ("ProcessPoolExecutor().map(func, data)", _futures),
    "dask.bag": ("from_sequence(data).map(func).compute()", _dask_bag),
    "mpire": ("WorkerPool().map(func, data)", _mpire),
    "amorsize": ("amorsize.execute(func, data)", _amorsize),
}


def child(name: str, workload: str, quick: bool, plan: str | None) -> dict[str, Any]:
    """Run one contestant once in this (fresh) interpreter; what to print."""
    w = wl.by_name(workload, quick)
    data = w.make()
    try:
        run = _grid_best(plan or "") if name == "grid" else PEERS[name][1]()
    except ImportError as exc:
        return {"skipped": f"not installed ({exc.name or exc})"}
    t0 = time.perf_counter()
    out = run(w.func, data)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "items": len(out)}


def _env(home: str) -> dict[str, str]:
    env = dict(os.environ)
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
    env["HOME"] = home  # peers that cache on disk (Amorsize) do so in a scratch home
    env["PARALLEL_BENCH_CACHE"] = home
    return env


def fresh(script: str, name: str, workload: str, quick: bool, home: str, timeout: float,
          plan: list[Any] | None = None) -> dict[str, Any]:
    """One contestant run in a fresh interpreter; on timeout, its process group is killed."""
    cmd = [sys.executable, script, "--contestant", name, "--workload", workload]
    cmd += (["--quick"] if quick else []) + (["--grid-plan", json.dumps(plan)] if plan else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(home), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"timeout": timeout}
    if proc.returncode != 0:
        return {"error": (err.strip().splitlines() or ["exit %d" % proc.returncode])[-1]}
    return json.loads(out.strip().splitlines()[-1])


def scratch_home() -> str:
    return tempfile.mkdtemp(prefix="parallel-bench-")
