import threading
import time

import pytest

from sigmalang.stream import pipeline as pipeline_module
from sigmalang.stream.pipeline import OrderedPipeline


def collect(pipeline, items):
    out = []
    for item in items:
        out.extend(pipeline.submit(item))
    out.extend(pipeline.drain())
    pipeline.close()
    return out


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_results_come_back_in_submission_order(threads):
    def slow_for_even(x):
        time.sleep(0.002 if x % 2 == 0 else 0)
        return x * x

    assert collect(OrderedPipeline(slow_for_even, threads), range(40)) == [x * x for x in range(40)]


def test_single_thread_runs_inline_in_the_caller():
    caller = threading.get_ident()
    seen = collect(OrderedPipeline(lambda _: threading.get_ident(), 1), range(3))
    assert seen == [caller] * 3


def test_in_flight_work_is_bounded():
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(x):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.001)
        with lock:
            running -= 1
        return x

    pipeline = OrderedPipeline(work, threads=2, max_in_flight=3)
    pending_peak = 0
    out = []
    for i in range(30):
        out.extend(pipeline.submit(i))
        pending_peak = max(pending_peak, len(pipeline))
    out.extend(pipeline.drain())
    pipeline.close()
    assert out == list(range(30))
    assert pending_peak <= 3
    assert peak <= 2


def test_worker_exceptions_reach_the_caller():
    def boom(x):
        if x == 5:
            raise RuntimeError("bad item 5")
        return x

    with pytest.raises(RuntimeError, match="bad item 5"):
        collect(OrderedPipeline(boom, 2), range(10))


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads"):
        OrderedPipeline(lambda x: x, 0)


def test_lanes_are_kept_for_the_next_pipeline():
    pool = pipeline_module.LanePool(keep=3)
    first = pool.take(2)
    assert len(pool) == 0
    pool.give(first)
    again = pool.take(3)
    assert set(map(id, first)) <= set(map(id, again)) and len(again) == 3
    pool.give(again + pool.take(2))  # five back, three kept
    assert len(pool) == 3
    pool.clear()
    assert len(pool) == 0


def test_two_pipelines_at_once_never_share_a_lane():
    a, b = OrderedPipeline(lambda x: x, 2), OrderedPipeline(lambda x: x, 2)
    assert not set(map(id, a._lanes)) & set(map(id, b._lanes))
    a.close()
    b.close()


def test_a_closed_pipeline_gives_its_lanes_back_idle():
    started, release = threading.Event(), threading.Event()

    def slow(x):
        started.set()
        release.wait(5)
        return x

    pipe = OrderedPipeline(slow, 2, max_in_flight=4)
    for i in range(4):
        list(pipe.submit(i, lane=0))
    started.wait(5)
    threading.Timer(0.05, release.set).start()
    pipe.close()  # cancels the queued items, waits for the running one
    assert release.is_set()
    follow = OrderedPipeline(lambda x: x * 2, 2)
    assert [r for i in range(6) for r in follow.submit(i)] + list(follow.drain()) == [0, 2, 4, 6, 8, 10]
    follow.close()


def test_lanes_kept_before_a_fork_are_not_handed_out_after_it(monkeypatch):
    pool = pipeline_module.LanePool()
    pool.give(pool.take(2))
    assert len(pool) == 2
    monkeypatch.setattr(pipeline_module.os, "getpid", lambda: -1)  # as in a forked child
    lanes = pool.take(2)
    assert len(pool) == 0 and all(lane.submit(lambda: 7).result(timeout=5) == 7 for lane in lanes)
    pool.give(lanes)
