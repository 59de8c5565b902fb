"""PoolManager: warm executor pools shared across calls.

Starting worker processes costs milliseconds per worker; a stream of calls
that each start a pool pays it every time. The manager keeps one pool per
(backend, n_jobs), hands it out again, shuts pools down after ``idle_timeout``
seconds unused, and shuts everything down on ``close()``, on leaving a
``with`` block, or at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
import weakref
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterator

from . import _validate

_POOL_BACKENDS = ("threads", "processes", "dask")


@dataclass
class _Entry:
    pool: Executor
    last_used: float
    leases: int = 0


def shutdown_executor(pool: Executor, *, wait: bool, kill: bool = False) -> None:
    """Shut a pool down; with kill, also terminate worker processes at once."""
    if kill and isinstance(pool, ProcessPoolExecutor):
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
    with contextlib.suppress(Exception):
        pool.shutdown(wait=wait, cancel_futures=True)


def is_broken(pool: Executor) -> bool:
    return bool(getattr(pool, "_broken", False)) or bool(getattr(pool, "_shutdown_thread", False))


class PoolManager:
    """Hands out warm pools keyed by (backend, n_jobs).

    idle_timeout: seconds a pool may stay unused before it is shut down
    (None keeps pools until close()). mp_context: multiprocessing context for
    process pools (default: the platform default). dask_client: a
    ``distributed.Client`` for the 'dask' backend (default: a LocalCluster is
    started on first use).
    """

    def __init__(
        self,
        idle_timeout: float | None = 60.0,
        *,
        mp_context: Any = None,
        dask_client: Any = None,
    ) -> None:
        if idle_timeout is not None:
            _validate.positive_float("idle_timeout", idle_timeout)
        self.idle_timeout = idle_timeout
        self._mp_context = mp_context
        self._dask_client = dask_client
        self._pools: dict[tuple[str, int], _Entry] = {}
        self._lock = threading.Condition()
        self._closed = False
        self._reaper: threading.Thread | None = None
        self.created = 0
        self.reused = 0
        _MANAGERS.add(self)

    # ------------------------------------------------------------------ API
    def get_pool(self, backend: str, n_jobs: int) -> Executor:
        """A running pool for backend with n_jobs workers (reused when warm)."""
        if backend not in _POOL_BACKENDS:
            raise ValueError(f"backend must be one of {_POOL_BACKENDS}, got {backend!r}")
        _validate.positive_int("n_jobs", n_jobs)
        with self._lock:
            if self._closed:
                raise RuntimeError("PoolManager is closed")
            key = (backend, n_jobs)
            entry = self._pools.get(key)
            if entry is not None and is_broken(entry.pool):
                del self._pools[key]
                shutdown_executor(entry.pool, wait=False)
                entry = None
            if entry is None:
                entry = _Entry(self._create(backend, n_jobs), time.monotonic())
                self._pools[key] = entry
                self.created += 1
                self._start_reaper()
                self._lock.notify_all()
            else:
                self.reused += 1
            entry.last_used = time.monotonic()
            return entry.pool

    def has_pool(self, backend: str, n_jobs: int) -> bool:
        """Whether a warm, usable pool of this size exists (no start cost)."""
        with self._lock:
            entry = self._pools.get((backend, n_jobs))
            return entry is not None and not is_broken(entry.pool)

    def warm_keys(self) -> list[tuple[str, int]]:
        with self._lock:
            return [k for k, e in self._pools.items() if not is_broken(e.pool)]

    @contextlib.contextmanager
    def lease(self, backend: str, n_jobs: int) -> Iterator[Executor]:
        """get_pool() that also keeps the idle reaper away while in use."""
        pool = self.get_pool(backend, n_jobs)
        with self._lock:
            entry = self._pools.get((backend, n_jobs))
            if entry is not None:
                entry.leases += 1
        try:
            yield pool
        finally:
            with self._lock:
                entry = self._pools.get((backend, n_jobs))
                if entry is not None and entry.pool is pool:
                    entry.leases -= 1
                    entry.last_used = time.monotonic()
                    self._lock.notify_all()

    def discard(self, backend: str, n_jobs: int, *, kill: bool = False) -> None:
        """Drop a pool (e.g. broken or interrupted) and shut it down."""
        with self._lock:
            entry = self._pools.pop((backend, n_jobs), None)
        if entry is not None:
            shutdown_executor(entry.pool, wait=not kill, kill=kill)

    def close(self, wait: bool = True) -> None:
        """Shut every pool down; the manager cannot be used afterwards."""
        with self._lock:
            self._closed = True
            entries = list(self._pools.values())
            self._pools.clear()
            self._lock.notify_all()
        for entry in entries:
            shutdown_executor(entry.pool, wait=wait)

    shutdown = close

    def __enter__(self) -> "PoolManager":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PoolManager(pools={sorted(self._pools)}, idle_timeout={self.idle_timeout})"

    # ------------------------------------------------------------ internals
    def _create(self, backend: str, n_jobs: int) -> Executor:
        if backend == "threads":
            return ThreadPoolExecutor(n_jobs, thread_name_prefix="sigmalang-parallel")
        if backend == "processes":
            return ProcessPoolExecutor(n_jobs, mp_context=self._mp_context)
        from ._dask import DaskExecutor

        return DaskExecutor(self._dask_client, n_workers=n_jobs)

    def _start_reaper(self) -> None:
        if self.idle_timeout is None or self._reaper is not None:
            return
        self._reaper = threading.Thread(
            target=self._reap, name="sigmalang-pool-reaper", daemon=True
        )
        self._reaper.start()

    def _reap(self) -> None:
        assert self.idle_timeout is not None
        while True:
            with self._lock:
                if self._closed:
                    return
                now = time.monotonic()
                expired = [
                    k for k, e in self._pools.items()
                    if e.leases == 0 and now - e.last_used >= self.idle_timeout
                ]
                dead = [self._pools.pop(k) for k in expired]
                waits = [
                    e.last_used + self.idle_timeout - now
                    for e in self._pools.values() if e.leases == 0
                ]
                timeout = min(waits) if waits else self.idle_timeout
            for entry in dead:
                shutdown_executor(entry.pool, wait=False)
            with self._lock:
                if not self._closed:
                    self._lock.wait(timeout=max(0.01, timeout))


_MANAGERS: "weakref.WeakSet[PoolManager]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for manager in list(_MANAGERS):
        manager.close(wait=False)


def _after_fork_in_child() -> None:
    # A forked child must not shut down (or reuse) the parent's pools.
    _MANAGERS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
