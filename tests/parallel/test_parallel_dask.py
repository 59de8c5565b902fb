"""The Dask backend runs the same plan on a distributed.Client."""

import sys

import pytest

from sigmalang.parallel import PoolManager, execute, optimize
from sigmalang.parallel._dask import DaskExecutor


def cube(x):
    return x**3


def boom(x):
    if x == 3:
        raise KeyError("three")
    return x


def test_missing_dask_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"dask\[distributed\]"):
        DaskExecutor()


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_plan_runs_on_dask_in_order(client):
    plan = optimize(cube, list(range(50))).with_backend("dask", n_jobs=2)
    with PoolManager(dask_client=client) as pm:
        assert execute(cube, range(50), plan, pool_manager=pm) == [x**3 for x in range(50)]


def test_dask_worker_errors_reach_the_caller(client):
    plan = optimize(cube, [1]).with_backend("dask", n_jobs=2)
    with PoolManager(dask_client=client) as pm:
        with pytest.raises(KeyError, match="three"):
            execute(boom, range(10), plan, pool_manager=pm)
