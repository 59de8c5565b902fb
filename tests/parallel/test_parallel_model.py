"""Decisions of the cost model, from injected measurements (no timing involved)."""

import dataclasses

import pytest

from sigmalang.parallel import Measurements, Overheads
from sigmalang.parallel._model import PARALLEL_MARGIN, candidates, choose, predict

OVERHEADS = Overheads(
    thread_start=7e-5, thread_task=1e-5, process_start=8e-3, process_task=1.3e-4,
    process_byte=2e-9, worker_rss=20_000_000,
)


def fake(**kw) -> Measurements:
    base = dict(
        n_sampled=16, n_calls=32, item_time=1e-3, item_time_cv=0.05, cpu_fraction=1.0,
        gil_free=0.0, func_pickle_time=2e-6, item_pickle_time=5e-7,
        result_pickle_time=5e-7, item_bytes=30, result_bytes=30, cores=2,
        available_memory=8 << 30, overheads=OVERHEADS,
    )
    base.update(kw)
    return Measurements(**base)


def decide(m, n_items, **kw):
    kw.setdefault("backends", ("serial", "threads", "processes"))
    kw.setdefault("max_workers", None)
    kw.setdefault("target_chunk_duration", 0.2)
    budget = kw.pop("memory_budget", None)
    chosen, _ = choose(candidates(m, n_items, **kw), budget)
    return chosen


def test_trivial_work_runs_serially():
    assert decide(fake(item_time=1e-6), 5_000).backend == "serial"


def test_sleeping_io_work_uses_many_threads():
    m = fake(item_time=1e-2, cpu_fraction=0.0, gil_free=1.0)
    chosen = decide(m, 200)
    assert chosen.backend == "threads"
    assert chosen.n_jobs >= 16


def test_cpu_bound_gil_holding_work_uses_processes():
    chosen = decide(fake(item_time=1e-2, gil_free=0.0), 200)
    assert (chosen.backend, chosen.n_jobs) == ("processes", 2)


def test_gil_releasing_work_uses_threads_not_processes():
    m = fake(item_time=5e-3, gil_free=1.0, item_bytes=1 << 20, result_bytes=300_000,
             item_pickle_time=2e-4, result_pickle_time=1e-4)
    chosen = decide(m, 200)
    assert chosen.backend == "threads"
    assert chosen.n_jobs == 2  # more threads than cores cannot help CPU work


def test_gil_free_fraction_defaults_to_held_and_ignores_gil_for_waiting_work():
    assert fake(gil_free=0.3).gil_free_fraction == 0.3
    assert fake(gil_free=None).gil_free_fraction == 0.0  # unknown: assume the GIL is held
    assert fake(gil_free=None, cpu_fraction=0.0).gil_free_fraction == 1.0


def test_partly_gil_free_work_is_priced_between_held_and_free():
    times = [predict(fake(item_time=5e-3, gil_free=g), "threads", 2, 8, 200) for g in (0.0, 0.5, 1.0)]
    assert times[0] > times[1] >= times[2]


def test_searches_worker_counts_below_the_maximum():
    # 3 items of 100 ms on 8 cores: more than 3 workers cannot help.
    m = fake(item_time=1e-1, cores=8)
    chosen = decide(m, 3)
    assert chosen.backend == "processes"
    assert chosen.n_jobs == 3
    counts = {c.n_jobs for c in candidates(m, 3, backends=("processes",), max_workers=None,
                                           target_chunk_duration=0.2)}
    assert counts == {2, 3}


def test_borderline_gain_stays_serial():
    # Work where two processes are predicted only slightly faster than serial.
    m = fake(item_time=2e-4)
    cands = candidates(m, 200, backends=("serial", "processes"), max_workers=None,
                       target_chunk_duration=0.2)
    serial = next(c for c in cands if c.backend == "serial")
    best = min((c for c in cands if c.backend != "serial"), key=lambda c: c.time)
    assert serial.time / best.time < PARALLEL_MARGIN
    assert choose(cands)[0].backend == "serial"


def test_chunks_respect_target_duration():
    chosen = decide(fake(item_time=1e-4), 1_000_000)
    assert chosen.backend == "processes"
    assert chosen.chunksize * 1e-4 <= 0.2 + 1e-9


def test_memory_budget_excludes_large_in_flight_candidates():
    m = fake(item_time=1e-2, result_bytes=100 << 20)
    chosen = decide(m, 100, memory_budget=150 << 20)
    assert chosen.backend == "serial"


def test_warm_pool_removes_start_cost():
    m = fake(item_time=1e-2)
    cold = predict(m, "processes", 2, 1, 10)
    warm = predict(m, "processes", 2, 1, 10, warm=True)
    assert cold - warm == pytest.approx(2 * OVERHEADS.process_start)


def test_large_results_make_processes_pay_transfer():
    small = fake(item_time=2e-3)
    big = dataclasses.replace(small, result_bytes=1 << 20, result_pickle_time=3e-4)
    assert predict(big, "processes", 2, 8, 200) > predict(small, "processes", 2, 8, 200)


def test_decision_is_stable_under_small_measurement_noise():
    keys = set()
    for t in (0.98e-3, 1e-3, 1.02e-3):
        c = decide(fake(item_time=t), 1000)
        keys.add((c.backend, c.n_jobs))
    assert keys == {("processes", 2)}


# ------------------------------------------- measurements robust to load

from sigmalang.parallel._measure import SERIAL_BUDGET, _enough, _Sample, per_byte  # noqa: E402


def test_preemption_is_not_mistaken_for_waiting():
    # CPU-bound items on a loaded machine: wall 2x CPU, all of it run delay.
    s = _Sample(walls=[0.002, 0.004], cpus=[0.001, 0.002], windows=[], results=[], delay=0.003)
    assert s.ran() == [0.001, 0.002]


def test_real_waiting_stays_when_nothing_preempted():
    s = _Sample(walls=[0.010, 0.010], cpus=[0.0001, 0.0001], windows=[], results=[], delay=0.0)
    assert s.ran() == [0.010, 0.010]


def test_run_delay_is_shared_by_off_cpu_time():
    s = _Sample(walls=[0.010, 0.002], cpus=[0.002, 0.002], windows=[], results=[], delay=0.004)
    ran = s.ran()
    assert abs(ran[0] - 0.006) < 1e-12 and ran[1] == 0.002


def test_cpu_bound_sampling_waits_for_cpu_time_not_wall_time():
    assert not _enough(SERIAL_BUDGET, 0.5 * SERIAL_BUDGET)  # loaded: half a core
    assert _enough(2 * SERIAL_BUDGET, SERIAL_BUDGET)
    assert _enough(SERIAL_BUDGET, 0.0)  # waiting work stops on wall time
    assert _enough(3 * SERIAL_BUDGET, 0.5 * SERIAL_BUDGET)  # and nothing runs forever


def test_per_byte_uses_minima_not_the_minimum_difference():
    # Repeat 2 had a slow empty task (load) that would make its difference 0.
    moves, tasks = [0.010, 0.012], [0.001, 0.003]
    assert per_byte(moves, tasks, 1000, 4) == (0.010 - 4 * 0.001) / 1000
