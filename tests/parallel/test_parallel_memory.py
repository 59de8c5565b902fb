"""Memory backpressure and the memory-capped buffer size."""

import itertools
import threading
import time

from sigmalang.parallel import Backpressure, StreamingPlan, imap, optimize_streaming
from sigmalang.parallel._memory import buffer_size


def ident(x):
    return x


def test_intake_pauses_while_memory_is_high():
    level = {"used": 0.5}
    pulled = []

    def source():
        for i in itertools.count():
            pulled.append(i)
            yield i

    plan = StreamingPlan(backend="threads", n_jobs=2, chunksize=2, buffer_size=2,
                         memory_backpressure_enabled=True, memory_threshold=0.8,
                         memory_reader=lambda: level["used"])
    it = imap(ident, source(), plan)
    assert next(it) == 0
    level["used"] = 0.95
    before = len(pulled)
    # What is already in flight still comes out ...
    drained = [next(it) for _ in range(before - 1)]
    assert drained == list(range(1, before))
    assert len(pulled) == before  # ... but nothing new was read
    threading.Timer(0.3, lambda: level.update(used=0.5)).start()
    t0 = time.perf_counter()
    assert next(it) == before  # blocks until memory falls
    assert time.perf_counter() - t0 >= 0.25
    it.close()


def test_serial_backend_also_pauses():
    reads = iter([0.9, 0.9, 0.9] + [0.1] * 1000)
    plan = StreamingPlan(backend="serial", n_jobs=1, chunksize=1,
                         memory_backpressure_enabled=True, memory_threshold=0.8,
                         memory_reader=lambda: next(reads))
    assert list(imap(ident, range(5), plan)) == list(range(5))
    assert next(reads) == 0.1  # the reader was consulted through the high readings


def test_backpressure_counts_pauses():
    values = iter([0.9, 0.9, 0.5, 0.5])
    gate = Backpressure(0.8, read=lambda: next(values), poll_interval=0.001)
    gate.wait()
    assert gate.pauses == 1 and gate.paused_seconds > 0


def test_buffer_defaults_to_three_per_worker_capped_by_memory_never_below_workers():
    assert buffer_size(4, 1000, 10**9) == 12
    assert buffer_size(4, 10**8, 2 * 10**9) == 5  # a quarter of 2 GB holds 5 chunks
    assert buffer_size(4, 10**9, 10**9) == 4


def sleepy(x):
    time.sleep(0.002)
    return x


def test_streaming_plan_fields_are_filled():
    plan = optimize_streaming(sleepy, iter(range(100)), enable_memory_backpressure=True,
                              memory_threshold=0.7)
    assert plan.memory_backpressure_enabled and plan.memory_threshold == 0.7
    assert plan.buffer_size >= plan.n_jobs
    assert plan.buffer_size == 3 * plan.n_jobs
    text = plan.explain()
    assert "backpressure      on" in text and "70%" in text
