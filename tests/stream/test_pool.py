import threading

import pytest

from sigmalang.pool import BufferPool


def test_released_buffers_are_reused():
    pool = BufferPool(1024, capacity=2)
    first = pool.acquire()
    pool.release(first)
    assert pool.acquire() is first
    stats = pool.stats
    assert (stats.hits, stats.misses) == (1, 1)
    assert stats.hit_rate == 0.5


def test_buffers_have_the_pool_size():
    assert len(BufferPool(4096).acquire()) == 4096


def test_pool_keeps_at_most_capacity_idle_buffers():
    pool = BufferPool(100, capacity=2, max_capacity=2)
    buffers = [pool.acquire() for _ in range(5)]
    for b in buffers:
        pool.release(b)
    assert pool.stats.idle_buffers == 2
    assert pool.stats.bytes_held == 200


def test_pool_grows_by_half_when_more_than_5_percent_of_requests_miss():
    pool = BufferPool(64, capacity=2, max_capacity=10, window=10)
    held = [pool.acquire() for _ in range(10)]  # every request misses
    stats = pool.stats
    assert stats.grows == 1 and stats.capacity == 3
    for b in held:
        pool.release(b)
    held = [pool.acquire() for _ in range(10)]
    assert pool.stats.capacity == 5  # ceil(3 * 1.5)


def test_pool_growth_stops_at_max_capacity():
    pool = BufferPool(64, capacity=2, max_capacity=4, window=4)
    for _ in range(10):
        held = [pool.acquire() for _ in range(8)]
        for b in held:
            pool.release(b)
    assert pool.stats.capacity == 4


def test_pool_shrinks_when_almost_unused_and_frees_idle_buffers():
    pool = BufferPool(64, capacity=200, max_capacity=400, min_capacity=10, window=10)
    buffers = [pool.acquire() for _ in range(200)]
    for b in buffers:
        pool.release(b)
    before = pool.stats.capacity
    for _ in range(10):  # one buffer in use at a time: mean use 1 << 1 % of capacity
        pool.release(pool.acquire())
    stats = pool.stats
    assert stats.shrinks >= 1
    assert stats.capacity == int(before * 0.75)
    assert stats.idle_buffers <= stats.capacity


def test_pool_never_shrinks_below_the_floor():
    pool = BufferPool(64, capacity=4, min_capacity=3, window=1, shrink_use_rate=1.0)
    for _ in range(20):
        pool.release(pool.acquire())
    assert pool.stats.capacity == 3


def test_pool_is_thread_safe_and_counts_every_request():
    pool = BufferPool(256, capacity=4)

    def work():
        for _ in range(500):
            buf = pool.acquire()
            buf[0] = 1
            pool.release(buf)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = pool.stats
    assert stats.requests == 2000
    assert stats.in_use == 0
    assert stats.peak_in_use <= 4


def test_foreign_sized_buffers_are_not_pooled():
    pool = BufferPool(100)
    pool.release(bytearray(50))
    assert pool.stats.idle_buffers == 0


@pytest.mark.parametrize(
    "kwargs",
    [dict(buffer_size=0), dict(buffer_size=10, capacity=0), dict(buffer_size=10, window=0), dict(buffer_size=10, grow_miss_rate=2.0)],
)
def test_pool_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        BufferPool(**kwargs)
