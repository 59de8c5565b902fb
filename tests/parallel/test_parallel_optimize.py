"""optimize() on real functions: measurements, decisions, explain()."""

import subprocess
import sys
import textwrap
import time


from sigmalang.parallel import execute, optimize


def tiny(x):
    return x + 1


def nap(x):
    time.sleep(0.01)
    return x


def spin(x):
    s = 0
    for i in range(60_000):  # about 2-5 ms of pure Python
        s += i * i
    return s + x


def compress(block):
    import zstandard

    return len(zstandard.ZstdCompressor(level=3).compress(block))


def counted(x, calls=[]):  # noqa: B006 - a module-level call counter on purpose
    calls.append(x)
    return x


def test_trivial_work_is_serial():
    plan = optimize(tiny, list(range(10_000)))
    assert plan.backend == "serial"
    assert plan.n_jobs == 1
    assert "too little" in plan.reason or "serial" in plan.reason


def test_sleeping_work_gets_many_threads():
    plan = optimize(nap, list(range(200)))
    assert plan.backend == "threads"
    assert plan.n_jobs >= 16
    assert plan.measurements.cpu_fraction <= 0.2
    assert plan.estimated_speedup >= 8


def test_cpu_bound_python_work_gets_processes_when_it_pays():
    plan = optimize(spin, list(range(400)))
    m = plan.measurements
    assert m.cpu_fraction >= 0.8
    assert m.gil_free is not None and m.gil_free <= 0.2  # the GIL probe saw it held
    assert (plan.backend, plan.n_jobs) == ("processes", 2)


def test_gil_probe_sees_zstd_release_the_gil():
    import random

    rng = random.Random(1)
    block = bytes(rng.getrandbits(8) % 16 + 65 for _ in range(1 << 19))
    m = optimize(compress, [block] * 100, backends=("serial", "threads")).measurements
    assert m.gil_free is not None and m.gil_free >= 0.7


def test_unpicklable_function_never_goes_to_processes():
    plan = optimize(lambda x: spin(x), list(range(400)))
    assert plan.backend != "processes"
    assert any("cannot be pickled" in w for w in plan.warnings)


def test_planning_and_running_call_func_once_per_item():
    # Results computed while measuring are part of the result, not extra calls.
    calls = counted.__defaults__[0]
    calls.clear()
    data = list(range(3000))
    assert execute(counted, data) == data
    assert sorted(calls) == data


def every_5th(x, loops=[]):  # noqa: B006 - loop counts calibrated once per process
    if not loops:
        loops += [20_000]  # ~1 ms of pure Python, give or take a factor of 3
    s = 0
    for i in range(loops[0] if x % 5 == 0 else loops[0] // 10):
        s += i
    return s


def test_periodic_costs_are_seen_by_the_sample():
    # Every 5th item costs 10x: mean 0.28 of a costly item, CV ~1.3. A sample
    # from the head, or on a lattice lining up with the period, sees no spread.
    import time as clock

    costly = []
    for _ in range(3):
        c0 = clock.thread_time()
        every_5th(0)
        costly.append(clock.thread_time() - c0)
    m = optimize(every_5th, list(range(1000))).measurements
    assert m.n_sampled >= 4
    assert m.item_time_cv > 0.6
    assert 0.14 * min(costly) < m.item_time < 0.6 * min(costly)


def test_lists_are_sampled_across_their_whole_length():
    calls = []

    def record(x):
        calls.append(x)
        return every_5th(x)

    optimize(record, list(range(1000)), backends=("serial", "threads"))
    assert len(calls) >= 4 and max(calls) >= 500 and min(c for c in calls if c > 0) < 500


def test_explain_lists_measurements_and_candidates():
    text = optimize(nap, list(range(100))).explain()
    for part in ("Plan: threads", "per-item time", "CPU share", "GIL",
                 "pickling", "pool costs", "Candidates", "<- chosen worker count"):
        assert part in text


def test_plan_runs_and_matches_serial_results():
    data = list(range(60))
    plan = optimize(nap, data)
    assert execute(nap, data, plan) == data


SCRIPT = textwrap.dedent(
    """
    import time
    from sigmalang.parallel import optimize

    def nap(x):
        time.sleep(0.01)
        return x

    def tiny(x):
        return x + 1

    print(optimize(nap, list(range(200))).key(), optimize(tiny, list(range(10000))).key())
    """
)


def test_same_inputs_give_the_same_plan_in_fresh_processes():
    outputs = {
        subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
        for _ in range(3)
    }
    assert len(outputs) == 1, outputs


def test_a_known_gil_free_share_replaces_the_probe():
    """Three items of C work take less CPU than the GIL probe needs: unknown, so
    serial; told that the work runs outside the GIL, the plan takes threads."""
    import os

    import pytest

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two cores")
    blocks = [bytes(range(256)) * 1024 for _ in range(3)]  # a quarter of a MiB each: well under a ms
    measured = optimize(compress, blocks, backends=("serial", "threads"))
    assert measured.measurements.gil_free is None and measured.backend == "serial"
    told = optimize(compress, [b * 40 for b in blocks], backends=("serial", "threads"), gil_free=1.0)
    assert told.measurements.gil_free == 1.0 and told.backend == "threads"


def test_gil_free_must_be_a_share():
    import pytest

    for bad in (-0.1, 1.5, "all"):
        with pytest.raises(ValueError, match="gil_free"):
            optimize(tiny, [1, 2, 3], gil_free=bad)
