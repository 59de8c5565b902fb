"""PoolManager: reuse, idle timeout, broken pools, shutdown."""

import os
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from sigmalang.parallel import Plan, PoolManager, StreamingPlan, execute, imap


def pid_of(_):
    return os.getpid()


def die(x):
    os._exit(1)


def test_warm_pool_is_reused_across_calls():
    with PoolManager() as pm:
        plan = Plan(backend="processes", n_jobs=2, chunksize=1)
        first = set(execute(pid_of, range(8), plan, pool_manager=pm))
        second = set(execute(pid_of, range(8), plan, pool_manager=pm))
        assert first & second  # same worker processes served both calls
        assert (pm.created, pm.reused) == (1, 1)
        assert pm.has_pool("processes", 2)


def test_streaming_plan_carries_its_pool_manager():
    with PoolManager() as pm:
        plan = StreamingPlan(backend="threads", n_jobs=2, chunksize=2, buffer_size=2, pool_manager=pm)
        list(imap(pid_of, range(10), plan))
        list(imap(pid_of, range(10), plan))
        assert pm.created == 1 and pm.reused == 1


def test_pools_differ_by_backend_and_size():
    with PoolManager() as pm:
        a = pm.get_pool("threads", 2)
        b = pm.get_pool("threads", 3)
        c = pm.get_pool("threads", 2)
        assert a is c and a is not b


def test_idle_pool_is_shut_down_after_timeout():
    with PoolManager(idle_timeout=0.1) as pm:
        pool = pm.get_pool("threads", 2)
        deadline = time.monotonic() + 3
        while pm.has_pool("threads", 2) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not pm.has_pool("threads", 2)
        with pytest.raises(RuntimeError):
            pool.submit(pid_of, 1)


def test_pool_in_use_is_not_reaped():
    with PoolManager(idle_timeout=0.05) as pm:
        with pm.lease("threads", 2) as pool:
            time.sleep(0.2)
            assert pool.submit(pid_of, 1).result() == os.getpid()
            assert pm.has_pool("threads", 2)


def test_close_shuts_everything_down():
    pm = PoolManager()
    pool = pm.get_pool("processes", 2)
    pool.submit(pid_of, 0).result()
    pm.close()
    with pytest.raises(RuntimeError):
        pool.submit(pid_of, 1)
    with pytest.raises(RuntimeError, match="closed"):
        pm.get_pool("threads", 2)


def test_broken_pool_is_replaced_on_next_use():
    with PoolManager() as pm:
        plan = Plan(backend="processes", n_jobs=2, chunksize=1)
        with pytest.raises(BrokenProcessPool):
            execute(die, range(4), plan, pool_manager=pm)
        assert not pm.has_pool("processes", 2)
        assert len(execute(pid_of, range(4), plan, pool_manager=pm)) == 4


def test_duck_typed_pool_manager_is_used():
    from concurrent.futures import ThreadPoolExecutor

    class Mine:
        def __init__(self):
            self.calls = []
            self.pool = ThreadPoolExecutor(2)

        def get_pool(self, backend, n_jobs):
            self.calls.append((backend, n_jobs))
            return self.pool

    mine = Mine()
    out = execute(pid_of, range(5), Plan(backend="threads", n_jobs=2, chunksize=1), pool_manager=mine)
    assert len(out) == 5 and mine.calls == [("threads", 2)]
    mine.pool.shutdown()
