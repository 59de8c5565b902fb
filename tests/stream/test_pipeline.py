import threading
import time

import pytest

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
