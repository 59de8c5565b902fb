"""The fast path, results kept from planning, and where the sample is taken.

Decisions are tested on given costs (serial_at_once, sample_cap) or with
margins of orders of magnitude; kept results with plans built by hand, so
nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import threading

import pytest

from sigmalang.parallel import Plan, StreamingPlan, execute, imap, optimize
from sigmalang.parallel._budget import PROCESS_START_FLOOR, THREAD_ITEM_FLOOR, probe_need, sample_cap, serial_at_once
from sigmalang.parallel._plan import _Kept
from sigmalang.parallel._sample import Taken, spread_positions

BOTH = ("serial", "threads", "processes")


def cheap(x):
    return x + 1


class Counter:
    """func that counts its calls per item (thread-safe)."""

    def __init__(self) -> None:
        self.calls: dict[int, int] = {}
        self.lock = threading.Lock()

    def __call__(self, x: int) -> int:
        with self.lock:
            self.calls[x] = self.calls.get(x, 0) + 1
        return x * 2


# ----------------------------------------------------------------- fast path

def test_no_pool_can_pay_for_nanosecond_items():
    # 200,000 items of 50 ns: 10 ms of work; moving an int to a process costs more than computing it.
    reason = serial_at_once(5e-8, 1.0, 200_000, backends=BOTH, cores=2, transfer=lambda: 6e-7, cached=None)
    assert reason is not None and "processes" in reason


def test_the_fast_path_leaves_work_that_pools_might_speed_up_to_the_full_plan():
    kw = dict(backends=BOTH, cores=2, transfer=lambda: 1e-6, cached=None)
    assert serial_at_once(1e-3, 1.0, 1000, **kw) is None  # 1 s of CPU work: processes may halve it
    assert serial_at_once(1e-6, 0.05, 100_000, **kw) is None  # work that waits: threads overlap it
    assert serial_at_once(THREAD_ITEM_FLOOR * 2, 1.0, 10_000, **kw) is None  # may release the GIL


def test_processes_count_as_able_to_pay_when_start_up_is_all_they_lose():
    # 1 s of 1 ms items that cost nothing to move: worth measuring, even at the floor start cost.
    assert serial_at_once(1e-3, 1.0, 1000, backends=("serial", "processes"), cores=2,
                          transfer=lambda: 0.0, cached=None) is None
    # 4 ms of work cannot pay for starting 2 workers at the floor cost and halving it.
    tight = 2 * PROCESS_START_FLOOR / 1000
    assert serial_at_once(tight, 1.0, 1000, backends=("serial", "processes"), cores=2,
                          transfer=lambda: 0.0, cached=None) is not None


def test_unpicklable_cheap_work_is_serial_at_once():
    assert serial_at_once(1e-7, 1.0, 100_000, backends=BOTH, cores=2, transfer=lambda: None, cached=None)


def test_cheap_work_is_planned_serial_and_its_measured_results_are_kept():
    data = list(range(100_000))
    plan = optimize(cheap, data)
    assert plan.backend == "serial" and plan.n_jobs == 1
    assert plan.measurements.n_calls >= 2  # the head that was measured ...
    assert plan.measurements.overheads is None  # ... and no pool was measured
    counter = Counter()
    data = list(range(50_000))
    plan = optimize(counter, data)
    assert plan.backend == "serial"
    kept = plan.measurements.n_calls
    assert kept >= 2 and sum(counter.calls.values()) == kept
    assert execute(counter, data, plan) == [2 * x for x in data]
    assert all(n == 1 for n in counter.calls.values()) and len(counter.calls) == len(data)


def test_sampling_budget_is_a_share_of_the_best_parallel_run():
    # Waiting work with 32 threads: 5 % of serial / 32; CPU work on 2 cores: 5 % of serial / 2.
    assert sample_cap(3.0, 0.0, 2, 300, 32) == pytest.approx(0.05 * 3.0 / 32)
    assert sample_cap(1.0, 1.0, 2, 1000, 32) == pytest.approx(0.025)


def test_the_gil_probe_gets_its_time_where_its_verdict_can_pay():
    assert probe_need(0.1, 1.0, 2) == pytest.approx(0.015)  # 3 switch intervals
    assert probe_need(0.02, 1.0, 2) == 0.0  # the most a pool gains, 10 ms, cannot repay 15 ms
    assert probe_need(10.0, 0.05, 2) == 0.0  # waiting work: the GIL does not matter


# ------------------------------------------------------------- kept results

def kept_plan(plan: Plan, func, data, prefix: int, spread: list[int]) -> Plan:
    taken = Taken(prefix=[func(x) for x in data[:prefix]], spread={i: func(data[i]) for i in spread})
    import dataclasses

    return dataclasses.replace(plan, _kept=_Kept(func, data, taken))


@pytest.mark.parametrize("backend", ["serial", "threads"])
def test_runs_use_results_kept_from_planning_and_compute_the_rest_once(backend):
    data = list(range(200))
    counter = Counter()
    plan = kept_plan(Plan(backend=backend, n_jobs=3, chunksize=7), counter, data, 10, [15, 16, 99, 150, 199])
    before = dict(counter.calls)
    assert execute(counter, data, plan) == [2 * x for x in data]
    assert all(counter.calls[x] == 1 for x in data)
    assert set(before) == set(range(10)) | {15, 16, 99, 150, 199}
    # The kept results are used once: a second run computes everything.
    assert execute(counter, data, plan) == [2 * x for x in data]
    assert all(counter.calls[x] == 2 for x in data)


@pytest.mark.parametrize("ordered", [True, False])
def test_imap_merges_kept_results_in_order_or_first(ordered):
    data = list(range(120))
    counter = Counter()
    plan = kept_plan(StreamingPlan(backend="threads", n_jobs=2, chunksize=5, buffer_size=4),
                     counter, data, 3, [4, 50, 119])
    out = list(imap(counter, data, plan, ordered=ordered))
    if ordered:
        assert out == [2 * x for x in data]
    else:
        assert sorted(out) == [2 * x for x in data]
        assert out[:6] == [0, 2, 4, 8, 100, 238]  # kept results are ready first
    assert all(counter.calls[x] == 1 for x in data)


def test_kept_results_belong_to_the_planned_func_and_data_only():
    data = list(range(50))
    counter = Counter()
    plan = kept_plan(Plan(backend="serial", n_jobs=1, chunksize=1), counter, data, 5, [20])
    other = Counter()
    assert execute(other, data, plan) == [2 * x for x in data]  # another func: all computed
    assert len(other.calls) == 50
    assert execute(counter, list(data), plan) == [2 * x for x in data]  # an equal copy is other data
    assert all(counter.calls[x] == 2 for x in range(5))


def test_an_error_in_a_run_with_kept_results_names_the_right_item():
    def fails_at_37(x):
        if x == 37:
            raise ValueError("bad item")
        return x

    data = list(range(60))
    for backend in ("serial", "threads"):
        plan = kept_plan(Plan(backend=backend, n_jobs=2, chunksize=4), fails_at_37, data, 6, [30, 36, 38])
        with pytest.raises(ValueError) as info:
            execute(fails_at_37, data, plan)
        assert any("item 37" in note for note in info.value.__notes__)


def test_an_iterator_continues_after_the_items_planning_computed():
    counter = Counter()
    source = iter(range(3000))
    plan = optimize(counter, source)
    assert execute(counter, source, plan) == [2 * x for x in range(3000)]
    assert all(counter.calls[x] == 1 for x in range(3000))


def test_release_drops_what_planning_kept():
    counter = Counter()
    source = iter(range(500))
    plan = optimize(counter, source)
    plan.release()
    assert plan._claim(counter, source) is None
    with pytest.raises(ValueError):
        plan.data  # noqa: B018 - the items read are gone too


# ------------------------------------------------------------ where to sample

def test_spread_positions_cover_the_range_from_the_first_few():
    first = []
    for i in spread_positions(0, 1000):
        first.append(i)
        if len(first) == 8:
            break
    gaps = [b - a for a, b in zip(sorted(first), sorted(first)[1:])] + [min(first) + 1000 - max(first)]
    assert max(gaps) <= 2.5 * 1000 / 8


def test_spread_positions_do_not_line_up_with_a_short_period():
    # A power-of-two lattice over 1000 items took only multiples of 5 among its first
    # positions: a stream whose every 5th item was costly looked uniformly costly.
    for width in (1000, 1024, 600, 999):
        first = [i for _, i in zip(range(12), spread_positions(0, width))]
        for period in (2, 3, 4, 5, 8, 10):
            assert len({i % period for i in first}) >= min(period, 3), (width, period, first)


def test_spread_positions_visit_every_index_once():
    assert sorted(spread_positions(7, 130)) == list(range(7, 130))
