"""execute() and imap(): ordering, laziness, bounded intake, errors."""

import itertools
import os
import signal
import threading
import time
import traceback
from concurrent.futures.process import BrokenProcessPool

import pytest

from sigmalang.parallel import Plan, StreamingPlan, execute, imap, optimize


def square(x):
    return x * x


def jittered(x):
    # Later items finish first, so unordered output differs from input order.
    time.sleep(0.002 * ((7 - x) % 8))
    return x


def fail_on_13(x):
    if x == 13:
        raise ValueError(f"bad item {x}")
    return x


def die_on_5(x):
    if x == 5:
        os._exit(3)
    time.sleep(0.001)
    return x


def slow(x):
    time.sleep(0.05)
    return x


PLANS = [
    Plan(backend="serial", n_jobs=1, chunksize=1),
    Plan(backend="threads", n_jobs=3, chunksize=4),
    Plan(backend="processes", n_jobs=2, chunksize=7),
]


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.backend)
def test_results_come_back_in_input_order(plan):
    assert execute(square, range(100), plan) == [x * x for x in range(100)]


@pytest.mark.parametrize("plan", PLANS[1:], ids=lambda p: p.backend)
def test_unordered_returns_every_item_once(plan):
    out = execute(jittered, range(40), Plan(backend=plan.backend, n_jobs=2, chunksize=1), ordered=False)
    assert sorted(out) == list(range(40))


def test_unordered_yields_in_completion_order():
    out = execute(jittered, range(16), Plan(backend="threads", n_jobs=4, chunksize=1), ordered=False)
    assert out != list(range(16))


class Counting:
    """An iterable that records how many items were pulled from it."""

    def __init__(self, limit=None):
        self.pulled = 0
        self.limit = limit

    def __iter__(self):
        for i in itertools.count():
            if self.limit is not None and i >= self.limit:
                return
            self.pulled += 1
            yield i


@pytest.mark.parametrize("backend", ["serial", "threads", "processes"])
def test_imap_consumes_infinite_generator_with_bounded_intake(backend):
    src = Counting()
    plan = StreamingPlan(backend=backend, n_jobs=2, chunksize=5, buffer_size=3)
    it = imap(square, iter(src), plan)
    assert src.pulled == 0  # lazy: nothing read before the first next()
    got = list(itertools.islice(it, 23))
    assert got == [x * x for x in range(23)]
    # In flight: at most buffer_size chunks beyond what was handed out.
    assert src.pulled <= 23 + 3 * 5
    it.close()


def test_execute_does_not_materialise_a_generator_before_running():
    src = Counting(limit=1000)
    seen = []

    def progress(done, total):
        seen.append((done, src.pulled, total))

    plan = Plan(backend="threads", n_jobs=2, chunksize=10)
    out = execute(square, iter(src), plan, progress=progress)
    assert len(out) == 1000
    first_done, pulled_then, total = seen[0]
    assert total is None
    assert pulled_then <= first_done + 3 * 2 * 10  # never read ahead of the buffer
    assert seen[-1][0] == 1000


def test_optimize_puts_sampled_items_back():
    gen = (i for i in range(50))
    plan = optimize(square, gen, sample_size=8)
    assert plan.n_items is None
    assert execute(square, gen, plan) == [i * i for i in range(50)]


def test_plan_data_restores_the_sample_once():
    gen = iter(range(10))
    plan = optimize(square, gen, sample_size=4)
    assert list(plan.data) == list(range(10))


def test_imap_without_plan_plans_and_loses_nothing():
    assert list(imap(square, (i for i in range(30)))) == [i * i for i in range(30)]


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.backend)
def test_worker_exception_reraises_with_its_traceback(plan):
    with pytest.raises(ValueError, match="bad item 13") as info:
        execute(fail_on_13, range(40), plan)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "item 13" in notes
    if plan.backend == "processes":
        # The worker's traceback text travels with the exception.
        assert 'raise ValueError(f"bad item {x}")' in str(info.value.__cause__)
    else:
        text = "".join(traceback.format_exception(info.value))
        assert 'raise ValueError(f"bad item {x}")' in text


def test_dead_worker_raises_quickly_instead_of_hanging():
    t0 = time.perf_counter()
    with pytest.raises(BrokenProcessPool, match="worker process died"):
        execute(die_on_5, range(50), Plan(backend="processes", n_jobs=2, chunksize=1))
    assert time.perf_counter() - t0 < 5


def test_keyboard_interrupt_cancels_pending_work():
    started = []

    def record(x):
        started.append(x)
        time.sleep(0.02)
        return x

    def interrupted_source():
        yield from range(8)
        raise KeyboardInterrupt

    plan = StreamingPlan(backend="threads", n_jobs=2, chunksize=1, buffer_size=4)
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        list(imap(record, interrupted_source(), plan))
    assert time.perf_counter() - t0 < 2
    assert len(started) <= 8


def test_sigint_while_waiting_on_processes_stops_quickly():
    timer = threading.Timer(0.2, signal.raise_signal, args=(signal.SIGINT,))
    plan = Plan(backend="processes", n_jobs=2, chunksize=1)
    t0 = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        execute(slow, range(200), plan)  # 5 s of work
    assert time.perf_counter() - t0 < 2.5


def test_abandoning_imap_stops_intake():
    src = Counting()
    it = imap(square, iter(src), StreamingPlan(backend="threads", n_jobs=2, chunksize=2, buffer_size=2))
    next(it)
    it.close()
    pulled = src.pulled
    time.sleep(0.05)
    assert src.pulled == pulled <= 1 + 2 * 2 + 2


def test_progress_reports_every_item():
    calls = []
    execute(square, list(range(25)), Plan(backend="threads", n_jobs=2, chunksize=10),
            progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (25, 25)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_empty_input():
    assert execute(square, [], Plan(backend="processes", n_jobs=2, chunksize=3)) == []
    assert optimize(square, []).backend == "serial"
