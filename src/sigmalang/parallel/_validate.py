"""Argument checks shared by the public functions.

One place for the rules so every entry point rejects bad values the same way,
with a message that names the parameter and repeats the value it got.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable, overload

#: Backends the optimizer measures and chooses between.
PLANNED_BACKENDS = ("serial", "threads", "processes")
#: Backends a plan can run on ("dask" is chosen by the user, never measured).
RUN_BACKENDS = PLANNED_BACKENDS + ("dask",)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@overload
def positive_int(name: str, value: Any) -> int: ...


@overload
def positive_int(name: str, value: Any, *, allow_none: bool) -> int | None: ...


def positive_int(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """Return value if it is an int >= 1 (or None when allowed)."""
    if value is None and allow_none:
        return None
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def positive_float(name: str, value: Any) -> float:
    """Return value as float if it is a finite number > 0."""
    if not _is_real(value) or not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def fraction(name: str, value: Any) -> float:
    """Return value as float if it lies in [0, 1]."""
    if not _is_real(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def function(name: str, value: Any) -> Any:
    if not callable(value):
        raise ValueError(f"{name} must be callable, got {value!r}")
    return value


def optional_callable(name: str, value: Any) -> Any:
    if value is not None and not callable(value):
        raise ValueError(f"{name} must be callable or None, got {value!r}")
    return value


def iterable(name: str, value: Any) -> Any:
    try:
        iter(value)
    except TypeError:
        raise ValueError(f"{name} must be iterable, got {value!r}") from None
    return value


def backends(name: str, value: Any) -> tuple[str, ...]:
    """Return the planned backends as a tuple, rejecting unknown names."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"{name} must be a tuple of backend names, got {value!r}")
    result = tuple(value)
    if not result:
        raise ValueError(f"{name} must name at least one backend, got {value!r}")
    for item in result:
        if item == "dask":
            raise ValueError(
                f"{name}: 'dask' is not measured by the optimizer; run a plan on "
                f"Dask with plan.with_backend('dask'), got {value!r}"
            )
        if item not in PLANNED_BACKENDS:
            raise ValueError(
                f"{name} entries must be one of {PLANNED_BACKENDS}, got {item!r}"
            )
    return result


def run_backend(name: str, value: Any) -> str:
    if value not in RUN_BACKENDS:
        raise ValueError(f"{name} must be one of {RUN_BACKENDS}, got {value!r}")
    return value


def pool_manager(name: str, value: Any) -> Any:
    """Accept None or any object with a callable get_pool(backend, n_jobs)."""
    if value is not None and not callable(getattr(value, "get_pool", None)):
        raise ValueError(
            f"{name} must have a get_pool(backend, n_jobs) method, got {value!r}"
        )
    return value
