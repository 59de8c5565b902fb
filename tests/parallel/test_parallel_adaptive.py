"""Adaptive chunk sizing: direction, bounds, and chunks still running together."""

import dataclasses
import threading
import time


from sigmalang.parallel import StreamingPlan, imap, optimize_streaming
from sigmalang.parallel._adaptive import ChunkSizer, adaptive_params


def test_chunks_grow_when_items_are_faster_than_expected():
    s = ChunkSizer(40, target_duration=0.2, adaptation_rate=0.3)
    s.observe(40, 0.04)  # 1 ms per item -> ideal 200
    assert s.next_size() == round(40 + 0.3 * (200 - 40))


def test_chunks_shrink_when_items_are_slower():
    s = ChunkSizer(40, target_duration=0.2, adaptation_rate=0.3)
    s.observe(40, 0.8)  # 20 ms per item -> ideal 10
    assert s.next_size() == round(40 + 0.3 * (10 - 40))


def test_sizes_stay_within_initial_quarter_to_four_times():
    s = ChunkSizer(40, target_duration=0.2, adaptation_rate=1.0)
    for _ in range(5):
        s.observe(10, 100.0)
    assert s.next_size() == 10
    for _ in range(5):
        s.observe(10, 1e-6)
    assert s.next_size() == 160


def test_rate_zero_keeps_size_fixed():
    s = ChunkSizer(40, target_duration=0.2, adaptation_rate=0.0)
    s.observe(40, 5.0)
    assert s.next_size() == 40


def test_params_dict_has_the_documented_fields():
    p = adaptive_params(40, 0.2, 0.3)
    assert p == {
        "initial_chunksize": 40, "target_chunk_duration": 0.2, "adaptation_rate": 0.3,
        "min_chunksize": 10, "max_chunksize": 160, "enable_adaptation": True,
    }


running = 0
peak = 0
lock = threading.Lock()


def tracked(x):
    global running, peak
    with lock:
        running += 1
        peak = max(peak, running)
    time.sleep(0.002 * (1 + (x % 5) ** 2))
    with lock:
        running -= 1
    return x


def test_adaptive_chunks_run_concurrently_and_lose_nothing():
    params = adaptive_params(8, 0.02, 0.5)
    plan = StreamingPlan(backend="threads", n_jobs=3, chunksize=8, buffer_size=6,
                         use_adaptive_chunking=True, adaptive_chunking_params=params)
    out = list(imap(tracked, iter(range(300)), plan))
    assert out == list(range(300))
    assert peak >= 2  # several chunks were being computed at the same time


def varied(x):
    time.sleep(0.0005 if x % 3 else 0.004)
    return x


def even(x):
    # 5 ms rather than 1: a sleep can overrun by a millisecond or two on a busy
    # machine, which on 1 ms items alone pushed the sample's CV past 0.3.
    time.sleep(0.005)
    return x


def test_adaptive_turns_on_only_for_heterogeneous_work():
    on = optimize_streaming(varied, list(range(400)), enable_adaptive_chunking=True, backends=("serial", "threads"))
    assert on.backend == "threads"
    assert on.use_adaptive_chunking
    assert on.adaptive_chunking_params["min_chunksize"] == max(1, on.chunksize // 4)
    off = optimize_streaming(even, list(range(400)), enable_adaptive_chunking=True, backends=("serial", "threads"))
    assert off.backend == "threads"
    assert not off.use_adaptive_chunking and "adaptive chunking not used" in off.reason
    default = optimize_streaming(varied, list(range(400)), backends=("serial", "threads"))
    assert not default.use_adaptive_chunking and default.adaptive_chunking_params is None


# ------------------------------------------------------- run-time windows

from sigmalang.parallel._execute import _Pooled, running_window  # noqa: E402


def test_running_window_is_two_chunks_per_worker_within_the_buffer():
    assert running_window(2, 6) == 4
    assert running_window(4, 6) == 6
    assert running_window(1, 1) == 1
    assert running_window(2, 6, ChunkSizer.fixed(64)) == 4


def test_long_adaptive_chunks_are_not_queued_behind_running_ones():
    # A queued chunk is sized before the ones ahead of it report back.
    long = ChunkSizer(64, target_duration=0.1, adaptation_rate=0.3)
    assert running_window(2, 6, long) == 2
    short = ChunkSizer(64, target_duration=0.005, adaptation_rate=0.3)
    assert running_window(2, 6, short) == 4  # a round trip would be a large share
    assert running_window(2, 6, long, "dask") == 4  # remote round trips are longer


def test_adaptive_run_submits_one_chunk_per_worker_before_feedback():
    sizer = RecordingSizer(8, target_duration=0.1, adaptation_rate=0.3)
    run = _Pooled(lambda x: x, iter(range(100)), backend="threads", n_jobs=2, sizer=sizer,
                  buffer_size=6, ordered=True, progress=None, total=None, manager=None, gate=None)
    assert run.max_running == 2
    assert list(run) == list(range(100))


gate = threading.Event()
done_count = 0


def head_waits_for_later_items(x):
    """Item 0 finishes only after 12 later items did (or 10 s pass)."""
    global done_count
    if x == 0:
        gate.wait(10)
        return gate.is_set()
    with lock:
        done_count += 1
        if done_count >= 12:
            gate.set()
    return x


def test_small_chunks_keep_flowing_behind_a_slow_head():
    # Counting the in-flight window in chunks would stop after buffer_size
    # chunks (at most 3 x 1 items behind the head) and item 0 would time out.
    global done_count
    gate.clear()
    done_count = 0
    params = adaptive_params(4, 1.0, 1.0)
    plan = StreamingPlan(backend="threads", n_jobs=2, chunksize=4, buffer_size=3,
                         use_adaptive_chunking=True, adaptive_chunking_params=params)
    sizer = ChunkSizer(4, target_duration=1e-9, adaptation_rate=1.0, min_size=1, max_size=16)
    sizer._size = 1.0  # already shrunk: chunks of one item after the first
    run = _Pooled(head_waits_for_later_items, iter(range(40)), backend="threads", n_jobs=2, sizer=sizer,
                  buffer_size=plan.buffer_size, ordered=True, progress=None, total=None, manager=None, gate=None)
    out = list(run)
    assert out[0] is True
    assert out[1:] == list(range(1, 40))


class RecordingSizer(ChunkSizer):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.seen: list[int] = []

    def observe(self, n_items, seconds):
        self.seen.append(n_items)
        super().observe(n_items, seconds)


def test_sizer_learns_from_chunks_finished_behind_the_head():
    global done_count
    gate.clear()
    done_count = 0
    sizer = RecordingSizer(1, target_duration=0.2, adaptation_rate=0.0)
    run = _Pooled(head_waits_for_later_items, iter(range(40)), backend="threads", n_jobs=3, sizer=sizer,
                  buffer_size=40, ordered=True, progress=None, total=None, manager=None, gate=None)
    it = iter(run)
    assert next(it) is True
    assert len(sizer.seen) >= 12  # observed as they finished, before the head came back
    assert list(it) == list(range(1, 40))


def test_a_known_stream_length_replaces_the_long_stream_assumption():
    def work(x):
        return x * 2

    unknown = optimize_streaming(work, (i for i in range(100)))
    assert any("no len()" in w for w in unknown.warnings)
    known = optimize_streaming(work, (i for i in range(100)), expected_items=100)
    assert known.n_items == known.expected_items == 100 and not any("no len()" in w for w in known.warnings)
    assert "stream length     100 items (given)" in known.explain()
    # A real length wins over the hint.
    assert optimize_streaming(work, list(range(50)), expected_items=100).n_items == 50


def _chunk_sizes(data, plan):
    """Sizes of the chunks a run hands back, from its progress calls (in order)."""
    done = [0]
    list(imap(lambda x: x, data, plan, progress=lambda n, total: done.append(n)))
    return [b - a for a, b in zip(done, done[1:])]


def test_adaptive_runs_of_known_length_end_with_smaller_chunks():
    from sigmalang.parallel._execute import TAIL_WAVES

    params = adaptive_params(40, 0.2, 0.5)  # instant items: the sizer grows chunks toward 160
    plan = StreamingPlan(backend="threads", n_jobs=2, chunksize=40, buffer_size=8,
                         use_adaptive_chunking=True, adaptive_chunking_params=params)

    def within_tail_bound(sizes):
        """No chunk above a TAIL_WAVES-th per worker of what was left (or the minimum)."""
        start = 0
        for size in sizes:
            if size > max(params["min_chunksize"], -(-(2000 - start) // (TAIL_WAVES * 2))):
                return False
            start += size
        return True

    sized = _chunk_sizes(list(range(2000)), plan)
    assert sum(sized) == 2000 and within_tail_bound(sized) and sized[-1] < max(sized)
    # A generator has no length: the plan's expected_items stands in for it.
    known = _chunk_sizes(iter(range(2000)), dataclasses.replace(plan, expected_items=2000))
    assert sum(known) == 2000 and within_tail_bound(known)
    # Without either, the last chunks keep the sizer's size.
    unknown = _chunk_sizes(iter(range(2000)), plan)
    assert sum(unknown) == 2000 and not within_tail_bound(unknown)


def test_static_runs_end_with_smaller_chunks_down_to_a_quarter_of_their_size():
    from sigmalang.parallel._execute import TAIL_FLOOR, TAIL_WAVES

    plan = StreamingPlan(backend="threads", n_jobs=2, chunksize=40, buffer_size=8)
    sized = _chunk_sizes(list(range(2000)), plan)
    assert sum(sized) == 2000
    start = 0
    for size in sized[:-1]:  # the last chunk is what is left
        assert 40 // TAIL_FLOOR <= size <= max(40 // TAIL_FLOOR, min(40, -(-(2000 - start) // (TAIL_WAVES * 2))))
        start += size
    assert sized[0] == 40 and sized[-2] == 40 // TAIL_FLOOR
    # Of unknown length, a static run keeps its size to the end.
    assert set(_chunk_sizes(iter(range(2000)), plan)) == {40}
