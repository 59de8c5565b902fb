"""Bad arguments raise ValueError naming the parameter and the value."""

import pytest

from sigmalang.parallel import PoolManager, execute, imap, optimize, optimize_streaming


def double(x):
    return 2 * x


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"sample_size": 0}, "sample_size"),
        ({"sample_size": 2.5}, "sample_size"),
        ({"target_chunk_duration": 0}, "target_chunk_duration"),
        ({"target_chunk_duration": -1.0}, "target_chunk_duration"),
        ({"max_workers": 0}, "max_workers"),
        ({"memory_budget": -5}, "memory_budget"),
        ({"backends": ("serial", "gpu")}, "backends"),
        ({"backends": ()}, "backends"),
        ({"backends": "threads"}, "backends"),
        ({"backends": ("dask",)}, "backends"),
        ({"pool_manager": object()}, "pool_manager"),
    ],
)
def test_optimize_rejects(kwargs, name):
    with pytest.raises(ValueError, match=name) as info:
        optimize(double, [1, 2, 3], **kwargs)
    value = next(iter(kwargs.values()))
    shown = repr(value) if not isinstance(value, tuple) or name != "backends" else None
    if shown and "object at" not in shown:
        assert shown in str(info.value)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"adaptation_rate": 1.5}, "adaptation_rate"),
        ({"adaptation_rate": -0.1}, "adaptation_rate"),
        ({"memory_threshold": 2}, "memory_threshold"),
        ({"memory_threshold": "high"}, "memory_threshold"),
        ({"buffer_size": 0}, "buffer_size"),
        ({"expected_items": 0}, "expected_items"),
        ({"enable_adaptive_chunking": "yes"}, "enable_adaptive_chunking"),
        ({"enable_memory_backpressure": 1}, "enable_memory_backpressure"),
        ({"pool_manager": "pool"}, "pool_manager"),
    ],
)
def test_optimize_streaming_rejects(kwargs, name):
    with pytest.raises(ValueError, match=name):
        optimize_streaming(double, iter([1, 2, 3]), **kwargs)


def test_messages_quote_the_value():
    with pytest.raises(ValueError, match=r"adaptation_rate must be a number in \[0, 1\], got 1.5"):
        optimize_streaming(double, [1], adaptation_rate=1.5)
    with pytest.raises(ValueError, match="pool_manager must have a get_pool"):
        optimize(double, [1], pool_manager=42)


def test_func_and_data_are_checked():
    with pytest.raises(ValueError, match="func must be callable"):
        optimize(42, [1])
    with pytest.raises(ValueError, match="data must be iterable"):
        execute(double, 42)
    with pytest.raises(ValueError, match="ordered"):
        imap(double, [1], ordered="yes")
    with pytest.raises(ValueError, match="plan must be a Plan"):
        execute(double, [1], plan="fast")


def test_pool_manager_rejects_bad_arguments():
    with PoolManager() as pm:
        with pytest.raises(ValueError, match="backend"):
            pm.get_pool("serial", 2)
        with pytest.raises(ValueError, match="n_jobs"):
            pm.get_pool("threads", 0)
    with pytest.raises(ValueError, match="idle_timeout"):
        PoolManager(idle_timeout=0)


def test_plan_rejects_unknown_backend_on_rebind():
    plan = optimize(double, [1, 2])
    with pytest.raises(ValueError, match="backend"):
        plan.with_backend("gpu")
